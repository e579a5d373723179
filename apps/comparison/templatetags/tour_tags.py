"""`{% method_tour project %}` on the project home. The tag lives with the comparison it
walks through: the projects app, below analysis, does not read analysis models."""
from django import template

from ..tour import method_tour as method_tour_selector

register = template.Library()


@register.inclusion_tag("comparison/_method_tour.html")
def method_tour(project):
    """The path excerpt -> matrix -> judgment -> MSSD table -> appendix (see apps/comparison/tour.py)."""
    return {"tour": method_tour_selector(project=project)}
