"""JSON API of the transcripts app, mounted under /api/projects/."""
from ninja import Router

router = Router(tags=["transcripts"])
