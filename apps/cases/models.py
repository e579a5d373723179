"""Cases and the typed attributes that describe cases and experts."""
from django.db import models
from django.db.models import Q

from apps.projects.models import Project
from apps.transcripts.models import Expert, Transcript


class Attribute(models.Model):
    """A typed variable of cases or of experts (REFI-QDA calls them variables)."""

    class AppliesTo(models.TextChoices):
        CASE = "case", "Cases"
        EXPERT = "expert", "Experts"

    class Type(models.TextChoices):
        TEXT = "text", "Text"
        INTEGER = "integer", "Integer"
        DECIMAL = "decimal", "Decimal"
        BOOLEAN = "boolean", "Boolean"
        DATE = "date", "Date"
        CATEGORICAL = "categorical", "Categorical"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attributes")
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=12, choices=Type.choices, default=Type.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="The categories of a categorical attribute.")
    is_outcome = models.BooleanField(default=False, help_text="The outcome of the comparison (cases only).")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["applies_to", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "applies_to", "name"], name="attribute_unique_name"),
            models.UniqueConstraint(fields=["project"], condition=Q(is_outcome=True), name="attribute_one_outcome"),
            models.CheckConstraint(
                condition=Q(is_outcome=False) | (Q(applies_to="case") & Q(type__in=["boolean", "categorical"])),
                name="attribute_outcome_is_case_boolean_or_categorical",
            ),
        ]

    def __str__(self):
        return self.name


class Case(models.Model):
    """A unit of the comparison, e.g. "Kazakhstan 2022"."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cases")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    transcripts = models.ManyToManyField(Transcript, blank=True, related_name="cases",
                                         help_text="Whole transcripts that count for this case.")

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="case_unique_name")]

    def __str__(self):
        return self.name


class CaseValue(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="case_values")
    value = models.JSONField(null=True, help_text="Stored in the attribute's type: str, int, bool, ISO date.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "attribute"], name="casevalue_unique")]

    def __str__(self):
        return f"{self.case}: {self.attribute} = {self.value}"


class ExpertValue(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="expert_values")
    value = models.JSONField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["expert", "attribute"], name="expertvalue_unique")]

    def __str__(self):
        return f"{self.expert}: {self.attribute} = {self.value}"
