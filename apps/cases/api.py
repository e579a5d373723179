"""JSON API of the cases app, mounted under /api/projects/."""
from ninja import Router

router = Router(tags=["cases"])
