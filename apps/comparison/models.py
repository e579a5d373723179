"""The comparison: which factors are compared, how the outcome is calibrated, and the
researcher's judgment per cell. The tables were created by the analysis app and renamed
when the comparison became an app of its own (migration analysis 0004)."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.cases.models import Attribute, Case
from apps.coding.models import Code, Segment
from apps.projects.models import Project


class Calibration(models.TextChoices):
    """How a factor or the outcome becomes a set the cases belong to."""

    CRISP = "crisp", "crisp: 0 or 1 from the judgments"
    DIRECT = "direct", "fuzzy, direct method: three anchors on a raw value per case"
    MANUAL = "manual", "fuzzy, set by hand: a score from 0 to 1 per case, with a rationale"


class CalibratedSet(models.Model):
    """The calibration of a factor or of the outcome; the anchors serve the direct method
    (Ragin 2008, `methods/calibration.py`), in the raw value's units."""

    calibration = models.CharField(max_length=10, choices=Calibration.choices, default=Calibration.CRISP)
    anchor_full = models.FloatField(null=True, blank=True, help_text="Raw value of full membership (0.95).")
    anchor_crossover = models.FloatField(null=True, blank=True, help_text="Raw value of the crossover (0.5).")
    anchor_non = models.FloatField(null=True, blank=True, help_text="Raw value of full non-membership (0.05).")

    class Meta:
        abstract = True

    @property
    def fuzzy(self) -> bool:
        return self.calibration != Calibration.CRISP


class Factor(CalibratedSet):
    """A row of the comparison: a code (with a scale) or a case attribute."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="factors")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    label = models.CharField(max_length=100, blank=True, help_text="Short name in tables and QCA formulas.")
    positive_values = models.JSONField(default=list, blank=True,
                                       help_text="Values calibrated to 1 in the crisp-set table, e.g. ['present'].")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(code__isnull=True) ^ Q(attribute__isnull=True),
                                   name="factor_code_xor_attribute"),
            models.UniqueConstraint(fields=["project", "code"], name="factor_unique_code"),
            models.UniqueConstraint(fields=["project", "attribute"], name="factor_unique_attribute"),
        ]

    def __str__(self):
        return self.label or str(self.code or self.attribute)


class Judgment(models.Model):
    """A researcher's value for one factor in one case, with a rationale and cited evidence."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="judgments")
    factor = models.ForeignKey(Factor, on_delete=models.CASCADE, related_name="judgments")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="judgments")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="judgments")
    value = models.CharField(max_length=100, blank=True)
    rationale = models.TextField(blank=True)
    evidence = models.ManyToManyField(Segment, blank=True, related_name="judgments")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["factor", "case"]
        constraints = [models.UniqueConstraint(fields=["factor", "case", "judge"], name="judgment_unique_cell")]

    def __str__(self):
        return f"{self.factor} in {self.case}: {self.value or '?'}"


class OutcomeCalibration(CalibratedSet):
    """How the outcome enters the crisp-set table: its name in formulas and, for a
    categorical outcome, the categories that count as 1 (a boolean outcome: true is 1)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="outcome_calibration")
    label = models.CharField(max_length=100, blank=True, help_text="Name of the outcome in tables and QCA formulas.")
    positive_values = models.JSONField(default=list, blank=True,
                                       help_text="Categories of a categorical outcome calibrated to 1.")

    def __str__(self):
        return f"outcome of {self.project}: {self.label}"


class SetMembership(models.Model):
    """A case's fuzzy membership in a factor's set, or in the outcome's when `factor` is
    empty: the raw value the direct method calibrates (with where it came from, which the
    researcher confirmed), or the score the researcher set by hand with a rationale and
    cited evidence, like a judgment."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="set_memberships")
    factor = models.ForeignKey(Factor, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="set_memberships")
    raw = models.FloatField(null=True, blank=True, help_text="The raw value the direct method calibrates.")
    raw_source = models.CharField(max_length=300, blank=True, help_text="Where the raw value comes from.")
    score = models.FloatField(null=True, blank=True, help_text="A membership from 0 to 1 set by hand.")
    rationale = models.TextField(blank=True)
    evidence = models.ManyToManyField(Segment, blank=True, related_name="set_memberships")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["factor", "case"]
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                                   name="membership_score_from_0_to_1"),
            models.UniqueConstraint(fields=["factor", "case"], condition=Q(factor__isnull=False),
                                    name="membership_unique_factor_case"),
            models.UniqueConstraint(fields=["project", "case"], condition=Q(factor__isnull=True),
                                    name="membership_unique_outcome_case"),
        ]

    def __str__(self):
        return f"{self.case} in {self.factor or 'the outcome'}: {self.score if self.score is not None else self.raw}"
