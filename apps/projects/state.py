"""A project's state, and what is kept for it: reads that cost more than they change.

Every write records an Activity, and activities are only ever added, so the sum of the ids
of a project's activities grows with every write. A value computed from the project and
kept under that stamp is never stale, and each process may keep its own (settings.CACHES).
The analysis (matrix, frequencies), the method tour, the project home and the transcript
page keep theirs here; a value that only some writes can change may be kept under the
stamp of those (`project_state`).

The sums are read per transcript (`Activity.segment_transcript`): a segment's write is tied
to its transcript, every other write to none. So a value of one transcript (its page, its
numbers on the home) is kept under the writes of its segments and the untied writes, and
outlives the coding of every other transcript.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection

from .compiled import execute_prepared, model_columns, objects_prepared
from .models import Activity, Project

CACHE_SECONDS = 6 * 3600
_NOT_CACHED = object()


def analysis_stamp(project: Project) -> str:
    """Changes whenever the project's coding does (one query): the stamp of every write
    (`project_state`)."""
    return project_state(project, kinds={}).stamp


@dataclass(frozen=True)
class ActivityKind:
    """Some of a project's writes, for `project_state`: the untied ones (`untied`: every
    write but a segment's), those of the segments of `transcript`, and those an SQL
    condition on the columns of the Activity rows picks (`where`, with its `params`)."""
    untied: bool = False
    transcript: int | None = None
    where: str = ""
    params: tuple = ()


@dataclass(frozen=True)
class ProjectState:
    """What `project_state` read: the stamp of every write (`stamp`), the stamps of some
    kinds of writes (`of[name]`), the latest activities (`recent`, with their actor's
    name as `actor_username`, without their before/after snapshots), the sums behind the
    stamps (`sums`, by transcript) and the texts read `along` with them."""
    stamp: str | None  # None: not read (`project_state(only_kinds=True)`)
    of: dict[str, str]
    recent: list[Activity]
    prefix: str = ""
    sums: dict[int | None, int] = field(default_factory=dict)
    along: dict[str, str] = field(default_factory=dict)
    transcripts_read: frozenset[int] | None = None  # those of `sums`; None: every transcript

    def of_transcript(self, transcript_id: int) -> str:
        """The stamp of the writes that can change what one transcript holds: its segments'
        and the untied ones."""
        if self.transcripts_read is not None and transcript_id not in self.transcripts_read:
            raise ValueError(f"The sums of transcript {transcript_id} were not read")
        total = _tied_sum(self.sums, ActivityKind(untied=True, transcript=transcript_id))
        return f"{self.prefix}:t{transcript_id}:{total}"


def _tied_sum(sums: Mapping[int | None, int], kind: ActivityKind) -> int:
    """The part of a kind's stamp read from the sums per transcript (None: the untied writes)."""
    return (sums.get(None, 0) if kind.untied else 0) + (sums.get(kind.transcript, 0) if kind.transcript else 0)


# The latest activities with their actor's name, without their before/after snapshots; the
# stamps (and any other reads asked for) ride along as more columns (written SQL: each
# column is still converted as the ORM does, and the ORM took longer to compile the join
# than to read it).
_RECENT_FIELDS = ("id", "project", "actor", "verb", "target_type", "target_id", "summary", "created_at")
_RECENT_SQL = (f"SELECT {model_columns(Activity, 'a', _RECENT_FIELDS)}, "
               f"u.username AS actor_username, {{columns}} FROM {Activity._meta.db_table} a "
               f"LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = a.actor_id "
               "WHERE a.project_id = %s ORDER BY a.created_at DESC, a.id DESC LIMIT %s")


def text_aggregate(expression: str, separator: str = ",") -> str:
    """SQL joining the texts of `expression` over the rows with `separator`, '' for none
    (the name of that aggregate differs between PostgreSQL and SQLite)."""
    joined = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return f"COALESCE({joined}({expression}, '{separator}'), '')"


def _stamps_sql(wheres: list[str], transcripts: int | None = None) -> str:
    """One text: "transcript:sum,..." (no transcript: the untied writes), then "|" and the
    sum of each condition's activities. An uncorrelated subquery, which PostgreSQL and
    SQLite work out once, not once per row of the recent activities. `transcripts`: the
    sums of the untied writes and of that many transcripts only (their ids the parameters
    after the project's), each its own range of the index."""
    table = Activity._meta.db_table
    each = "COALESCE(CAST(segment_transcript AS TEXT), '') || ':' || CAST(total AS TEXT)"
    per = f"SELECT segment_transcript, SUM(id) AS total FROM {table} WHERE project_id = %s"
    if transcripts is None:
        sums = f"{per} GROUP BY segment_transcript"
    else:
        sums = " UNION ALL ".join([f"{per} AND segment_transcript IS NULL GROUP BY segment_transcript",
                                   *[f"{per} AND segment_transcript = %s GROUP BY segment_transcript"] * transcripts])
    groups = f"SELECT {text_aggregate(each)} FROM ({sums}) per_transcript"
    parts = [f"({groups})"] + [f"COALESCE((SELECT SUM(id) FROM {table} WHERE project_id = %s AND ({where})), 0)"
                                for where in wheres]
    return " || '|' || ".join(parts)


def project_state(project: Project, *, kinds: Mapping[str, ActivityKind], recent: int = 0,
                  along: Mapping[str, tuple[str, Sequence]] | None = None, only_kinds: bool = False
                  ) -> ProjectState:
    """The project's stamp, the stamps of some kinds of its activities and its `recent`
    latest activities, in one query. A value that only some writes can change is kept
    under the stamp of those, and outlives the others: the project home keeps its codebook
    while segments are coded. `along`: other reads for the same round trip, each an SQL
    expression giving one text (with its parameters), in `ProjectState.along` by name; they
    see what the stamps see (one statement).

    A stamp is the sum of the ids of the activities: they are only ever added, so the sum
    grows with each one, also with a late commit of a smaller id (ids are handed out before
    transactions commit). The sums per transcript are one pass over an index, whatever the
    kinds; a kind's condition (`where`) adds a read of the activities it picks. Written SQL:
    the ORM took longer to compile the aggregates (2-3 ms) than the database to read them.

    That pass grows with the project's history (every click adds an activity). With
    `only_kinds` just the sums the kinds name are read, the untied writes' and their
    transcripts': a transcript's page then reads its own history and the untied writes,
    however long the others' (the whole pass 0.56-0.83 ms for the 2,171 activities of the
    large bench project on PostgreSQL, a page's 0.38-0.48, #19); the state has no
    project-wide `stamp`, and `of_transcript` only for the transcripts read."""
    picking = [name for name, kind in kinds.items() if kind.where]
    named = sorted({kind.transcript for kind in kinds.values() if kind.transcript}) if only_kinds else None
    sql = _stamps_sql([kinds[name].where for name in picking], None if named is None else len(named))
    params = [project.pk] + ([] if named is None else [p for pk in named for p in (project.pk, pk)])
    params += [p for name in picking for p in (project.pk, *kinds[name].params)]
    along = dict(along or {})
    read_along = ["stamps", *(f"along_{index}" for index in range(len(along)))]  # the columns' names
    expressions = [sql, *(expression for expression, _ in along.values())]
    columns = ", ".join(f"({expression}) AS {name}" for name, expression in zip(read_along, expressions))
    params += [p for _, along_params in along.values() for p in along_params]
    rows = []
    if recent:
        rows = objects_prepared(Activity, _RECENT_SQL.format(columns=columns), [*params, project.pk, recent],
                                fields=_RECENT_FIELDS, extra=["actor_username", *read_along])
    if rows:
        text, *along_texts = [getattr(rows[0], name) for name in read_along]
    else:  # no activity yet (or none asked for): the stamps alone
        with connection.cursor() as cursor:
            execute_prepared(cursor, f"SELECT {columns}", params)
            text, *along_texts = cursor.fetchone()
    groups, *picked = str(text).split("|")
    sums: dict[int | None, int] = {}
    for group in filter(None, groups.split(",")):
        transcript, total = group.split(":")
        sums[int(transcript) if transcript else None] = int(total)
    picked_sums = dict(zip(picking, map(int, picked)))
    prefix = state_prefix(project)
    of = {name: f"{prefix}:{name}:{_tied_sum(sums, kind) + picked_sums.get(name, 0)}" for name, kind in kinds.items()}
    return ProjectState(stamp=None if only_kinds else f"{prefix}:{sum(sums.values())}", of=of, recent=rows,
                        prefix=prefix, sums=sums, along=dict(zip(along, along_texts)),
                        transcripts_read=None if named is None else frozenset(named))


def state_prefix(project: Project) -> str:
    """What every stamp of the project starts with: its id and when it was created, so that
    nothing kept for a project is taken for another's that got its id later."""
    return f"{project.pk}:{project.created_at.timestamp() if project.created_at else ''}"


def _cache_name(stamp: str, key: tuple) -> str:
    return "analysis:" + hashlib.sha256(repr((stamp, key)).encode()).hexdigest()


def cached_by_state(project: Project, key: tuple, compute, *, stamp: str | None = None):
    """compute(), or its result for the same project state and parameters."""
    stamp = stamp or analysis_stamp(project)
    name = _cache_name(stamp, key)
    found = cache.get(name, _NOT_CACHED)
    if found is _NOT_CACHED:  # a result may be None itself (no tour yet): that is kept too
        found = compute()
        cache.set(name, found, CACHE_SECONDS)
    return found


def cached_many_by_state(stamped: Mapping[Hashable, tuple[tuple, str]],
                         compute: Callable[[list[Hashable]], Mapping[Hashable, object]]) -> dict:
    """A value for each item of `stamped` (item -> (key, stamp)): those kept for the same
    key and stamp, and compute(items) for the others at once (it returns a value for each)."""
    names = {item: _cache_name(stamp, key) for item, (key, stamp) in stamped.items()}
    found = cache.get_many(list(names.values()))
    values = {item: found[name] for item, name in names.items() if name in found}
    missing = [item for item in stamped if item not in values]
    if missing:
        computed = compute(missing)
        cache.set_many({names[item]: computed[item] for item in missing}, CACHE_SECONDS)
        values.update((item, computed[item]) for item in missing)
    return values
