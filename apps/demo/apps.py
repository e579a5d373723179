"""The fictional demo study and its loader (seed_demo)."""
from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "apps.demo"
    label = "demo"
