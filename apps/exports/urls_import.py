"""The .qdpx import, outside any project: it creates a new one."""
from django.urls import path

from . import views

urlpatterns = [
    path("qdpx/", views.qdpx_upload, name="qdpx_import"),
    path("qdpx/confirm/", views.qdpx_confirm, name="qdpx_confirm"),
]
