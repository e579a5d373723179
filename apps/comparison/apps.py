"""Factors, outcome, judgments, MSSD, truth tables and minimisation."""
from django.apps import AppConfig


class ComparisonConfig(AppConfig):
    name = "apps.comparison"
    label = "comparison"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receiver that moves a factor when its code is merged)
