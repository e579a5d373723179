"""The project home, navigation and help: reads every app, nothing reads it."""
from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "apps.home"
    label = "home"
