"""Validation of the analysis pages' parameters and of the review forms."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from apps.cases.models import Attribute, Case
from apps.coding.models import Code, Comment, Segment
from apps.projects import limits
from apps.projects.inputs import BoundedIntegerField, IdField, ascii_int
from apps.transcripts.models import Transcript

from .models import Review
from .selectors import BREAKDOWNS, COLUMN_KINDS, MEASURES


def first_error(form: forms.Form) -> str:
    """One readable sentence naming the field and what is wrong."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields and form.fields[name].label else name
        return f"{label}: {errors[0]}" if name != "__all__" else errors[0]
    return "Invalid input."


class FlagField(forms.Field):
    """A yes/no query parameter: 1/0, true/false, on/off; absent means `default`."""

    TRUE, FALSE = {"1", "true", "on", "yes"}, {"0", "false", "off", "no"}

    def __init__(self, *, default: bool, **kwargs):
        self.default = default
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return self.default
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in self.TRUE:
            return True
        if word in self.FALSE:
            return False
        raise ValidationError(f"{value!r} is neither 1 (yes) nor 0 (no)")


class _ProjectForm(forms.Form):
    def __init__(self, data, *, project, **kwargs):
        super().__init__(data, **kwargs)
        self.project = project

    def _code(self, name: str) -> Code | None:
        pk = self.cleaned_data.get(name)
        if pk is None:
            return None
        code = Code.objects.filter(project=self.project, pk=pk, deleted_at__isnull=True).first()
        if code is None:
            raise ValidationError("no such code in this project's codebook")
        return code

    def _case(self, name: str) -> Case | None:
        pk = self.cleaned_data.get(name)
        if pk is None:
            return None
        case = Case.objects.filter(project=self.project, pk=pk).first()
        if case is None:
            raise ValidationError("no such case in this project")
        return case


class MatrixForm(_ProjectForm):
    """?measure=experts|segments|words&columns=cases|experts|transcripts|coders|<attribute id>&root=<code id>&subcodes=1
    &all_coders=1 (default: the primary coding only)"""

    measure = forms.ChoiceField(choices=list(MEASURES.items()), required=False, label="Measure")
    columns = forms.CharField(required=False, max_length=20, label="Columns")
    root = IdField(required=False, label="Branch")
    subcodes = FlagField(default=False, label="Include sub-codes")
    all_coders = FlagField(default=False, label="Every coder")

    def clean_measure(self):
        return self.cleaned_data["measure"] or "experts"

    def clean_columns(self):
        value = self.cleaned_data["columns"] or "cases"
        if value in COLUMN_KINDS:
            return value
        attribute_id = ascii_int(value)
        if attribute_id is None or not Attribute.objects.filter(project=self.project, pk=attribute_id).exists():
            raise ValidationError(f"choose {', '.join(COLUMN_KINDS)} or an attribute of this project")
        return attribute_id

    def clean_root(self):
        return self._code("root")


class FrequenciesForm(_ProjectForm):
    """?by=transcripts|experts|cases|coders&measure=...&root=<code id>&subcodes=0|1 (default 1)"""

    by = forms.ChoiceField(choices=list(BREAKDOWNS.items()), required=False, label="Break down by")
    measure = forms.ChoiceField(choices=list(MEASURES.items()), required=False, label="Measure")
    root = IdField(required=False, label="Branch")
    subcodes = FlagField(default=True, label="Include sub-codes")

    def clean_by(self):
        return self.cleaned_data["by"] or "cases"

    def clean_measure(self):
        return self.cleaned_data["measure"] or "segments"

    def clean_root(self):
        return self._code("root")



class CooccurrenceForm(_ProjectForm):
    case = IdField(required=False, label="Case")

    def clean_case(self):
        return self._case("case")


class ExcerptsForm(MatrixForm):
    """A matrix cell: the code (row) and the column's key."""

    code = IdField(label="Code")
    column = forms.CharField(max_length=200, label="Column")
    offset = BoundedIntegerField(required=False, label="Offset")

    def clean_code(self):
        return self._code("code")


class CooccurrenceExcerptsForm(CooccurrenceForm):
    code = IdField(label="Code")
    other = IdField(label="Other code")
    offset = BoundedIntegerField(required=False, label="Offset")

    def clean_code(self):
        return self._code("code")

    def clean_other(self):
        return self._code("other")


class ReviewForm(_ProjectForm):
    transcript = IdField(required=False, label="Transcript")
    status = forms.ChoiceField(choices=Review.Status.choices, label="Status")
    note = forms.CharField(required=False, max_length=limits.DESCRIPTION, widget=forms.Textarea, label="Note")

    def clean_transcript(self):
        pk = self.cleaned_data.get("transcript")
        if pk is None:
            return None
        transcript = Transcript.objects.filter(project=self.project, pk=pk).defer("text").first()
        if transcript is None:
            raise ValidationError("no such transcript in this project")
        return transcript


class CommentTargetForm(_ProjectForm):
    """What a comment is on: a segment, a code, a transcript, a matrix cell (code + case),
    or the project (nothing)."""

    code = IdField(required=False, label="Code")
    case = IdField(required=False, label="Case")
    segment = IdField(required=False, label="Segment")
    transcript = IdField(required=False, label="Transcript")

    def clean_code(self):
        return self._code("code")

    def clean_case(self):
        return self._case("case")

    def clean_segment(self):
        pk = self.cleaned_data.get("segment")
        if pk is None:
            return None
        segment = Segment.objects.filter(project=self.project, pk=pk).first()
        if segment is None:
            raise ValidationError("no such segment in this project")
        return segment

    def clean_transcript(self):
        pk = self.cleaned_data.get("transcript")
        if pk is None:
            return None
        transcript = Transcript.objects.filter(project=self.project, pk=pk).defer("text").first()
        if transcript is None:
            raise ValidationError("no such transcript in this project")
        return transcript


class CommentForm(CommentTargetForm):
    """A comment on a target, or an answer to another comment (`parent`)."""

    text = forms.CharField(max_length=limits.COMMENT, label="Comment", widget=forms.Textarea)
    parent = IdField(required=False, label="Answer to")

    def clean_parent(self):
        pk = self.cleaned_data.get("parent")
        if pk is None:
            return None
        parent = Comment.objects.filter(project=self.project, pk=pk).select_related("parent").first()
        if parent is None:
            raise ValidationError("no such comment in this project")
        return parent.parent or parent  # an answer to an answer joins the same thread
