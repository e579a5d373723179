"""Reads of the analysis: frequencies, the code x case matrix, co-occurrence, the review
dashboard. Every number is counted in the database (COUNT(DISTINCT ...), SUM) in a fixed
number of queries, whatever the number of segments, except co-occurrence: the database
reads its rows and numpy counts the overlapping pairs (`overlap.py` says why).

Which segments count for which case is decided only by the one case-membership rule,
`apps.coding.selectors.case_membership_sql`; its stored result (the CaseMembership table,
`membership_table`) is joined into the SQL here.

Words are the segments' stored word counts (`Segment.words`, set by the services as
`str.split()` counts the quote), summed in the database.

The aggregates (matrix cells, frequencies, co-occurrence, coding progress) are kept in
Django's cache under the project's activity record (how many, the latest): every service
records an activity in the transaction of its write, so any change to the coding gives a
new key and the next read counts afresh. (An edit in the Django admin records none.) Rows (the code tree) and columns are read on every call.

The matrix is one query: the coded segments of each (code, column) are grouped first per
expert, coded value and cell (small groups), then per cell; a segment-level step removes
duplicates only where they can arise (sub-codes rolled up into a parent, two cases with
the same attribute value).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from apps.cases.models import Attribute, Case, CaseValue, ExpertValue
from apps.coding.citations import Excerpt, cited_excerpts
from apps.coding.models import Code, Coding, Comment, Segment
from apps.coding.selectors import (CodeNode, code_subtree_ids, code_tree, codings_of_primary, membership_sql,
                                   membership_table)
from apps.projects.models import Activity, Project
from apps.projects.selectors import primary_coder
from apps.projects.sorting import natural_key
from apps.projects.state import analysis_stamp, cached_by_state
from apps.projects.values import value_display
from apps.transcripts.models import Expert, Transcript

from .models import Review
from .overlap import cooccurrence_counts

Measure = Literal["experts", "segments", "words"]
MEASURES: dict[str, str] = {"experts": "Distinct experts", "segments": "Segments", "words": "Words coded"}
COLUMN_KINDS: dict[str, str] = {"cases": "Cases", "experts": "Experts", "transcripts": "Transcripts",
                                "coders": "Coders"}
NOT_SET = "(not set)"
EXCERPT_PAGE = 50

_SEP = "\x1f"  # the unit separator joins names in one aggregated string: a control character, not in names


# --- the matrix ------------------------------------------------------------------------

@dataclass(frozen=True)
class MatrixRow:
    """A code of the codebook, in tree order."""

    code: Code
    path: str
    depth: int


@dataclass
class MatrixColumn:
    """A column: a case, an expert, a transcript, a coder, or one value of an attribute.

    `key` identifies it in URLs and downloads: the object's id, or for an attribute value
    its JSON ("null" for cases or experts without a value). `obj` is the Case, Expert,
    Transcript or user of an object column; `member_ids` the cases (or experts) that
    have the attribute value of a value column.
    """

    key: str
    label: str
    obj: object = None
    member_ids: tuple[int, ...] = ()


@dataclass
class MatrixCell:
    """What a cell holds. `count` is the matrix's measure; `values` maps each coded value
    on the row code's own scale to the distinct experts who gave it, e.g.
    {"present": ["E1", "E2"], "absent": ["E3"]} (a transcript without an expert counts
    as its own source, under its title). `words` is None unless words were measured."""

    count: int = 0
    segments: int = 0
    experts: int = 0
    words: int | None = None
    segment_ids: list[int] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)
    missing: int = 0  # codings of a scaled row code without a value (not counted with sub-codes rolled up)
    heat: int = 0  # 0..9, the share of the largest count in the matrix, for the shading


@dataclass
class Matrix:
    """Codes x columns. `cells[(code id, column key)]`; missing cells are empty."""

    project: Project
    measure: str
    columns_kind: str
    rollup: bool
    rows: list[MatrixRow]
    columns: list[MatrixColumn]
    cells: dict[tuple[int, str], MatrixCell]
    attribute: Attribute | None = None
    max_count: int = 0
    all_coders: bool = True
    primary_coder: str = ""  # whose codings count, when not every coder's (with the settled ones)

    def cell(self, code_id: int, column_key: str) -> MatrixCell:
        return self.cells.get((code_id, column_key)) or MatrixCell(words=0 if self.measure == "words" else None)

    def lines(self) -> list[tuple[MatrixRow, list[MatrixCell]]]:
        """Each row with its cells in column order, for templates and downloads."""
        return [(row, [self.cell(row.code.pk, col.key) for col in self.columns]) for row in self.rows]

    @property
    def column_title(self) -> str:
        return self.attribute.name if self.attribute else COLUMN_KINDS[self.columns_kind]


def code_case_matrix(*, project: Project, measure: Measure = "experts", columns: str | int = "cases",
                     root_code: Code | None = None, rollup: bool = False, segment_ids: bool = True,
                     all_coders: bool = False) -> Matrix:
    """The code x case matrix (NVivo's matrix coding query, MAXQDA's Code Matrix Browser).

    - `measure`: "experts" (distinct experts, the default: the experts are the sources),
      "segments" or "words" (words of the coded passages) — the cell's `count`. Segments
      and experts are always filled in; words only when measured.
    - `columns`: "cases" (membership by the one case-membership rule), "experts",
      "transcripts", "coders", or the id of a case or expert attribute (one column per
      value; a case-attribute column holds the segments that count for a case with that
      value).
    - `root_code`: only this code and its descendants as rows.
    - `rollup`: a row also counts the segments coded with its descendants; `values`
      stay those of the row's own code (a child's values are on the child's scale).
    - `segment_ids`: fill `cell.segment_ids` (sorted); off for pages that only count.
    - `all_coders`: count every coder's codings; by default only the primary coding (the
      primary coder's and the settled codings, apps.coding.selectors.primary_codings), so a
      second coder's reliability coding does not change a finding. Coder columns always
      count every coder.

    Rows are every code of the codebook (or the branch) in tree order, empty or not;
    columns every case (expert, ... value) of the project. Runs a fixed number of queries:
    the code tree, the columns (one to three), the project's state (its latest activity),
    and one for every cell's counts, segment ids and values — kept in the cache until the
    project's coding changes.
    """
    if measure not in MEASURES:
        raise ValidationError({"measure": f"Unknown measure {measure!r}; choose one of {', '.join(MEASURES)}."})
    nodes = _branch(project, root_code)
    rows = [MatrixRow(code=n.code, path=n.path, depth=n.depth) for n in nodes]
    kind, attribute, cols = _columns(project, columns)
    counted, primary = _counted(project, kind, all_coders)
    matrix = Matrix(project=project, measure=measure, columns_kind=kind, rollup=rollup, rows=rows, columns=cols,
                    cells={}, attribute=attribute, all_coders=counted is None,
                    primary_coder=primary[1] if primary else "")
    if not rows or not cols:
        return matrix
    row_ids = [r.code.pk for r in rows] if root_code is not None else None
    words = measure == "words"
    counts, values = cached_by_state(project, ("cells-with-missing", kind, tuple((c.key, c.member_ids) for c in cols),
                                               rollup,
                                       row_ids and tuple(row_ids), segment_ids, words,
                                       counted is not None and primary),
                             lambda: _cells(project, kind, cols, rollup, row_ids, ids=segment_ids, words=words,
                                            counted=counted))
    for row_id, col, n_segments, n_experts, n_words, ids in counts:
        cell = matrix.cells.setdefault((row_id, col), MatrixCell())
        cell.segments, cell.experts = n_segments, n_experts
        cell.words = n_words if measure == "words" else None
        cell.count = {"experts": n_experts, "segments": n_segments, "words": n_words}[measure]
        if ids:
            cell.segment_ids = ids
    scales = {r.code.pk: r.code.scale_values for r in rows}
    for row_id, col, value, labels, n in values:
        cell = matrix.cells.get((row_id, col))
        if cell is None:
            continue
        if value:
            cell.values[value] = sorted(set(labels.split(_SEP)), key=natural_key)
        elif scales.get(row_id) and not rollup:  # '' with sub-codes rolled up is also a sub-code's segment
            cell.missing = n
    for (row_id, _col), cell in matrix.cells.items():
        order = {v: i for i, v in enumerate(scales.get(row_id, []))}
        cell.values = dict(sorted(cell.values.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    matrix.max_count = max((c.count for c in matrix.cells.values()), default=0)
    for cell in matrix.cells.values():
        cell.heat = _heat(cell.count, matrix.max_count)
    return matrix


def _counted(project: Project, kind: str, all_coders: bool) -> tuple[Q | None, tuple[int, str] | None]:
    """(which codings count, the primary coder): None for every coder's codings (asked
    for, or coder columns, which compare the coders); else the primary coding (one query)."""
    if all_coders or kind == "coders":
        return None, None
    primary = primary_coder(project=project)
    return codings_of_primary(primary[0] if primary else None), primary


def _heat(count: int, largest: int) -> int:
    if not count or not largest:
        return 0
    return max(1, round(9 * count / largest))


def _branch(project: Project, root_code: Code | None) -> list[CodeNode]:
    """The code tree, or the branch of `root_code` in tree order (one query)."""
    nodes = code_tree(project=project, counts=False)
    if root_code is None:
        return nodes
    branch = []
    if root_code.project_id == project.pk and root_code.deleted_at is None:
        ids = code_subtree_ids([root_code.pk], parents={n.code.pk: n.code.parent_id for n in nodes})
        branch = [n for n in nodes if n.code.pk in ids]
    if not branch:
        raise ValidationError({"root": "That code is not in this project's codebook."})
    return branch


def _columns(project: Project, columns: str | int) -> tuple[str, Attribute | None, list[MatrixColumn]]:
    """(kind, attribute, columns). Attribute ids may come as strings from a URL."""
    if isinstance(columns, str) and columns in COLUMN_KINDS:
        kind = columns
        if kind == "cases":
            objs = list(Case.objects.filter(project=project).order_by("position", "name"))
            return kind, None, [MatrixColumn(key=str(c.pk), label=c.name, obj=c) for c in objs]
        if kind == "experts":
            objs = list(Expert.objects.filter(project=project))
            objs.sort(key=lambda e: natural_key(e.pseudonym))
            return kind, None, [MatrixColumn(key=str(e.pk), label=e.pseudonym, obj=e) for e in objs]
        if kind == "transcripts":
            objs = list(Transcript.objects.filter(project=project).select_related("expert").defer("text")
                        .order_by("title"))
            return kind, None, [MatrixColumn(key=str(t.pk), label=t.title, obj=t) for t in objs]
        User = get_user_model()
        users = list(User.objects.filter(Q(segments__project=project) | Q(memberships__project=project,
                                                                           memberships__role__in=["owner", "coder"]))
                     .distinct().order_by("username"))
        return kind, None, [MatrixColumn(key=str(u.pk), label=u.get_username(), obj=u) for u in users]
    try:
        attribute_id = int(columns)
    except (TypeError, ValueError):
        raise ValidationError({"columns": f"Columns are {', '.join(COLUMN_KINDS)} or an attribute id, "
                                          f"not {columns!r}."}) from None
    attribute = Attribute.objects.filter(project=project, pk=attribute_id).first()
    if attribute is None:
        raise ValidationError({"columns": "No such attribute in this project."})
    if attribute.applies_to == Attribute.AppliesTo.CASE:
        members = list(Case.objects.filter(project=project).values_list("pk", flat=True))
        values = dict(CaseValue.objects.filter(attribute=attribute).values_list("case_id", "value"))
    else:
        members = list(Expert.objects.filter(project=project).values_list("pk", flat=True))
        values = dict(ExpertValue.objects.filter(attribute=attribute).values_list("expert_id", "value"))
    groups: dict[str, list[int]] = {}
    raw: dict[str, object] = {}
    for member in members:
        value = values.get(member)
        key = json.dumps(value, sort_keys=True)
        groups.setdefault(key, []).append(member)
        raw[key] = value
    order = {json.dumps(c): i for i, c in enumerate(attribute.choices or [])}
    order.update({"true": -2, "false": -1})

    def sort_key(key):
        value = raw[key]
        return (value is None, order.get(key, len(order)), natural_key(str(value)))

    cols = [MatrixColumn(key=key, label=_value_label(raw[key]), member_ids=tuple(sorted(groups[key])))
            for key in sorted(groups, key=sort_key)]
    return attribute.applies_to + "-attribute", attribute, cols


def _value_label(value) -> str:
    return NOT_SET if value is None else value_display(value)


# --- the SQL ---------------------------------------------------------------------------

def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables() -> dict[str, str]:
    return {
        "segment": _qn(Segment._meta.db_table), "coding": _qn(Coding._meta.db_table),
        "code": _qn(Code._meta.db_table), "transcript": _qn(Transcript._meta.db_table),
        "expert": _qn(Expert._meta.db_table), "start": _qn("start"), "end": _qn("end"),
    }


@contextmanager
def _analytic_cursor():
    """A cursor for one large aggregate. On PostgreSQL its transaction runs without JIT
    compilation, which costs more than it saves here (at 100x: ~0.5 s of a 1.5 s matrix)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'off', true)")
        yield cursor


def _string_agg(expression: str) -> str:
    """Aggregate text with a separator given as the next parameter."""
    return f"string_agg({expression}, %s)" if connection.vendor == "postgresql" else f"group_concat({expression}, %s)"


def _closure_cte(*, arrays: bool) -> str:
    """Each alive code with itself and each of its ancestors as `row_id`; one parameter.

    With `arrays` (PostgreSQL only) the recursive walk is read back through two arrays
    (sub-queries run once, before the rest): PostgreSQL runs no part of a query in parallel
    that joins a recursive CTE, and the whole matrix with sub-codes rolled up took 1.6 s at
    100x serially, ~1 s so. Not when the rows are filtered (frequencies roll up only the
    codes with sub-codes): its guess for the arrays, cut by the filter, then gives a serial
    plan that is slower than the CTE's (0.40 s against 0.32 s)."""
    t = _tables()
    arrays = arrays and connection.vendor == "postgresql"
    walk = "closure_walk" if arrays else "closure"
    sql = f"""{walk}(code_id, row_id) AS (
        SELECT id, id FROM {t['code']} WHERE project_id = %s AND deleted_at IS NULL
        UNION ALL
        SELECT k.id, cl.row_id FROM {t['code']} k JOIN {walk} cl ON k.parent_id = cl.code_id
         WHERE k.deleted_at IS NULL)"""
    if arrays:
        sql += """, closure(code_id, row_id) AS (
        SELECT * FROM unnest((SELECT array_agg(code_id) FROM closure_walk),
                             (SELECT array_agg(row_id) FROM closure_walk)) AS w(code_id, row_id))"""
    return sql


def _base(project: Project, kind: str, cols: list[MatrixColumn], rollup: bool, row_ids, *, words: bool,
          counted: Q | None = None) -> tuple[str, list]:
    """SELECT of the rows (row_id, col, segment_id, transcript_id, value, words): one per
    alive segment, row code it counts for and column it falls in, never two for the same
    (row, column, segment).

    Two parts joined on the segment, each unique by construction: `units`, the (segment,
    column) pairs (case columns come from the stored memberships, which hold alive segments
    only; a segment in two cases with the same attribute value is one pair), and `codes`,
    the (segment, row code) pairs with the row code's own value ('' for a sub-code's
    segment rolled up into it). `col` is the column key for object columns and the
    column's index for attribute values. The segments table is read for case columns only
    when `words` are wanted (else 0). With `rollup` the query needs the `closure` CTE.
    Experts and labels are joined later, on the grouped rows. `counted` keeps only the
    codings it selects (the primary coding; the rule is apps.coding.selectors').
    """
    t = _tables()
    params: list = []
    values_join = ""
    if kind.endswith("-attribute"):
        pairs = [(member, index) for index, col in enumerate(cols) for member in col.member_ids]
        values_join = (" JOIN (VALUES " + ", ".join("(%s, %s)" for _ in pairs) + ") cm ON cm.column1 = "
                       + ("m.case_id" if kind == "case-attribute" else "tr.expert_id"))
        params += [v for pair in pairs for v in pair]
    if kind in ("cases", "case-attribute"):
        words_expr, words_join = ("s.words", f" JOIN {t['segment']} s ON s.id = m.segment_id") if words else ("0", "")
        units = (f"SELECT {'' if kind == 'cases' else 'DISTINCT '}m.segment_id, m.transcript_id, "
                 f"{'m.case_id' if kind == 'cases' else 'cm.column2'} AS col, {words_expr} AS words "
                 f"FROM {membership_table()} m{values_join}{words_join} WHERE m.project_id = %s")
    else:
        col_expr = {"experts": "tr.expert_id", "transcripts": "s.transcript_id", "coders": "s.coder_id",
                    "project": "0"}.get(kind, "cm.column2")
        expert_join = f" JOIN {t['transcript']} tr ON tr.id = s.transcript_id" if "expert" in kind else ""
        units = (f"SELECT s.id AS segment_id, s.transcript_id, {col_expr} AS col, s.words AS words "
                 f"FROM {t['segment']} s{expert_join}{values_join} WHERE s.project_id = %s AND s.deleted_at IS NULL"
                 + (" AND tr.expert_id IS NOT NULL" if kind == "experts" else ""))
    params.append(project.pk)
    # The codings that count: the table, or only the primary coding's. On PostgreSQL those
    # are read as a sub-query (with its own join to the segments): filtering the table by
    # the ids of that sub-query read the codings twice (at 100x the matrix page took 0.68 s,
    # 0.44 s so). SQLite is faster with the filter (at 10x, 135 ms against 180 ms).
    codings = t["coding"]
    counted_filter: tuple[str, list] | None = None
    if counted is not None:
        if connection.vendor == "postgresql":
            counted_sql, counted_params = (Coding.objects.filter(counted).values("id", "content_object_id", "tag_id",
                                                                                 "value").query.sql_with_params())
            codings = f"({counted_sql})"
            params += list(counted_params)
        else:
            counted_sql, counted_params = Coding.objects.filter(counted).values("id").query.sql_with_params()
            counted_filter = (f"c.id IN ({counted_sql})", list(counted_params))
    if rollup:
        codes = (f"SELECT c.content_object_id AS segment_id, cl.row_id, "
                 f"MAX(CASE WHEN c.tag_id = cl.row_id THEN c.value ELSE '' END) AS value "
                 f"FROM {codings} c JOIN closure cl ON cl.code_id = c.tag_id")
        row_column = "cl.row_id"
    else:
        codes = (f"SELECT c.content_object_id AS segment_id, c.tag_id AS row_id, c.value "
                 f"FROM {codings} c JOIN {t['code']} k ON k.id = c.tag_id AND k.deleted_at IS NULL "
                 f"AND k.project_id = %s")
        params.append(project.pk)
        row_column = "c.tag_id"
    where = []
    if row_ids is not None:
        where.append(f"{row_column} IN ({', '.join('%s' for _ in row_ids)})")
        params += list(row_ids)
    if counted_filter is not None:
        where.append(counted_filter[0])
        params += counted_filter[1]
    if where:
        codes += " WHERE " + " AND ".join(where)
    if rollup:
        codes += " GROUP BY c.content_object_id, cl.row_id"
    sql = f"""SELECT c.row_id, u.col, u.segment_id, u.transcript_id, c.value, u.words
          FROM ({units}) u JOIN ({codes}) c ON c.segment_id = u.segment_id"""
    return sql, params


def _col_key(kind: str, cols: list[MatrixColumn], col) -> str:
    if kind.endswith("-attribute"):
        return cols[int(col)].key
    return str(col)


def _cells(project, kind, cols, rollup, row_ids, *, ids: bool, words: bool = True, counted: Q | None = None):
    """One query for every cell: ([(row_id, column key, segments, experts, words, [segment ids] or None)],
    [(row_id, column key, value or "" for none, labels joined by _SEP, segments)]).

    A row of the base is a segment in a row and a column, once (see `_base`). The rows
    are counted per transcript with integer keys only, and the few grouped rows get their
    expert and label afterwards: grouping the coded rows by text costs more than
    everything else at 100x. `words=False` leaves words at 0 (and the segments table
    unread for case columns).
    """
    base, base_params = _base(project, kind, cols, rollup, row_ids, words=words, counted=counted)
    t = _tables()
    with_parts, with_params = [], []
    if rollup:
        with_parts.append(_closure_cte(arrays=row_ids is None))
        with_params.append(project.pk)
    with_parts.append(f"segments AS ({base})")
    with_params += base_params
    ids_inner = _string_agg("CAST(g.segment_id AS TEXT)") if ids else "NULL"
    ids_outer = _string_agg("l.ids") if ids else "NULL"
    with_parts.append(f"""grouped AS (
        SELECT g.row_id, g.col, g.transcript_id, g.value, COUNT(*) AS n, SUM(g.words) AS w, {ids_inner} AS ids
          FROM segments g GROUP BY g.row_id, g.col, g.transcript_id, g.value)""")
    if ids:
        with_params.append(",")
    with_parts.append(f"""labelled AS (
        SELECT g.row_id, g.col, g.value, g.n, g.w, g.ids,
               COALESCE(tr.expert_id, -tr.id) AS source, COALESCE(e.pseudonym, tr.title) AS label
          FROM grouped g JOIN {t['transcript']} tr ON tr.id = g.transcript_id
          LEFT JOIN {t['expert']} e ON e.id = tr.expert_id)""")
    sql = f"""WITH {'RECURSIVE ' if rollup else ''}{', '.join(with_parts)}
        SELECT 0, l.row_id, l.col, SUM(l.n), COUNT(DISTINCT l.source), SUM(l.w), {ids_outer}, NULL
          FROM labelled l GROUP BY l.row_id, l.col
        UNION ALL
        SELECT 1, v.row_id, v.col, SUM(v.n), NULL, NULL, {_string_agg('v.label')}, v.value
          FROM labelled v GROUP BY v.row_id, v.col, v.value"""
    params = [*with_params, *([","] if ids else []), _SEP]
    counts, values = [], []
    with _analytic_cursor() as cursor:
        cursor.execute(sql, params)
        for part, row_id, col, n, experts, n_words, text, value in cursor.fetchall():
            if part == 0:
                ids_list = sorted(int(i) for i in text.split(",")) if text else None
                counts.append((row_id, _col_key(kind, cols, col), int(n), int(experts), int(n_words or 0), ids_list))
            else:
                values.append((row_id, _col_key(kind, cols, col), value, text, int(n)))
    return counts, values


# --- frequencies -----------------------------------------------------------------------

@dataclass
class FrequencyRow:
    """A code's counts: of its own codings, and with its sub-codes rolled up into it."""

    code: Code
    path: str
    depth: int
    segments: int = 0
    experts: int = 0
    words: int = 0
    total_segments: int = 0
    total_experts: int = 0
    total_words: int = 0


def code_frequencies(*, project: Project, root_code: Code | None = None) -> list[FrequencyRow]:
    """Per code: segments, distinct experts and words coded, for the code alone and
    with its sub-codes (a segment coded with a code and its child counts once). Every
    code of the codebook, in tree order. Four queries (two when nothing changed since the
    last count)."""
    nodes = _branch(project, root_code)
    rows = [FrequencyRow(code=n.code, path=n.path, depth=n.depth) for n in nodes]
    if not rows:
        return rows
    by_id = {r.code.pk: r for r in rows}
    whole = [MatrixColumn(key="0", label="All")]
    stamp = analysis_stamp(project)
    # With its sub-codes, a code without any counts what it counts alone: only the codes
    # with sub-codes are rolled up (at 100x that halves the rows the roll-up groups).
    parents = {n.code.parent_id for n in nodes if n.code.parent_id is not None}
    for rollup, row_ids in ((False, list(by_id) if root_code is not None else None),
                            (True, [pk for pk in by_id if pk in parents])):
        if rollup and not row_ids:
            continue
        counts, _values = cached_by_state(project, ("cells", "project", rollup, row_ids and tuple(row_ids), False),
                                          lambda: _cells(project, "project", whole, rollup, row_ids, ids=False),
                                          stamp=stamp)
        for row_id, _col, n_segments, n_experts, n_words, _ids in counts:
            row = by_id.get(row_id)
            if row is None:
                continue
            if rollup:
                row.total_segments, row.total_experts, row.total_words = n_segments, n_experts, n_words
            else:
                row.segments, row.experts, row.words = n_segments, n_experts, n_words
    for row in rows:
        if row.code.pk not in parents:
            row.total_segments, row.total_experts, row.total_words = row.segments, row.experts, row.words
    return rows


BREAKDOWNS: dict[str, str] = {"transcripts": "Transcript", "experts": "Expert", "cases": "Case", "coders": "Coder"}


def code_breakdown(*, project: Project, by: str = "cases", measure: Measure = "segments", rollup: bool = True,
                   root_code: Code | None = None) -> Matrix:
    """Frequencies broken down by transcript, expert, case or coder: the matrix engine
    with those columns, so the by-case numbers are those of the matrix with every coder.
    Frequencies count every coder's work (as `code_frequencies` does)."""
    if by not in BREAKDOWNS:
        raise ValidationError({"by": f"Break down by {', '.join(BREAKDOWNS)}, not {by!r}."})
    return code_case_matrix(project=project, measure=measure, columns=by, rollup=rollup, root_code=root_code,
                            segment_ids=False, all_coders=True)


# --- excerpts behind a cell --------------------------------------------------------------

@dataclass
class ExcerptPage:
    title: str
    total: int
    offset: int
    limit: int
    excerpts: list[Excerpt]

    @property
    def shown_to(self) -> int:
        return self.offset + len(self.excerpts)

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None


def _excerpts(project: Project, ids_sql: str, ids_params: list, *, title: str, offset: int,
              limit: int) -> ExcerptPage:
    """A page of the segments whose ids the SQL selects, each with its citation. Four
    queries: the count, the page, its codings, the turns of its transcripts."""
    offset, limit = max(0, int(offset)), max(1, min(int(limit), 200))
    chosen = Segment.objects.filter(project=project, id__in=RawSQL(ids_sql, ids_params))
    total = chosen.count()
    page = list(chosen.select_related("transcript__expert", "coder").defer("transcript__text")
                .prefetch_related(Prefetch("codings", queryset=Coding.objects.select_related("tag")
                                           .order_by("tag__position", "tag__name")))
                .order_by("transcript__title", "start", "end", "id")[offset:offset + limit])
    return ExcerptPage(title=title, total=total, offset=offset, limit=limit,
                       excerpts=cited_excerpts(Excerpt.of(segment) for segment in page))


def matrix_cell_excerpts(*, project: Project, code: Code, column: str, columns: str | int = "cases",
                         rollup: bool = False, offset: int = 0, limit: int = EXCERPT_PAGE,
                         all_coders: bool = False) -> ExcerptPage:
    """The segments behind one matrix cell (`column` is the column's key), with citations:
    the primary coding's unless `all_coders`, as the matrix counts them."""
    if code.project_id != project.pk or code.deleted_at is not None:
        raise ValidationError({"code": "That code is not in this project's codebook."})
    kind, _attribute, cols = _columns(project, columns)
    keys = [c.key for c in cols]
    if column not in keys:
        raise ValidationError({"column": f"No column {column!r} among the {COLUMN_KINDS.get(kind, 'values')}."})
    col_value: object = keys.index(column) if kind.endswith("-attribute") else int(column)
    codes = [n.code.pk for n in _branch(project, code)] if rollup else [code.pk]
    counted, _primary = _counted(project, kind, all_coders)
    base, base_params = _base(project, kind, cols, False, codes, words=False, counted=counted)
    label = cols[keys.index(column)].label
    return _excerpts(project, f"SELECT x.segment_id FROM ({base}) x WHERE x.col = %s", [*base_params, col_value],
                     title=f"{code.name} × {label}", offset=offset, limit=limit)


# --- co-occurrence -------------------------------------------------------------------------

@dataclass
class CooccurrenceCell:
    count: int = 0
    heat: int = 0
    diagonal: bool = False


@dataclass
class Cooccurrence:
    """Codes x codes: `cells[(a, b)]` is the number of segments coded `a` that overlap a
    segment coded `b` in the same transcript (a segment coded with both counts: it
    overlaps itself). Not symmetric: it counts `a`'s segments. The diagonal is empty."""

    project: Project
    case: Case | None
    rows: list[MatrixRow]
    cells: dict[tuple[int, int], int]
    max_count: int = 0

    def lines(self) -> list[tuple[MatrixRow, list[CooccurrenceCell]]]:
        return [(row, [CooccurrenceCell(count=self.cells.get((row.code.pk, col.code.pk), 0),
                                        heat=_heat(self.cells.get((row.code.pk, col.code.pk), 0), self.max_count),
                                        diagonal=row.code.pk == col.code.pk)
                       for col in self.rows])
                for row in self.rows]


def _overlap_sql(project: Project, case: Case | None) -> tuple[str, list]:
    """Rows (a, b, segment of a, segment of b) of overlapping coded segments (a segment
    overlaps itself, so two codes of one segment co-occur). Codes in the trash are not
    filtered here: the table's rows are the live codebook, and the excerpts are asked for
    live codes only (a join on codes misleads SQLite's planner).

    Two segments overlap when one starts inside the other. So the pairs are found from each
    segment x as the segments y that start inside it (start >= x's start, < x's end): a
    range of the (transcript, start) index, a few rows per segment. Each such (x, y) gives
    the ordered pair (x, y), and, when y starts strictly later, (y, x) too; a tie on the
    start is found from both sides already. Joining every pair of a transcript on the
    transcript alone and filtering the ends after took twice as long at 100x (210,000
    segments: 20 million rows thrown away). The two halves are written out rather than
    shared through a CTE, which would keep PostgreSQL from reading them in parallel."""
    t = _tables()
    s_, e_ = t["start"], t["end"]
    params: list = []
    members, in_case = "", ""
    if case is not None:  # the case's segments, once; both segments of a pair must count for it
        membership, m_params = membership_sql(project, "case_id = %s", [case.pk])
        members = f"WITH members AS ({membership})"
        in_case = "JOIN members ma ON ma.segment_id = p.sa JOIN members mb ON mb.segment_id = p.sb"
        params += m_params

    def starting_inside(strictly: bool) -> str:
        return f"""FROM {t['segment']} x
          JOIN {t['segment']} y ON y.transcript_id = x.transcript_id AND y.{s_} {'>' if strictly else '>='} x.{s_}
                               AND y.{s_} < x.{e_} AND y.deleted_at IS NULL
         WHERE x.project_id = %s AND x.deleted_at IS NULL"""

    params += [project.pk, project.pk]
    sql = f"""{members}
        SELECT ca.tag_id AS a, cb.tag_id AS b, p.sa AS segment_a, p.sb AS segment_b
          FROM (SELECT x.id AS sa, y.id AS sb {starting_inside(False)}
                UNION ALL
                SELECT y.id, x.id {starting_inside(True)}) p
          JOIN {t['coding']} ca ON ca.content_object_id = p.sa
          JOIN {t['coding']} cb ON cb.content_object_id = p.sb AND cb.tag_id <> ca.tag_id
          {in_case}"""
    return sql, params


def code_cooccurrence(*, project: Project, case: Case | None = None) -> Cooccurrence:
    """Codes x codes co-occurrence, optionally among the segments that count for `case`
    (both segments must). Four queries: the code tree, the project's state, and when
    nothing is cached the segments and their codings (kept until the coding changes).

    The pairs are counted in Python (`overlap.cooccurrence_counts`, the rule of
    `_overlap_sql`, which gives the excerpts behind a cell): the database reads the rows,
    numpy finds the overlaps. In SQL the range self-join and the distinct count took 1.5 to
    1.8 s at 100x however the query was shaped (one pass instead of two, each pair once,
    coded segments only, work_mem); reading the rows and counting them here takes ~0.6 s."""
    if case is not None and case.project_id != project.pk:
        raise ValidationError({"case": "That case belongs to another project."})
    rows = [MatrixRow(code=n.code, path=n.path, depth=n.depth) for n in code_tree(project=project, counts=False)]
    result = Cooccurrence(project=project, case=case, rows=rows, cells={})
    result.cells = cached_by_state(project, ("cooccurrence", case.pk if case else None),
                                   lambda: _cooccurrence_cells(project, case))
    result.max_count = max(result.cells.values(), default=0)
    return result


def _cooccurrence_cells(project: Project, case: Case | None) -> dict[tuple[int, int], int]:
    """Two reads: the alive segments that count (the project's, or the case's by the stored
    memberships) and their codings (codes in the trash too, as `_overlap_sql`). A coding's
    code is always of its segment's project (the services refuse others), so the project's
    codings are read through its codes, without joining the wide segments table again."""
    t = _tables()
    if case is None:
        segments_sql = (f"SELECT s.id, s.transcript_id, s.{t['start']}, s.{t['end']} FROM {t['segment']} s "
                        f"WHERE s.project_id = %s AND s.deleted_at IS NULL")
        segments_params = [project.pk]
        codings_sql = (f"SELECT c.content_object_id, c.tag_id FROM {t['coding']} c "
                       f"JOIN {t['code']} k ON k.id = c.tag_id WHERE k.project_id = %s")
        codings_params = [project.pk]
    else:
        members, members_params = membership_sql(project, "case_id = %s", [case.pk])
        segments_sql = (f"SELECT s.id, s.transcript_id, s.{t['start']}, s.{t['end']} FROM {t['segment']} s "
                        f"JOIN ({members}) m ON m.segment_id = s.id WHERE s.deleted_at IS NULL")
        segments_params = members_params
        codings_sql = (f"SELECT c.content_object_id, c.tag_id FROM {t['coding']} c "
                       f"JOIN ({members}) m ON m.segment_id = c.content_object_id")
        codings_params = members_params
    with connection.cursor() as cursor:  # as arrays at once: the rows as Python tuples weigh ten times more
        cursor.execute(segments_sql, segments_params)
        segments = np.array(cursor.fetchall(), dtype=np.int64)
        cursor.execute(codings_sql, codings_params)
        codings = np.array(cursor.fetchall(), dtype=np.int64)
    return cooccurrence_counts(segments, codings)


def cooccurrence_excerpts(*, project: Project, code: Code, other: Code, case: Case | None = None,
                          offset: int = 0, limit: int = EXCERPT_PAGE) -> ExcerptPage:
    """The segments coded `code` that overlap a segment coded `other`."""
    for name, obj in (("code", code), ("other", other)):
        if obj.project_id != project.pk or obj.deleted_at is not None:
            raise ValidationError({name: "That code is not in this project's codebook."})
    if case is not None and case.project_id != project.pk:
        raise ValidationError({"case": "That case belongs to another project."})
    sql, params = _overlap_sql(project, case)
    title = f"{code.name} overlapping {other.name}" + (f" in {case.name}" if case else "")
    return _excerpts(project, f"SELECT o.segment_a FROM ({sql}) o WHERE o.a = %s AND o.b = %s",
                     [*params, code.pk, other.pk], title=title, offset=offset, limit=limit)


# --- the supervisor's dashboard -----------------------------------------------------------------

@dataclass
class TranscriptProgress:
    transcript: Transcript
    length: int
    coded: int
    segments: int
    by_coder: list[int]
    review: object = None

    @property
    def share(self) -> float:
        """The share of the text inside at least one coded segment (0..1)."""
        return self.coded / self.length if self.length else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)


def _coverage_sql() -> str:
    """Characters covered by the union of each transcript's coded segments (gaps and
    islands: a segment starts a new island when it begins after every earlier end)."""
    t = _tables()
    s_, e_ = t["start"], t["end"]
    return f"""
        WITH coded AS (
            SELECT s.transcript_id, s.{s_} AS a, s.{e_} AS b,
                   MAX(s.{e_}) OVER (PARTITION BY s.transcript_id ORDER BY s.{s_}, s.{e_}, s.id
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
              FROM {t['segment']} s
             WHERE s.project_id = %s AND s.deleted_at IS NULL
               AND EXISTS (SELECT 1 FROM {t['coding']} c JOIN {t['code']} k ON k.id = c.tag_id
                            WHERE c.content_object_id = s.id AND k.deleted_at IS NULL)
        ), islands AS (
            SELECT transcript_id, a, b,
                   SUM(CASE WHEN reach IS NULL OR a > reach THEN 1 ELSE 0 END)
                       OVER (PARTITION BY transcript_id ORDER BY a, b ROWS UNBOUNDED PRECEDING) AS island
              FROM coded
        )
        SELECT transcript_id, SUM(b - a) FROM (
            SELECT transcript_id, island, MIN(a) AS a, MAX(b) AS b FROM islands GROUP BY transcript_id, island
        ) spans GROUP BY transcript_id"""


def review_dashboard(*, project: Project) -> dict:
    """Coding progress per transcript (share of the text coded, segments per coder), the
    review status of each transcript and of the codebook, recent activity, and the open
    comments with their answers. A fixed number of queries."""

    # the text's length without a join: a GROUP BY over segments would read each long text once per segment
    transcripts = list(Transcript.objects.filter(project=project).select_related("expert").defer("text")
                       .annotate(length=Length("text")).order_by("title"))
    def count():
        with _analytic_cursor() as cursor:
            cursor.execute(_coverage_sql(), [project.pk])
            coverage = dict(cursor.fetchall())
        per_coder = (Segment.objects.filter(project=project).values("transcript_id", "coder_id", "coder__username")
                     .annotate(n=Count("id")).order_by())
        return coverage, [(r["transcript_id"], r["coder_id"], r["coder__username"], r["n"]) for r in per_coder]

    coverage, per_coder = cached_by_state(project, ("progress",), count)
    coders: dict[int, str] = {}
    counts: dict[tuple[int, int], int] = {}
    for transcript_id, coder_id, username, n in per_coder:
        coders[coder_id] = username
        counts[(transcript_id, coder_id)] = n
    coder_ids = sorted(coders, key=lambda i: coders[i].lower())
    latest: dict[int | None, Review] = {}
    for review in Review.objects.filter(project=project).select_related("reviewer"):
        latest.setdefault(review.transcript_id, review)  # newest first
    progress = [
        TranscriptProgress(transcript=t, length=t.length, coded=int(coverage.get(t.pk) or 0),
                           segments=sum(counts.get((t.pk, c), 0) for c in coder_ids),
                           by_coder=[counts.get((t.pk, c), 0) for c in coder_ids], review=latest.get(t.pk))
        for t in transcripts
    ]
    comments = list(
        Comment.objects.filter(project=project, parent__isnull=True, resolved_at__isnull=True)
        .select_related("author", "code", "case", "transcript", "segment__transcript__expert")
        .prefetch_related(_replies())
        .order_by("-created_at", "-id")[:100]
    )
    return {
        "project": project,
        "progress": progress,
        "coders": [coders[c] for c in coder_ids],
        "codebook_review": latest.get(None),
        "activity": list(Activity.objects.filter(project=project).select_related("actor")[:20]),
        "comments": comments,
        "n_open_comments": Comment.objects.filter(project=project, parent__isnull=True,
                                                  resolved_at__isnull=True).count(),
    }


def _replies():
    return Prefetch("replies", queryset=Comment.objects.select_related("author").order_by("created_at", "id"))


def comments_on(*, project: Project, code: Code | None = None, case: Case | None = None,
                segment: Segment | None = None, open_only: bool = False) -> list[Comment]:
    """The comments on exactly this target (a matrix cell is code and case), open ones
    first, each with its answers. Two queries."""
    found = Comment.objects.filter(project=project, parent__isnull=True, code=code, case=case, segment=segment,
                                   transcript__isnull=True)
    if open_only:
        found = found.filter(resolved_at__isnull=True)
    return list(found.select_related("author").prefetch_related(_replies())
                .order_by(F("resolved_at").asc(nulls_first=True), "-created_at", "-id")[:200])
