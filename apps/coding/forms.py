"""Validation of browser input for the coding pages."""
from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef, Q

from apps.cases.models import Case
from apps.projects import limits
from apps.projects.access import ALLOWED_ROLES, CODE
from apps.projects.models import Membership, Project
from apps.transcripts.models import Expert, Transcript

from .models import Segment
from .selectors import code_tree


class SegmentFilterForm(forms.Form):
    """The retrieval filters: any of the chosen values within a filter, all filters together."""

    code = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Codes",
                                          widget=forms.CheckboxSelectMultiple)
    case = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Cases",
                                          widget=forms.CheckboxSelectMultiple,
                                          help_text="Linked, inside a case section, or in a transcript of the case.")
    expert = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Experts",
                                            widget=forms.CheckboxSelectMultiple)
    coder = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Coders",
                                           widget=forms.CheckboxSelectMultiple)
    transcript = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Transcripts",
                                                widget=forms.CheckboxSelectMultiple)
    q = forms.CharField(required=False, max_length=limits.QUERY, label="Words",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "in the quote or memo"}))
    no_value = forms.BooleanField(required=False, label="No value",
                                  help_text="Only passages where a scaled code has no value yet.")

    def __init__(self, data=None, *, project: Project):
        super().__init__(data)
        self.code_nodes = code_tree(project=project, counts=False)  # names and paths: no counts
        self.cases = list(Case.objects.filter(project=project).only("id", "name", "project_id"))
        self.experts = list(Expert.objects.filter(project=project).only("id", "pseudonym", "project_id"))
        # The coders: members who may code, and anyone who coded here before becoming a reviewer.
        coded = Exists(Segment.objects.filter(project=project, coder=OuterRef("user_id")))
        self.members = list(Membership.objects.filter(project=project).filter(Q(role__in=ALLOWED_ROLES[CODE]) | coded)
                            .select_related("user").order_by("user__username"))
        self.transcripts = list(Transcript.objects.filter(project=project).only("id", "title", "project_id"))
        self.fields["code"].choices = [(n.code.pk, n.code.name) for n in self.code_nodes]
        self.fields["case"].choices = [(c.pk, c.name) for c in self.cases]
        self.fields["expert"].choices = [(e.pk, e.pseudonym) for e in self.experts]
        self.fields["coder"].choices = [(m.user_id, m.user.username) for m in self.members]
        self.fields["transcript"].choices = [(t.pk, t.title) for t in self.transcripts]

    def filters(self) -> dict:
        """Keyword arguments for `segment_search` (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"code_ids": data["code"], "case_ids": data["case"], "expert_ids": data["expert"],
                "coder_ids": data["coder"], "transcript_ids": data["transcript"], "text": data["q"],
                "no_value": data["no_value"]}

    def summary(self) -> list[tuple[str, str]]:
        """The active filters as (label, values) for the page heading."""
        if not self.is_valid():
            return []
        names = {
            "code": {n.code.pk: n.path for n in self.code_nodes},
            "case": {c.pk: c.name for c in self.cases},
            "expert": {e.pk: e.pseudonym for e in self.experts},
            "coder": {m.user_id: m.user.username for m in self.members},
            "transcript": {t.pk: t.title for t in self.transcripts},
        }
        out = []
        for field, lookup in names.items():
            chosen = self.cleaned_data[field]
            if chosen:
                out.append((self.fields[field].label, ", ".join(lookup[i] for i in chosen)))
        if self.cleaned_data["q"]:
            out.append(("Words", f"“{self.cleaned_data['q']}”"))
        if self.cleaned_data["no_value"]:
            out.append(("Values", "missing"))
        return out
