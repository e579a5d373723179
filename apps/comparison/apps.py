"""Factors, outcome, judgments, MSSD, truth tables and minimisation."""
from django.apps import AppConfig


class ComparisonConfig(AppConfig):
    name = "apps.comparison"
    label = "comparison"
