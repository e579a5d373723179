"""Validation of the agreement pages' choices and of the settle forms."""
from django import forms

from apps.projects.inputs import BoundedIntegerField, IdField, ascii_int
from apps.projects.limits import COMMENT, MAX_ID, MAX_INT

from .selectors import TURN, UNITS
from .services import ACTIONS


class AgreementForm(forms.Form):
    """Which coders, units and tolerance the agreement page compares (GET parameters)."""

    coders = forms.TypedMultipleChoiceField(coerce=int, required=False)
    unit = forms.ChoiceField(choices=list(UNITS.items()), required=False)
    overlap = BoundedIntegerField(min_value=1, max_value=100, required=False,
                                  help_text="Count two coders' segments as agreeing when they overlap by at least "
                                            "this share of their joint extent (per cent).")
    transcripts = forms.TypedMultipleChoiceField(coerce=int, required=False)
    code = IdField(required=False)

    def __init__(self, data, *, coders, transcripts):
        super().__init__(data)
        self.fields["coders"].choices = [(u.pk, u.username) for u in coders]
        self.fields["transcripts"].choices = [(t.pk, t.title) for t in transcripts]
        self.all_coders = [u.pk for u in coders]

    def clean(self):
        data = super().clean()
        data["coders"] = data.get("coders") or self.all_coders
        data["unit"] = data.get("unit") or TURN
        share = data.get("overlap")
        data["share"] = share / 100 if share else None
        return data


class SettleForm(forms.Form):
    """One passage: its code, its segments with the versions the user saw, and the decision."""

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    code = IdField()
    segments = forms.CharField(max_length=2000, help_text="Segment ids and versions: id:version,id:version")
    keep = IdField(required=False)
    query = forms.CharField(required=False, max_length=2000)

    def clean_segments(self):
        versions = {}
        for part in self.cleaned_data["segments"].split(","):
            segment_id, _, version = part.partition(":")
            segment_id, version = ascii_int(segment_id), ascii_int(version)
            if segment_id is None or version is None or not 1 <= segment_id <= MAX_ID or not 0 <= version <= MAX_INT:
                raise forms.ValidationError("Segments are given as id:version, separated by commas.")
            versions[segment_id] = version
        return versions


class DiscussForm(forms.Form):
    segment = IdField()
    text = forms.CharField(max_length=COMMENT, widget=forms.Textarea(attrs={"rows": 2}))
    query = forms.CharField(required=False, max_length=2000)
