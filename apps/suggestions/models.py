"""What the suggestions remember: where an accepted coding came from, and what a coder
turned down (never proposed again for that code)."""
from django.conf import settings
from django.db import models

from apps.coding.models import Code, Segment
from apps.projects.models import Project
from apps.transcripts.models import Transcript


class SuggestionOrigin(models.Model):
    """A segment that began as an engine's suggestion, accepted by a coder."""

    segment = models.OneToOneField(Segment, on_delete=models.CASCADE, related_name="suggestion_origin")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="+")
    engine = models.CharField(max_length=100)
    engine_version = models.CharField(max_length=40)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.engine} {self.engine_version}: segment {self.segment_id}"


class SuggestionRejection(models.Model):
    """A passage a coder said does not belong to a code."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="+")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    engine = models.CharField(max_length=100)
    engine_version = models.CharField(max_length=40)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rejected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "transcript", "start", "end"],
                                               name="suggestion_rejected_once")]
        indexes = [models.Index(fields=["project", "code"])]

    def __str__(self):
        return f"not {self.code_id}: {self.transcript_id}:{self.start}-{self.end}"
