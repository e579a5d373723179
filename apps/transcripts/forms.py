"""Validation of the transcript pages' input: the import, the speakers, the text editor."""
from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError

from apps.projects.inputs import BoundedIntegerField

from .importers import EXTENSIONS
from .models import Expert
from .selectors import SpeakerRow
from .services import ImportFile, pseudonym_mapping_parse
from .text import SpeakerChoices

MAX_FILES = 100  # Django refuses more files in one request (DATA_UPLOAD_MAX_NUMBER_FILES)
MAX_CHOICES = 2000  # speaker choices in one request, over all files
# The preview's speaker choices name the file and the label(s), separated by a tab, which
# neither a label nor (in practice) a file name holds: "E3.txt<TAB>Germany".
CHOICE_SEPARATOR = "\t"


def speaker_choices_parse(*, reject_label: Sequence[str] = (), take_label: Sequence[str] = (),
                          merge_label: Sequence[str] = ()) -> dict[str, SpeakerChoices]:
    """{file name: its SpeakerChoices} from the preview's corrections (the page's and the
    API's): "file<TAB>label" not a speaker, "file<TAB>label" a speaker after all,
    "file<TAB>label<TAB>into" the same speaker. Unreadable ones raise ValidationError."""
    values = [(name, value) for name, given in (("reject", reject_label), ("take", take_label),
                                                ("merge", merge_label)) for value in given if value]
    if len(values) > MAX_CHOICES:
        raise ValidationError(f"At most {MAX_CHOICES} speaker corrections at once.")
    parts: dict[str, dict] = {}
    for name, value in values:
        pieces = value.rsplit(CHOICE_SEPARATOR, 2 if name == "merge" else 1)
        if len(pieces) != (3 if name == "merge" else 2) or not all(p.strip() for p in pieces):
            raise ValidationError(f"A speaker correction could not be read: {value[:80]!r}.")
        choice = parts.setdefault(pieces[0], {"reject": [], "take": [], "merge": []})
        choice[name].append((pieces[1], pieces[2]) if name == "merge" else pieces[1])
    return {filename: SpeakerChoices.of(**choice) for filename, choice in parts.items()}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files, passed on as they came: each one is checked by the import service,
    which gives every bad file its own reason instead of refusing the whole batch."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files and self.required:
            raise ValidationError("Choose at least one file to import.")
        if len(files) > MAX_FILES:
            raise ValidationError(f"Import at most {MAX_FILES} files at once.")
        return files


class ImportForm(forms.Form):
    """Files, an optional pseudonymisation list, per-file expert pseudonyms (`experts`,
    in the order of the files) and the files to import although their text is in the
    project already (`import_anyway`, by file name).

    The preview's corrections come back with the form, by file name: `reject_label`
    ("file<TAB>label": not a speaker), `take_label` ("file<TAB>label": a speaker after
    all), `merge_label` ("file<TAB>label<TAB>into": the same speaker) and `whole_page`
    (a file name: keep all of the web page).
    """

    PREVIEW, IMPORT = "preview", "import"

    files = MultipleFileField(label="Transcript files",
                              widget=MultipleFileInput(attrs={"accept": ",".join(EXTENSIONS)}))
    pseudonyms = forms.CharField(
        required=False, label="Pseudonymise names", max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Ivan Petrov -> E3\nAnna -> E5", "spellcheck": "false"}),
        help_text="One per line: the name as written in the text, '->', and what replaces it.",
    )
    action = forms.ChoiceField(choices=[(PREVIEW, "Preview"), (IMPORT, "Import")], required=False)

    def clean_pseudonyms(self) -> list[tuple[str, str]]:
        try:
            return pseudonym_mapping_parse(self.cleaned_data.get("pseudonyms") or "")
        except ValidationError as error:
            raise ValidationError(error.message_dict["pseudonyms"]) from None

    def clean(self):
        data = super().clean()
        experts = [" ".join(e.split()) for e in self.data.getlist("experts")] if hasattr(self.data, "getlist") else []
        limit = Expert._meta.get_field("pseudonym").max_length
        too_long = [e for e in experts if len(e) > limit]
        if too_long:
            self.add_error(None, f"An expert's pseudonym has at most {limit} characters: {too_long[0][:60]}…")
        data["experts"] = experts
        data["import_anyway"] = set(self.data.getlist("import_anyway")) if hasattr(self.data, "getlist") else set()
        data["whole_page"] = set(self.data.getlist("whole_page")) if hasattr(self.data, "getlist") else set()
        try:
            data["speaker_choices"] = self._speaker_choices()
        except ValidationError as error:
            self.add_error(None, error)
        return data

    def _speaker_choices(self) -> dict[str, SpeakerChoices]:
        """{file name: its SpeakerChoices} from the preview's checkboxes and menus."""
        if not hasattr(self.data, "getlist"):
            return {}
        return speaker_choices_parse(reject_label=self.data.getlist("reject_label"),
                                     take_label=self.data.getlist("take_label"),
                                     merge_label=self.data.getlist("merge_label"))

    @property
    def is_preview(self) -> bool:
        return self.cleaned_data.get("action") == self.PREVIEW

    def import_files(self, uploads: Sequence | None = None) -> list[ImportFile]:
        """The uploads as the service takes them; a file is read only if it is within the limit.
        `uploads` are the transcript files among the files (all of them unless given: the
        recordings that come with them have no expert of their own)."""
        uploads = self.cleaned_data["files"] if uploads is None else uploads
        experts = self.cleaned_data["experts"]
        anyway = self.cleaned_data["import_anyway"]
        choices = self.cleaned_data.get("speaker_choices", {})
        whole_page = self.cleaned_data["whole_page"]
        files = []
        for i, upload in enumerate(uploads):
            expert = experts[i] if len(experts) == len(uploads) else ""
            files.append(ImportFile(upload.name, upload.size, upload.read, expert=expert,
                                    allow_duplicate=upload.name in anyway,
                                    speakers=choices.get(upload.name, SpeakerChoices()),
                                    whole_page=upload.name in whole_page))
        return files


class SpeakersForm(forms.Form):
    """A new name for each speaker, which of them is the expert, and the expert's pseudonym.

    The fields are numbered in the order of the speakers shown (`name_0`, ...); the
    hidden `speaker_<i>` carries the name as it was, so that a rename made meanwhile by
    someone else is noticed instead of renaming the wrong speaker.
    """

    NO_EXPERT = "none"

    expert = forms.CharField(required=False, max_length=40, label="Expert (pseudonym)",
                             help_text="The source person of this interview, e.g. E3.")

    def __init__(self, *args, speakers: list[SpeakerRow], expert_speaker: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.speakers = speakers
        choices = [(self.NO_EXPERT, "None of them")]
        for i, row in enumerate(speakers):
            self.fields[f"speaker_{i}"] = forms.CharField(initial=row.speaker, widget=forms.HiddenInput, max_length=100)
            self.fields[f"name_{i}"] = forms.CharField(initial=row.speaker, max_length=100,
                                                       label=f"New name for {row.speaker}")
            choices.append((str(i), row.speaker))
        initial = next((str(i) for i, row in enumerate(speakers) if row.speaker == expert_speaker), self.NO_EXPERT)
        self.fields["expert_speaker"] = forms.ChoiceField(choices=choices, initial=initial, widget=forms.RadioSelect,
                                                          label="The expert is")

    def rows(self):
        """(speaker row, its name field, its hidden field, its expert radio) for the template."""
        radios = {radio.data["value"]: radio for radio in self["expert_speaker"]}
        return [(row, self[f"name_{i}"], self[f"speaker_{i}"], radios[str(i)]) for i, row in enumerate(self.speakers)]

    def no_expert_radio(self):
        return next(radio for radio in self["expert_speaker"] if radio.data["value"] == self.NO_EXPERT)

    def changes(self) -> dict:
        """Keyword arguments for transcript_speakers_update."""
        data = self.cleaned_data
        renames = {data[f"speaker_{i}"]: data[f"name_{i}"] for i in range(len(self.speakers))}
        choice = data["expert_speaker"]
        expert_speaker = "" if choice == self.NO_EXPERT else " ".join(data[f"name_{int(choice)}"].split())
        return {"renames": renames, "expert_speaker": expert_speaker, "expert": data["expert"]}


class TextEditForm(forms.Form):
    text = forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "true"}),
                           label="Text", error_messages={
                               "required": "The text cannot be empty; to remove the interview, delete the transcript."})
    version = BoundedIntegerField(widget=forms.HiddenInput, min_value=1)
