"""Signals the transcripts app sends, so that the apps above it react without being
imported here (the search keeps its index of the text in step)."""
from django.dispatch import Signal

# Sent by `services.transcript_create` and `services.transcript_text_replace` inside their
# transaction, once the text and its turns are stored; kwargs: transcript (Transcript, with
# the new text), turns (the TurnSpans just stored as its Turn rows, in text order: the
# n-th is turn number n) and created (True for a
# new transcript, False for a new text of one). The coding app's
# transcript_update_text goes through transcript_text_replace, so a text edit sends it too.
transcript_text_stored = Signal()
