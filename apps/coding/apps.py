from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "apps.coding"
    label = "coding"

    def ready(self):
        from apps.media.services import transcript_text_writer_register

        from . import receivers  # noqa: F401  (connects the receivers that keep CaseMembership current)
        from .services import transcript_update_text

        transcript_text_writer_register(transcript_update_text)  # a transcription replaces the text as an edit
