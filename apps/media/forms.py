from django import forms


class RecordingForm(forms.Form):
    file = forms.FileField(label="Recording", help_text="mp3, m4a, wav, ogg, mp4 or webm")
