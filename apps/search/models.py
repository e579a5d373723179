"""The search index of the transcripts, saved searches, and the batches that coded hits.

`Passage` rows are derived from the transcripts' text and turns, written only by
`services.passages_store` (called when a text is stored, see receivers.py). Each database
adds its own full-text machinery to the table in the migrations (backends.py): PostgreSQL
a `lexemes` tsvector column with a GIN index and a trigram index on `folded`; SQLite an
FTS5 table `search_passage_fts` whose rowid is the passage's id.
"""
from django.conf import settings
from django.db import models

from apps.coding.models import Code, Segment
from apps.projects.models import Activity, Project
from apps.transcripts.models import Transcript


class Passage(models.Model):
    """A stretch of a transcript as the search reads it: one turn (a paragraph, ¶), or a
    piece of a very long one (pieces overlap, so that a phrase across their border is
    still found). `folded` is its text without case and diacritics (apps/search/text.py);
    `shifted` says that folding changed the length, so offsets into `folded` must be
    mapped back to the text (rare: ß, a lone combining accent)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="+", db_index=False)
    paragraph = models.PositiveIntegerField(help_text="The turn's number (¶).")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    folded = models.TextField()
    shifted = models.BooleanField(default=False)

    class Meta:
        ordering = ["transcript", "start"]
        indexes = [models.Index(fields=["project", "transcript", "start"]),
                   models.Index(fields=["transcript", "start"])]

    def __str__(self):
        return f"{self.transcript_id} ¶{self.paragraph} [{self.start}:{self.end}]"


class SavedSearch(models.Model):
    """A search to run again later: the query and filters as the search form sends them,
    and the hits of the run last remembered, to show what is new since."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=200)
    params = models.JSONField(default=dict, help_text="The query and filters (the search form's fields).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_hit_keys = models.JSONField(default=list, blank=True,
                                     help_text='Hits of the last remembered run, as "transcript:start:end".')

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="saved_search_unique_name")]

    def __str__(self):
        return self.name


class CodingBatch(models.Model):
    """The segments one "code every hit" created: one entry of the history, undone as one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="+")
    code = models.ForeignKey(Code, on_delete=models.SET_NULL, null=True, related_name="+")
    params = models.JSONField(default=dict, help_text="The search whose hits were coded.")
    extend = models.CharField(max_length=20)
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    segments = models.ManyToManyField(Segment, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "coding batches"

    def __str__(self):
        return f"batch {self.pk} ({self.code})"
