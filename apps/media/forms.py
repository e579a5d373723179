from django import forms


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
        usable = [o for o in offers if o.available]
        self.fields["engine"].choices = [(o.name, o.label) for o in usable]
        codes = [c for c in language_names if any(c in o.languages for o in usable)]
        self.fields["language"].choices = [(c, language_names[c]) for c in codes]
        chosen = next((o for o in usable if o.name == default_engine), usable[0] if usable else None)
        if chosen is not None:
            self.fields["engine"].initial = chosen.name
            self.fields["language"].initial = chosen.languages[0]
