from django import forms

from apps.transcripts.forms import ImportForm

from .pairing import is_recording_name


class RecordingForm(forms.Form):
    file = forms.FileField(label="Recording", help_text="mp3, m4a, wav, ogg, mp4 or webm")


class ImportWithRecordingsForm(ImportForm):
    """The Import page's form: transcript files, and beside them their recordings (told
    apart by the extension; the content is checked later). A recording has no expert of its
    own, so the per-file pseudonyms go with the transcript files alone."""

    def recordings(self) -> list:
        return [f for f in self.cleaned_data["files"] if is_recording_name(f.name or "")]

    def import_files(self, uploads=None):
        if uploads is None:
            uploads = [f for f in self.cleaned_data["files"] if not is_recording_name(f.name or "")]
        return super().import_files(uploads)
