"""Projects, who belongs to them, and the record of every change."""
from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    independent_coding = models.BooleanField(
        default=False,
        help_text="Coders work independently: each may change and delete only their own segments (owners may "
                  "settle disagreements).",
    )
    primary_coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Whose codings the appendix, the matrix and the comparison use by default; empty: the first "
                  "owner (see apps.projects.selectors.primary_coder).",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    CODER = "coder", "Coder"
    REVIEWER = "reviewer", "Reviewer"


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user")]
        ordering = ["project", "user__username"]

    def __str__(self):
        return f"{self.user} in {self.project} as {self.role}"

    @property
    def can_code(self) -> bool:
        return self.role in (Role.OWNER, Role.CODER)


class Activity(models.Model):
    """Who changed what, and how: the history of a project (before/after as JSON)."""

    # The project leads each index below: none of its own (every write adds a row here, #19).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    verb = models.CharField(max_length=40)
    target_type = models.CharField(max_length=40)
    target_id = models.PositiveBigIntegerField(null=True)
    # The transcript of the one segment this write changed (a segment's coding, editing,
    # trashing, restoring), or None for any other write: the stamps of a project are read
    # per transcript from it (apps.projects.state). A write tied to a transcript here must
    # change nothing but that transcript's segments; one left untied costs only a wider
    # recomputation. No foreign key: the history outlives the transcript.
    segment_transcript = models.PositiveBigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # An object's history by its target (with the id as well, the stamps of some
        # segments' writes); the project's stamps per transcript (apps.projects.state: sums
        # of the ids of its activities), read from the index alone, not from every row of
        # the history; its latest activities (its history page, the home's recent changes) in
        # that order, whatever other projects' histories hold.
        indexes = [models.Index(fields=["project", "target_type", "target_id", "id"]),
                   models.Index(fields=["project", "segment_transcript", "id"], name="activity_stamps"),
                   models.Index(fields=["project", "created_at", "id"], name="activity_latest")]
        verbose_name_plural = "activities"

    def __str__(self):
        return f"{self.actor} {self.verb} {self.target_type} {self.target_id}"


class LoginThrottle(models.Model):
    """Failed sign-ins counted per key ("pair:<name>|<address>", "ip:<address>" or
    "device:<name>|<browser>"), so that a password cannot be guessed by trying many: see
    apps.projects.throttle."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    strikes = models.PositiveIntegerField(default=0, help_text="Pauses so far; each lasts twice as long as the last.")

    def __str__(self):
        return f"{self.key}: {self.failures} failures"


class Job(models.Model):
    """Long work a task worker runs off the request (a .qdpx import): who asked for it, how
    far it got (step, done of total), and how it ended: a result, or a reason a person can
    read. The page that started it polls it, and the user finds it again in their jobs."""

    class Status(models.TextChoices):
        QUEUED = "queued", "waiting for a worker"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)  # not ended yet: a worker has it, or will

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    project = models.ForeignKey(Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs",
                                help_text="The project the job works on, or the one it made.")
    kind = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=200, blank=True, help_text="What is being done now.")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    step_started_at = models.DateTimeField(null=True, blank=True,
                                           help_text="When the step began: the estimate of the time left rests on it.")
    reason = models.TextField(blank=True, help_text="Why it failed, for the user.")
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "created_at"])]

    def __str__(self):
        return f"{self.label} ({self.status})"


class Session(AbstractBaseSession):
    """A browser's session with its signed-in user as a column: a request reads the session,
    its user and (on a project's page) the membership in one query (apps.projects.sessions).
    Deleting a user ends their sessions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
