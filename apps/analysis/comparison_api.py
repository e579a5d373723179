"""JSON API of the comparison (factors, judgments, MSSD, truth table), under /api/projects/."""
from ninja import Router

router = Router(tags=["comparison"])
