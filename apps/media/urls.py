"""A transcript's recording, under /projects/<slug>/."""
from django.urls import path

from . import views

urlpatterns = [
    path("transcripts/import/", views.transcript_import, name="transcript_import"),  # with recordings
    path("transcripts/<int:pk>/recording/", views.recording_page, name="recording_page"),
    path("transcripts/<int:pk>/recording/remove/", views.recording_remove_view, name="recording_remove"),
    path("transcripts/<int:pk>/recording/file", views.recording_file, name="recording_file"),
    path("transcripts/<int:pk>/recording/transcribe/", views.recording_transcribe, name="recording_transcribe"),
    path("transcriptions/<int:job_id>/", views.transcription_job, name="transcription_job"),
]
