"""Template tags of the in-app help: `{% method_tour project %}` on the project home."""
from django import template

from ..tour import method_tour as method_tour_selector

register = template.Library()


@register.inclusion_tag("projects/_method_tour.html")
def method_tour(project):
    """The path excerpt -> matrix -> judgment -> MSSD table -> appendix (see apps/projects/tour.py)."""
    return {"tour": method_tour_selector(project=project)}
