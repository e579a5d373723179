"""JSON API of the analysis app, mounted under /api/projects/."""
from ninja import Router

router = Router(tags=["analysis"])
