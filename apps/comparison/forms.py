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
from apps.projects.limits import QUERY, RATIONALE
from apps.projects.models import Project

from .models import Calibration


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


class CalibrationForm(forms.Form):
    """How a set is calibrated (`action=method`), one case's membership
    (`action=membership`: the confirmed raw value with its source, or the score set by
    hand with the rationale and cited segments), or every proposed raw value confirmed at
    once (`action=confirm`)."""

    action = forms.ChoiceField(choices=[("method", "set the calibration"), ("membership", "set a membership"),
                                        ("confirm", "confirm every proposed raw value")])
    method = forms.ChoiceField(choices=Calibration.choices, required=False)
    full = forms.FloatField(required=False)
    crossover = forms.FloatField(required=False)
    non = forms.FloatField(required=False)
    case = WholeNumberField(required=False)
    raw = forms.FloatField(required=False)
    raw_source = forms.CharField(required=False, max_length=300)
    score = forms.FloatField(required=False)
    rationale = forms.CharField(required=False, strip=False, max_length=RATIONALE)
    evidence = WholeNumbersField(required=False)

    def __init__(self, data, *, project: Project):
        super().__init__(data)
        self.project = project

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data["action"] == "method":
            if not data.get("method"):
                raise forms.ValidationError({"method": "Choose how the set is calibrated."})
        elif data["action"] == "membership":
            if data.get("case") is None:
                raise forms.ValidationError({"case": "Say which case."})
            case = self.project.cases.filter(pk=data["case"]).first()
            if case is None:
                raise forms.ValidationError({"case": f"No case {data['case']} in this project."})
            data["case"] = case
        return data


DIRECTIONS = {"1": 1, "0": 0, "-": None}


class SetParamsForm(forms.Form):
    """The set-analysis page's GET parameters: cut-offs, the necessity threshold, the
    directional expectations (`exp_<CONDITION>` = 1, 0 or -), untenable products, and what
    the XY plot shows. Out-of-range numbers are errors with their reason."""

    incl = forms.FloatField(required=False, min_value=0, max_value=1)
    incl0 = forms.FloatField(required=False, min_value=0, max_value=1)
    pri = forms.FloatField(required=False, min_value=0, max_value=1)
    n = forms.IntegerField(required=False, min_value=1, max_value=10_000)
    threshold = forms.FloatField(required=False, min_value=0, max_value=1)
    negate = forms.BooleanField(required=False)
    untenable = forms.CharField(required=False, max_length=QUERY)
    keep_contradictory = forms.BooleanField(required=False)
    plot = forms.CharField(required=False, max_length=QUERY)

    def __init__(self, data, *, conditions: list[str]):
        super().__init__(data)
        self.conditions = conditions
        for name in conditions:
            self.fields[f"exp_{name}"] = forms.ChoiceField(choices=[(k, k) for k in DIRECTIONS], required=False)

    def clean(self):
        data = super().clean()
        incl, incl0 = data.get("incl"), data.get("incl0")
        if incl is not None and incl0 is not None and incl0 > incl:
            raise forms.ValidationError({"incl0": f"The cut-off below which a row is 0 ({incl0:g}) must not "
                                                  f"exceed the one for 1 ({incl:g})."})
        return data

    def params(self):
        from .selectors import SetParams

        data = self.cleaned_data
        expectations = {name: DIRECTIONS[data[f"exp_{name}"]] for name in self.conditions
                        if data.get(f"exp_{name}")}
        return SetParams(incl_cut1=data.get("incl"), incl_cut0=data.get("incl0"),
                         pri_cut=data.get("pri") if data.get("pri") is not None else 0.0,
                         n_cut=data.get("n") or 1,
                         threshold=data.get("threshold") if data.get("threshold") is not None else 0.9,
                         negate=data.get("negate", False), expectations=expectations,
                         untenable=data.get("untenable") or "",
                         exclude_contradictory=not data.get("keep_contradictory"), plot=data.get("plot") or "")
