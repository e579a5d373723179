"""`{{ value|value_display }}`: a stored value as the pages print it (yes/no for booleans)."""
from django import template

from apps.projects.values import value_display as _value_display

register = template.Library()


@register.filter
def value_display(value) -> str:
    return _value_display(value)
