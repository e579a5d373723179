"""The transcript pages, under /projects/<slug>/ (the reading and coding page and the text
editor are the coding app's)."""
from django.urls import path

from . import views

urlpatterns = [
    path("transcripts/import/", views.transcript_import, name="transcript_import"),
    path("transcripts/<int:pk>/speakers/", views.transcript_speakers_view, name="transcript_speakers"),
]
