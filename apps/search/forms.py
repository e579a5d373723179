"""The search form of the Search page (GET): the query and its filters."""
from __future__ import annotations

from django import forms

from apps.cases.models import Case
from apps.coding.selectors import code_tree
from apps.projects.models import Project
from apps.transcripts.models import Expert, Transcript

from .selectors import SearchParams

SPEAKER_CHOICES = [("all", "Everyone"), ("expert", "The expert only"), ("interviewer", "The interviewer only")]
CODE_MODE_CHOICES = [("inside", "inside its segments"), ("outside", "outside its segments")]
CODED_CHOICES = [("all", "Coded or not"), ("coded", "Coded text only"), ("uncoded", "Uncoded text only")]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=500, label="Search for",
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false",
                                                      "placeholder": 'Kant air base, "air base", Russ*, /regex/'}))
    fuzzy = forms.BooleanField(required=False, label="Fuzzy: also words spelt a letter or two differently")
    exact = forms.BooleanField(required=False, label="Match case and accents as typed")
    speaker = forms.ChoiceField(choices=SPEAKER_CHOICES, required=False, label="Who speaks",
                                widget=forms.RadioSelect,
                                help_text="By the expert's speaker marked on each transcript (its Speakers page); "
                                          "transcripts without one are left out.")
    transcript = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Transcripts",
                                                widget=forms.CheckboxSelectMultiple)
    expert = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Experts",
                                            widget=forms.CheckboxSelectMultiple)
    case = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Cases",
                                          widget=forms.CheckboxSelectMultiple,
                                          help_text="In a transcript of the case, or in a segment that counts for it.")
    code = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Code")
    code_mode = forms.ChoiceField(choices=CODE_MODE_CHOICES, required=False, label="Where, for the code",
                                  widget=forms.RadioSelect)
    coded = forms.ChoiceField(choices=CODED_CHOICES, required=False, label="Coding", widget=forms.RadioSelect)

    def __init__(self, data=None, *, project: Project):
        super().__init__(data)
        self.code_nodes = code_tree(project=project, counts=False)
        self.cases = list(Case.objects.filter(project=project).only("id", "name", "project_id"))
        self.experts = list(Expert.objects.filter(project=project).only("id", "pseudonym", "project_id"))
        self.transcripts = list(Transcript.objects.filter(project=project).only("id", "title", "project_id"))
        self.fields["transcript"].choices = [(t.pk, t.title) for t in self.transcripts]
        self.fields["expert"].choices = [(e.pk, e.pseudonym) for e in self.experts]
        self.fields["case"].choices = [(c.pk, c.name) for c in self.cases]
        self.fields["code"].choices = [("", "any code or none")] + [
            (n.code.pk, ("· " * n.depth) + n.code.name) for n in self.code_nodes]

    def params(self) -> SearchParams:
        """The search the form asks for (an empty one when it is invalid)."""
        if not self.is_valid():
            return SearchParams()
        data = self.cleaned_data
        return SearchParams(q=data["q"].strip(), transcripts=tuple(data["transcript"]), experts=tuple(data["expert"]),
                            speaker=data["speaker"] or "all", cases=tuple(data["case"]), code=data["code"],
                            code_mode=data["code_mode"] or "inside", coded=data["coded"] or "all",
                            fuzzy=data["fuzzy"], exact=data["exact"])

    def filtered(self) -> bool:
        """Whether any filter beyond the query is set (the filters panel opens then)."""
        params = self.params()
        return bool(params.transcripts or params.experts or params.cases or params.code
                    or params.speaker != "all" or params.coded != "all")


def form_data(params: SearchParams) -> dict:
    """The form's data for a saved search's parameters."""
    data = {"q": params.q, "transcript": list(params.transcripts), "expert": list(params.experts),
            "case": list(params.cases), "speaker": params.speaker, "code_mode": params.code_mode,
            "coded": params.coded}
    if params.code:
        data["code"] = params.code
    for name in ("fuzzy", "exact"):
        if getattr(params, name):
            data[name] = "on"
    return data
