"""JSON API of the exports app, mounted under /api/projects/."""
from ninja import Router

router = Router(tags=["exports"])
