"""The Help page (the guide) and its screenshots, under /help/."""
from django.urls import path

from . import help

urlpatterns = [
    path("", help.help_page, name="help"),
    path("screenshots/<str:name>", help.help_screenshot, name="help_screenshot"),
]
