"""The transcript pages, under /projects/<slug>/ (the reading and coding page is the coding app's)."""
from django.urls import path

from . import views

urlpatterns = [
    path("transcripts/import/", views.transcript_import, name="transcript_import"),
    path("transcripts/<int:pk>/speakers/", views.transcript_speakers_view, name="transcript_speakers"),
    path("transcripts/<int:pk>/edit/", views.transcript_edit, name="transcript_edit"),
    path("transcripts/<int:pk>/edits/<int:activity_id>/", views.transcript_edit_summary,
         name="transcript_edit_summary"),
]
