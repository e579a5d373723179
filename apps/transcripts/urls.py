"""The transcript pages, under /projects/<slug>/ (the reading and coding page and the text
editor are the coding app's, the Import page apps.media's)."""
from django.urls import path

from . import views

urlpatterns = [
    path("transcripts/<int:pk>/speakers/", views.transcript_speakers_view, name="transcript_speakers"),
]
