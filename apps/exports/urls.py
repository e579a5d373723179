"""The Exports page and its downloads under /projects/<slug>/, and the .qdpx import, which
belongs to no project (it creates one): config/urls.py mounts `import_urlpatterns` under
/import/."""
from django.urls import path

from . import views

urlpatterns = [
    path("exports/", views.exports_page, name="exports"),
    path("exports/appendix/", views.appendix_download, name="exports_appendix"),
    path("exports/codebook/", views.codebook_download, name="exports_codebook"),
    path("exports/codebook/import/", views.codebook_upload, name="exports_codebook_import"),
    path("exports/project.qdpx", views.qdpx_download, name="exports_qdpx"),
]

import_urlpatterns = [
    path("qdpx/", views.qdpx_upload, name="qdpx_import"),
    path("qdpx/confirm/", views.qdpx_confirm, name="qdpx_confirm"),
    path("qdpx/jobs/<int:job_id>/", views.qdpx_job, name="qdpx_job"),
]
