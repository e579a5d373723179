"""Reads of the project's history: the Activity rows every service writes, and what
changed between their before and after snapshots."""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from .models import Activity, Project
from .values import value_display

PAGE_SIZE = 50

# Targets whose history has a page of its own (the model names services record).
TARGET_TYPES = {
    "segment": "Segment", "code": "Code", "case": "Case", "judgment": "Judgment", "transcript": "Transcript",
    "memo": "Memo", "comment": "Comment", "expert": "Expert", "attribute": "Attribute", "factor": "Factor",
    "membership": "Membership", "project": "Project",
}


# Snapshot fields that say nothing to a reader (the optimistic-locking counter).
UNSHOWN = {"version"}


@dataclass(frozen=True)
class Change:
    """One field that differs between the snapshots; `field` may be a path ("codes › Threat")."""

    field: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        if self.before == "":
            return "added"
        if self.after == "":
            return "removed"
        return "changed"


def activity_changes(before, after) -> list[Change]:
    """What differs between two JSON snapshots, field by field; dictionaries nested one
    level (a segment's codes with their values) are compared key by key, lists as sets."""
    before = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    changes: list[Change] = []
    for field in _ordered_keys(before, after):
        old, new = before.get(field), after.get(field)
        if old == new or field in UNSHOWN or (_text(old) == _text(new) and not isinstance(old or new, dict)):
            continue
        if isinstance(old, dict) or isinstance(new, dict):
            old_d, new_d = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
            for key in _ordered_keys(old_d, new_d):
                if key not in old_d:
                    changes.append(Change(f"{field} › {key}", "", _text(new_d[key], present=True)))
                elif key not in new_d:
                    changes.append(Change(f"{field} › {key}", _text(old_d[key], present=True), ""))
                elif old_d[key] != new_d[key]:
                    changes.append(Change(f"{field} › {key}", _text(old_d[key], present=True),
                                          _text(new_d[key], present=True)))
        elif isinstance(old, (list, type(None))) and isinstance(new, (list, type(None))) \
                and _hashable((old or []) + (new or [])):
            changes.append(Change(field, ", ".join(map(_text, old or [])), ", ".join(map(_text, new or []))))
        else:
            changes.append(Change(field, _text(old), _text(new)))
    return changes


def _ordered_keys(a: dict, b: dict) -> list:
    return list(a) + [k for k in b if k not in a]


def _hashable(values: list) -> bool:
    return all(isinstance(v, (str, int, float, bool)) or v is None for v in values)


def _text(value, present: bool = False) -> str:
    """A snapshot value as text; with `present`, an empty value means "applied, no value"."""
    if value is None or value == "":
        return "✓" if present else ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value_display(value)


@dataclass
class Entry:
    activity: Activity
    changes: list[Change]


def _entries(activities) -> list[Entry]:
    return [Entry(activity=a, changes=activity_changes(a.before, a.after)) for a in activities]


def project_history(*, project: Project, target_type: str = "", actor: str = "", page: int = 1) -> dict:
    """A page of the project's history, newest first (three queries: count, page, filters)."""
    activities: QuerySet[Activity] = Activity.objects.filter(project=project).select_related("actor")
    if target_type:
        activities = activities.filter(target_type=target_type)
    if actor:
        activities = activities.filter(actor__username=actor)
    paginator = Paginator(activities, PAGE_SIZE)
    current: Page = paginator.get_page(page)
    return {
        "page": current,
        "entries": _entries(current.object_list),
        "target_types": list(Activity.objects.filter(project=project).values("target_type")
                             .annotate(n=Count("id")).order_by("target_type")),
        "linked_types": set(TARGET_TYPES),
    }


def target_history(*, project: Project, target_type: str, target_id: int) -> list[Entry]:
    """Every recorded change of one object of the project, oldest first."""
    activities = (Activity.objects.filter(project=project, target_type=target_type, target_id=target_id)
                  .select_related("actor").order_by("created_at", "id"))
    return _entries(activities)
