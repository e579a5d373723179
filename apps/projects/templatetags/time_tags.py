"""`{{ when|ago }}`: how long ago, as Django's `timesince` words it ("1 hour, 15 minutes").

Django's filter words it through lazy translations, which cost four times the arithmetic;
the pages are in English only, and the project home prints eight of these on every
visit (#19). Same words, same non-breaking spaces, same arithmetic (Django's).
"""
from django import template
from django.utils.timesince import timesince

register = template.Library()


class _Unit:
    """A unit's words for `timesince`: singular or plural by the number, as ngettext picks."""

    def __init__(self, unit: str):
        self.one, self.many = f"%(num)d {unit}", f"%(num)d {unit}s"

    def __mod__(self, values: dict) -> str:
        return (self.one if values["num"] == 1 else self.many) % values


ENGLISH = {unit: _Unit(unit) for unit in ("year", "month", "week", "day", "hour", "minute")}


@register.filter
def ago(value) -> str:
    """The time since `value`, or nothing for no value (as Django's `timesince`)."""
    if not value:
        return ""
    try:
        return timesince(value, time_strings=ENGLISH)
    except (ValueError, TypeError):
        return ""
