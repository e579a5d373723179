"""How a stored value reads on a page, in an export or in a judgment: yes/no for booleans.

Attribute values (cases, experts) and history snapshots keep booleans as JSON true/false;
every place that prints one goes through `value_display` (templates through the
`value_display` filter of `value_tags`)."""
from __future__ import annotations

YES, NO = "yes", "no"


def value_display(value) -> str:
    """A stored value as text: yes/no for booleans, '' for none, else the value as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)
