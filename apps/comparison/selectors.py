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

from .methods import mssd, qca
from .models import Factor, Judgment, OutcomeCalibration
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
