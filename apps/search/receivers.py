"""Keeps the search index in step with the transcripts' text: the transcripts app sends
`transcript_text_stored` whenever a text and its turns are stored (an import, a REFI-QDA
project, the demo, a text edit through the coding app), in the writer's transaction.
Writers that send no signals (bulk loads) call `services.passages_rebuild` themselves."""
from django.dispatch import receiver

from apps.transcripts.signals import transcript_text_stored

from .services import passages_store


@receiver(transcript_text_stored, dispatch_uid="search_passages_stored")
def _text_stored(sender, transcript, turns, created=False, **kwargs):
    passages_store(transcript=transcript, turns=turns, replace=not created)
