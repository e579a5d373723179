"""Reads of the codebook and coded passages, each in a bounded number of queries.

`case_membership_sql` is the one case-membership rule of the design: a segment counts
for case C when it is linked to C, or overlaps a segment linked to C in the same
transcript (a case section), or its transcript is linked to C. Its result is stored in
`CaseMembership` (written only by `services.case_membership_refresh`); everything that
asks "which segments count for which case" reads that table, through `membership_sql`.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import reduce

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Subquery, Value, Window
from django.db.models.expressions import RawSQL

from apps.cases.models import Case
from apps.projects.compiled import CompiledRead, RelatedRead, model_columns, objects_prepared
from apps.projects.models import Project
from apps.projects.selectors import primary_coder
from apps.projects.state import ActivityKind, cached_by_state, project_state
from apps.transcripts.models import Transcript, Turn
from apps.transcripts.selectors import TurnIndex

from .citations import Excerpt, cited_excerpts
from .models import CaseMembership, Code, Coding, Segment


def case_membership_sql(segment_scope: str = "") -> tuple[str, list[str]]:
    """SQL for the rows (segment_id, case_id, transcript_id) of one project under the rule;
    one parameter: the project id. Only `services.case_membership_refresh` runs it, to
    store the rows; reads go to the stored rows (`membership_sql`).

    The first branch covers direct links too, since a segment overlaps itself.

    `segment_scope`, optional, is an SQL condition on the segment `s` (for example
    "s.transcript_id = %s"); its parameters go where the returned list says "scope". It
    narrows which segments are asked about, not the rule (the case-linked segments they
    overlap are still all considered).
    """
    qn = connection.ops.quote_name
    seg = qn(Segment._meta.db_table)
    seg_cases = qn(Segment.cases.through._meta.db_table)
    case_transcripts = qn(Case.transcripts.through._meta.db_table)
    start, end = qn("start"), qn("end")
    scope = f" AND ({segment_scope})" if segment_scope else ""
    sql = f"""
        SELECT s.id AS segment_id, sc.case_id AS case_id, s.transcript_id AS transcript_id
          FROM {seg} s
          JOIN {seg} t ON t.transcript_id = s.transcript_id AND t.{start} < s.{end} AND s.{start} < t.{end}
                      AND t.deleted_at IS NULL
          JOIN {seg_cases} sc ON sc.segment_id = t.id
         WHERE s.project_id = %s AND s.deleted_at IS NULL{scope}
        UNION
        SELECT s.id AS segment_id, ct.case_id AS case_id, s.transcript_id AS transcript_id
          FROM {seg} s
          JOIN {case_transcripts} ct ON ct.transcript_id = s.transcript_id
         WHERE s.project_id = %s AND s.deleted_at IS NULL{scope}
    """
    return sql, (["project_id", "scope"] if segment_scope else ["project_id"]) * 2


def membership_table() -> str:
    """The quoted name of the stored memberships' table, for SQL that joins it as `m`
    (columns project_id, transcript_id, segment_id, case_id)."""
    return connection.ops.quote_name(CaseMembership._meta.db_table)


def membership_sql(project: Project, scope: str = "", scope_params=()) -> tuple[str, list]:
    """SELECT segment_id, case_id of the project's stored memberships (the rule's result),
    optionally narrowed by `scope`, an SQL condition on the table's columns."""
    condition = f" AND ({scope})" if scope else ""
    return (f"SELECT segment_id, case_id FROM {membership_table()} WHERE project_id = %s{condition}",
            [project.pk, *scope_params])


def membership_drift(*, project: Project) -> tuple[int, int]:
    """(missing, extra): pairs the rule gives that are not stored, and stored pairs the
    rule does not give. Both are 0 while the signals keep the table current; the
    `case_memberships --check` command reports them (two queries)."""
    rule, names = case_membership_sql()
    stored, stored_params = membership_sql(project)
    rule_params = [project.pk for _ in names]
    counts = []
    with connection.cursor() as cursor:
        for first, first_params, second, second_params in ((rule, rule_params, stored, stored_params),
                                                           (stored, stored_params, rule, rule_params)):
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT a.segment_id, a.case_id FROM ({first}) a EXCEPT "
                           f"SELECT b.segment_id, b.case_id FROM ({second}) b) d", [*first_params, *second_params])
            counts.append(cursor.fetchone()[0])
    return counts[0], counts[1]


def segment_case_pairs(*, project: Project) -> set[tuple[int, int]]:
    """Every (segment id, case id) pair of the project under the case-membership rule."""
    sql, params = membership_sql(project)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1]) for row in cursor.fetchall()}


def segments_in_case(*, project: Project, case: Case) -> QuerySet[Segment]:
    """The segments that count for `case` (one query when evaluated)."""
    sql, params = membership_sql(project, "case_id = %s", [case.pk])
    return Segment.objects.filter(project=project, id__in=RawSQL(f"SELECT m.segment_id FROM ({sql}) m", params))


@dataclass
class CodeNode:
    code: Code
    depth: int
    path: str
    segments: int = 0
    segments_here: int = 0
    children: list["CodeNode"] = field(default_factory=list)


def codebook_sql(*, columns: str = "", join: str = "", fields: Sequence[str] | None = None) -> str:
    """The SQL of a project's codebook (codes not in the trash, in the codebook's order),
    whose last parameter is the project's id; `columns` (", k.n") and `join` ("LEFT JOIN
    ... k ON k.tag_id = code.id") add columns, which a raw queryset sets on each code. The
    code's columns are named, not `code.*`: a statement prepared by a server that runs the
    previous release keeps its columns when a release adds one (compiled.execute_prepared).
    `fields`: only those of the code's fields (the others deferred), for a read that needs
    no more (each date costs its parsing)."""
    return (f"SELECT {model_columns(Code, 'code', fields)}{columns} FROM {Code._meta.db_table} code {join} "
            "WHERE code.project_id = %s AND code.deleted_at IS NULL ORDER BY code.position, code.name")


_CODEBOOK_SQL = codebook_sql()


def code_tree(*, project: Project, transcript: Transcript | None = None, counts: bool = True) -> list[CodeNode]:
    """The codebook in tree order (a flat, depth-annotated list), with the number of
    segments per code in the project and, if given, in one transcript (`counts=False`:
    without them, which saves a join over every coding of a large project)."""
    # Written SQL (each column still converted as the ORM does): compiling the
    # filter took longer than reading the codebook, on every page that shows it (#19).
    codes = objects_prepared(Code, _CODEBOOK_SQL, [project.pk])
    found = {}
    if counts:
        found = {tag_id: (n, here) for tag_id, n, here in _CODE_SEGMENT_COUNTS.rows(
            project=project.pk, **({"transcript": transcript.pk} if transcript else {}))}
    for code in codes:
        code.n_segments, code.n_here = found.get(code.pk, (0, 0))
    return codes_in_tree_order(codes)


def codes_in_tree_order(codes: list[Code]) -> list[CodeNode]:
    """Codes (of one project, in the codebook's order) as the nodes of `code_tree`; a code's
    `n_segments` and `n_here`, where set, become its node's counts."""
    by_parent: dict[int | None, list[Code]] = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code)
    flat: list[CodeNode] = []

    def walk(parent_id, depth, prefix):
        for code in by_parent.get(parent_id, []):
            path = f"{prefix} > {code.name}" if prefix else code.name
            node = CodeNode(code=code, depth=depth, path=path, segments=getattr(code, "n_segments", 0),
                            segments_here=getattr(code, "n_here", 0))
            flat.append(node)
            walk(code.pk, depth + 1, path)

    walk(None, 0, "")
    return flat


def code_segment_counts(*, project: Project | int, transcript: Transcript | int | None = None) -> QuerySet:
    """Rows of `tag_id`, `n` (the code's segments in the project, not in the trash) and
    `here` (those in `transcript`; 0 without one); the project and the transcript may be
    given by id. Counted apart from the codes, grouped by code over the codings (a segment
    has a code at most once): a hash aggregate, where counting distinct segments on the
    codes' rows sorted every coding of the project."""
    return (Coding.objects.filter(content_object__deleted_at__isnull=True, content_object__project=project)
            .order_by().values("tag_id")
            .annotate(n=Count("id"), here=Count("id", filter=Q(content_object__transcript=transcript))
                      if transcript else Value(0)))


_CODE_SEGMENT_COUNTS = CompiledRead(lambda project, transcript=None: code_segment_counts(
    project=project, transcript=transcript).values_list("tag_id", "n", "here"))


def code_paths(*, project: Project) -> dict[int, str]:
    """'Parent > Child' path of every code, by id."""
    return {node.code.pk: node.path for node in code_tree(project=project, counts=False)}


def code_subtree_ids(code_ids: Iterable[int], *, parents: Mapping[int, int | None]) -> set[int]:
    """The codes and every code below them (children, their children, ...), from each
    code's parent id: no query. `parents` maps code id -> parent id for the codes to
    look through: those of `code_tree` (alive ones) or every code of the project."""
    children: dict[int | None, list[int]] = {}
    for code_id, parent_id in parents.items():
        children.setdefault(parent_id, []).append(code_id)
    found = set(code_ids)
    frontier = list(found)
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, ()) if child not in found]
        found.update(frontier)
    return found


# --- the coding workspace ---------------------------------------------------------------

# Longer lists of ids go to the database as a subquery instead of parameters (SQLite takes
# at most 32,766 parameters in one statement).
MAX_ID_LIST = 20_000


def cases_for_segments(*, project: Project, segment_ids=None, transcript: Transcript | None = None
                       ) -> dict[int, list[int]]:
    """Case ids per segment under the membership rule, for some segments only: the given
    ids, or the segments of one transcript. One query."""
    if transcript is not None:
        sql, params = membership_sql(project, "transcript_id = %s", [transcript.pk])
    else:
        ids = [int(i) for i in (segment_ids or [])]
        if not ids:
            return {}
        if len(ids) * 2 > MAX_ID_LIST:  # the ids are integers: written into the SQL, not passed as parameters
            sql, params = membership_sql(project, f"segment_id IN ({', '.join(map(str, ids))})")
        else:
            sql, params = membership_sql(project, f"segment_id IN ({', '.join(['%s'] * len(ids))})", ids)
    result: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT m.segment_id, m.case_id FROM ({sql}) m ORDER BY m.case_id", params)
        for segment_id, case_id in cursor.fetchall():
            result.setdefault(segment_id, []).append(case_id)
    return result


def segments_in_cases(*, project: Project, case_ids) -> QuerySet[Segment]:
    """The segments that count for any of the cases (the membership rule; one query)."""
    ids = [int(i) for i in case_ids]
    if not ids:
        return Segment.objects.none()
    sql, params = membership_sql(project, f"case_id IN ({', '.join(['%s'] * len(ids))})", ids)
    return Segment.objects.filter(project=project, id__in=RawSQL(f"SELECT m.segment_id FROM ({sql}) m", params))


def segment_ids_in_cases(*, project: Project, case_ids) -> list[int]:
    """Ids of the segments that count for any of the cases, read at once (one query).

    Filtering by this list instead of by a subquery keeps the plan simple whatever the
    database's statistics say (a fresh import is not analysed yet, and PostgreSQL may then
    scan the stored memberships once per candidate row)."""
    ids = [int(i) for i in case_ids]
    if not ids:
        return []
    sql, params = membership_sql(project, f"case_id IN ({', '.join(['%s'] * len(ids))})", ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT m.segment_id FROM ({sql}) m", params)
        return [row[0] for row in cursor.fetchall()]


# What a list of segments never shows of the rows it joins: a transcript's text, and
# timestamps and password hashes of the people and codes (each timestamp costs a parse in
# the database driver: at 200 segments a page they were a third of its time).
UNSHOWN_FIELDS = ("transcript__text", "transcript__pseudonym_map", "transcript__created_at",
                  "transcript__updated_at", "coder__password", "coder__last_login", "coder__date_joined",
                  "deleted_by__password", "deleted_by__last_login", "deleted_by__date_joined")
UNSHOWN_CODING_FIELDS = ("created_at", "tag__created_at", "tag__updated_at")


def segment_rows(project: Project, *, trash: bool | None = False) -> QuerySet[Segment]:
    """Segments with their coder, codings (and codes) and case links, without loading the
    transcripts' texts: what the workspace and the API show about each segment. `trash`:
    False for the segments in use, True for those in the trash, None for both."""
    if trash is None:
        base = Segment.all_objects.all()
    elif trash:
        base = Segment.all_objects.filter(deleted_at__isnull=False)
    else:
        base = Segment.objects.all()
    return (
        base.filter(project=project)
        .select_related("coder", "deleted_by", "transcript__expert")
        .defer(*UNSHOWN_FIELDS)
        .prefetch_related(
            Prefetch("codings", queryset=Coding.objects.select_related("tag").defer(*UNSHOWN_CODING_FIELDS)
                     .order_by("tag__name")),
            Prefetch("cases", queryset=Case.objects.only("id", "name", "project_id")))
    )


SEGMENT_FIELDS = ("id", "transcript_id", "start", "end", "quote", "memo", "coder__username", "is_case_section",
                  "needs_review", "version", "deleted_at")


def segment_json(row: Mapping, *, codings: Iterable[tuple[int, str, str]], case_ids: Iterable[int],
                 member_case_ids: Iterable[int]) -> dict:
    """The one JSON shape of a segment: what the API answers (`SegmentOut` in api.py
    documents it) and what the transcript page embeds for its script.

    `row` holds the SEGMENT_FIELDS; `codings` are (code id, code name, value) in display
    order; `case_ids` the cases the segment is linked to; `member_case_ids` those it counts
    for under the case-membership rule."""
    return {
        "id": row["id"], "transcript_id": row["transcript_id"], "start": row["start"], "end": row["end"],
        "quote": row["quote"], "memo": row["memo"], "coder": row["coder__username"],
        "codings": [{"code_id": code_id, "code": name, "value": value} for code_id, name, value in codings],
        "case_ids": list(case_ids), "member_case_ids": sorted(set(member_case_ids)),
        "is_case_section": row["is_case_section"], "needs_review": row["needs_review"], "version": row["version"],
        "deleted_at": row["deleted_at"].isoformat() if row["deleted_at"] else None,
    }


def segment_row(segment: Segment) -> dict:
    """The SEGMENT_FIELDS of a segment already loaded (with its coder), for `segment_json`."""
    return {name: reduce(getattr, name.split("__"), segment) for name in SEGMENT_FIELDS}


def segment_written_json(segment: Segment, *, project: Project) -> dict:
    """The JSON of a segment that `segment_create` has just written or `segment_delete`
    has just put in the trash, from what the service holds (`written_codings`,
    `written_cases`) and the member cases the refresh stored (`written_members`, when the
    refresh returned them; else one query; none for a segment in the trash, which counts
    for no case), where reading the segment back (`segment_dicts`) takes four on every coding."""
    codings = sorted(((c.tag_id, c.tag.name, c.value) for c in segment.written_codings),
                     key=lambda coding: (coding[1], coding[0]))
    cases = sorted(segment.written_cases, key=lambda case: (case.position, case.name))
    members = [] if segment.deleted_at else getattr(segment, "written_members", None)
    if members is None:
        members = cases_for_segments(project=project, segment_ids=[segment.pk]).get(segment.pk, [])
    return segment_json(segment_row(segment), codings=codings, case_ids=[c.pk for c in cases],
                        member_case_ids=members)


def segment_dicts(*, project: Project, segments: QuerySet[Segment], transcript: Transcript | None = None
                  ) -> list[dict]:
    """Segments in their JSON shape (`segment_json`), read as plain rows: two queries
    whatever their number (the rows, then `segment_parts`), and no model instances (a
    transcript page carries hundreds).

    `segments` is a filtered queryset of the project's segments; with `transcript`, the
    member cases are read for that transcript only.
    """
    rows = list(segments.values(*SEGMENT_FIELDS))
    return segments_json(rows, segment_parts(project=project, ids=[row["id"] for row in rows], transcript=transcript,
                                             segments=segments))


@dataclass
class SegmentParts:
    """What a list of segments shows beside their own rows, by segment id: the codings
    (code id, code name, value) in display order, the linked cases in the cases' order,
    and the member cases; and the scale of each code met."""

    codings: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)
    links: dict[int, list[int]] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)
    scales: dict[int, str] = field(default_factory=dict)


def segment_parts(*, project: Project, ids: list[int], transcript: Transcript | None = None,
                  segments: QuerySet[Segment] | None = None) -> SegmentParts:
    """The codings, case links and member cases of the segments `ids`, in one query (a
    UNION of the three, each part told by its first column): each was a round trip of its
    own, most of a short list's time.

    The rows are found by the segments' ids (the index on each table's segment column;
    a join on the transcript let PostgreSQL read every coding of every project). The ids
    are integers, written into the SQL: a page repeats them three times, beyond what
    SQLite takes as parameters for a long list. Past MAX_ID_LIST they are asked for by the
    transcript, or else by `segments` (the queryset they came from) as a subquery.
    """
    parts = SegmentParts()
    if not ids:
        return parts
    qn = connection.ops.quote_name
    params: list = []
    if len(ids) <= MAX_ID_LIST:
        scope = ", ".join(str(int(i)) for i in ids)
    elif transcript is not None:
        scope, params = f"SELECT id FROM {qn(Segment._meta.db_table)} WHERE transcript_id = %s", [transcript.pk]
    else:
        scope, params = segments.order_by().values("id").query.sql_with_params()
    if transcript is not None:
        member_scope, member_params = f"m.{qn('transcript_id')} = %s", [transcript.pk]
    else:
        member_scope, member_params = f"m.{qn('segment_id')} IN ({scope})", list(params)
    segment_id, case_id, links, cases = qn("segment_id"), qn("case_id"), Segment.cases.through, Case
    sql = f"""
        SELECT 0, c.{qn("content_object_id")}, c.{qn("tag_id")}, k.{qn("name")}, c.{qn("value")}, k.{qn("scale")}, 0
          FROM {qn(Coding._meta.db_table)} c JOIN {qn(Code._meta.db_table)} k ON k.{qn("id")} = c.{qn("tag_id")}
         WHERE c.{qn("content_object_id")} IN ({scope})
        UNION ALL
        SELECT 1, l.{segment_id}, l.{case_id}, a.{qn("name")}, '', '', a.{qn("position")}
          FROM {qn(links._meta.db_table)} l JOIN {qn(cases._meta.db_table)} a ON a.{qn("id")} = l.{case_id}
         WHERE l.{segment_id} IN ({scope})
        UNION ALL
        SELECT 2, m.{segment_id}, m.{case_id}, '', '', '', 0 FROM {membership_table()} m
         WHERE m.{qn("project_id")} = %s AND {member_scope}
        ORDER BY 1, 7, 4, 3"""
    # Codings by code name (then id), links by the cases' position and name: their order on screen.
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, project.pk, *member_params])
        for kind, segment_id, ref_id, name, value, scale, _position in cursor.fetchall():
            if kind == 0:
                parts.codings.setdefault(segment_id, []).append((ref_id, name, value))
                parts.scales[ref_id] = scale
            elif kind == 1:
                parts.links.setdefault(segment_id, []).append(ref_id)
            else:
                parts.members.setdefault(segment_id, []).append(ref_id)
    return parts


def segments_json(rows: list[Mapping], parts: SegmentParts) -> list[dict]:
    """`segment_json` of each row (SEGMENT_FIELDS, and any more keys, which it leaves out)."""
    return [segment_json(row, codings=parts.codings.get(row["id"], []), case_ids=parts.links.get(row["id"], []),
                         member_case_ids=parts.members.get(row["id"], [])) for row in rows]


def code_data(node: CodeNode) -> dict:
    code = node.code
    return {"id": code.pk, "name": code.name, "path": node.path, "parent_id": code.parent_id, "depth": node.depth,
            "colour": code.colour, "scale": code.scale, "levels": code.scale_values,
            "description": code.description, "inclusion": code.inclusion, "exclusion": code.exclusion,
            "example": code.example, "n_here": node.segments_here, "n_all": node.segments}


def transcript_body_key(*, transcript: Transcript, turns) -> str:
    """What the rendered text of the transcript page depends on: the text (by its checksum)
    and the turns (paragraph numbers, speakers, ranges; a speaker can be renamed without a
    change to the text). The segments are not in it: the page's script draws them. The
    template caches the rendered text under this key, so a page view renders it only once
    per state of the transcript, whatever the segments do."""
    state = [transcript.checksum, [(t.number, t.speaker, t.start, t.end) for t in turns]]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def primary_codings(*, project: Project, coder_id: int | None = None) -> Q:
    """The codings that count by default (a filter on Coding): the primary coder's
    (apps.projects.selectors.primary_coder), and those kept when an agreement review
    settled a disagreement, whoever coded them. `coder_id` saves the query when the caller
    has the primary coder already (`codings_of_primary`). A second coder's reliability
    coding is left out, so it never silently changes a finding or repeats a quote."""
    if coder_id is None:
        primary = primary_coder(project=project)
        coder_id = primary[0] if primary else None
    return codings_of_primary(coder_id)


def codings_of_primary(coder_id) -> Q:
    """`primary_codings` for a primary coder read already (None: the project has none)."""
    return Q(content_object__coder_id=coder_id) | Q(settled=True)


# The writes of a project, for `project_state`: a segment's own writes (coding, editing,
# trashing, restoring one) are tied to its transcript (Activity.segment_transcript); every
# other write is untied (a code, a case, a transcript, a search's coding of many segments ...).
NOT_SEGMENT_WRITES = ActivityKind(untied=True)


def untied_writes_and_segments(segment_ids_sql: str, params: tuple = ()) -> ActivityKind:
    """Every write but a segment's, and the writes of the segments whose ids the SQL
    subquery gives."""
    return ActivityKind(untied=True, where=f"target_type = %s AND target_id IN ({segment_ids_sql})",
                        params=(Segment._meta.model_name, *params))


def transcript_page_writes(transcript: Transcript) -> ActivityKind:
    """The writes that can change what a transcript's page keeps: every write but a
    segment's (codes, cases and their links, the text, members, comments ...) and the
    writes of this transcript's segments (in the trash too). Coding in another transcript
    leaves it."""
    return ActivityKind(untied=True, transcript=transcript.pk)


# The transcript of its page, with its expert, recording and the recording's transcription
# and its user: compiling the four joins took longer than reading them (#19).
_TRANSCRIPT_OF_PAGE = RelatedRead(Transcript, "expert", "recording__transcription__user",
                                  where="t0.id = %s AND t0.project_id = %s")


def transcript_of_page(*, project: Project, pk: int) -> Transcript | None:
    """The transcript `pk` of `project` as `select_related("expert", "recording__transcription__user")`
    reads it, or None; one query."""
    return _TRANSCRIPT_OF_PAGE.first(pk, project.pk)


# A segment with its coder, as a write reads it before it changes it: alive (the rule of
# Segment.objects, AliveSegmentManager, restated: written SQL runs no manager), or any.
_SEGMENT_WITH_CODER = {
    False: RelatedRead(Segment, "coder", where="t0.id = %s AND t0.project_id = %s AND t0.deleted_at IS NULL"),
    True: RelatedRead(Segment, "coder", where="t0.id = %s AND t0.project_id = %s"),
}


def segment_of_project(*, project: Project, pk: int, trash: bool = False) -> Segment | None:
    """Segment `pk` of `project` (not in the trash; `trash=True`: wherever it is) with its
    coder and the given project, or None; one query, compiled once."""
    segment = _SEGMENT_WITH_CODER[trash].first(pk, project.pk)
    if segment is not None:
        segment.project = project
    return segment


@dataclass(frozen=True)
class TurnText:
    """A paragraph of the transcript page: its number, speaker, range and text."""
    number: int
    speaker: str
    start: int
    end: int
    text: str


# Read on every view of a transcript's page: compiled once.
_TURN_SPANS = CompiledRead(lambda transcript: Turn.objects.filter(transcript=transcript).order_by("number")
                           .values_list("number", "speaker", "start", "end"))


def transcript_workspace(*, transcript: Transcript, project: Project, can_code: bool) -> dict:
    """Everything the reading and coding page shows, in a fixed number of queries: the
    turns (with their text, rendered once on the server), the codebook with its counts in
    this transcript, the cases, and the segments with their member cases for the page's
    script. Nothing here reads beyond this transcript (the state's stamps too are summed
    over its own writes and the untied ones, `only_kinds`, not the project's whole history),
    so the page costs the same in a project of 7 transcripts or of 700 (#19): the codebook's
    project-wide counts (`n_all` None here) arrive after the page, from the codes API. All
    but the turns are kept: the segments until a write that can change them
    (`transcript_page_writes`), so the page of a transcript nobody codes in right now
    queries little more than its turns, however busy the others; the codebook, the cases
    and the primary coder, which every transcript's page shows alike, until a write that is
    not a segment's, so that coding here re-reads only the segments here."""
    turns = [TurnText(number, speaker, start, end, transcript.text[start:end])
             for number, speaker, start, end in _TURN_SPANS.rows(transcript=transcript.pk)]
    state = project_state(project, kinds={"page": transcript_page_writes(transcript),
                                          "codebook": NOT_SEGMENT_WRITES}, only_kinds=True)
    nodes, cases, primary = cached_by_state(
        project, ("transcript-workspace-codebook",), lambda: (
            code_tree(project=project, counts=False),
            list(Case.objects.filter(project=project).only("id", "name", "project_id")),
            primary_coder(project=project)), stamp=state.of["codebook"])
    segments = cached_by_state(
        project, ("transcript-workspace-segments", transcript.pk), lambda: segment_dicts(
            project=project, transcript=transcript,
            segments=Segment.objects.filter(transcript=transcript).order_by("start", "end", "id")),
        stamp=state.of["page"])
    # The codes' counts here, from the segments just read (not in the trash, every coder's).
    here = Counter(coding["code_id"] for segment in segments for coding in segment["codings"])
    nodes = [replace(node, segments_here=here[node.code.pk]) for node in nodes]
    return {
        "project": project,
        "transcript": transcript,
        "turns": turns,
        "body_key": transcript_body_key(transcript=transcript, turns=turns),
        "page_stamp": state.of["page"],  # what the codebook pane shows is rendered once for it
        "segments": segments,
        "code_nodes": nodes,
        "cases": cases,
        "can_code": can_code,
        "n_case_sections": sum(1 for s in segments if s["is_case_section"]),
        "primary_coder_id": primary[0] if primary else None,
        "workspace_data": {
            "project": project.slug,
            "transcript": {"id": transcript.pk, "title": transcript.title, "length": len(transcript.text)},
            "can_code": can_code,
            "codes": [{**code_data(n), "n_all": None} for n in nodes],
            "cases": [{"id": c.pk, "name": c.name} for c in cases],
            # The margin labels this coder's segments and counts the others' (by default).
            "primary_coder": {"id": primary[0], "username": primary[1]} if primary else None,
            # The quotes are in the text already: the page's script reads them from there.
            "segments": [{k: v for k, v in segment.items() if k != "quote"} for segment in segments],
        },
    }


def segments_in_trash(*, project: Project, transcript: Transcript | None = None) -> QuerySet[Segment]:
    rows = segment_rows(project, trash=True)
    if transcript is not None:
        rows = rows.filter(transcript=transcript)
    return rows.order_by("-deleted_at", "-id")


def valueless_codings(*, code_ids=()) -> QuerySet[Coding]:
    """Codings of a scaled code (presence or ordinal) without a value, of `code_ids` if
    given: what the analysis cannot count for any value."""
    rows = Coding.objects.filter(value="").exclude(tag__scale=Code.Scale.NONE)
    return rows.filter(tag_id__in=list(code_ids)) if code_ids else rows


def segment_search(*, project: Project, code_ids=(), case_ids=(), expert_ids=(), coder_ids=(), text: str = "",
                   transcript_ids=(), no_value: bool = False) -> QuerySet[Segment]:
    """Segments filtered by any combination of codes, cases (by the membership rule),
    experts, coders and words; any of the values within a filter, all filters together.
    `no_value`: only segments with a coding of a scaled code (of the chosen codes) that
    lacks its value."""
    rows = segment_rows(project)
    if code_ids:
        rows = rows.filter(id__in=Coding.objects.filter(tag_id__in=list(code_ids)).values("content_object_id"))
    if no_value:
        rows = rows.filter(id__in=valueless_codings(code_ids=code_ids).values("content_object_id"))
    if case_ids:
        ids = segment_ids_in_cases(project=project, case_ids=case_ids)
        if len(ids) > MAX_ID_LIST:  # beyond what SQLite takes as parameters: let the database join
            rows = rows.filter(id__in=segments_in_cases(project=project, case_ids=case_ids).values("id"))
        else:
            rows = rows.filter(id__in=ids)
    if expert_ids:
        rows = rows.filter(transcript__expert_id__in=list(expert_ids))
    if coder_ids:
        rows = rows.filter(coder_id__in=list(coder_ids))
    if transcript_ids:
        rows = rows.filter(transcript_id__in=list(transcript_ids))
    text = text.strip()
    if text:
        rows = rows.filter(Q(quote__icontains=text) | Q(memo__icontains=text))
    return rows.order_by(*SEARCH_ORDER)


# The order of retrieved segments: by transcript (title, then id for equal titles), then by
# position. It is total, so that a page can start just after the last row of the one before.
SEARCH_ORDER = ("transcript__title", "transcript_id", "start", "end", "id")


@dataclass(frozen=True)
class SearchCursor:
    """Where a page of retrieved segments ends: its last segment's place in SEARCH_ORDER
    (the transcript's title is looked up, not carried). As text: `transcript.start.end.id`."""

    transcript_id: int
    start: int
    end: int
    id: int

    def __str__(self) -> str:
        return f"{self.transcript_id}.{self.start}.{self.end}.{self.id}"

    @classmethod
    def of(cls, segment: Segment) -> SearchCursor:
        return cls(segment.transcript_id, segment.start, segment.end, segment.pk)

    # What `str()` writes: the one shape a cursor has (the API's schema checks it too).
    PATTERN = re.compile(r"^\d{1,18}\.\d{1,10}\.\d{1,10}\.\d{1,18}$", re.ASCII)

    @classmethod
    def parse(cls, text: str) -> SearchCursor:
        """The cursor `str()` wrote; ValueError for anything else."""
        if not cls.PATTERN.match(text):
            raise ValueError(f"not a cursor: {text!r}")
        return cls(*map(int, text.split(".")))


def _cursor_place(project: Project, cursor: SearchCursor, *, later: bool) -> Q:
    """The rows of a `segment_search` after (or before) `cursor` in SEARCH_ORDER. The
    cursor's transcript title is a subquery of the rows' query, not a query of its own: a
    transcript the project does not have gives no rows (`cursor_is_known` tells why)."""
    title = Subquery(Transcript.objects.filter(project=project, pk=cursor.transcript_id).values("title")[:1])
    beyond = "gt" if later else "lt"
    same_place = Q(transcript_id=cursor.transcript_id)
    within = (Q(**{f"start__{beyond}": cursor.start}) | Q(start=cursor.start, **{f"end__{beyond}": cursor.end})
              | Q(start=cursor.start, end=cursor.end, **{f"id__{beyond}": cursor.id}))
    return (Q(**{f"transcript__title__{beyond}": title})
            | Q(transcript__title=title, **{f"transcript_id__{beyond}": cursor.transcript_id})
            | (Q(transcript__title=title) & same_place & within))


def cursor_is_known(*, project: Project, cursor: SearchCursor) -> bool:
    """Whether the cursor's transcript is one of the project's (one query): asked only when
    a page after or before it comes back empty, to tell the end of the list from a cursor
    that names a transcript elsewhere."""
    return Transcript.objects.filter(project=project, pk=cursor.transcript_id).exists()


def segments_after(rows: QuerySet[Segment], *, project: Project, cursor: SearchCursor) -> QuerySet[Segment]:
    """The rows of a `segment_search` that come after `cursor` (keyset pagination): each page
    costs what its own rows cost, however deep into the list it is, and a segment coded
    meanwhile neither shifts a page nor appears twice."""
    return rows.filter(_cursor_place(project, cursor, later=True))


def segments_before(rows: QuerySet[Segment], *, project: Project, cursor: SearchCursor) -> QuerySet[Segment]:
    """The rows of a `segment_search` that come before `cursor`, nearest first (the page
    before, read backwards)."""
    return rows.filter(_cursor_place(project, cursor, later=False)).reverse()


@dataclass(frozen=True)
class SegmentPage:
    """One page of retrieved segments, in SEARCH_ORDER, and the cursors of its neighbours."""

    segments: list[Segment]
    previous: str | None  # before= for the page before, None on the first
    next: str | None  # after= for the page after, None on the last


def segment_page(rows: QuerySet[Segment], *, project: Project, size: int, after: str = "",
                 before: str = "") -> SegmentPage:
    """The page of `rows` after `after` or before `before` (cursors as SearchCursor writes
    them), or the first page: one query for the rows (and one more where a cursor's page
    is empty, to tell the end of the list from a cursor of another project's transcript).
    A cursor that is not one (a garbled or foreign link) gives the first page."""
    try:
        cursor = SearchCursor.parse(after or before) if (after or before) else None
    except ValueError:
        cursor = None
    placed = (segments_after if after else segments_before)(rows, project=project, cursor=cursor) if cursor else rows
    found = list(placed[:size + 1])
    if cursor is not None and not found and not cursor_is_known(project=project, cursor=cursor):
        cursor = None
        found = list(rows[:size + 1])
    more, found = len(found) > size, found[:size]
    if cursor is not None and not after:  # read backwards from the cursor
        found.reverse()
        previous, following = more, True
    else:
        previous, following = cursor is not None, more
    return SegmentPage(segments=found,
                       previous=str(SearchCursor.of(found[0])) if previous and found else None,
                       next=str(SearchCursor.of(found[-1])) if following and found else None)


@dataclass(frozen=True, kw_only=True)
class Hit(Excerpt):
    """One retrieved segment: its citation, and the turn around it (text before, the
    quote, text after) for reading it in context, with its codes and member cases."""

    cases: list[Case]
    codes: list[Coding]

    @property
    def paragraph(self) -> int | None:
        """The ¶ a link to the hit jumps to."""
        return self.first


CONTEXT_CHARS = 400


def valueless_count(*, segments: QuerySet[Segment], code_ids=()) -> int:
    """How many codings of scaled codes (of `code_ids`, if given) lack a value among
    `segments` (one query)."""
    return valueless_codings(code_ids=code_ids).filter(content_object__in=segments.values("id")).count()


@dataclass(frozen=True)
class HitRows:
    """Rows of a `segment_search` in the API's shape (`hit_dicts`), with what reading them
    told: how many rows the whole search has (where asked for, and a row was read), and
    the scale of each code on these rows."""

    hits: list[dict]
    total: int | None = None
    scales: Mapping[int, str] = field(default_factory=dict)

    def valueless(self, *, code_ids=()) -> int | None:
        """`valueless_count` of the whole search where these rows tell it without a query:
        they are every row, or each chosen code is on them without a scale (none of its
        codings can lack a value). None where they cannot tell."""
        if self.total is not None and self.total == len(self.hits):
            wanted = set(code_ids)
            return sum(1 for hit in self.hits for coding in hit["codings"]
                       if not coding["value"] and self.scales[coding["code_id"]] != Code.Scale.NONE
                       and (not wanted or coding["code_id"] in wanted))
        if code_ids and all(self.scales.get(code_id) == Code.Scale.NONE for code_id in code_ids):
            return 0
        return None


def hit_dicts(*, project: Project, segments: QuerySet[Segment], offset: int = 0, limit: int,
              count: bool = False) -> HitRows:
    """Rows `offset` to `offset + limit` of a `segment_search` in the API's shape: each
    segment's JSON (`segment_json`) with its citation, ¶, transcript title and the text
    around it. Read as plain rows (no model instances: building them was most of a page's
    time) in three queries whatever the page's size: the rows, their parts
    (`segment_parts`), and the turns and texts of their transcripts (`cited_excerpts`).
    With `count`, the rows' query counts the whole search too (a window over it, which
    the ordering reads anyway), instead of a COUNT query of its own."""
    fields = (*SEGMENT_FIELDS, "transcript__title", "transcript__expert__pseudonym")
    rows = segments.values(*fields)
    if count:
        rows = rows.annotate(total=Window(Count("id")))
    rows = list(rows[offset:offset + limit])
    if not rows:
        return HitRows(hits=[])
    parts = segment_parts(project=project, ids=[row["id"] for row in rows])
    excerpts = cited_excerpts((Excerpt(transcript_id=row["transcript_id"], transcript=row["transcript__title"],
                                       pseudonym=row["transcript__expert__pseudonym"] or "", start=row["start"],
                                       end=row["end"]) for row in rows), context=CONTEXT_CHARS)
    hits = [{**segment, "citation": e.citation, "paragraph": e.first, "transcript_title": e.transcript,
             "before": e.before, "after": e.after} for segment, e in zip(segments_json(rows, parts), excerpts)]
    return HitRows(hits=hits, total=rows[0]["total"] if count else None, scales=parts.scales)


def segment_hits(*, project: Project, segments: list[Segment], cases: list[Case] | None = None) -> list[Hit]:
    """Citations and surrounding turns for a page of segments: three queries whatever the
    number of segments (turns with the texts of their transcripts, member cases, cases)."""
    if not segments:
        return []
    members = cases_for_segments(project=project, segment_ids=[s.pk for s in segments])
    case_by_id = {c.pk: c for c in (cases if cases is not None else Case.objects.filter(project=project))}
    return cited_excerpts((Hit.of(s, codes=list(s.codings.all()),
                                  cases=[case_by_id[c] for c in members.get(s.pk, []) if c in case_by_id])
                           for s in segments), context=CONTEXT_CHARS)


# --- coders -----------------------------------------------------------------------------

def project_coders(*, project: Project) -> list:
    """Everyone who coded segments in the project (members or former members), with
    `n_segments`, ordered by name: the choices of a "show coders" filter (one query)."""
    return list(
        get_user_model().objects.filter(segments__project=project, segments__deleted_at__isnull=True)
        .annotate(n_segments=Count("segments", filter=Q(segments__project=project,
                                                        segments__deleted_at__isnull=True)))
        .order_by("username")
    )


def segments_by_coders(segments: QuerySet[Segment], coder_ids=None) -> QuerySet[Segment]:
    """Only the segments of the given coders (user ids); None or empty: everyone's.

    For the workspace's "show one coder, several or all" filter and the agreement page:
    `segments_by_coders(segment_rows(project), [3, 5])`.
    """
    ids = [int(i) for i in coder_ids or ()]
    return segments.filter(coder_id__in=ids) if ids else segments


# --- after a text edit ------------------------------------------------------------------

@dataclass(frozen=True)
class FlaggedSegment:
    """A segment to check after a text edit, with its paragraph and codes, for a list of links."""

    segment: Segment
    paragraph: int | None
    codes: list[str]

    @property
    def in_trash(self) -> bool:
        return self.segment.deleted_at is not None


def _edited_segment_rows(*, transcript: Transcript, segments) -> list[FlaggedSegment]:
    """Segments with their ¶ and code names: three queries (segments, codings, turns)."""
    segments = list(segments.prefetch_related("codings__tag").order_by("start", "end", "id"))
    index = TurnIndex(transcript.turns.only("transcript_id", "number", "start", "end")) if segments else None
    return [FlaggedSegment(s, index.number_at(s.start), [c.tag.name for c in s.codings.all()]) for s in segments]


def flagged_segments(*, transcript: Transcript) -> list[FlaggedSegment]:
    """The transcript's segments (also in the trash) whose words changed in an edit and are not checked yet."""
    return _edited_segment_rows(transcript=transcript,
                                segments=Segment.all_objects.filter(transcript=transcript).exclude(needs_review=""))


def text_edit_summary(*, transcript: Transcript, activity) -> dict:
    """What one text edit (an Activity "edited text") did: the segments it moved and flagged."""
    after = activity.after or {}
    moved_ids, flagged_ids = list(after.get("moved", [])), list(after.get("flagged", []))
    rows = _edited_segment_rows(
        transcript=transcript,
        segments=Segment.all_objects.filter(transcript=transcript, pk__in=moved_ids + flagged_ids))
    flagged = set(flagged_ids)
    return {
        "changes": after.get("changes", 0),
        "n_moved": len(moved_ids),
        "n_flagged": len(flagged_ids),
        "moved_rows": [r for r in rows if r.segment.pk not in flagged],
        "flagged_rows": [r for r in rows if r.segment.pk in flagged],
        "before": activity.before or {},
        "after": after,
    }
