"""Snapshots of the whole database, to prove that a rejected write changed nothing.

`row_counts()` counts the rows of every model of our apps, of auth and of taggit
(including the many-to-many tables), but not the browser sessions (a request signs in); `table_state()` adds the highest id, the latest
`updated_at` and a digest of every row, to prove that a second run changed no row.
Segments are counted with their base manager, so the trash counts too.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Max

APP_LABELS = {"auth", "taggit", "projects", "transcripts", "cases", "coding", "analysis", "exports"}
UNTRACKED = {"projects.Session"}


def tracked_models():
    return sorted((m for m in apps.get_models(include_auto_created=True)
                   if m._meta.app_label in APP_LABELS and m._meta.label not in UNTRACKED), key=lambda m: m._meta.label)


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in tracked_models()}


def table_state() -> dict[str, dict]:
    state = {}
    for model in tracked_models():
        rows = model._base_manager.order_by("pk")
        fields = [f.attname for f in model._meta.concrete_fields]
        digest = hashlib.sha256(repr(list(rows.values_list(*fields))).encode()).hexdigest()
        entry = {"count": rows.count(), "max_id": rows.aggregate(m=Max("pk"))["m"], "rows": digest}
        if "updated_at" in fields:
            entry["max_updated_at"] = rows.aggregate(m=Max("updated_at"))["m"]
        state[model._meta.label] = entry
    return state


def changed(before: dict, after: dict) -> dict:
    """The entries that differ, as {label: (before, after)}: empty when nothing changed."""
    return {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@contextmanager
def rejected(text: str, *, field: str | None = None, error: type[Exception] = ValidationError):
    """Expect `error` whose messages contain `text` (and name `field`), and no change at all
    in the database: every row of every table as it was."""
    before = table_state()
    with pytest.raises(error) as info:
        yield info
    messages = getattr(info.value, "messages", [str(info.value)])
    assert any(text in message for message in messages), f"{text!r} not in {messages}"
    if field is not None:
        assert field in info.value.message_dict, info.value.message_dict
    assert changed(before, table_state()) == {}
