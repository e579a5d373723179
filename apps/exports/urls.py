"""The Exports page and its downloads under /projects/<slug>/; the .qdpx import, which
belongs to no project (it creates one): config/urls.py mounts `import_urlpatterns` under
/import/; and the export jobs of a user (`job_urlpatterns`, under /exports/)."""
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

job_urlpatterns = [
    path("jobs/<int:job_id>/", views.export_job, name="export_job"),
    path("jobs/<int:job_id>/file", views.export_job_file, name="export_job_file"),
]
