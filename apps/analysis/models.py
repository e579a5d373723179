"""The review: a reviewer's verdict on a transcript's coding or on the codebook."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.projects.models import Project


class Review(models.Model):
    """A reviewer's verdict on a transcript's coding, or on the codebook (no transcript):
    approved, or changes requested with a note saying what. Verdicts are kept as a
    history; the latest one per transcript (or for the codebook) is the current status."""

    class Status(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    transcript = models.ForeignKey("transcripts.Transcript", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="reviews", help_text="Empty: the review is of the codebook.")
    status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "transcript", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(status="changes_requested") | ~Q(note=""),
                                   name="review_changes_requested_has_note"),
        ]

    def __str__(self):
        return f"{self.get_status_display()}: {self.transcript or 'codebook'}"
