"""Validation of the comparison pages' input: the setup page's changes, a judgment, the
adoption of another judge's judgment.

Ids are whole numbers written as digits, nothing else ("abc", "1.5" and "1.0" are errors),
and name objects of the project: anything else is a form error, which the pages answer
with 400 and the reason before any service runs. What the services decide (a valid
short name, a value on the factor's scale, evidence about the case) stays with them.
"""
from __future__ import annotations

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme

from apps.cases.models import Attribute
from apps.coding.models import Code
from apps.projects.models import Project


class WholeNumberField(forms.IntegerField):
    """An id or a version: digits only (IntegerField alone would take "1.0" for 1)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and not value.isdigit():
                raise forms.ValidationError(f"{value!r} is not a whole number.", code="invalid")
        return super().to_python(value)


class WholeNumbersField(forms.Field):
    """A repeated parameter of whole numbers (evidence=3&evidence=5)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        field = WholeNumberField()
        return [field.clean(item) for item in value or [] if str(item).strip()]


class TextsField(forms.Field):
    """A repeated text parameter (the ticked values of a scale, one parameter each)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [str(item) for item in value or []]


class SetupForm(forms.Form):
    """One change on the setup page; `action` says which, and the fields it needs are
    resolved to objects of the project. The cleaned data are the arguments of
    `services.setup_change` (`source` becomes `code` or `attribute`)."""

    action = forms.ChoiceField(choices=[("outcome", "set the outcome"), ("add", "add a factor"),
                                        ("update", "change a factor"), ("remove", "remove a factor"),
                                        ("up", "move a factor up"), ("down", "move a factor down")])
    attribute = WholeNumberField(required=False)
    source = forms.CharField(required=False, help_text="code:<id> or attribute:<id>")
    factor = WholeNumberField(required=False)
    label = forms.CharField(required=False)
    positive_values = TextsField(required=False)

    def __init__(self, data, *, project: Project):
        super().__init__(data)
        self.project = project

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action is None or self.errors:  # the fields' own errors say enough
            return data
        # A factor's label is only changed when the form sends one.
        if action == "update" and "label" not in self.data:
            data["label"] = None
        data["code"] = None
        if action != "add":
            data.pop("source", None)
        if action == "outcome":
            data["attribute"] = self._attribute(data.get("attribute"), "attribute") if data.get("attribute") else None
        elif action == "add":
            data["attribute"] = None
            kind, _sep, pk = (data.pop("source", None) or "").partition(":")
            if kind not in ("code", "attribute") or not pk.isdigit():
                raise forms.ValidationError({"source": "Choose a code or a case attribute to compare the cases on."})
            if kind == "code":
                data["code"] = self._code(int(pk))
            else:
                data["attribute"] = self._attribute(int(pk), "source")
        else:
            data["attribute"] = None
            if data.get("factor") is None:
                raise forms.ValidationError({"factor": "Say which factor to change."})
            data["factor"] = self._factor(data["factor"])
        return data

    def _attribute(self, pk: int, field: str) -> Attribute:
        attribute = Attribute.objects.filter(project=self.project, pk=pk).first()
        if attribute is None:
            raise forms.ValidationError({field: f"No attribute {pk} in this project."})
        return attribute

    def _code(self, pk: int) -> Code:
        code = Code.objects.filter(project=self.project, pk=pk, deleted_at__isnull=True).first()
        if code is None:
            raise forms.ValidationError({"source": f"No code {pk} in this project."})
        return code

    def _factor(self, pk: int):
        factor = self.project.factors.filter(pk=pk).select_related("code", "attribute").first()
        if factor is None:
            raise forms.ValidationError({"factor": f"No factor {pk} in this project."})
        return factor


class JudgmentForm(forms.Form):
    """A judge's value of one cell, the rationale, the cited segments, and the version read
    (empty for a cell not judged yet)."""

    value = forms.CharField(required=False)
    rationale = forms.CharField(required=False, strip=False)
    evidence = WholeNumbersField(required=False)
    version = WholeNumberField(required=False)


class AdoptForm(forms.Form):
    """Which judgment of the cell to adopt, and where to go back to (a page of this site)."""

    source = WholeNumberField()
    next = forms.CharField(required=False)

    def clean_next(self) -> str:
        target = self.cleaned_data["next"]
        return target if target and url_has_allowed_host_and_scheme(target, allowed_hosts=set()) else ""
