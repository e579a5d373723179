"""Reads of the search: the hits of a query in a project, a page of them in context, the
hits in one transcript, and what coding every hit would do (the preview).

How a search runs (`search_hits`): the query is parsed (query.py); the database narrows
the project's passages down with its full-text index (backends.py), in one query that
also applies the filters by transcript, expert and speaker; Python then finds the exact
hits in each passage left (matching.py), so that both databases give the same hits; the
filters that depend on coding (inside or outside a code's segments, coded or uncoded,
counting for a case) are applied to the hits with one more query each.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse

from apps.cases.models import Case
from apps.coding.models import CaseMembership, Code, Coding, Segment
from apps.coding.services import segment_bounds_snapped
from apps.projects.models import Job, Project
from apps.transcripts.models import Expert, Transcript, Turn
from apps.transcripts.selectors import citation
from apps.transcripts.sentences import sentence_around

from . import backends
from .matching import Matcher
from .query import Node, QueryError, parse
from .text import fold

SPEAKERS = ("all", "expert", "interviewer")
CODE_MODES = ("inside", "outside")
CODED = ("all", "coded", "uncoded")
EXTENDS = ("hit", "word", "sentence", "paragraph", "speaker")
EXTEND_LABELS = {"hit": "the hit as found", "word": "whole words", "sentence": "the sentence",
                 "paragraph": "the paragraph (¶)", "speaker": "the speaker's turn (consecutive paragraphs)"}
CONTEXT_CHARS = 120
# Longer lists of passage ids go to the database by transcript instead (SQLite takes at
# most 32,766 parameters in one statement).
MAX_IDS = 5_000


@dataclass(frozen=True)
class SearchParams:
    """A search as the page, the API and a saved search give it: the query and the filters."""

    q: str = ""
    transcripts: tuple[int, ...] = ()
    experts: tuple[int, ...] = ()
    speaker: str = "all"  # all | expert: the expert's speech only | interviewer: the other speakers only
    cases: tuple[int, ...] = ()
    code: int | None = None
    code_mode: str = "inside"  # inside: hits in a segment of `code`; outside: hits in none
    coded: str = "all"  # coded: hits in a segment that has a code; uncoded: hits in none
    fuzzy: bool = False
    exact: bool = False  # match case and diacritics as typed

    def __post_init__(self):
        for name, allowed in (("speaker", SPEAKERS), ("code_mode", CODE_MODES), ("coded", CODED)):
            if getattr(self, name) not in allowed:
                raise ValidationError({name: f"{getattr(self, name)!r} is not one of {', '.join(allowed)}."})

    @classmethod
    def from_dict(cls, data: dict) -> SearchParams:
        """From the JSON of a saved search or a batch (unknown keys are ignored)."""
        def ids(key):
            return tuple(int(i) for i in data.get(key) or ())
        return cls(q=str(data.get("q", "")), transcripts=ids("transcripts"), experts=ids("experts"),
                   speaker=data.get("speaker", "all"), cases=ids("cases"),
                   code=int(data["code"]) if data.get("code") else None, code_mode=data.get("code_mode", "inside"),
                   coded=data.get("coded", "all"), fuzzy=bool(data.get("fuzzy")), exact=bool(data.get("exact")))

    def as_dict(self) -> dict:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    def querystring(self) -> str:
        """The search page's query string for these parameters (the form's field names)."""
        pairs = [("q", self.q)]
        pairs += [("transcript", i) for i in self.transcripts] + [("expert", i) for i in self.experts]
        pairs += [("case", i) for i in self.cases]
        if self.speaker != "all":
            pairs.append(("speaker", self.speaker))
        if self.code:
            pairs += [("code", self.code), ("code_mode", self.code_mode)]
        if self.coded != "all":
            pairs.append(("coded", self.coded))
        pairs += [(name, "1") for name in ("fuzzy", "exact") if getattr(self, name)]
        return urlencode(pairs)


@dataclass(frozen=True)
class Hit:
    """Where a query matched: a code-point range of a transcript's text, in a passage (¶)."""

    transcript_id: int
    start: int
    end: int
    paragraph: int
    passage_id: int

    @property
    def key(self) -> str:
        return hit_key(self.transcript_id, self.start, self.end)


def hit_key(transcript_id: int, start: int, end: int) -> str:
    return f"{transcript_id}:{start}:{end}"


@dataclass
class Found:
    """The hits of a search (all of them, in order) and how many passages the database let through."""

    params: SearchParams
    hits: list[Hit]
    candidates: int

    @property
    def transcripts(self) -> int:
        return len({h.transcript_id for h in self.hits})


def parsed(params: SearchParams) -> Node:
    """The query's tree; ValidationError on the field `q` with the parser's message."""
    try:
        return parse(params.q, fuzzy=params.fuzzy)
    except QueryError as error:
        raise ValidationError({"q": str(error)}) from None


def search_hits(*, project: Project, params: SearchParams) -> Found:
    """Every hit of the search in the project, in the order of the transcripts' titles
    and the text. A query that cannot be parsed is a ValidationError with the reason;
    an empty query finds nothing. Three queries at most (passages; the coding filters'
    segments; the case filter's whole-transcript links)."""
    if not params.q.strip():
        return Found(params, [], 0)
    node = parsed(params)
    if params.code and not Code.objects.filter(pk=params.code, project=project, deleted_at__isnull=True).exists():
        raise ValidationError({"code": f"There is no code {params.code} in this project."})
    rows = _candidates(project, params, node)
    matcher = Matcher(node, exact=params.exact)
    by_transcript: dict[int, list[Hit]] = {}
    order: dict[int, tuple[str, int]] = {}
    for pid, transcript_id, paragraph, start, _end, folded, shifted, original, title in rows:
        order[transcript_id] = (title, transcript_id)
        if params.exact:
            spans = matcher.hits(original)
        elif shifted:
            mapping = fold(original)
            spans = [mapping.span(s, e) for s, e in matcher.hits(mapping.text)]
        else:
            spans = matcher.hits(folded)
        found = by_transcript.setdefault(transcript_id, [])
        found += [Hit(transcript_id, start + s, start + e, paragraph, pid) for s, e in spans]
    hits: list[Hit] = []
    for transcript_id in sorted(by_transcript, key=order.get):
        hits += _merged(by_transcript[transcript_id])
    hits = _coding_filters(project, params, hits)
    return Found(params, hits, len(rows))


def _candidates(project: Project, params: SearchParams, node: Node) -> list[tuple]:
    """The passages the database lets through, with the text the matcher reads."""
    qn = connection.ops.quote_name
    where, args = ["p.project_id = %s"], [project.pk]
    if params.transcripts:
        where.append(f"p.transcript_id IN ({', '.join(['%s'] * len(params.transcripts))})")
        args += list(params.transcripts)
    if params.experts:
        where.append(f"t.expert_id IN ({', '.join(['%s'] * len(params.experts))})")
        args += list(params.experts)
    turn_join = ""
    if params.speaker != "all":
        turn_join = (f" JOIN {qn(Turn._meta.db_table)} u ON u.transcript_id = p.transcript_id "
                     f"AND u.number = p.paragraph")
        where.append("t.expert_speaker <> ''")
        where.append("u.speaker = t.expert_speaker" if params.speaker == "expert" else "u.speaker <> t.expert_speaker")
    narrowing = backends.condition(node)
    if narrowing is not None:
        where.append(narrowing[0])
        args += narrowing[1]
    original = f"substr(t.text, p.start + 1, p.{qn('end')} - p.start)"
    # The text as written is read only where the matcher needs it: with `exact`, or to map
    # the offsets of a passage whose folding changed its length.
    texts = f"'', p.shifted, {original}" if params.exact else \
        f"p.folded, p.shifted, CASE WHEN p.shifted THEN {original} END"
    sql = (f"SELECT p.id, p.transcript_id, p.paragraph, p.start, p.{qn('end')}, {texts}, t.title "
           f"FROM {backends.PASSAGE_TABLE} p JOIN {qn(Transcript._meta.db_table)} t ON t.id = p.transcript_id"
           f"{turn_join} WHERE {' AND '.join(where)} ORDER BY p.transcript_id, p.start")
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _merged(hits: list[Hit]) -> list[Hit]:
    """One transcript's hits in order, those that overlap (pieces of a long turn overlap) merged."""
    out: list[Hit] = []
    for hit in sorted(set(hits), key=lambda h: (h.start, h.end)):
        if out and hit.start < out[-1].end:
            last = out[-1]
            out[-1] = Hit(last.transcript_id, last.start, max(last.end, hit.end), last.paragraph, last.passage_id)
        else:
            out.append(hit)
    return out


# --- the filters that depend on coding ---------------------------------------------------------

class Ranges:
    """Code-point ranges per transcript, to ask quickly whether a range overlaps one of them."""

    def __init__(self, rows):
        by_transcript: dict[int, list[tuple[int, int]]] = {}
        for transcript_id, start, end in rows:
            by_transcript.setdefault(transcript_id, []).append((start, end))
        self.index = {}
        for transcript_id, ranges in by_transcript.items():
            ranges.sort()
            ends, top = [], -1
            for _, end in ranges:
                top = max(top, end)
                ends.append(top)
            self.index[transcript_id] = ([s for s, _ in ranges], ends)

    def overlaps(self, transcript_id: int, start: int, end: int) -> bool:
        found = self.index.get(transcript_id)
        if found is None:
            return False
        starts, max_ends = found
        i = bisect_left(starts, end)  # ranges starting before `end`
        return i > 0 and max_ends[i - 1] > start


def _segments_over(project: Project, hits: list[Hit], segments) -> Ranges:
    """The ranges of `segments` (a queryset) in the transcripts of the hits, narrowed to
    those that overlap a passage with a hit (one query)."""
    passage_ids = sorted({h.passage_id for h in hits})
    transcript_ids = sorted({h.transcript_id for h in hits})
    rows = segments.filter(project=project, transcript_id__in=transcript_ids)
    if len(passage_ids) <= MAX_IDS:  # integers only: written into the SQL
        qn = connection.ops.quote_name
        rows = rows.filter(id__in=RawSQL(
            f"SELECT s.id FROM {qn(Segment._meta.db_table)} s JOIN {backends.PASSAGE_TABLE} p "
            f"ON p.transcript_id = s.transcript_id AND s.start < p.{qn('end')} AND p.start < s.{qn('end')} "
            f"WHERE p.id IN ({', '.join(map(str, passage_ids))})", []))
    return Ranges(rows.values_list("transcript_id", "start", "end").distinct())


def _coding_filters(project: Project, params: SearchParams, hits: list[Hit]) -> list[Hit]:
    if not hits:
        return hits
    if params.code:
        coded = _segments_over(project, hits, Segment.objects.filter(codings__tag_id=params.code))
        inside = params.code_mode == "inside"
        hits = [h for h in hits if coded.overlaps(h.transcript_id, h.start, h.end) == inside]
    if params.coded != "all" and hits:
        coded = _segments_over(project, hits, Segment.objects.filter(codings__isnull=False))
        want = params.coded == "coded"
        hits = [h for h in hits if coded.overlaps(h.transcript_id, h.start, h.end) == want]
    if params.cases and hits:
        hits = _in_cases(project, params.cases, hits)
    return hits


def _in_cases(project: Project, case_ids, hits: list[Hit]) -> list[Hit]:
    """The hits that count for one of the cases: in a transcript linked to the case, or
    overlapping a segment that counts for it (the stored case memberships)."""
    case_ids = [int(i) for i in case_ids]
    transcript_ids = sorted({h.transcript_id for h in hits})
    whole = set(Case.transcripts.through.objects.filter(case_id__in=case_ids, case__project=project,
                                                        transcript_id__in=transcript_ids)
                .values_list("transcript_id", flat=True))
    member_segments = Segment.objects.filter(
        id__in=CaseMembership.objects.filter(project=project, case_id__in=case_ids,
                                             transcript_id__in=transcript_ids).values("segment_id"))
    sections = _segments_over(project, [h for h in hits if h.transcript_id not in whole], member_segments) \
        if any(h.transcript_id not in whole for h in hits) else Ranges([])
    return [h for h in hits if h.transcript_id in whole or sections.overlaps(h.transcript_id, h.start, h.end)]


# --- a page of hits, in context -----------------------------------------------------------------

@dataclass
class HitRow:
    """A hit as the results list shows it: keyword in context, citation, speaker, the
    codes of the segments it lies in, and the link that opens the transcript at it."""

    hit: Hit
    transcript_title: str
    expert: str
    citation: str
    speaker: str
    is_expert_speech: bool
    before: str
    text: str
    after: str
    url: str
    codes: list[dict] = field(default_factory=list)
    is_new: bool = False  # not in the last remembered run of a saved search

    @property
    def key(self) -> str:
        return self.hit.key


def hit_rows(*, project: Project, params: SearchParams, hits: list[Hit]) -> list[HitRow]:
    """The given hits (a page) in context: two queries whatever their number."""
    if not hits:
        return []
    qn = connection.ops.quote_name
    passage_ids = sorted({h.passage_id for h in hits})
    sql = (f"SELECT p.id, p.start, substr(t.text, p.start + 1, p.{qn('end')} - p.start), t.title, e.pseudonym, "
           f"t.expert_speaker, u.speaker FROM {backends.PASSAGE_TABLE} p "
           f"JOIN {qn(Transcript._meta.db_table)} t ON t.id = p.transcript_id "
           f"LEFT JOIN {qn(Expert._meta.db_table)} e ON e.id = t.expert_id "
           f"LEFT JOIN {qn(Turn._meta.db_table)} u ON u.transcript_id = p.transcript_id AND u.number = p.paragraph "
           f"WHERE p.id IN ({', '.join(['%s'] * len(passage_ids))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, passage_ids)
        passages = {r[0]: r[1:] for r in cursor.fetchall()}
    codes = _codes_over(hits)
    base = {tid: reverse("transcript_detail", args=[project.slug, tid]) for tid in {h.transcript_id for h in hits}}
    search = params.querystring()
    rows = []
    for hit in hits:
        p_start, text, title, pseudonym, expert_speaker, speaker = passages[hit.passage_id]
        s, e = hit.start - p_start, min(hit.end - p_start, len(text))
        rows.append(HitRow(
            hit=hit, transcript_title=title, expert=pseudonym or "",
            citation=citation(pseudonym=pseudonym or title, first=hit.paragraph, last=hit.paragraph),
            speaker=speaker or "", is_expert_speech=bool(expert_speaker) and speaker == expert_speaker,
            before=_context_before(text, s), text=text[s:e], after=_context_after(text, e),
            url=f"{base[hit.transcript_id]}?{urlencode({'hits': search, 'at': hit.start})}#p{hit.paragraph}",
            codes=codes.get(hit.key, []),
        ))
    return rows


def _context_before(text: str, at: int) -> str:
    start = max(0, at - CONTEXT_CHARS)
    if start > 0:
        space = text.find(" ", start, at)
        start = space + 1 if space != -1 else start
    return ("…" if start > 0 else "") + text[start:at]


def _context_after(text: str, at: int) -> str:
    end = min(len(text), at + CONTEXT_CHARS)
    if end < len(text):
        space = text.rfind(" ", at, end)
        end = space if space > at else end
    return text[at:end] + ("…" if end < len(text) else "")


def _codes_over(hits: list[Hit]) -> dict[str, list[dict]]:
    """The codes of the segments (not in the trash) each hit lies in or overlaps (one query)."""
    overlap = Q()
    for hit in hits:
        overlap |= Q(content_object__transcript_id=hit.transcript_id, content_object__start__lt=hit.end,
                     content_object__end__gt=hit.start)
    rows = (Coding.objects.filter(overlap, content_object__deleted_at__isnull=True)
            .values_list("content_object__transcript_id", "content_object__start", "content_object__end",
                         "tag_id", "tag__name", "tag__colour").order_by("tag__name", "tag_id"))
    found: dict[str, dict[int, dict]] = {}
    by_transcript: dict[int, list[tuple]] = {}
    for row in rows:
        by_transcript.setdefault(row[0], []).append(row)
    for hit in hits:
        for _, start, end, code_id, name, colour in by_transcript.get(hit.transcript_id, []):
            if start < hit.end and hit.start < end:
                found.setdefault(hit.key, {})[code_id] = {"code_id": code_id, "code": name, "colour": colour}
    return {key: list(codes.values()) for key, codes in found.items()}


def transcript_hit_ranges(*, project: Project, params: SearchParams, transcript: Transcript) -> list[tuple[int, int]]:
    """The hits of the search in one transcript, for highlighting them on its page."""
    if params.transcripts and transcript.pk not in params.transcripts:
        return []
    narrowed = SearchParams(**{**asdict(params), "transcripts": (transcript.pk,)})
    return [(h.start, h.end) for h in search_hits(project=project, params=narrowed).hits]


# --- coding every hit: the plan -----------------------------------------------------------------

@dataclass
class CodeAllPlan:
    """What coding the hits would do. `spans` are the new segments (transcript id, start,
    end); `skipped` hits lie in a segment that has the code already; `merged` hits share
    a new segment with another hit (two hits in one sentence); `overlaps` new segments
    overlap a coded segment that exists (of any code)."""

    hits: int = 0
    spans: list[tuple[int, int, int]] = field(default_factory=list)
    skipped: int = 0
    merged: int = 0
    overlaps: int = 0
    transcripts: dict[int, Transcript] = field(default_factory=dict, repr=False)  # those with hits, with their text

    @property
    def new_segments(self) -> int:
        return len(self.spans)

    def counts(self) -> dict:
        return {"hits": self.hits, "new_segments": self.new_segments, "skipped": self.skipped,
                "merged": self.merged, "overlaps": self.overlaps}


def code_all_plan(*, project: Project, params: SearchParams, code: Code, extend: str, coder,
                  selected: list[str] | None = None) -> CodeAllPlan:
    """What coding every hit (or the `selected` hit keys) with `code` would do, extending
    each hit to the word, sentence, paragraph or speaker's turn. A hit counts as coded
    already when it overlaps a segment with the code (under independent coding: one of
    the coder's own). Queries: the search's, the texts and turns of the transcripts with
    hits, and their segments."""
    if extend not in EXTENDS:
        raise ValidationError({"extend": f"{extend!r} is not one of {', '.join(EXTENDS)}."})
    if code.project_id != project.pk or code.deleted_at is not None:
        raise ValidationError({"code": "That code is not in this project's codebook."})
    hits = search_hits(project=project, params=params).hits
    if selected is not None:
        wanted = set(selected)
        missing = wanted - {h.key for h in hits}
        if missing:
            raise ValidationError({"hits": f"{len(missing)} of the chosen hits are not hits of this search any more "
                                           "(the text or the coding changed since); search again."})
        hits = [h for h in hits if h.key in wanted]
    plan = CodeAllPlan(hits=len(hits))
    if not hits:
        return plan
    transcript_ids = sorted({h.transcript_id for h in hits})
    plan.transcripts = {t.pk: t for t in Transcript.objects.filter(pk__in=transcript_ids)
                        .only("id", "project_id", "text")}
    texts = {pk: t.text for pk, t in plan.transcripts.items()}
    turns: dict[int, list[tuple[int, int, int, str]]] = {}
    if extend in ("sentence", "paragraph", "speaker"):
        for row in (Turn.objects.filter(transcript_id__in=transcript_ids).order_by("transcript_id", "number")
                    .values_list("transcript_id", "number", "start", "end", "speaker")):
            turns.setdefault(row[0], []).append(row[1:])
    segments = (Coding.objects.filter(content_object__project=project, content_object__transcript_id__in=transcript_ids,
                                      content_object__deleted_at__isnull=True)
                .values_list("content_object__transcript_id", "content_object__start", "content_object__end",
                             "content_object__coder_id", "tag_id"))
    with_code, coded = [], []
    independent = project.independent_coding
    for transcript_id, start, end, coder_id, code_id in segments:
        coded.append((transcript_id, start, end))
        if code_id == code.pk and (not independent or coder_id == coder.pk):
            with_code.append((transcript_id, start, end))
    already, anything = Ranges(with_code), Ranges(coded)
    spans: dict[tuple[int, int, int], None] = {}
    for hit in hits:
        if already.overlaps(hit.transcript_id, hit.start, hit.end):
            plan.skipped += 1
            continue
        span = (hit.transcript_id, *extended(texts[hit.transcript_id], hit, extend, turns.get(hit.transcript_id, [])))
        if span in spans:
            plan.merged += 1
        spans[span] = None
    plan.spans = list(spans)
    plan.overlaps = sum(1 for t, s, e in plan.spans if anything.overlaps(t, s, e))
    return plan


def extended(text: str, hit: Hit, extend: str, turns: list[tuple[int, int, int, str]]) -> tuple[int, int]:
    """The range a hit becomes: as found, whole words (the coding app's snapping), the
    sentence (within its paragraph), the paragraph, or the speaker's turn (the run of
    consecutive paragraphs of the same speaker)."""
    if extend == "hit":
        return hit.start, hit.end
    if extend == "word":
        return segment_bounds_snapped(text=text, start=hit.start, end=hit.end)
    index = max(0, bisect_left([t[1] for t in turns], hit.start + 1) - 1)
    number, turn_start, turn_end, speaker = turns[index]
    if extend == "paragraph":
        return min(turn_start, hit.start), max(turn_end, hit.end)
    if extend == "speaker":
        first = last = index
        while first > 0 and turns[first - 1][3] == speaker:
            first -= 1
        while last + 1 < len(turns) and turns[last + 1][3] == speaker:
            last += 1
        return min(turns[first][1], hit.start), max(turns[last][2], hit.end)
    return sentence_around(text, hit.start, hit.end, min(turn_start, hit.start), max(turn_end, hit.end))


def saved_searches(*, project: Project) -> list:
    from .models import SavedSearch

    return list(SavedSearch.objects.filter(project=project).select_related("created_by"))


def saved_search_changes(*, saved, hits: list[Hit]) -> dict:
    """What changed since the saved search's last remembered run: the keys of the hits
    that are new, and how many of that run's hits are gone."""
    before = set(saved.last_hit_keys or [])
    now = {h.key for h in hits}
    return {"new": sorted(now - before, key=lambda k: [int(x) for x in k.split(":")]),
            "gone": len(before - now), "remembered_at": saved.last_run_at}


def hit_keys_valid(keys) -> list[str]:
    """Hit keys ("transcript:start:end") checked for their form; ValidationError otherwise."""
    bad = [k for k in keys if not re.fullmatch(r"\d{1,18}:\d{1,10}:\d{1,10}", str(k))]
    if bad:
        raise ValidationError({"hits": f"Not a hit: {str(bad[0])[:40]!r} (hits are transcript:start:end)."})
    return [str(k) for k in keys]



# --- texts waiting for their index ----------------------------------------------------------------

SEARCH_INDEX = "search_index"  # the kind of the jobs that index a long text (services.passages_index_later)


def texts_being_indexed(*, project: Project) -> list[str]:
    """The titles of the project's texts whose index a worker has yet to build: the search
    does not find them until then, and says so. One query, two when there are some."""
    jobs = list(Job.objects.filter(project=project, kind=SEARCH_INDEX, status__in=Job.ACTIVE)
                .values_list("result", flat=True)[:50])
    ids = {r.get("transcript") for r in jobs if isinstance(r, dict) and isinstance(r.get("transcript"), int)}
    return list(Transcript.objects.filter(project=project, pk__in=ids).order_by("title").values_list("title", flat=True))
