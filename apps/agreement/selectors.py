"""Intercoder agreement on the project's data: which units each coder coded with each
code, and the coefficients of apps.analysis.agreement over them.

Two units:
- turn: every turn (paragraph) of the compared transcripts is a unit per code; a coder
  "coded" it when one of their segments with the code overlaps the turn.
- character: every character of the compared transcripts is a unit per code (MAXQDA's
  character-level agreement); counted from segment boundaries, never per character.

Optional tolerance (`overlap`, a share from 0 to 1): two coders' segments with the same
code that overlap by at least that share of their union (Jaccard, `overlap_share`) count
as the same passage, so both coders are taken to have coded the union of the two. A
slightly different choice of the first or last words then is no disagreement.

The compared transcripts are, unless chosen, those in which every chosen coder coded
something; the codes, unless chosen, those any of them applied there. Per code and over
all codes together (the units of all codes pooled): percent agreement (for more than two
coders the mean over pairs of coders), Cohen's kappa (two coders only), Fleiss' kappa
and Krippendorff's alpha (nominal).
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import Length

from apps.coding.citations import Excerpt, cited_excerpts
from apps.coding.models import Code, Coding, Segment
from apps.projects.models import Job, Project
from apps.projects.selectors import primary_coder
from apps.suggestions.engines import engine as default_engine
from apps.suggestions.selectors import coded_transcripts, engine_held_out
from apps.transcripts.models import Transcript, Turn

from .coefficients import (
    character_agreement,
    cohen_kappa,
    fleiss_kappa_counted,
    krippendorff_alpha_counted,
    overlap_share,
    percent_agreement,
)

TURN = "turn"
CHARACTER = "character"
ENGINE_AGREEMENT = "engine_agreement"  # the kind of the engine evaluation's jobs
UNITS = {TURN: "Turns (code present in the turn or not)", CHARACTER: "Characters (coded or not, per character)"}

Range = tuple[int, int]


@dataclass(frozen=True)
class Coefficients:
    """Agreement over one set of units; None where a coefficient does not apply."""

    units: int
    coded: tuple[int, ...]          # units each coder coded, in the order of the coders
    percent: float | None
    cohen: float | None
    fleiss: float | None
    alpha: float | None

    @property
    def percent_points(self) -> float | None:
        return None if self.percent is None else 100 * self.percent

    @property
    def quality(self) -> str:
        """Krippendorff's (2004) reading of alpha: from .800 reliable, from .667 tentative."""
        if self.alpha is None:
            return ""
        return "good" if self.alpha >= 0.8 else "tentative" if self.alpha >= 0.667 else "poor"


@dataclass
class CodeAgreement:
    code: Code
    path: str
    segments: tuple[int, ...]       # segments with the code per coder
    coefficients: Coefficients


@dataclass
class AgreementReport:
    coders: list
    transcripts: list[Transcript]
    unit: str
    overlap: float | None
    codes: list[CodeAgreement] = field(default_factory=list)
    overall: Coefficients | None = None


@dataclass(frozen=True)
class CodedSegment:
    id: int
    coder_index: int
    transcript_id: int
    start: int
    end: int
    quote: str
    version: int


# --- what can be compared ------------------------------------------------------------------

def agreement_coders(*, project: Project) -> list:
    """Everyone who applied codes in the project, with `n_segments` (one query)."""
    return list(
        get_user_model().objects.filter(segments__project=project, segments__deleted_at__isnull=True,
                                        segments__codings__isnull=False)
        .annotate(n_segments=Count("segments", distinct=True))
        .order_by("username")
    )


def common_transcripts(*, project: Project, coder_ids: list[int]) -> list[int]:
    """Ids of the transcripts in which every one of the coders applied a code (one query)."""
    return list(
        Segment.objects.filter(project=project, coder_id__in=coder_ids, codings__isnull=False)
        .values("transcript_id").annotate(n=Count("coder_id", distinct=True)).filter(n=len(set(coder_ids)))
        .order_by("transcript_id").values_list("transcript_id", flat=True)
    )


def agreement_choices(*, project: Project) -> tuple[list, list[Transcript]]:
    """What the page offers: the coders, and the transcripts every one of them coded (two queries)."""
    coders = agreement_coders(project=project)
    if len(coders) < 2:
        return coders, []
    ids = common_transcripts(project=project, coder_ids=[u.pk for u in coders])
    return coders, list(Transcript.objects.filter(project=project, pk__in=ids).only("pk", "title").order_by("title"))


def _choose(*, project: Project, coder_ids, transcript_ids=None) -> tuple[list, list[Transcript]]:
    coders_by_id = {u.pk: u for u in agreement_coders(project=project)}
    coder_ids = list(dict.fromkeys(int(i) for i in coder_ids))
    unknown = [i for i in coder_ids if i not in coders_by_id]
    if unknown:
        raise ValidationError({"coders": "Choose coders who coded in this project."})
    if len(coder_ids) < 2:
        raise ValidationError({"coders": "Choose at least two coders to compare."})
    common = common_transcripts(project=project, coder_ids=coder_ids)
    if transcript_ids:
        wanted = {int(i) for i in transcript_ids}
        if not wanted <= set(common):
            raise ValidationError({"transcripts": "Choose transcripts that every chosen coder coded."})
        common = [i for i in common if i in wanted]
    transcripts = list(Transcript.objects.filter(project=project, pk__in=common).select_related("expert")
                       .annotate(length=Length("text")).defer("text", "pseudonym_map").order_by("title"))
    return [coders_by_id[i] for i in coder_ids], transcripts


def _codings(*, project: Project, coders, transcripts, code_ids=None) -> dict[int, list[CodedSegment]]:
    """The chosen coders' segments in the chosen transcripts, per code id (one query)."""
    index = {u.pk: i for i, u in enumerate(coders)}
    rows = Coding.objects.filter(
        content_object__project=project, content_object__deleted_at__isnull=True,
        content_object__coder_id__in=list(index), content_object__transcript_id__in=[t.pk for t in transcripts],
        tag__deleted_at__isnull=True,
    )
    if code_ids:
        rows = rows.filter(tag_id__in=[int(i) for i in code_ids])
    by_code: dict[int, list[CodedSegment]] = defaultdict(list)
    for tag_id, seg_id, coder_id, transcript_id, start, end, quote, version in rows.values_list(
            "tag_id", "content_object_id", "content_object__coder_id", "content_object__transcript_id",
            "content_object__start", "content_object__end", "content_object__quote", "content_object__version"):
        by_code[tag_id].append(CodedSegment(seg_id, index[coder_id], transcript_id, start, end, quote, version))
    return by_code


def _code_paths(project: Project, code_ids) -> dict[int, tuple[Code, str]]:
    codes = {c.pk: c for c in Code.objects.filter(project=project, deleted_at__isnull=True)}

    def path(code: Code) -> str:
        parts, seen = [], set()
        while code is not None and code.pk not in seen:
            seen.add(code.pk)
            parts.append(code.name)
            code = codes.get(code.parent_id)
        return " > ".join(reversed(parts))

    return {i: (codes[i], path(codes[i])) for i in code_ids if i in codes}


# --- units ---------------------------------------------------------------------------------

def snapped_ranges(segments: list[CodedSegment], coders: int, share: float | None) -> list[dict[int, list[Range]]]:
    """Each coder's ranges per transcript; with `share`, segments of different coders that
    overlap by at least that share are replaced, for every coder among them, by their union."""
    ranges: list[dict[int, list[Range]]] = [defaultdict(list) for _ in range(coders)]
    if not share:
        for s in segments:
            ranges[s.coder_index][s.transcript_id].append((s.start, s.end))
        return ranges
    by_transcript: dict[int, list[CodedSegment]] = defaultdict(list)
    for s in segments:
        by_transcript[s.transcript_id].append(s)
    for transcript_id, items in by_transcript.items():
        parent = list(range(len(items)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, j in combinations(range(len(items)), 2):
            a, b = items[i], items[j]
            if a.coder_index != b.coder_index and a.start < b.end and b.start < a.end \
                    and overlap_share(a.start, a.end, b.start, b.end) >= share:
                parent[find(i)] = find(j)
        groups: dict[int, list[CodedSegment]] = defaultdict(list)
        for i, s in enumerate(items):
            groups[find(i)].append(s)
        for group in groups.values():
            members = {s.coder_index for s in group}
            if len(members) > 1:
                union = (min(s.start for s in group), max(s.end for s in group))
                for coder in members:
                    ranges[coder][transcript_id].append(union)
            else:
                for s in group:
                    ranges[s.coder_index][transcript_id].append((s.start, s.end))
    return ranges


def turn_units(ranges: list[dict[int, list[Range]]], turns: dict[int, list[Range]]) -> list[tuple[bool, ...]]:
    """One unit per turn: whether each coder's ranges overlap it."""
    units = []
    for transcript_id, spans in turns.items():
        starts = [start for start, _ in spans]
        present = [set() for _ in ranges]
        for coder, by_transcript in enumerate(ranges):
            for start, end in by_transcript.get(transcript_id, ()):
                i = max(bisect_right(starts, start) - 1, 0)
                while i < len(spans) and spans[i][0] < end:
                    if spans[i][1] > start:
                        present[coder].add(i)
                    i += 1
        units.extend(tuple(i in p for p in present) for i in range(len(spans)))
    return units


def character_patterns(ranges: list[list[Range]], length: int) -> Counter:
    """How many characters of a text of `length` have each pattern of (coded by coder i):
    a sweep over the range boundaries, so the cost grows with the segments, not the text."""
    deltas: dict[int, list[int]] = defaultdict(lambda: [0] * len(ranges))
    for coder, spans in enumerate(ranges):
        for start, end in spans:
            deltas[start][coder] += 1
            deltas[end][coder] -= 1
    patterns: Counter = Counter()
    depth, position = [0] * len(ranges), 0
    for boundary in sorted(deltas):
        if boundary > position:
            patterns[tuple(d > 0 for d in depth)] += boundary - position
        depth = [d + change for d, change in zip(depth, deltas[boundary])]
        position = boundary
    if length > position:
        patterns[tuple(False for _ in ranges)] += length - position
    return patterns


# --- coefficients --------------------------------------------------------------------------

def _from_patterns(patterns: Counter, coders: int, pairs_percent: list[float], cohen: float | None) -> Coefficients:
    """The coefficients from how many units have each pattern of (coded by coder i)."""
    rows: Counter = Counter()           # Fleiss: (coders who did not code, coders who did)
    for pattern, n in patterns.items():
        rows[coders - sum(pattern), sum(pattern)] += n
    return Coefficients(
        units=sum(patterns.values()),
        coded=tuple(sum(n for p, n in patterns.items() if p[i]) for i in range(coders)),
        percent=sum(pairs_percent) / len(pairs_percent),
        cohen=cohen,
        fleiss=fleiss_kappa_counted(rows),
        alpha=krippendorff_alpha_counted(dict(patterns)),
    )


def turn_coefficients(units: list[tuple[bool, ...]], coders: int) -> Coefficients | None:
    if not units:
        return None
    columns = list(zip(*units))
    pairs = [percent_agreement(columns[i], columns[j]) for i, j in combinations(range(coders), 2)]
    cohen = cohen_kappa(columns[0], columns[1]) if coders == 2 else None
    return _from_patterns(Counter(units), coders, pairs, cohen)


def character_coefficients(ranges: list[list[Range]], length: int) -> Coefficients | None:
    """`ranges`: per coder, ranges into a text of `length` (transcripts laid end to end)."""
    if length <= 0:
        return None
    coders = len(ranges)
    results = {(i, j): character_agreement(ranges[i], ranges[j], length) for i, j in combinations(range(coders), 2)}
    cohen = results[0, 1][1] if coders == 2 else None
    return _from_patterns(character_patterns(ranges, length), coders, [r[0] for r in results.values()], cohen)


def agreement_report(*, project: Project, coder_ids, unit: str = TURN, overlap: float | None = None,
                     transcript_ids=None, code_ids=None) -> AgreementReport:
    """Agreement of the chosen coders per code and overall (a fixed number of queries)."""
    if unit not in UNITS:
        raise ValidationError({"unit": f"Unknown unit {unit!r}; choose one of {', '.join(UNITS)}."})
    if overlap is not None and not 0 < overlap <= 1:
        raise ValidationError({"overlap": "The overlap share lies between 1 and 100 per cent."})
    coders, transcripts = _choose(project=project, coder_ids=coder_ids, transcript_ids=transcript_ids)
    report = AgreementReport(coders=coders, transcripts=transcripts, unit=unit, overlap=overlap)
    if not transcripts:
        return report
    by_code = _codings(project=project, coders=coders, transcripts=transcripts, code_ids=code_ids)
    paths = _code_paths(project, by_code)
    m = len(coders)
    offsets, total = {}, 0
    for t in transcripts:
        offsets[t.pk], total = total, total + t.length
    turns: dict[int, list[Range]] = defaultdict(list)
    if unit == TURN:
        for transcript_id, start, end in (Turn.objects.filter(transcript_id__in=list(offsets))
                                          .order_by("transcript_id", "start").values_list("transcript_id", "start",
                                                                                          "end")):
            turns[transcript_id].append((start, end))
    pooled_units: list[tuple[bool, ...]] = []
    pooled_ranges: list[list[Range]] = [[] for _ in range(m)]
    for position, (code_id, (code, path)) in enumerate(sorted(paths.items(), key=lambda item: item[1][1])):
        segments = by_code[code_id]
        ranges = snapped_ranges(segments, m, overlap)
        counts = tuple(sum(1 for s in segments if s.coder_index == i) for i in range(m))
        if unit == TURN:
            units = turn_units(ranges, turns)
            pooled_units.extend(units)
            coefficients = turn_coefficients(units, m)
        else:
            laid = [[(offsets[t] + s, offsets[t] + e) for t, spans in r.items() for s, e in spans] for r in ranges]
            for i in range(m):
                pooled_ranges[i].extend((position * total + s, position * total + e) for s, e in laid[i])
            coefficients = character_coefficients(laid, total)
        if coefficients is not None:
            report.codes.append(CodeAgreement(code=code, path=path, segments=counts, coefficients=coefficients))
    if report.codes:
        report.overall = (turn_coefficients(pooled_units, m) if unit == TURN
                          else character_coefficients(pooled_ranges, total * len(paths)))
    return report


# --- disagreements -------------------------------------------------------------------------

@dataclass
class Passage:
    """Overlapping segments of one code in one transcript where the coders differ."""

    code: Code
    path: str
    transcript: Transcript
    start: int
    end: int
    kind: str                                   # "missing": not every coder coded it; "boundaries"
    by_coder: list[list[CodedSegment]]          # per coder (in the order of the coders), maybe empty
    share: float | None = None                  # the smallest overlap share between two coders
    citation: str = ""                          # "E3, ¶12–13": where the passage stands

    @property
    def segments(self) -> list[CodedSegment]:
        return [s for group in self.by_coder for s in group]

    @property
    def anchor(self) -> str:
        return f"d-{self.code.pk}-{self.transcript.pk}-{self.start}"


def disagreements(*, project: Project, coder_ids, overlap: float | None = None, transcript_ids=None,
                  code_ids=None) -> tuple[list, list[Transcript], list[Passage]]:
    """The passages where the chosen coders differ, per code and transcript, in text order.

    Segments of one code that overlap (directly or through others) form a passage. The
    coders agree on it when each coded it and, for every two coders, their extents overlap
    by at least `overlap` (identical extents when no overlap share is given). Each passage
    comes with its citation (one query for the turns of every transcript).
    """
    coders, transcripts = _choose(project=project, coder_ids=coder_ids, transcript_ids=transcript_ids)
    if not transcripts:
        return coders, transcripts, []
    by_code = _codings(project=project, coders=coders, transcripts=transcripts, code_ids=code_ids)
    paths = _code_paths(project, by_code)
    by_transcript = {t.pk: t for t in transcripts}
    needed = overlap or 1.0
    passages: list[Passage] = []
    for code_id, (code, path) in sorted(paths.items(), key=lambda item: item[1][1]):
        per_transcript: dict[int, list[CodedSegment]] = defaultdict(list)
        for s in by_code[code_id]:
            per_transcript[s.transcript_id].append(s)
        for transcript_id, items in per_transcript.items():
            for cluster in _clusters(items):
                by_coder = [[s for s in cluster if s.coder_index == i] for i in range(len(coders))]
                start, end = min(s.start for s in cluster), max(s.end for s in cluster)
                if any(not group for group in by_coder):
                    passages.append(Passage(code, path, by_transcript[transcript_id], start, end, "missing", by_coder))
                    continue
                extents = [(min(s.start for s in g), max(s.end for s in g)) for g in by_coder]
                share = min(overlap_share(*a, *b) for a, b in combinations(extents, 2))
                if share < needed:
                    passages.append(Passage(code, path, by_transcript[transcript_id], start, end, "boundaries",
                                            by_coder, share))
    passages.sort(key=lambda p: (p.path, p.transcript.title, p.start))
    excerpts = cited_excerpts(Excerpt.in_transcript(p.transcript, start=p.start, end=p.end) for p in passages)
    for passage, excerpt in zip(passages, excerpts):
        passage.citation = excerpt.citation
    return coders, transcripts, passages


def _clusters(items: list[CodedSegment]) -> list[list[CodedSegment]]:
    """Segments grouped where they overlap, directly or through others (a sweep by start)."""
    clusters: list[list[CodedSegment]] = []
    reach = -1
    for s in sorted(items, key=lambda s: (s.start, s.end)):
        if clusters and s.start < reach:
            clusters[-1].append(s)
            reach = max(reach, s.end)
        else:
            clusters.append([s])
            reach = s.end
    return clusters


# --- the suggestion engine as a coder ------------------------------------------------------

@dataclass
class EngineCode:
    """The engine against the primary coder on one code, over sentence units."""

    code: Code
    path: str
    units: int              # sentences of the held-out transcripts
    human: int              # ... the primary coder coded with the code
    engine: int             # ... the engine would code
    both: int
    precision: float | None
    recall: float | None
    kappa: float | None     # None when the primary coder never used the code
    precision_at_10: float | None


@dataclass
class EngineReport:
    engine: str
    engine_version: str
    coder: tuple[int, str] | None    # (id, username) of the primary coder
    transcripts: int                 # held out one at a time
    codes: list[EngineCode] = field(default_factory=list)

    def as_json(self) -> dict:
        """What the evaluation's job keeps, for its page to show."""
        return {"engine": self.engine, "engine_version": self.engine_version,
                "coder": list(self.coder) if self.coder else None, "transcripts": self.transcripts,
                "codes": [{"code_id": c.code.pk, "colour": c.code.colour, "path": c.path, "units": c.units,
                           "human": c.human, "engine": c.engine, "both": c.both, "precision": c.precision,
                           "recall": c.recall, "kappa": c.kappa, "precision_at_10": c.precision_at_10}
                          for c in self.codes]}


def engine_agreement_latest(*, project: Project):
    """The project's latest evaluation of the engine (a Job of any member), or None. One query."""
    return (Job.objects.filter(project=project, kind=ENGINE_AGREEMENT).select_related("user")
            .order_by("-created_at", "-id").first())


def engine_agreement(*, project: Project, engine=None, progress=None) -> EngineReport:
    """The suggestion engine judged as a coder against the primary coder: each transcript
    the primary coder coded is held out in turn, the engine learns every code from the
    others and decides each sentence of the held-out one (apps.suggestions.selectors
    .engine_held_out); per code, precision and recall of its decisions and Cohen's kappa
    (the agreement app's one function) over the sentences. Takes seconds (one fit per code
    and transcript), so it runs on request only, as a task (services.engine_agreement_job_create).
    `progress(done, total)` follows the codes. A bounded number of queries."""
    engine = engine or default_engine()
    coder = primary_coder(project=project)
    report = EngineReport(engine=engine.name, engine_version=engine.version, coder=coder, transcripts=0)
    if coder is None:
        return report
    codes = list(Code.objects.filter(project=project, deleted_at__isnull=True).order_by("position", "name"))
    paths = {c.pk: path for c, path in _code_paths(project, [c.pk for c in codes]).values()}
    report.transcripts = len(coded_transcripts(project=project, coder_id=coder[0]))
    for held in engine_held_out(project=project, coder_id=coder[0], codes=codes, engine=engine, progress=progress):
        both, engine_only, human_only, _ = held.counts
        report.codes.append(EngineCode(
            code=held.code, path=paths.get(held.code.pk, held.code.name), units=len(held.human),
            human=both + human_only, engine=both + engine_only, both=both, precision=held.precision,
            recall=held.recall, kappa=cohen_kappa(held.human, held.engine) if held.examples else None,
            precision_at_10=held.precision_at_10))
    return report
