"""Signals the coding app sends, so that the apps above it react without being imported
here (the comparison moves its factor when a code is merged). The receivers that keep
the stored case memberships current are in `receivers.py`."""
from django.dispatch import Signal

# Sent by `services.code_merge` inside its transaction, after the codings, children, memos
# and comments of `source` moved to `target` and before `source` is deleted; kwargs:
# source, target (Code), actor. A receiver moves its own rows that refer to `source`, or
# raises ValidationError to refuse the merge (then nothing changes).
code_merged = Signal()
