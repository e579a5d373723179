"""What the exports app keeps between two requests: an uploaded .qdpx waiting for the
user's choice when some of its selections cannot be placed exactly, and a file that an
export job made for its user to download."""
from django.conf import settings
from django.db import models

from apps.projects.models import Job


class PendingQdpxImport(models.Model):
    """An uploaded REFI-QDA project whose report was shown but not yet confirmed or
    cancelled; deleted by either, and after a day by the next upload."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    project_name = models.CharField(max_length=200, blank=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            help_text="The import job that reads it (kept while the job waits or runs).")

    def __str__(self) -> str:
        return f"{self.filename} (waiting for {self.user})"


class ExportFile(models.Model):
    """A file an export job made off the request (a large project's appendix or .qdpx), kept
    for the job's user to download; the next export job of that user removes those older
    than a day."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="export_file")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename
