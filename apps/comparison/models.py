"""The comparison: which factors are compared, how the outcome is calibrated, and the
researcher's judgment per cell. The tables were created by the analysis app and renamed
when the comparison became an app of its own (migration analysis 0004)."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.cases.models import Attribute, Case
from apps.coding.models import Code, Segment
from apps.projects.models import Project


class Factor(models.Model):
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


class OutcomeCalibration(models.Model):
    """How the outcome enters the crisp-set table: its name in formulas and, for a
    categorical outcome, the categories that count as 1 (a boolean outcome: true is 1)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="outcome_calibration")
    label = models.CharField(max_length=100, blank=True, help_text="Name of the outcome in tables and QCA formulas.")
    positive_values = models.JSONField(default=list, blank=True,
                                       help_text="Categories of a categorical outcome calibrated to 1.")

    def __str__(self):
        return f"outcome of {self.project}: {self.label}"
