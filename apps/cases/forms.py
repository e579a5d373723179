"""Browser input of the Cases page. Choices come from the page's data, so that rendering
the forms reads nothing more; validation checks the ids against the project."""
from django import forms

from apps.projects import limits

from .models import Attribute


def _choices(objects, label=str):
    return [("", "—")] + [(str(o.pk), label(o)) for o in objects]


class CaseForm(forms.Form):
    name = forms.CharField(max_length=limits.NAME)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                  max_length=limits.DESCRIPTION)


class AttributeForm(forms.Form):
    name = forms.CharField(max_length=100)
    applies_to = forms.ChoiceField(label="Applies to", choices=Attribute.AppliesTo.choices)
    type = forms.ChoiceField(choices=Attribute.Type.choices)
    choices = forms.CharField(label="Categories", required=False, max_length=2000,
                              help_text="For a categorical attribute: the categories, separated by commas.")
    is_outcome = forms.BooleanField(label="Is the outcome", required=False,
                                    help_text="A boolean or categorical case attribute.")

    def clean_choices(self):
        return [c.strip() for c in self.cleaned_data["choices"].split(",") if c.strip()]


class _PickForm(forms.Form):
    """A form whose choice fields pick objects among those given (by id)."""

    picks: dict[str, str] = {}

    def __init__(self, *args, objects: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.objects = {}
        for field, source in self.picks.items():
            items = objects[source]
            self.objects[field] = {str(o.pk): o for o in items}
            self.fields[field].choices = _choices(items)

    def clean(self):
        data = super().clean()
        for field in self.picks:
            if field in data:
                data[field] = self.objects[field][data[field]] if not isinstance(data[field], list) else \
                    [self.objects[field][pk] for pk in data[field]]
        return data


class CaseValueForm(_PickForm):
    picks = {"case": "cases", "attribute": "case_attributes"}
    case = forms.ChoiceField()
    attribute = forms.ChoiceField()
    value = forms.CharField(required=False, max_length=2000,
                            help_text="Booleans: yes or no; dates: YYYY-MM-DD; empty clears the value.")


class ExpertValueForm(_PickForm):
    picks = {"expert": "experts", "attribute": "expert_attributes"}
    expert = forms.ChoiceField()
    attribute = forms.ChoiceField()
    value = forms.CharField(required=False, max_length=2000,
                            help_text="Booleans: yes or no; dates: YYYY-MM-DD; empty clears the value.")


class CaseTranscriptsForm(_PickForm):
    picks = {"case": "cases", "transcripts": "transcripts"}
    case = forms.ChoiceField()
    transcripts = forms.MultipleChoiceField(required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
                                            help_text="The case's transcripts become exactly those chosen.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transcripts"].choices = self.fields["transcripts"].choices[1:]
