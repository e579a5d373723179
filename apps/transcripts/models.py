"""Interviews: the experts who speak, the stored text, and its turns (paragraphs)."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.projects.models import Project


class Expert(models.Model):
    """A source person, known in the project by a pseudonym (E1 ... E7)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="experts")
    pseudonym = models.CharField(max_length=40)
    real_name = models.CharField(max_length=200, blank=True, help_text="Never exported unless asked for.")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pseudonym"]
        constraints = [models.UniqueConstraint(fields=["project", "pseudonym"], name="expert_unique_pseudonym")]

    def __str__(self):
        return self.pseudonym


class Transcript(models.Model):
    """One interview. The text is stored once, normalised, and never holds markup."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transcripts")
    expert = models.ForeignKey(Expert, on_delete=models.SET_NULL, null=True, blank=True, related_name="transcripts")
    title = models.CharField(max_length=200)
    text = models.TextField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the stored text.")
    source_filename = models.CharField(max_length=255, blank=True)
    source_format = models.CharField(max_length=20, blank=True)
    expert_speaker = models.CharField(max_length=100, blank=True, help_text="The speaker label of the expert.")
    pseudonym_map = models.JSONField(default=list, blank=True, help_text="Names replaced at import; never exported.")
    speaker_choices = models.JSONField(
        default=dict, blank=True,
        help_text="The import preview's speaker corrections (labels rejected, taken, merged), applied again when "
                  "the text is edited.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["project", "checksum"])]
        constraints = [models.UniqueConstraint(fields=["project", "title"], name="transcript_unique_title")]

    def __str__(self):
        return self.title

    @property
    def word_count(self) -> int:
        return len(self.text.split())


class Turn(models.Model):
    """A speaker's turn: a range of the text, numbered as a paragraph (¶) for citations."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="turns")
    number = models.PositiveIntegerField()
    speaker = models.CharField(max_length=100, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["transcript", "number"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "number"], name="turn_unique_number"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="turn_start_before_end"),
        ]
        indexes = [models.Index(fields=["transcript", "start"])]

    def __str__(self):
        return f"{self.transcript} ¶{self.number}"
