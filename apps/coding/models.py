"""The codebook, coded passages (segments), their codings, memos and comments.

Codes are a django-taggit tag model scoped to a project; codings are a taggit through
model that carries a value on the code's scale.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from taggit.managers import TaggableManager
from taggit.models import ItemBase, TagBase

from apps.cases.models import Case
from apps.projects.models import Project
from apps.transcripts.models import Transcript


class Code(TagBase):
    class Scale(models.TextChoices):
        NONE = "none", "No scale"
        PRESENCE = "presence", "Present / absent"
        ORDINAL = "ordinal", "Ordinal (named levels)"

    PRESENCE_LEVELS = ["present", "absent"]

    # Names are unique per project and parent, not globally as in taggit's TagBase.
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, allow_unicode=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    colour = models.CharField(max_length=7, default="#f2c14e")
    description = models.TextField(blank=True)
    inclusion = models.TextField(blank=True, help_text="When to apply the code.")
    exclusion = models.TextField(blank=True, help_text="When not to apply it.")
    example = models.TextField(blank=True)
    scale = models.CharField(max_length=10, choices=Scale.choices, default=Scale.NONE)
    levels = models.JSONField(default=list, blank=True, help_text="Named levels of an ordinal scale, low to high.")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "parent", "name"], name="code_unique_name_in_parent"),
            models.UniqueConstraint(fields=["project", "name"], condition=Q(parent__isnull=True),
                                    name="code_unique_name_at_root"),
        ]

    @property
    def scale_values(self) -> list[str]:
        """The values a coding of this code may carry ('' always means: no value)."""
        if self.scale == self.Scale.PRESENCE:
            return list(self.PRESENCE_LEVELS)
        if self.scale == self.Scale.ORDINAL:
            return list(self.levels)
        return []


class AliveSegmentManager(models.Manager):
    """Segments that are not in the trash; the default everywhere."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Segment(models.Model):
    """A coded passage: a code-point range of a transcript's text."""

    # No single-column indexes where a composite one of Meta.indexes starts with the column:
    # every index is written on each coding click and each trashing (#19).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="segments", db_index=False)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments", db_index=False)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField(help_text="The text between start and end when coded; used to re-anchor.")
    words = models.PositiveIntegerField(default=0, help_text="Words in the quote as str.split() counts them; set "
                                                            "wherever the quote is, summed by the analysis.")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="segments")
    memo = models.TextField(blank=True)
    cases = models.ManyToManyField(Case, blank=True, related_name="segments")
    codes = TaggableManager(through="Coding", blank=True, related_name="segments")
    is_case_section = models.BooleanField(default=False, help_text="Marks a part of an interview about its cases.")
    needs_review = models.CharField(max_length=300, blank=True,
                                    help_text="Why the segment must be checked after the text was edited.")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Read only when a user is deleted (to set it to NULL): no index to write on every click.
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", db_index=False)

    objects = AliveSegmentManager()
    all_objects = models.Manager()

    class Meta:
        ordering = ["transcript", "start", "end", "id"]
        base_manager_name = "all_objects"
        constraints = [models.CheckConstraint(condition=Q(start__lt=F("end")), name="segment_start_before_end")]
        indexes = [
            models.Index(fields=["project", "deleted_at"]),
            # A transcript's segments in text order, and the case-membership rule's overlap
            # join: both ends are checked inside the index.
            models.Index(fields=["transcript", "start", "end"], name="segment_overlap"),
            # The project's live segments from the index alone, without reading their wide rows
            # (quote, memo): what the counts by transcript and by code join (codebook, home).
            models.Index(fields=["project", "transcript", "id"], condition=Q(deleted_at=None), name="segment_alive"),
        ]

    def __str__(self):
        return f"{self.transcript} [{self.start}:{self.end}]"


class CaseMembership(models.Model):
    """A segment that counts for a case, as the case-membership rule decides
    (`selectors.case_membership_sql`). Stored, not worked out on each read: the analysis
    of a large project would otherwise compute every overlap in every transcript per
    query. `services.case_membership_refresh` writes the rows from the rule; the receivers
    in `signals.py` call it whenever a segment, a segment's cases or a transcript's cases
    change, so nothing else writes here."""

    # Derived rows, rewritten wholesale: no foreign-key triggers to check on each insert
    # (Django still deletes them with their segment, case, transcript or project), and
    # no single-column indexes beside the composite ones that cover them.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_constraint=False,
                                db_index=False)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="+", db_constraint=False,
                                   db_index=False)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships", db_constraint=False,
                                db_index=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "case"], name="membership_unique_segment_case")]
        indexes = [models.Index(fields=["project", "case"]), models.Index(fields=["transcript", "segment"])]

    def __str__(self):
        return f"segment {self.segment_id} counts for case {self.case_id}"


class Coding(ItemBase):
    """A code applied to a segment, with an optional value on the code's scale."""

    # Each column leads one of the two composite indexes below: no index of its own (#19).
    content_object = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="codings", db_index=False)
    tag = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="codings", db_index=False)
    value = models.CharField(max_length=100, blank=True)
    settled = models.BooleanField(
        default=False, help_text="Kept when coders' disagreement was settled: counts as the primary coding.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_object", "tag"], name="coding_unique_code")]
        indexes = [models.Index(fields=["tag", "content_object"])]

    @property
    def segment(self) -> Segment:
        return self.content_object

    @property
    def code(self) -> Code:
        return self.tag

    def __str__(self):
        return f"{self.tag} on {self.content_object_id}" + (f" = {self.value}" if self.value else "")


class Note(models.Model):
    """What memos and comments share: free text on a project or one object in it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    code = models.ForeignKey(Code, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @property
    def target(self):
        return self.segment or self.transcript or self.case or self.code or self.project


class Memo(Note):
    """A researcher's analytic note."""

    title = models.CharField(max_length=200, blank=True)

    class Meta(Note.Meta):
        pass

    def __str__(self):
        return self.title or self.text[:60]


class Comment(Note):
    """A reviewer's remark, answered and resolved by the researchers. On a matrix cell
    both code and case are set."""

    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta(Note.Meta):
        pass

    def __str__(self):
        return self.text[:60]
