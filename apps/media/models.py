"""A transcript's recording: the audio or video the interview was transcribed from."""
import uuid

from django.conf import settings
from django.db import models

from apps.projects.models import Job
from apps.transcripts.models import Transcript


def recording_path(recording: "Recording", filename: str) -> str:
    """A name nobody guesses and no upload chooses: the file is served through a view that
    checks membership, never from a public folder, and the uploaded name is kept apart."""
    return f"recordings/{recording.transcript.project_id}/{recording.transcript_id}/{uuid.uuid4().hex}.{recording.format}"


class Recording(models.Model):
    """One recording per transcript; its times reach the text through the turns' timings
    (Turn.meta "start"/"end" in seconds, from .vtt/.srt or timestamped text)."""

    class Kind(models.TextChoices):
        AUDIO = "audio"
        VIDEO = "video"

    transcript = models.OneToOneField(Transcript, on_delete=models.CASCADE, related_name="recording")
    file = models.FileField(upload_to=recording_path, max_length=300)
    format = models.CharField(max_length=8, help_text="mp3, m4a, wav, ogg, mp4 or webm, as read from the content.")
    content_type = models.CharField(max_length=40)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    size = models.PositiveBigIntegerField()
    duration = models.FloatField(null=True, blank=True, help_text="Seconds, where ffprobe could tell.")
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    transcription = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The latest transcription queued for it: read with the recording, so that the transcript page "
                  "can say, without a query of its own, that the text awaits it.")

    def __str__(self):
        return f"{self.transcript} ({self.format})"
