"""A project's state, and what is kept for it: reads that cost more than they change.

Every write records an Activity, so the number and the latest id of a project's activities
change with every write. A value computed from the project and kept under that stamp is
never stale, and each process may keep its own (settings.CACHES). The analysis (matrix,
frequencies), the method tour, the project home and the transcript page keep theirs here.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import CharField, Count, Max, Q, Subquery, Value
from django.db.models.functions import Concat

from .models import Activity, Project

CACHE_SECONDS = 6 * 3600
_NOT_CACHED = object()


def analysis_stamp(project: Project) -> str:
    """Changes whenever the project's coding does (one query). The number of activities
    as well as the latest id: ids are handed out before their transactions commit, so a
    write that commits late with a smaller id still changes the count."""
    found = Activity.objects.filter(project=project).aggregate(n=Count("id"), last=Max("id"))
    return f"{project.pk}:{project.created_at.timestamp() if project.created_at else ''}:{found['n']}:{found['last']}"


@dataclass(frozen=True)
class ProjectState:
    """What `project_state` read: the stamp of every write (`stamp`), the stamps of some
    kinds of writes (`of[name]`), and the latest activities (`recent`, with their actors,
    without their before/after snapshots)."""
    stamp: str
    of: dict[str, str]
    recent: list[Activity]


def project_state(project: Project, *, kinds: Mapping[str, Q], recent: int = 0) -> ProjectState:
    """The project's stamp, the stamps of some kinds of its activities (`kinds`: a name and
    a filter of Activity each) and its `recent` latest activities, in one query. A value
    that only some writes can change is kept under the stamp of those, and outlives the
    others: the project home keeps its codebook while segments are coded.

    A kind's stamp is its number of activities and the latest id, as `analysis_stamp` is
    (a late commit with a smaller id changes the number). The stamps ride on the latest
    activities as one text column: an uncorrelated subquery, which PostgreSQL and SQLite
    work out once, not once per row."""
    names = ["", *kinds]  # "": every write
    parts = []
    for name in names:
        where = kinds.get(name)
        parts += [Count("id", filter=where), Value(":"), Max("id", filter=where), Value("|")]
    stamps = Concat(*parts[:-1], output_field=CharField())
    found = Activity.objects.filter(project=project)
    rows = []
    if recent:
        rows = list(found.select_related("actor").defer("before", "after").annotate(
            stamps=Subquery(found.order_by().values("project").annotate(s=stamps).values("s")))[:recent])
    text = rows[0].stamps if rows else found.aggregate(s=stamps)["s"]
    prefix = f"{project.pk}:{project.created_at.timestamp() if project.created_at else ''}"
    of = {name: f"{prefix}:{name}:{stamp}" for name, stamp in zip(names, text.split("|"))}
    return ProjectState(stamp=of.pop(""), of=of, recent=rows)


def cached_by_state(project: Project, key: tuple, compute, *, stamp: str | None = None):
    """compute(), or its result for the same project state and parameters."""
    stamp = stamp or analysis_stamp(project)
    name = "analysis:" + hashlib.sha256(repr((stamp, key)).encode()).hexdigest()
    found = cache.get(name, _NOT_CACHED)
    if found is _NOT_CACHED:  # a result may be None itself (no tour yet): that is kept too
        found = compute()
        cache.set(name, found, CACHE_SECONDS)
    return found
