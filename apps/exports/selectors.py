"""Reads for exports: the excerpts of a thesis appendix, the codebook with its counts, and
what the Exports page offers to choose from. Each runs a fixed number of queries.

Which segments count for which case is decided by apps.coding.selectors
(`cases_for_segments`), the one case-membership rule; nothing here re-implements it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.cases.models import Attribute, Case, CaseValue, ExpertValue
from apps.coding.citations import Excerpt, cited_excerpts
from apps.coding.models import Code, Coding, Memo, Segment
from apps.coding.selectors import (CodeNode, cases_for_segments, code_subtree_ids, code_tree, codebook_sql,
                                  codes_in_tree_order, codings_of_primary)
from apps.projects.compiled import CompiledRead, execute_prepared
from apps.projects.models import Project
from apps.projects.selectors import primary_coder
from apps.projects.values import value_display
from apps.suggestions.models import SuggestionOrigin
from apps.transcripts.models import Expert, Transcript

GROUP_CODE_CASE_EXPERT = "code-case-expert"
GROUP_CASE_CODE = "case-code"
GROUPINGS = {
    GROUP_CODE_CASE_EXPERT: "Code, then case, then expert",
    GROUP_CASE_CODE: "Case, then code",
}
NO_CASE = "Not in a case"
NO_EXPERT = "No expert"


@dataclass(frozen=True)
class AppendixSelection:
    """What goes into an appendix. Empty id lists mean "all"."""

    code_ids: tuple[int, ...] = ()
    include_subcodes: bool = True
    case_ids: tuple[int, ...] = ()
    expert_ids: tuple[int, ...] = ()
    coder_ids: tuple[int, ...] = ()
    all_coders: bool = False  # without coder_ids: every coder's codings, not only the primary ones
    grouping: str = GROUP_CODE_CASE_EXPERT
    include_memos: bool = True
    real_names: bool = False
    include_times: bool = False  # each excerpt's time in its transcript's recording, where known
    include_suggested: bool = True  # codings accepted from the suggestion engine (marked as such)


def suggested_by(engine: str, version: str, accepted_by: str) -> str:
    """How an appendix and a .qdpx say that a coding began as the engine's suggestion."""
    return f"suggested by {engine} {version}, accepted by {accepted_by}"


def suggestion_origins(*, project: Project) -> dict[int, tuple[int, str]]:
    """segment id -> (the code it was suggested for, "suggested by <engine> <version>,
    accepted by <user>"), for the segments that began as an accepted suggestion. One query
    (the appendix reads the same with its passages: ORIGIN_FIELDS)."""
    origins = SuggestionOrigin.objects.filter(segment__project=project)
    return {segment_id: (code_id, suggested_by(engine, version, user)) for segment_id, code_id, engine, version, user
            in origins.values_list("segment_id", "code_id", "engine", "engine_version", "accepted_by__username")}


@dataclass
class CodeEntry:
    """A codebook entry as the appendix and the codebook exports show it."""

    id: int
    name: str
    path: str
    depth: int
    colour: str
    description: str
    inclusion: str
    exclusion: str
    example: str
    scale: str
    levels: list[str]
    parent_id: int | None
    segments: int = 0
    experts: int = 0

    @property
    def scale_label(self) -> str:
        if self.scale == Code.Scale.PRESENCE:
            return "present / absent"
        if self.scale == Code.Scale.ORDINAL:
            return "ordinal: " + " < ".join(self.levels)
        return ""


@dataclass
class ExpertEntry:
    pseudonym: str
    description: str
    real_name: str  # empty unless the selection asks for real names
    attributes: list[tuple[str, str]]


@dataclass(frozen=True, kw_only=True)
class AppendixExcerpt(Excerpt):
    """One excerpt as it appears in the appendix: a segment under one code (its `value`)
    and one case, with its citation key, citation and paragraphs from `Excerpt`."""

    coder: str
    code: str
    code_path: str
    case: str
    memo: str
    all_codes: str
    all_cases: str
    expert_values: dict[str, str] = field(default_factory=dict)
    case_values: dict[str, str] = field(default_factory=dict)
    suggested: str = ""  # "suggested by <engine> <version>, accepted by <user>" for an accepted suggestion


class Passage(NamedTuple):
    """A coded passage as the appendix reads it (PASSAGE_FIELDS, from its codings' rows)."""

    pk: int
    transcript_id: int
    start: int
    end: int
    quote: str
    memo: str
    coder: str
    title: str
    expert_id: int | None
    pseudonym: str | None


PASSAGE_FIELDS = tuple(f"content_object__{name}" for name in (
    "transcript_id", "start", "end", "quote", "memo", "coder__username", "transcript__title", "transcript__expert_id",
    "transcript__expert__pseudonym"))
ORIGIN_FIELDS = ("code_id", "engine", "engine_version", "accepted_by__username")


class CodingRow(NamedTuple):
    code_id: int
    name: str
    value: str


@dataclass
class Section:
    """A heading of the appendix (level 1 to 3) with its excerpts or sub-sections."""

    title: str
    level: int
    kind: str  # "code", "case" or "expert"
    children: list["Section"] = field(default_factory=list)
    excerpts: list[AppendixExcerpt] = field(default_factory=list)


@dataclass
class Appendix:
    project: str
    generated_at: str
    grouping: str
    selection_lines: list[str]
    experts: list[ExpertEntry]
    codes: list[CodeEntry]
    sections: list[Section]
    expert_attributes: list[str]
    case_attributes: list[str]
    include_memos: bool
    include_times: bool = False

    @property
    def excerpts(self) -> list[AppendixExcerpt]:
        """Every excerpt in document order."""
        found: list[AppendixExcerpt] = []

        def walk(sections):
            for section in sections:
                found.extend(section.excerpts)
                walk(section.children)

        walk(self.sections)
        return found

    @property
    def segment_count(self) -> int:
        return len({e.segment_id for e in self.excerpts})


def project_segment_count(*, project: Project) -> int:
    """How many coded passages the project has (not in the trash): a large project's exports
    are made by the task worker. One query on the (project, deleted_at) index."""
    return Segment.objects.filter(project=project).count()


# Per code, its segments and its distinct experts: the codings grouped by code and transcript
# first (a hash aggregate; a count of distinct experts there would sort every coding), then
# those few groups joined to their transcripts' experts and counted per code (joining each
# coding to its transcript took a fifth of the time at the large scale, #19).
_SEGMENTS_AND_EXPERTS = (
    "SELECT g.tag_id, SUM(g.n) AS n_segments, COUNT(DISTINCT t.expert_id) AS n_experts FROM ("
    f"SELECT c.tag_id, s.transcript_id, COUNT(*) AS n FROM {Coding._meta.db_table} c "
    f"JOIN {Segment._meta.db_table} s ON s.id = c.content_object_id "
    "WHERE s.project_id = %s AND s.deleted_at IS NULL GROUP BY c.tag_id, s.transcript_id) g "
    f"JOIN {Transcript._meta.db_table} t ON t.id = g.transcript_id GROUP BY g.tag_id")
_CODEBOOK_FIELDS = ("id", "parent", "name", "colour", "description", "inclusion", "exclusion", "example", "scale",
                    "levels")
_CODEBOOK_WITH_COUNTS = codebook_sql(fields=_CODEBOOK_FIELDS,
                                     columns=", COALESCE(k.n_segments, 0) AS n_segments, "
                                             "COALESCE(k.n_experts, 0) AS n_experts",
                                     join=f"LEFT JOIN ({_SEGMENTS_AND_EXPERTS}) k ON k.tag_id = code.id")


def codebook_entries(*, project: Project, counts: bool = True, nodes: list[CodeNode] | None = None
                     ) -> list[CodeEntry]:
    """The codebook in tree order with the number of segments and of distinct experts per
    code (segments in the trash do not count). One query, the codes with both counts
    (written SQL: the ORM took longer to compile and read this aggregate than the database
    to answer it, on an export a coder clicks often, #19); `counts=False`: 0 for both, for
    an appendix, which shows no count, from the codes alone (none read where the caller
    has them: `nodes`, from `code_tree`)."""
    if counts:
        nodes = codes_in_tree_order(_codebook_rows(project))
    elif nodes is None:
        nodes = code_tree(project=project, counts=False)
    return [
        CodeEntry(id=node.code.pk, name=node.code.name, path=node.path, depth=node.depth, colour=node.code.colour,
                  description=node.code.description, inclusion=node.code.inclusion,
                  exclusion=node.code.exclusion, example=node.code.example, scale=node.code.scale,
                  levels=list(node.code.levels or []), parent_id=node.code.parent_id,
                  segments=int(getattr(node.code, "n_segments", 0)), experts=int(getattr(node.code, "n_experts", 0)))
        for node in nodes
    ]


def _codebook_rows(project: Project) -> list[SimpleNamespace]:
    """The codes of `_CODEBOOK_WITH_COUNTS` as plain rows with a code's attribute names (`pk`,
    `parent_id`, `name`, ..., `n_segments`, `n_experts`), which is all `codes_in_tree_order`
    and an entry read: building them as models took a fifth of the export's time (#19).
    Only `levels`, a JSON column, is converted as the ORM converts it."""
    levels = Code._meta.get_field("levels")
    names = ["pk" if name == "id" else Code._meta.get_field(name).attname for name in _CODEBOOK_FIELDS]
    with connection.cursor() as cursor:
        execute_prepared(cursor, _CODEBOOK_WITH_COUNTS, [project.pk, project.pk])
        rows = cursor.fetchall()
    codes = []
    for row in rows:
        code = SimpleNamespace(**dict(zip(names, row)), n_segments=row[-2], n_experts=row[-1])
        code.levels = levels.from_db_value(code.levels, None, connection)
        codes.append(code)
    return codes


def _counted_codings(counted: str, coder: int | None = None) -> Q:
    """Whose codings an appendix shows (a filter on Coding): `counted` is "every coder",
    "primary" (the primary `coder`'s and the settled ones) or "no primary" (a project
    without a primary coder: the settled ones)."""
    if counted == "every coder":
        return Q()
    return codings_of_primary(coder if counted == "primary" else None)


def _chosen_segments(*, project: int, chosen: list[int], counted: str, coder: int | None = None,
                     expert_ids: list[int] | None = None, coder_ids: list[int] | None = None) -> QuerySet[Segment]:
    """The passages of an appendix: those with a counted coding of a chosen code, of the
    chosen experts and coders, if any are chosen."""
    segments = Segment.objects.filter(project=project, id__in=Coding.objects.filter(
        _counted_codings(counted, coder), tag_id__in=chosen).values("content_object_id"))
    if expert_ids:
        segments = segments.filter(transcript__expert_id__in=expert_ids)
    if coder_ids:
        segments = segments.filter(coder_id__in=coder_ids)
    return segments


def _excerpt_codings_query(*, project: int, chosen: list[int], counted: str, coder: int | None = None,
                           expert_ids: list[int] | None = None, coder_ids: list[int] | None = None):
    return (Coding.objects.filter(_counted_codings(counted, coder),
                                  content_object__in=_chosen_segments(
                                      project=project, chosen=chosen, counted=counted, coder=coder,
                                      expert_ids=expert_ids, coder_ids=coder_ids))
            .order_by("tag__position", "tag__name", "tag_id")
            .values_list("content_object_id", "tag_id", "tag__name", "value", *PASSAGE_FIELDS,
                         *(f"content_object__suggestion_origin__{name}" for name in ORIGIN_FIELDS)))


# The appendix's main read, compiled once per shape of selection: building it cost more than
# running it, on every CSV of a code's passages (#19).
_EXCERPT_CODINGS = CompiledRead(_excerpt_codings_query)


def appendix_data(*, project: Project, selection: AppendixSelection, code_nodes: list[CodeNode] | None = None,
                  introduction: bool = True) -> Appendix:
    """The excerpts of an appendix, grouped as the selection asks, with the introduction
    (experts and codebook entries used, the selection's lines). About ten queries whatever
    the data size (one less with `code_nodes`, the codebook as `code_tree` gives it, where
    the caller has it; one less without the introduction, whose experts and selection
    lines are then empty: a format that shows the excerpts alone); the passages are read as
    plain rows (no model instances), with their codings."""
    entries = codebook_entries(project=project, counts=False, nodes=code_nodes)
    by_code = {e.id: e for e in entries}
    if selection.code_ids:
        chosen = {i for i in selection.code_ids if i in by_code}
        if selection.include_subcodes:
            chosen = code_subtree_ids(chosen, parents={e.id: e.parent_id for e in entries})
    else:
        chosen = set(by_code)

    # Whose codings: the chosen coders', or every coder's, or by default the primary ones
    # (the primary coder's and the settled ones), so a reliability coding repeats no quote.
    primary = None
    values = {"project": project.pk, "chosen": sorted(chosen)}
    if selection.expert_ids:
        values["expert_ids"] = list(selection.expert_ids)
    if selection.coder_ids:
        values["coder_ids"] = list(selection.coder_ids)
    if selection.coder_ids or selection.all_coders:
        counted = "every coder"
    else:
        primary = primary_coder(project=project)
        counted = "primary" if primary else "no primary"
        if primary:
            values["coder"] = primary[0]
    # The counted codings of the chosen passages, each with its passage and the suggestion
    # the passage began as (if it did): one query where passages, codings and suggestions
    # were three. Every chosen passage has a counted coding, so each is on some row.
    segments: dict[int, Passage] = {}
    codings: dict[int, list[CodingRow]] = defaultdict(list)
    origins: dict[int, tuple[int, str]] = {}
    for (segment_id, code_id, name, value, *passage, origin_code_id, engine, version, accepted_by) in (
            _EXCERPT_CODINGS.rows(shape=(("counted", counted),), **values)):
        if segment_id not in segments:
            segments[segment_id] = Passage(segment_id, *passage)
            if origin_code_id is not None:
                origins[segment_id] = (origin_code_id, suggested_by(engine, version, accepted_by))
        codings[segment_id].append(CodingRow(code_id, name, value))

    cases = list(Case.objects.filter(project=project))
    case_names = {c.pk: c.name for c in cases}
    # Only a project with cases has memberships and case values to read.
    case_ids_by_segment = cases_for_segments(project=project, segment_ids=list(segments)) if cases else {}
    wanted_cases = set(selection.case_ids) & set(case_names) if selection.case_ids else None
    if wanted_cases is not None:
        segments = {pk: s for pk, s in segments.items() if wanted_cases & set(case_ids_by_segment.get(pk, ()))}
    case_order = [c.pk for c in cases if wanted_cases is None or c.pk in wanted_cases]

    attributes = list(project.attributes.all())
    expert_attrs = [a.name for a in attributes if a.applies_to == Attribute.AppliesTo.EXPERT]
    case_attrs = [a.name for a in attributes if a.applies_to == Attribute.AppliesTo.CASE]
    # Values exist only for attributes (and cases) that do, and show only where they do.
    case_values: dict[int, dict[str, str]] = defaultdict(dict)
    if cases and case_attrs:
        for case_id, name, value in (CaseValue.objects.filter(case__project=project)
                                     .values_list("case_id", "attribute__name", "value")):
            case_values[case_id][name] = value_display(value)
    experts = list(Expert.objects.filter(project=project).order_by("pseudonym")) if introduction else []
    expert_values: dict[int, dict[str, str]] = defaultdict(dict)
    if expert_attrs:
        for expert_id, name, value in (ExpertValue.objects.filter(expert__project=project)
                                       .values_list("expert_id", "attribute__name", "value")):
            expert_values[expert_id][name] = value_display(value)

    def is_suggested(segment_id: int, code_id: int) -> bool:
        return origins.get(segment_id, (None,))[0] == code_id

    memos: dict[int, list[str]] = defaultdict(list)
    if selection.include_memos:
        chosen_segments = _chosen_segments(**values, counted=counted)
        for memo in Memo.objects.filter(project=project, segment__in=chosen_segments).order_by("created_at", "id"):
            memos[memo.segment_id].append(f"{memo.title}: {memo.text}" if memo.title else memo.text)

    def excerpt(segment: Passage, coding: CodingRow, case_id: int | None) -> AppendixExcerpt:
        """The leaf, not cited yet: `cited_excerpts` adds the paragraphs of every leaf at once."""
        memo_parts = ([segment.memo] if segment.memo and selection.include_memos else []) + memos.get(segment.pk, [])
        return AppendixExcerpt(
            transcript_id=segment.transcript_id, transcript=segment.title, pseudonym=segment.pseudonym or "",
            start=segment.start, end=segment.end, segment_id=segment.pk, quote=segment.quote,
            coder=segment.coder, code=coding.name, code_path=by_code[coding.code_id].path, value=coding.value,
            case=case_names.get(case_id, "") if case_id else "", memo="\n\n".join(memo_parts),
            all_codes="; ".join(f"{c.name} = {c.value}" if c.value else c.name for c in codings.get(segment.pk, [])),
            all_cases="; ".join(case_names[c] for c in case_order_all(segment.pk)),
            expert_values=expert_values.get(segment.expert_id, {}) if segment.expert_id else {},
            case_values=case_values.get(case_id, {}) if case_id else {},
            suggested=origins[segment.pk][1] if is_suggested(segment.pk, coding.code_id) else "",
        )

    def case_order_all(segment_id):
        ids = set(case_ids_by_segment.get(segment_id, ()))
        return [c.pk for c in cases if c.pk in ids]

    # (code id, case id or None, segment) triples: the leaves of the appendix.
    leaves: list[tuple[int, int | None, Passage, CodingRow]] = []
    for segment in segments.values():
        segment_cases = set(case_ids_by_segment.get(segment.pk, ()))
        in_cases = [c for c in case_order if c in segment_cases] or ([None] if wanted_cases is None else [])
        for coding in codings.get(segment.pk, []):
            if coding.code_id in chosen and (selection.include_suggested
                                             or not is_suggested(segment.pk, coding.code_id)):
                for case_id in in_cases:
                    leaves.append((coding.code_id, case_id, segment, coding))

    code_rank = {e.id: i for i, e in enumerate(entries)}
    case_rank = {c: i for i, c in enumerate(case_order)}


    def position(leaf):
        _, _, segment, _ = leaf
        return (segment.pseudonym or "\uffff", segment.title, segment.start, segment.end, segment.pk)

    leaves.sort(key=lambda leaf: (code_rank[leaf[0]], case_rank.get(leaf[1], len(case_rank)), position(leaf)))
    if selection.grouping == GROUP_CASE_CODE:
        leaves.sort(key=lambda leaf: (case_rank.get(leaf[1], len(case_rank)), code_rank[leaf[0]], position(leaf)))
    leaves, uncited = _one_per_span(leaves, [excerpt(segment, coding, case_id)
                                             for _code_id, case_id, segment, coding in leaves])
    excerpts = cited_excerpts(uncited, times=selection.include_times)
    sections: list[Section] = []
    if selection.grouping == GROUP_CASE_CODE:
        for (code_id, case_id, _segment, _coding), cited in zip(leaves, excerpts):
            case_title = case_names.get(case_id, NO_CASE) if case_id else NO_CASE
            if not sections or sections[-1].title != case_title:
                sections.append(Section(title=case_title, level=1, kind="case"))
            code_title = by_code[code_id].path
            if not sections[-1].children or sections[-1].children[-1].title != code_title:
                sections[-1].children.append(Section(title=code_title, level=2, kind="code"))
            sections[-1].children[-1].excerpts.append(cited)
    else:
        for (code_id, case_id, segment, _coding), cited in zip(leaves, excerpts):
            code_title = by_code[code_id].path
            if not sections or sections[-1].title != code_title:
                sections.append(Section(title=code_title, level=1, kind="code"))
            case_title = case_names.get(case_id, NO_CASE) if case_id else NO_CASE
            cases_here = sections[-1].children
            if not cases_here or cases_here[-1].title != case_title:
                cases_here.append(Section(title=case_title, level=2, kind="case"))
            expert_title = segment.pseudonym or NO_EXPERT
            experts_here = cases_here[-1].children
            if not experts_here or experts_here[-1].title != expert_title:
                experts_here.append(Section(title=expert_title, level=3, kind="expert"))
            experts_here[-1].excerpts.append(cited)

    used_codes = {leaf[0] for leaf in leaves}
    used_experts = {segment.expert_id for _, _, segment, _ in leaves}
    User = get_user_model()
    coder_names = sorted(User.objects.filter(pk__in=selection.coder_ids).values_list("username", flat=True)) \
        if selection.coder_ids and introduction else []
    chosen_experts = [e.pseudonym for e in experts if e.pk in set(selection.expert_ids)]
    lines = [] if not introduction else [
        "Codes: " + ("all" if not selection.code_ids else ", ".join(by_code[i].path for i in sorted(
            chosen, key=code_rank.get))),
        "Cases: " + ("all" if wanted_cases is None else ", ".join(case_names[c] for c in case_order)),
        "Experts: " + (", ".join(chosen_experts) if selection.expert_ids else "all"),
        "Coders: " + (", ".join(coder_names) if selection.coder_ids
                      else "all (a passage several coded is quoted once)" if selection.all_coders
                      else f"the primary coder ({primary[1] if primary else 'nobody'}) and settled codings"),
        "Grouping: " + GROUPINGS.get(selection.grouping, GROUPINGS[GROUP_CODE_CASE_EXPERT]).lower(),
        "Codings accepted from the suggestion engine: " + ("included, each marked" if selection.include_suggested
                                                           else "left out"),
    ]
    return Appendix(
        project=project.name,
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        grouping=selection.grouping,
        selection_lines=lines,
        experts=[
            ExpertEntry(pseudonym=e.pseudonym, description=e.description,
                        real_name=e.real_name if selection.real_names else "",
                        attributes=[(name, expert_values[e.pk].get(name, "")) for name in expert_attrs])
            for e in experts if e.pk in used_experts
        ],
        codes=[e for e in entries if e.id in used_codes],
        sections=sections,
        expert_attributes=expert_attrs,
        case_attributes=case_attrs,
        include_memos=selection.include_memos,
        include_times=selection.include_times,
    )


def _one_per_span(leaves: list, excerpts: list[AppendixExcerpt]) -> tuple[list, list[AppendixExcerpt]]:
    """Identical passages (same transcript, start and end) coded by several people are one
    passage: under one code and case they become one excerpt naming all their coders, with
    their values, codes and memos; and wherever the passage is quoted (under each of its
    codes and cases) it has one citation key, that of its first segment. So no passage is
    quoted twice, nor under two keys."""
    first_segment: dict[tuple, int] = {}
    for _code_id, _case_id, segment, _coding in leaves:
        span = (segment.transcript_id, segment.start, segment.end)
        first_segment[span] = min(first_segment.get(span, segment.pk), segment.pk)
    groups: dict[tuple, tuple[tuple, list[AppendixExcerpt]]] = {}
    for leaf, excerpt in zip(leaves, excerpts):
        code_id, case_id, segment, _coding = leaf
        span = (segment.transcript_id, segment.start, segment.end)
        if excerpt.segment_id != first_segment[span]:
            excerpt = replace(excerpt, segment_id=first_segment[span])
        groups.setdefault((code_id, case_id, *span), (leaf, []))[1].append(excerpt)
    return [leaf for leaf, _ in groups.values()], [_merged(same) for _, same in groups.values()]


def _merged(same: list[AppendixExcerpt]) -> AppendixExcerpt:
    """One excerpt for several coders' codings of one passage."""
    first = same[0]
    if len(same) == 1:
        return first

    def unique(parts) -> list[str]:
        return list(dict.fromkeys(p for p in parts if p))

    values = {e.value for e in same}
    return replace(
        first, coder=", ".join(unique(e.coder for e in same)),
        value=first.value if len(values) == 1 else "; ".join(f"{e.value or 'no value'} ({e.coder})" for e in same),
        all_codes="; ".join(unique(part for e in same for part in e.all_codes.split("; "))),
        memo="\n\n".join(unique(e.memo for e in same)),
        suggested="; ".join(unique(e.suggested for e in same)),
    )


def export_choices(*, project: Project) -> dict:
    """What the Exports page offers: codes (tree), cases, experts and coders. Four queries."""
    User = get_user_model()
    return {
        "codes": code_tree(project=project),
        "cases": list(Case.objects.filter(project=project)),
        "experts": list(Expert.objects.filter(project=project).order_by("pseudonym")),
        "coders": list(User.objects.filter(Q(segments__project=project, segments__deleted_at__isnull=True))
                       .distinct().order_by("username")),
    }
