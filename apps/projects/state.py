"""A project's state, and what is kept for it: reads that cost more than they change.

Every write records an Activity, and activities are only ever added, so the sum of the ids
of a project's activities grows with every write. A value computed from the project and
kept under that stamp is never stale, and each process may keep its own (settings.CACHES).
The analysis (matrix, frequencies), the method tour, the project home and the transcript
page keep theirs here; a value that only some writes can change may be kept under the
stamp of those (`project_state`).
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection

from .compiled import execute_prepared, raw_prepared
from .models import Activity, Project

CACHE_SECONDS = 6 * 3600
_NOT_CACHED = object()


def analysis_stamp(project: Project) -> str:
    """Changes whenever the project's coding does (one query): the stamp of every write
    (`project_state`)."""
    return project_state(project, kinds={}).stamp


@dataclass(frozen=True)
class ActivityKind:
    """Some of a project's activities: an SQL condition on the columns of its Activity
    rows (`target_type`, `target_id`, ...) with its parameters, for `project_state`."""
    where: str
    params: tuple = ()

    def __or__(self, other: "ActivityKind") -> "ActivityKind":
        """The activities of either kind."""
        return ActivityKind(f"({self.where}) OR ({other.where})", (*self.params, *other.params))


@dataclass(frozen=True)
class ProjectState:
    """What `project_state` read: the stamp of every write (`stamp`), the stamps of some
    kinds of writes (`of[name]`), and the latest activities (`recent`, with their actor's
    name as `actor_username`, without their before/after snapshots)."""
    stamp: str
    of: dict[str, str]
    recent: list[Activity]


# The latest activities with their actor's name, without their before/after snapshots; the
# stamps ride along as one more column (written SQL: a raw queryset still converts each
# column as the ORM does, and the ORM took longer to compile the join than to read it).
_RECENT_SQL = (f"SELECT a.id, a.project_id, a.actor_id, a.verb, a.target_type, a.target_id, a.summary, a.created_at, "
               f"u.username AS actor_username, ({{stamps}}) AS stamps FROM {Activity._meta.db_table} a "
               f"LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = a.actor_id "
               "WHERE a.project_id = %s ORDER BY a.created_at DESC, a.id DESC LIMIT %s")


def project_state(project: Project, *, kinds: Mapping[str, ActivityKind], recent: int = 0) -> ProjectState:
    """The project's stamp, the stamps of some kinds of its activities and its `recent`
    latest activities, in one query. A value that only some writes can change is kept
    under the stamp of those, and outlives the others: the project home keeps its codebook
    while segments are coded.

    A stamp is the sum of the ids of the activities: they are only ever added, so the sum
    grows with each one, also with a late commit of a smaller id (ids are handed out before
    transactions commit). The stamps ride on the latest activities as one text column: an
    uncorrelated subquery, which PostgreSQL and SQLite work out once, not once per row. It
    is written in SQL: the ORM took longer to compile the filtered aggregates (2-3 ms) than
    PostgreSQL takes to read them from the index (about 1 ms for 4,000 activities)."""
    table = Activity._meta.db_table
    sums, params = ["COALESCE(SUM(id), 0)"], []
    for kind in kinds.values():
        sums.append(f"COALESCE(SUM(CASE WHEN {kind.where} THEN id END), 0)")
        params += kind.params
    joined = " || '|' || ".join(sums)
    sql, params = f"SELECT {joined} FROM {table} WHERE project_id = %s", [*params, project.pk]
    rows = []
    if recent:
        rows = list(raw_prepared(Activity, _RECENT_SQL.format(stamps=sql), [*params, project.pk, recent]))
    if rows:
        text = rows[0].stamps
    else:  # no activity yet (or none asked for): the stamps alone
        with connection.cursor() as cursor:
            execute_prepared(cursor, sql, params)
            text = cursor.fetchone()[0]
    prefix = f"{project.pk}:{project.created_at.timestamp() if project.created_at else ''}"
    found = dict(zip(["", *kinds], str(text).split("|")))
    return ProjectState(stamp=f"{prefix}:{found.pop('')}", of={name: f"{prefix}:{name}:{found[name]}" for name in kinds},
                        recent=rows)


def cached_by_state(project: Project, key: tuple, compute, *, stamp: str | None = None):
    """compute(), or its result for the same project state and parameters."""
    stamp = stamp or analysis_stamp(project)
    name = "analysis:" + hashlib.sha256(repr((stamp, key)).encode()).hexdigest()
    found = cache.get(name, _NOT_CACHED)
    if found is _NOT_CACHED:  # a result may be None itself (no tour yet): that is kept too
        found = compute()
        cache.set(name, found, CACHE_SECONDS)
    return found
