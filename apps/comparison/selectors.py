"""Reads of the comparison: the judgment grid with the proposals from the coded evidence,
the MSSD table, the crisp-set truth table and its minimisation, the agreement of judges.

The coded values behind each cell come from the code x case matrix
(`selectors.code_case_matrix`, which applies the one case-membership rule); the rest
is a fixed number of queries whatever the number of factors, cases and segments:
factors, cases, attribute values, judgments with their cited segments, the excerpts'
codings and the turns for citations.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch
from django.urls import reverse

from apps.agreement.coefficients import cohen_kappa, percent_agreement
from apps.analysis.selectors import code_case_matrix
from apps.cases.models import Attribute, Case, CaseValue
from apps.coding.citations import Excerpt, cited_excerpts
from apps.coding.models import Coding, Segment
from apps.projects.access import CODE, can
from apps.projects.models import Project
from apps.projects.sorting import natural_key
from apps.projects.values import value_display

from .methods import calibration, fuzzy, mssd, necessity, qca, robustness, solutions
from .methods.calibration import Anchors, CalibrationError
from .models import Calibration, Factor, Judgment, SetMembership, OutcomeCalibration
from .services import factor_values


def _named(factors: list[Factor]) -> list[Factor]:
    """Give each factor its `name`: the code's or the attribute's (its `label` is the short name)."""
    for factor in factors:
        factor.name = str(factor.code or factor.attribute)
    return factors


@dataclass(frozen=True, kw_only=True)
class CellExcerpt(Excerpt):
    """A coded passage shown in a cell: its words, the coded value, where it is, and a
    link to its paragraph."""

    url: str = ""

    @property
    def expert(self) -> str:
        """The source, under the name the cell's API gives it."""
        return self.source


@dataclass
class Cell:
    factor: Factor
    case: Case
    evidence: dict[str, list[str]] = field(default_factory=dict)
    """Coded value -> distinct experts (or, for an attribute, the case's value -> [])."""
    segment_ids: list[int] = field(default_factory=list)
    missing: int = 0
    """Codings of the factor's (scaled) code in this case without a value: no evidence for any value."""
    excerpts: list[CellExcerpt] = field(default_factory=list)
    """Filled only for the cells asked for (the cell page, exports)."""
    attribute_value: str = ""
    judgment: Judgment | None = None
    cited: list[CellExcerpt] = field(default_factory=list)
    proposal: mssd.Proposal | None = None
    check: mssd.EvidenceCheck | None = None

    @property
    def value(self) -> str:
        return self.judgment.value if self.judgment else ""

    @property
    def calibrated(self) -> int | None:
        """1 or 0 in the crisp-set table; None when not judged."""
        if not self.value:
            return None
        return int(self.value in self.factor.positive_values)

    @property
    def has_evidence(self) -> bool:
        return bool(self.segment_ids) or bool(self.attribute_value)

    @property
    def source(self) -> str:
        return "codes" if self.factor.code_id else "case attribute"

    @property
    def key(self) -> str:
        return f"{self.factor.pk}-{self.case.pk}"


@dataclass
class Grid:
    """Factors x cases for one judge, with the outcome of each case."""

    project: Project
    factors: list[Factor]
    cases: list[Case]
    outcome: Attribute | None
    calibration: OutcomeCalibration | None
    judge: object
    judges: list[dict]
    """[{"id", "username", "judgments"}] of everyone who judged in the project."""
    cells: dict[tuple[int, int], Cell]
    outcome_values: dict[int, str]
    """Case id -> the outcome as shown ("yes", "no", a category, "")."""
    outcome_present: dict[int, bool | None]
    """Case id -> whether the outcome counts as present (1), absent (0) or unknown."""
    all_coders: bool = False
    """The proposals and evidence rest on every coder's codings, not only the primary coding."""
    primary_coder: str = ""

    def cell(self, factor: Factor, case: Case) -> Cell:
        return self.cells[(factor.pk, case.pk)]

    def rows(self) -> list[tuple[Factor, list[Cell]]]:
        return [(f, [self.cells[(f.pk, c.pk)] for c in self.cases]) for f in self.factors]

    @property
    def outcome_label(self) -> str:
        if self.calibration and self.calibration.label:
            return self.calibration.label
        return self.outcome.name if self.outcome else ""

    @property
    def outcome_row(self) -> list[tuple[Case, str, bool | None]]:
        return [(c, self.outcome_values.get(c.pk, ""), self.outcome_present.get(c.pk)) for c in self.cases]

    @property
    def judged(self) -> int:
        return sum(1 for cell in self.cells.values() if cell.value)


def judges(*, project: Project) -> list[dict]:
    """Everyone who judged in the project, most judgments first (one query)."""
    rows = (Judgment.objects.filter(project=project).values("judge_id", "judge__username")
            .annotate(n=Count("id")).order_by("-n", "judge__username"))
    return [{"id": r["judge_id"], "username": r["judge__username"], "judgments": r["n"]} for r in rows]


def judge_for(*, project: Project, user, username: str | None = None, known: list[dict] | None = None):
    """Whose judgments a page shows: `username` if given and a member; else the user if
    they judged or may judge; else whoever judged most."""
    User = get_user_model()
    if username:
        found = User.objects.filter(username=username, memberships__project=project).first()
        if found is not None:
            return found
    known = judges(project=project) if known is None else known
    membership = getattr(project, "membership", None)
    may_judge = membership is not None and membership.user_id == user.pk and can(membership, CODE)
    if may_judge or any(j["id"] == user.pk for j in known) or not known:
        return user
    return User.objects.get(pk=known[0]["id"])


def judgment_grid(*, project: Project, judge, excerpts_for: Iterable[tuple[int, int]] | None = (),
                  known_judges: list[dict] | None = None, all_coders: bool = False) -> Grid:
    """The factors x cases grid of `judge`, each cell with its proposal, evidence check and
    cited excerpts. `excerpts_for`: the (factor id, case id) cells whose coded excerpts
    are listed in full, or None for every cell. The evidence is the matrix's: the primary
    coding unless `all_coders`, so a second coder's reliability coding changes no proposal."""
    factors = _named(list(project.factors.select_related("code", "attribute")))
    cases = list(Case.objects.filter(project=project).order_by("position", "name"))
    outcome = Attribute.objects.filter(project=project, is_outcome=True).first()
    calibration = OutcomeCalibration.objects.filter(project=project).first() if outcome else None
    attribute_ids = [f.attribute_id for f in factors if f.attribute_id] + ([outcome.pk] if outcome else [])
    case_values: dict[tuple[int, int], object] = {}
    if attribute_ids:
        for case_id, attribute_id, value in CaseValue.objects.filter(
                case__project=project, attribute_id__in=attribute_ids).values_list("case_id", "attribute_id",
                                                                                   "value"):
            case_values[(attribute_id, case_id)] = value
    outcome_values, outcome_present = {}, {}
    for case in cases:
        raw = case_values.get((outcome.pk, case.pk)) if outcome else None
        outcome_values[case.pk] = value_display(raw)
        outcome_present[case.pk] = _outcome_present(outcome, calibration, raw)

    matrix = None
    if any(f.code_id for f in factors) and cases:
        matrix = code_case_matrix(project=project, measure="experts", columns="cases", all_coders=all_coders)
    cells: dict[tuple[int, int], Cell] = {}
    for factor in factors:
        order = factor_values(factor) or []
        for case in cases:
            cell = Cell(factor=factor, case=case)
            if factor.code_id and matrix is not None:
                found = matrix.cells.get((factor.code_id, str(case.pk)))
                if found is not None:
                    cell.evidence = {v: list(e) for v, e in found.values.items()}
                    cell.segment_ids = list(found.segment_ids)
                    cell.missing = found.missing
            elif factor.attribute_id:
                cell.attribute_value = value_display(case_values.get((factor.attribute_id, case.pk)))
                if cell.attribute_value:
                    cell.evidence = {cell.attribute_value: ["case record"]}
            cell.proposal = mssd.propose(cell.evidence, order=order, expert_key=natural_key)
            cells[(factor.pk, case.pk)] = cell

    if judge is not None and getattr(judge, "pk", None):
        evidence = Prefetch("evidence", queryset=Segment.objects.select_related("transcript__expert")
                            .defer("transcript__text", "transcript__pseudonym_map"))
        for judgment in (Judgment.objects.filter(project=project, judge=judge).select_related("judge")
                         .prefetch_related(evidence)):
            cell = cells.get((judgment.factor_id, judgment.case_id))
            if cell is not None:
                cell.judgment = judgment

    wanted = set(cells) if excerpts_for is None else set(excerpts_for)
    segment_ids = {sid for key in wanted if key in cells for sid in cells[key].segment_ids}
    _fill_excerpts(project, cells, wanted, segment_ids)
    for cell in cells.values():
        cell.check = mssd.check_evidence(cell.value, {v: e for v, e in cell.evidence.items() if e != ["case record"]}
                                         if cell.factor.code_id else
                                         ({cell.attribute_value: ["case record"]} if cell.attribute_value else {}),
                                         expert_key=natural_key)
    return Grid(project=project, factors=factors, cases=cases, outcome=outcome, calibration=calibration,
                judge=judge, judges=known_judges if known_judges is not None else judges(project=project),
                cells=cells, outcome_values=outcome_values, outcome_present=outcome_present,
                all_coders=matrix.all_coders if matrix is not None else all_coders,
                primary_coder=matrix.primary_coder if matrix is not None else "")


def _outcome_present(outcome: Attribute | None, calibration: OutcomeCalibration | None, raw) -> bool | None:
    if outcome is None or raw is None:
        return None
    if outcome.type == Attribute.Type.BOOLEAN:
        return bool(raw)
    positive = calibration.positive_values if calibration else []
    return str(raw) in positive


def _fill_excerpts(project, cells, wanted, segment_ids) -> None:
    """Excerpts of the wanted cells (two queries) and of every cited segment (no query:
    prefetched), all cited with one query of turns."""
    rows = []
    code_ids = {cells[key].factor.code_id for key in wanted if key in cells and cells[key].factor.code_id}
    if segment_ids:
        rows = list(Coding.objects.filter(content_object_id__in=segment_ids, tag_id__in=code_ids,
                                          content_object__deleted_at__isnull=True)
                    .values("tag_id", "value", "content_object_id", "content_object__transcript_id",
                            "content_object__start", "content_object__end", "content_object__quote",
                            "content_object__transcript__expert__pseudonym", "content_object__transcript__title")
                    .order_by("content_object__transcript__expert__pseudonym", "content_object__start"))
    by_segment = {(r["tag_id"], r["content_object_id"]): CellExcerpt(
        segment_id=r["content_object_id"], transcript_id=r["content_object__transcript_id"],
        transcript=r["content_object__transcript__title"],
        pseudonym=r["content_object__transcript__expert__pseudonym"] or "", start=r["content_object__start"],
        end=r["content_object__end"], quote=r["content_object__quote"], value=r["value"]) for r in rows}
    coded: dict[tuple[int, int], list[CellExcerpt]] = {}
    for key in wanted:
        cell = cells.get(key)
        if cell is not None and cell.factor.code_id:
            ids = set(cell.segment_ids)
            coded[key] = [e for (code_id, sid), e in by_segment.items()
                          if code_id == cell.factor.code_id and sid in ids]
    cited: dict[tuple[int, int], list[CellExcerpt]] = {}
    for key, cell in cells.items():
        if cell.judgment is not None:
            values = {e.segment_id: e.value for e in coded.get(key, [])}
            cited[key] = [CellExcerpt.of(s, value=values.get(s.pk, "")) for s in cell.judgment.evidence.all()]
    done = iter(cited_excerpts(e for found in (coded, cited) for excerpts in found.values() for e in excerpts))
    for key, excerpts in coded.items():
        cells[key].excerpts = sorted((_linked(next(done), project.slug) for _ in excerpts),
                                     key=lambda e: (natural_key(e.source), e.citation, e.segment_id))
    for key, excerpts in cited.items():
        cells[key].cited = sorted((_linked(next(done), project.slug) for _ in excerpts),
                                  key=lambda e: (natural_key(e.source), e.start))


def _linked(excerpt: CellExcerpt, slug: str) -> CellExcerpt:
    """The excerpt with a link to its paragraph in the transcript."""
    url = reverse("transcript_detail", args=[slug, excerpt.transcript_id])
    return replace(excerpt, url=url + (f"#p{excerpt.first}" if excerpt.first else ""))


# --- the MSSD table ----------------------------------------------------------------------

@dataclass
class MSSDRow:
    factor: Factor
    cells: list[Cell]
    classification: mssd.Classification

    @property
    def contradictions(self) -> list[Cell]:
        return [c for c in self.cells if c.check and c.check.status == mssd.CONTRADICTED]


@dataclass
class MSSDTable:
    grid: Grid
    rows: list[MSSDRow]
    similarity: mssd.Similarity

    @property
    def covarying(self) -> list[MSSDRow]:
        return [r for r in self.rows if r.classification.kind == mssd.COVARIES]

    @property
    def contradictions(self) -> list[Cell]:
        return [c for r in self.rows for c in r.contradictions]

    @property
    def unjudged(self) -> int:
        return sum(1 for r in self.rows for c in r.cells if not c.value)


def mssd_table(*, project: Project, judge, excerpts: bool = False, known_judges=None,
               all_coders: bool = False) -> MSSDTable:
    """Factors x cases plus the outcome: what each factor does, where the evidence (the
    primary coding unless `all_coders`) outvotes the judgment, which cases are most alike."""
    grid = judgment_grid(project=project, judge=judge, excerpts_for=None if excerpts else (),
                         known_judges=known_judges, all_coders=all_coders)
    outcome = {c.name: grid.outcome_present.get(c.pk) for c in grid.cases}
    rows, values = [], {}
    for factor, cells in grid.rows():
        judged = {cell.case.name: cell.value or None for cell in cells}
        values[factor.label or str(factor)] = judged
        rows.append(MSSDRow(factor=factor, cells=cells, classification=mssd.classify(judged, outcome)))
    return MSSDTable(grid=grid, rows=rows,
                     similarity=mssd.similarity(values, outcome, [c.name for c in grid.cases]))


# --- crisp-set QCA -----------------------------------------------------------------------

@dataclass
class CrispTable:
    """The calibrated 0/1 table: one row per fully judged case with a known outcome."""

    conditions: list[str]
    outcome: str
    rows: dict[str, dict[str, int]]
    excluded: list[tuple[str, str]]
    """(case, why) for the cases left out."""


def crisp_table(grid: Grid) -> CrispTable:
    conditions = [f.label for f in grid.factors]
    outcome = grid.outcome_label
    rows, excluded = {}, []
    for case in grid.cases:
        present = grid.outcome_present.get(case.pk)
        missing = [f.label for f in grid.factors if grid.cell(f, case).calibrated is None]
        if present is None:
            excluded.append((case.name, "its outcome is not set"))
        elif missing:
            excluded.append((case.name, f"not judged on {', '.join(missing)}"))
        else:
            row = {f.label: grid.cell(f, case).calibrated for f in grid.factors}
            row[outcome] = int(present)
            rows[case.name] = row
    return CrispTable(conditions=conditions, outcome=outcome, rows=rows, excluded=excluded)


@dataclass
class TermEvidence:
    term: qca.TermFit
    cases: list[tuple[Case, list[Cell]]]
    """Each covered case with the cells of the term's conditions, for the links."""


@dataclass
class Minimisation:
    title: str
    parsimonious: bool
    solution: qca.Solution | None
    error: str = ""
    models: list[tuple[qca.Model, list[TermEvidence]]] = field(default_factory=list)


@dataclass
class Analysis:
    negate: bool
    truth_table: qca.TruthTable | None
    error: str
    minimisations: list[Minimisation]


@dataclass
class QCAPage:
    grid: Grid
    table: CrispTable
    analyses: list[Analysis]


def qca_analysis(*, project: Project, judge, known_judges=None) -> QCAPage:
    """The truth table and its minimisation for the outcome and its negation, conservative
    and parsimonious, each term with the cases and judgments behind it."""
    grid = judgment_grid(project=project, judge=judge, excerpts_for=(), known_judges=known_judges)
    table = crisp_table(grid)
    cases = {c.name: c for c in grid.cases}
    by_label = {f.label: f for f in grid.factors}
    analyses = []
    for negate in (False, True):
        try:
            if not grid.outcome:
                raise qca.QCAInputError("choose an outcome first")
            if not table.conditions:
                raise qca.QCAInputError("add factors first")
            if not table.rows:
                raise qca.QCAInputError("no case is judged on every factor yet")
            tt = qca.truth_table(table.rows, conditions=table.conditions, outcome=table.outcome, negate=negate)
        except qca.QCAInputError as error:
            analyses.append(Analysis(negate=negate, truth_table=None, error=str(error), minimisations=[]))
            continue
        minimisations = []
        for remainders, title in ((False, "Conservative solution (remainders excluded)"),
                                  (True, "Parsimonious solution (remainders as don't-cares)")):
            try:
                solution = qca.minimise(tt, include_remainders=remainders)
            except qca.QCAInputError as error:
                minimisations.append(Minimisation(title=title, parsimonious=remainders, solution=None,
                                                  error=str(error)))
                continue
            models = []
            for model in solution.models:
                terms = []
                for term in model.terms:
                    literals = [by_label[name] for name, _ in term.implicant.literals]
                    terms.append(TermEvidence(term=term, cases=[
                        (cases[name], [grid.cell(f, cases[name]) for f in literals]) for name in term.cases]))
                models.append((model, terms))
            minimisations.append(Minimisation(title=title, parsimonious=remainders, solution=solution,
                                              models=models))
        analyses.append(Analysis(negate=negate, truth_table=tt, error="", minimisations=minimisations))
    return QCAPage(grid=grid, table=table, analyses=analyses)


# --- calibrated sets: crisp, fuzzy by the direct method, fuzzy set by hand ----------------------

@dataclass
class CaseMembership:
    """One case's membership in a calibrated set, with what it rests on."""

    case: Case
    cell: Cell | None
    """The factor's judgment cell (None for the outcome)."""
    crisp: int | None
    """0/1 from the judgment (or the outcome's record); None when not judged."""
    proposed_raw: float | None
    """A raw value the evidence suggests (share of experts coding a value that counts as 1,
    or a number of the case record), for the researcher to confirm."""
    proposed_source: str
    stored: SetMembership | None
    score: float | None
    """The membership the analysis uses; None when missing."""
    missing: str = ""
    """Why there is no score."""

    @property
    def raw(self) -> float | None:
        return self.stored.raw if self.stored else None


@dataclass
class CalibratedColumn:
    """A factor's or the outcome's set: its method, anchors and each case's membership."""

    label: str
    name: str
    factor: Factor | None
    target: Factor | OutcomeCalibration | None
    anchors: Anchors | None
    rows: list[CaseMembership]

    @property
    def method(self) -> str:
        return self.target.calibration if self.target is not None else Calibration.CRISP

    @property
    def method_label(self) -> str:
        return Calibration(self.method).label

    @property
    def by_case(self) -> dict[str, CaseMembership]:
        return {row.case.name: row for row in self.rows}


def _proposal(cell: Cell | None, factor: Factor | None, outcome_present: bool | None,
              outcome_text: str) -> tuple[float | None, str]:
    """A raw value from the evidence, and the words that say where it comes from."""
    if factor is None:
        if outcome_present is None:
            return None, ""
        return float(outcome_present), f"case record: {outcome_text}"
    if factor.code_id:
        experts = {e for names in cell.evidence.values() for e in names}
        if not experts:
            return None, ""
        positive = {e for value, names in cell.evidence.items() if value in factor.positive_values for e in names}
        values = "; ".join(f"{value}: {' '.join(sorted(names, key=natural_key))}"
                           for value, names in cell.evidence.items())
        return (len(positive) / len(experts),
                f"{len(positive)} of {len(experts)} expert{'s' if len(experts) != 1 else ''} coded "
                f"{' or '.join(factor.positive_values) or 'a value counted as 1'} ({values})")
    if not cell.attribute_value:
        return None, ""
    try:
        return float(cell.attribute_value), f"case record: {cell.attribute_value}"
    except ValueError:
        return float(cell.attribute_value in factor.positive_values), f"case record: {cell.attribute_value}"


def _anchors(target) -> Anchors | None:
    if target is None or target.calibration != Calibration.DIRECT:
        return None
    try:
        return Anchors(full=target.anchor_full, crossover=target.anchor_crossover, non=target.anchor_non)
    except CalibrationError:
        return None


def calibrated_columns(grid: Grid, *, evidence: bool = False) -> list[CalibratedColumn]:
    """Every factor's set and the outcome's (last), with each case's membership (one query,
    two with the cited evidence of the memberships)."""
    found = SetMembership.objects.filter(project=grid.project).select_related("set_by")
    if evidence:
        found = found.prefetch_related("evidence")
    stored = {(m.factor_id, m.case_id): m for m in found}
    columns = []
    for factor in [*grid.factors, None]:
        target = factor if factor is not None else grid.calibration
        if factor is None and (grid.outcome is None or target is None):
            continue
        anchors = _anchors(target)
        rows = []
        for case in grid.cases:
            cell = grid.cell(factor, case) if factor is not None else None
            crisp = cell.calibrated if cell is not None else (
                None if grid.outcome_present.get(case.pk) is None else int(grid.outcome_present[case.pk]))
            raw, source = _proposal(cell, factor, grid.outcome_present.get(case.pk),
                                    grid.outcome_values.get(case.pk, ""))
            membership = stored.get((factor.pk if factor else None, case.pk))
            score, missing = None, ""
            method = target.calibration if target is not None else Calibration.CRISP
            if method == Calibration.CRISP:
                score = None if crisp is None else float(crisp)
                missing = "" if crisp is not None else ("not judged" if factor else "outcome not set")
            elif method == Calibration.DIRECT:
                if anchors is None:
                    missing = "no valid anchors"
                elif membership is None or membership.raw is None:
                    missing = "no confirmed raw value"
                else:
                    score = calibration.direct(membership.raw, anchors)
            elif membership is None or membership.score is None:
                missing = "no score set"
            else:
                score = membership.score
            rows.append(CaseMembership(case=case, cell=cell, crisp=crisp, proposed_raw=raw, proposed_source=source,
                                       stored=membership, score=score, missing=missing))
        columns.append(CalibratedColumn(label=factor.label if factor else grid.outcome_label,
                                        name=factor.name if factor else grid.outcome.name, factor=factor,
                                        target=target, anchors=anchors, rows=rows))
    return columns


def calibration_page(*, project: Project, factor: Factor | None, judge) -> tuple[Grid, CalibratedColumn]:
    """One set's calibration: each case's evidence, proposal and membership."""
    cases = list(Case.objects.filter(project=project).values_list("pk", flat=True))
    wanted = [(factor.pk, pk) for pk in cases] if factor is not None else ()
    grid = judgment_grid(project=project, judge=judge, excerpts_for=wanted)
    columns = calibrated_columns(grid, evidence=True)
    column = next(c for c in columns if (c.factor.pk if c.factor else None) == (factor.pk if factor else None))
    return grid, column


@dataclass
class SetParams:
    """The researcher's choices on the set-analysis page (GET parameters)."""

    incl_cut1: float | None = None
    """None: 1 for crisp data, 0.8 once a set is fuzzy."""
    incl_cut0: float | None = None
    pri_cut: float = 0.0
    n_cut: int = 1
    threshold: float = necessity.DEFAULT_THRESHOLD
    negate: bool = False
    expectations: dict[str, int | None] = field(default_factory=dict)
    untenable: str = ""
    """Products such as `A*~B, C` whose remainders are untenable."""
    exclude_contradictory: bool = True
    plot: str = ""
    """What the XY plot shows against the outcome: a condition, a term or `M1` of a solution."""


@dataclass
class PlotPoint:
    case: Case
    x: float
    y: float
    href: str


@dataclass
class XYPlot:
    key: str
    label: str
    outcome: str
    points: list[PlotPoint]
    consistency: float | None
    coverage: float | None


@dataclass
class SetAnalysis:
    grid: Grid
    columns: list[CalibratedColumn]
    conditions: list[str]
    outcome: str
    data: dict[str, dict[str, float]]
    excluded: list[tuple[str, str]]
    params: SetParams
    incl_cut1: float
    fuzzy: bool
    error: str = ""
    necessity: tuple = ()
    truth_table: fuzzy.FuzzyTruthTable | None = None
    conservative: solutions.Solution | None = None
    esa: solutions.EnhancedStandardAnalysis | None = None
    solution_error: str = ""
    robustness: robustness.Robustness | None = None
    robustness_error: str = ""
    plot_choices: list[tuple[str, str]] = field(default_factory=list)
    plot: XYPlot | None = None

    @property
    def solutions(self) -> list[tuple[str, solutions.Solution]]:
        found = []
        if self.conservative is not None:
            found.append(("Conservative solution (no remainder assumed)", self.conservative))
        if self.esa is not None:
            found.append(("Parsimonious solution (remainders as simplifying assumptions)", self.esa.parsimonious))
            for solution in self.esa.intermediate:
                found.append((f"Intermediate solution from parsimonious model M{solution.parsimonious_model} "
                              "(easy counterfactuals only)", solution))
        return found

    @property
    def raw_data(self) -> dict[str, dict[str, float]]:
        """Each analysed case's values: raw values for the sets calibrated by the direct
        method, memberships for the others (what the R script and the robustness runs read)."""
        direct = {c.label: c for c in self.columns if c.anchors is not None}
        return {case: {label: direct[label].by_case[case].raw if label in direct else value
                       for label, value in row.items()} for case, row in self.data.items()}

    @property
    def anchors(self) -> dict[str, Anchors]:
        return {c.label: c.anchors for c in self.columns if c.anchors is not None}


def _check_params(params: SetParams, conditions: list[str]) -> None:
    unknown = [name for name in params.expectations if name not in conditions]
    if unknown:
        raise qca.QCAInputError(f"directional expectations for {', '.join(unknown)}, which are not conditions")


def set_analysis(*, project: Project, judge, params: SetParams, known_judges=None) -> SetAnalysis:
    """Necessity, the fuzzy truth table, the conservative, parsimonious and intermediate
    solutions with the Enhanced Standard Analysis, the robustness runs and an XY plot, for
    the calibrated sets (crisp sets are 0/1 memberships). The maths is `methods/`'s; the
    reads are the grid's and one query of memberships."""
    grid = judgment_grid(project=project, judge=judge, excerpts_for=(), known_judges=known_judges)
    columns = calibrated_columns(grid)
    conditions = [c.label for c in columns if c.factor is not None]
    outcome = grid.outcome_label
    data, excluded = {}, []
    for case in grid.cases:
        missing = [f"{c.label} ({row.missing})" for c in columns for row in [c.by_case[case.name]]
                   if row.score is None]
        if missing:
            excluded.append((case.name, ", ".join(missing)))
        else:
            data[case.name] = {c.label: c.by_case[case.name].score for c in columns}
    is_fuzzy = any(c.method != Calibration.CRISP for c in columns)
    incl_cut1 = params.incl_cut1 if params.incl_cut1 is not None else (0.8 if is_fuzzy else 1.0)
    page = SetAnalysis(grid=grid, columns=columns, conditions=conditions, outcome=outcome, data=data,
                       excluded=excluded, params=params, incl_cut1=incl_cut1, fuzzy=is_fuzzy)
    try:
        if grid.outcome is None:
            raise qca.QCAInputError("choose an outcome first")
        if not conditions:
            raise qca.QCAInputError("add factors first")
        if not data:
            raise qca.QCAInputError("no case has a membership in every set yet")
        _check_params(params, conditions)
        page.necessity = necessity.necessity(data, conditions=conditions, outcome=outcome, negate=params.negate,
                                             threshold=params.threshold)
        cuts = dict(incl_cut1=incl_cut1, incl_cut0=params.incl_cut0, pri_cut=params.pri_cut, n_cut=params.n_cut)
        page.truth_table = fuzzy.truth_table(data, conditions=conditions, outcome=outcome, negate=params.negate,
                                             **cuts)
    except qca.QCAInputError as error:
        page.error = str(error)
        return page
    tt = page.truth_table
    try:
        page.conservative = solutions.conservative(tt)
        negated = fuzzy.truth_table(data, conditions=conditions, outcome=outcome, negate=not params.negate, **cuts)
        untenable = (solutions.configurations_in([p for p in params.untenable.split(",") if p.strip()], conditions)
                     if params.untenable.strip() else ())
        page.esa = solutions.enhanced_standard_analysis(
            tt, negated, expectations={k: v for k, v in params.expectations.items()} or None, untenable=untenable,
            exclude_contradictory=params.exclude_contradictory)
    except qca.QCAInputError as error:
        page.solution_error = str(error)
    page.robustness, page.robustness_error = _robustness(page)
    page.plot_choices = _plot_choices(page)
    page.plot = xy_plot(page, params.plot or (conditions[0] if conditions else ""))
    return page


ROBUSTNESS_CUTS = (0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
"""Consistency cut-offs the robustness table re-runs the analysis with."""
ROBUSTNESS_SHIFT = 0.1
"""Each crossover is moved by this share of the distance between the outer anchors, both ways."""


ROBUSTNESS_MAX_CONDITIONS = 8
"""Beyond this many conditions each run minimises hundreds of remainders, and a page would
run a dozen such minimisations: the robustness table is then left to the R script."""


def _robustness(page: SetAnalysis) -> tuple[robustness.Robustness | None, str]:
    if len(page.conditions) > ROBUSTNESS_MAX_CONDITIONS:
        return None, (f"With more than {ROBUSTNESS_MAX_CONDITIONS} conditions the robustness runs are not made on "
                      "this page; the R script reruns the analysis with other anchors and cut-offs.")
    anchors = page.anchors
    alternatives = {}
    for label, current in anchors.items():
        step = abs(current.full - current.non) * ROBUSTNESS_SHIFT
        options = []
        for moved in (current.crossover - step, current.crossover + step):
            try:
                options.append(Anchors(full=current.full, crossover=moved, non=current.non))
            except CalibrationError:
                continue
        alternatives[label] = options
    expectations = {k: v for k, v in page.params.expectations.items() if v is not None}
    kind = solutions.INTERMEDIATE if expectations else solutions.PARSIMONIOUS
    try:
        found = robustness.robustness(
            page.raw_data, conditions=page.conditions, outcome=page.outcome, anchors=anchors,
            alternatives=alternatives, incl_cuts=[c for c in ROBUSTNESS_CUTS if abs(c - page.incl_cut1) > 1e-9],
            incl_cut=page.incl_cut1, kind=kind, expectations=page.params.expectations or None,
            negate=page.params.negate, pri_cut=page.params.pri_cut, n_cut=page.params.n_cut)
    except (qca.QCAInputError, CalibrationError) as error:
        return None, str(error)
    return found, ""


def _model_key(solution, number: int) -> str:
    """How the plot's choice names model M<number> of a solution (c:M1, p2:M1, i:M2 ...)."""
    return f"{solution.kind[0]}{solution.parsimonious_model or ''}:M{number}"


def _plot_choices(page: SetAnalysis) -> list[tuple[str, str]]:
    """(key, label) of what the XY plot can show: each condition and its negation, then the
    terms and models of every solution."""
    choices = [(name, name) for name in page.conditions] + [(f"~{name}", f"~{name}") for name in page.conditions]
    seen = {key for key, _ in choices}
    for title, solution in page.solutions:
        for number, model in enumerate(solution.models, start=1):
            key = _model_key(solution, number)
            choices.append((key, f"{title.split(' (')[0]}, M{number}: {model}"))
            for term in model.terms:
                if str(term) not in seen:
                    seen.add(str(term))
                    choices.append((str(term), f"term {term}"))
    return choices


def _implicant_terms(page: SetAnalysis, key: str) -> list[qca.Implicant] | None:
    """The terms whose union the plot shows: a condition or its negation, a term, or a model."""
    k = len(page.conditions)
    name = key.removeprefix("~")
    if name in page.conditions:
        bit = 1 << (k - 1 - page.conditions.index(name))
        return [qca.Implicant(conditions=tuple(page.conditions), care=bit, value=0 if key.startswith("~") else bit)]
    for _title, solution in page.solutions:
        for number, model in enumerate(solution.models, start=1):
            if key == _model_key(solution, number):
                return [term.implicant for term in model.terms]
            for term in model.terms:
                if key == str(term):
                    return [term.implicant]
    return None


def xy_plot(page: SetAnalysis, key: str) -> XYPlot | None:
    """The cases' membership in a condition, term or solution (x) against the outcome (y);
    each dot links to the judgment of the case on the first condition the x set names,
    where its excerpts are."""
    tt = page.truth_table
    if tt is None or not key:
        return None
    terms = _implicant_terms(page, key)
    if terms is None:
        return None
    label = dict(page.plot_choices).get(key, key)
    cases = {c.name: c for c in page.grid.cases}
    by_label = {f.label: f for f in page.grid.factors}
    slug = page.grid.project.slug
    judge = getattr(page.grid.judge, "username", "")
    points = []
    for name in tt.cases:
        memberships = [tt.membership(name, t.care, t.value) for t in terms]
        x = max(memberships)
        best = terms[memberships.index(x)]
        literals = best.literals or ((page.conditions[0], 1),)
        factor = by_label[literals[0][0]]
        href = reverse("judgment_cell", args=[slug, factor.pk, cases[name].pk])
        points.append(PlotPoint(case=cases[name], x=x, y=tt.explained[name],
                                href=href + (f"?judge={quote(judge)}" if judge else "")))
    fit = fuzzy.sufficiency([p.x for p in points], [p.y for p in points])
    return XYPlot(key=key, label=label, outcome=tt.label, points=points, consistency=fit.consistency,
                  coverage=fit.coverage)


# --- two judges ----------------------------------------------------------------------------

@dataclass
class FactorAgreement:
    factor: Factor
    compared: int
    percent: float | None
    kappa: float | None


@dataclass
class Difference:
    factor: Factor
    case: Case
    a: Judgment | None
    b: Judgment | None


@dataclass
class Agreement:
    judge_a: object
    judge_b: object
    factors: list[FactorAgreement]
    compared: int
    percent: float | None
    kappa: float | None
    differences: list[Difference]
    only_one: int
    """Cells judged by one of the two only."""


def judgment_agreement(*, project: Project, judge_a, judge_b) -> Agreement:
    """How far two judges who worked independently agree, per factor and overall, and
    the cells where they differ (two queries)."""

    factors = _named(list(project.factors.select_related("code", "attribute")))
    judgments = (Judgment.objects.filter(project=project, judge__in=[judge_a, judge_b])
                 .select_related("case", "judge"))
    cells: dict[tuple[int, int], dict[int, Judgment]] = {}
    cases = {}
    for j in judgments:
        if j.value:
            cells.setdefault((j.factor_id, j.case_id), {})[j.judge_id] = j
            cases[j.case_id] = j.case
    per_factor, all_a, all_b, differences, only_one = [], [], [], [], 0
    for factor in factors:
        a_values, b_values = [], []
        for (factor_id, case_id), pair in sorted(cells.items(), key=lambda kv: (cases[kv[0][1]].position,
                                                                                cases[kv[0][1]].name)):
            if factor_id != factor.pk:
                continue
            a, b = pair.get(judge_a.pk), pair.get(judge_b.pk)
            if a and b:
                a_values.append(a.value)
                b_values.append(b.value)
                if a.value != b.value:
                    differences.append(Difference(factor=factor, case=cases[case_id], a=a, b=b))
            else:
                only_one += 1
        per_factor.append(FactorAgreement(factor=factor, compared=len(a_values),
                                          percent=percent_agreement(a_values, b_values) if a_values else None,
                                          kappa=cohen_kappa(a_values, b_values) if a_values else None))
        all_a += a_values
        all_b += b_values
    return Agreement(judge_a=judge_a, judge_b=judge_b, factors=per_factor, compared=len(all_a),
                     percent=percent_agreement(all_a, all_b) if all_a else None,
                     kappa=cohen_kappa(all_a, all_b) if all_a else None, differences=differences,
                     only_one=only_one)


# --- the setup -------------------------------------------------------------------------------

def comparison_setup(*, project: Project) -> dict:
    """What can become the outcome and the factors."""
    from apps.coding.selectors import code_paths

    factors = _named(list(project.factors.select_related("code", "attribute")
                          .annotate(n_judgments=Count("judgments"))))
    attributes = list(Attribute.objects.filter(project=project, applies_to=Attribute.AppliesTo.CASE))
    outcome = next((a for a in attributes if a.is_outcome), None)
    used_codes = {f.code_id for f in factors if f.code_id}
    used_attributes = {f.attribute_id for f in factors if f.attribute_id}
    paths = code_paths(project=project)
    codes = sorted((c for c in project.codes.filter(deleted_at__isnull=True, scale__in=["presence", "ordinal"])
                    if c.pk not in used_codes), key=lambda c: paths.get(c.pk, c.name))
    for code in codes:
        code.path = paths.get(code.pk, code.name)
    for factor in factors:
        factor.values = factor_values(factor)
        factor.path = paths.get(factor.code_id, "") if factor.code_id else factor.attribute.name
    return {
        "factors": factors,
        "outcome": outcome,
        "calibration": OutcomeCalibration.objects.filter(project=project).first() if outcome else None,
        "outcome_choices": [a for a in attributes if a.type in (Attribute.Type.BOOLEAN, Attribute.Type.CATEGORICAL)
                            and a.pk not in used_attributes],
        "candidate_codes": codes,
        "candidate_attributes": [a for a in attributes if not a.is_outcome and a.pk not in used_attributes],
    }
