"""The project home and the history of one object, under /projects/<slug>/, and the Help
page (the guide, docs/guide.md) with its screenshots under /help/."""
from django.urls import path

from . import views

urlpatterns = [
    path("help/", views.help_page, name="help"),
    path("help/screenshots/<str:name>", views.help_screenshot, name="help_screenshot"),
    path("projects/<slug:slug>/", views.project_detail, name="project_home"),
    path("projects/<slug:slug>/history/<slug:target_type>/<int:target_id>/", views.target_history_view,
         name="target_history"),
]
