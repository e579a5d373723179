from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from apps.transcripts.forms import MAX_FILES, ImportForm

from .pairing import is_recording_name
from .services import Transcription, transcription_check
from .transcription import LANGUAGE_NAMES, engine_offers


def _engine_choices(form: forms.Form, *, offers, default_engine: str, language_names: dict) -> None:
    """The engine and language menus: the engines this installation can run, the languages they know."""
    usable = [o for o in offers if o.available]
    form.fields["engine"].choices = [(o.name, o.label) for o in usable]
    codes = [c for c in language_names if any(c in o.languages for o in usable)]
    form.fields["language"].choices = [(c, language_names[c]) for c in codes]
    chosen = next((o for o in usable if o.name == default_engine), usable[0] if usable else None)
    if chosen is not None:
        form.fields["engine"].initial = chosen.name
        form.fields["language"].initial = chosen.languages[0]


class RecordingForm(forms.Form):
    file = forms.FileField(label="Recording", help_text="mp3, m4a, wav, ogg, mp4 or webm")


class TranscribeForm(forms.Form):
    """Which engine and language; the engines are those this installation can run."""

    engine = forms.ChoiceField(label="Engine")
    language = forms.ChoiceField(label="Language")
    replace = forms.BooleanField(label="Replace the text", required=False,
                                 help_text="The transcript has a text: the transcription replaces it.")

    def __init__(self, *args, offers, default_engine: str, language_names: dict, **kwargs):
        super().__init__(*args, **kwargs)
        _engine_choices(self, offers=offers, default_engine=default_engine, language_names=language_names)


class ImportWithRecordingsForm(ImportForm):
    """The Import page's form: transcript files, and beside them their recordings (told
    apart by the extension; the content is checked later). A recording has no expert of its
    own, so the per-file pseudonyms go with the transcript files alone.

    The page's preview sends the recordings' names only (`recording_names`): a recording
    can be a gigabyte, and the preview runs again after each correction.

    With `transcribe`, a recording that no transcript file has the name of becomes a
    transcript of its own, transcribed with the engine and language chosen."""

    transcribe = forms.BooleanField(label="Transcribe recordings that have no transcript file", required=False)
    engine = forms.ChoiceField(label="Engine", required=False)
    language = forms.ChoiceField(label="Language", required=False)

    def __init__(self, *args, offers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].required = False  # a preview may name recordings and send no file
        self.offers = engine_offers() if offers is None else offers
        _engine_choices(self, offers=self.offers, default_engine=settings.CASECODER_TRANSCRIPTION_ENGINE,
                        language_names=LANGUAGE_NAMES)

    def clean(self):
        data = super().clean()
        data["transcription"] = None
        if data.get("transcribe"):
            try:
                data["transcription"] = transcription_check(engine=data.get("engine") or "",
                                                            language=data.get("language") or "")
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    for message in problems:
                        self.add_error(name if name in self.fields else None, message)
        names = self.data.getlist("recording_names") if hasattr(self.data, "getlist") else []
        data["recording_names"] = [n for n in names if n][:MAX_FILES] if self.is_preview else []
        if not data.get("files") and not data["recording_names"] and "files" not in self.errors:
            self.add_error("files", "Choose at least one file to import.")
        return data

    def transcription(self) -> Transcription | None:
        """How to transcribe the recordings that come alone, if they are to be."""
        return self.cleaned_data["transcription"]

    def recording_names(self) -> list[str]:
        """Recordings named but not sent (the page's preview)."""
        return self.cleaned_data["recording_names"]

    def recordings(self) -> list:
        return [f for f in self.cleaned_data["files"] if is_recording_name(f.name or "")]

    def import_files(self, uploads=None):
        if uploads is None:
            uploads = [f for f in self.cleaned_data["files"] if not is_recording_name(f.name or "")]
        return super().import_files(uploads)
