"""The project list, the team, settings and history, under /projects/ (the project home
is the home app's)."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("<slug:slug>/members/", views.members, name="project_members"),
    path("<slug:slug>/members/<int:user_id>/role/", views.member_role, name="project_member_role"),
    path("<slug:slug>/members/<int:user_id>/remove/", views.member_remove, name="project_member_remove"),
    path("<slug:slug>/settings/", views.project_settings, name="project_settings"),
    path("<slug:slug>/settings/primary-coder/", views.project_primary_coder, name="project_primary_coder"),
    path("<slug:slug>/history/", views.history, name="project_history"),
]
