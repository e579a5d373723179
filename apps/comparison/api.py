"""JSON API of the comparison (factors, outcome, judgments, MSSD, truth table, agreement),
under /api/projects/{slug}/comparison/. Reading needs membership; writing needs the
owner or coder role; a judge only ever writes their own judgments."""
from __future__ import annotations

from typing import Annotated

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from apps.cases.models import Attribute, Case
from apps.coding.models import Code
from apps.projects import limits
from apps.projects.access import CODE, project_for
from apps.projects.inputs import Count, Id
from apps.projects.responses import WRITE_ERRORS

from . import selectors, services
from .methods import qca
from .models import Factor, Judgment

router = Router(tags=["comparison"])


class FactorOut(Schema):
    id: int
    label: str
    name: str
    kind: str
    code_id: int | None
    attribute_id: int | None
    values: list[str] | None
    positive_values: list[str]
    position: int


Label = Annotated[str, Field(max_length=limits.LABEL)]
Values = Annotated[list[Label], Field(max_length=limits.VALUES)]
Ids = Annotated[list[Id], Field(max_length=limits.IDS)]
Username = Annotated[str, Field(max_length=150)]


class FactorIn(Schema):
    code_id: Id | None = None
    attribute_id: Id | None = None
    label: Label = ""
    positive_values: Values | None = None


class FactorPatch(Schema):
    label: Label | None = None
    positive_values: Values | None = None


class OrderIn(Schema):
    factor_ids: Ids


class OutcomeIn(Schema):
    attribute_id: Id | None = None
    label: Label = ""
    positive_values: Values | None = None


class OutcomeOut(Schema):
    attribute_id: int | None
    name: str
    label: str
    positive_values: list[str]


# A schema's class name is its name in the OpenAPI description: unique across the apps' routers
# (analysis has its own CellOut and ExcerptOut, coding its ConflictOut).
class CitedExcerptOut(Schema):
    segment_id: int
    quote: str
    value: str
    expert: str
    citation: str
    url: str


class JudgmentOut(Schema):
    id: int
    factor_id: int
    case_id: int
    judge: str
    value: str
    rationale: str
    evidence: list[int]
    version: int


class JudgmentConflictOut(Schema):
    detail: str
    current: JudgmentOut


class JudgmentIn(Schema):
    value: Label = ""
    rationale: str = Field("", max_length=limits.RATIONALE)
    evidence: Ids = []
    version: Count | None = None


class JudgmentCellOut(Schema):
    factor_id: int
    case_id: int
    value: str
    crisp: int | None
    proposal: str | None
    proposal_summary: str
    experts: int
    evidence: dict[str, list[str]]
    missing: int = Field(description="Codings of the factor's scaled code in this case without a value.")
    has_evidence: bool
    check: str
    check_label: str
    cited: list[CitedExcerptOut]
    excerpts: list[CitedExcerptOut]
    judgment: JudgmentOut | None


class CaseOut(Schema):
    id: int
    name: str
    outcome: str
    outcome_present: bool | None


class GridOut(Schema):
    judge: str
    outcome: str
    all_coders: bool = Field(description="False: the evidence is the primary coding (primary coder and settled).")
    primary_coder: str
    factors: list[FactorOut]
    cases: list[CaseOut]
    cells: list[JudgmentCellOut]


def factor_out(factor: Factor) -> dict:
    return {"id": factor.pk, "label": factor.label, "name": str(factor.code or factor.attribute),
            "kind": "code" if factor.code_id else "attribute", "code_id": factor.code_id,
            "attribute_id": factor.attribute_id, "values": services.factor_values(factor),
            "positive_values": factor.positive_values, "position": factor.position}


def judgment_out(judgment: Judgment) -> dict:
    return {"id": judgment.pk, "factor_id": judgment.factor_id, "case_id": judgment.case_id,
            "judge": judgment.judge.username, "value": judgment.value, "rationale": judgment.rationale,
            "evidence": sorted(s.pk for s in judgment.evidence.all()), "version": judgment.version}


def _excerpt(e: selectors.Excerpt) -> dict:
    return {"segment_id": e.segment_id, "quote": e.quote, "value": e.value, "expert": e.expert,
            "citation": e.citation, "url": e.url}


def cell_out(cell: selectors.Cell) -> dict:
    return {"factor_id": cell.factor.pk, "case_id": cell.case.pk, "value": cell.value, "crisp": cell.calibrated,
            "proposal": cell.proposal.value, "proposal_summary": cell.proposal.summary,
            "experts": cell.proposal.experts, "evidence": cell.evidence, "missing": cell.missing,
            "has_evidence": cell.has_evidence,
            "check": cell.check.status, "check_label": cell.check.label,
            "cited": [_excerpt(e) for e in cell.cited], "excerpts": [_excerpt(e) for e in cell.excerpts],
            "judgment": judgment_out(cell.judgment) if cell.judgment else None}


def _grid_out(grid: selectors.Grid) -> dict:
    return {"judge": grid.judge.username, "outcome": grid.outcome_label, "all_coders": grid.all_coders,
            "primary_coder": grid.primary_coder,
            "factors": [factor_out(f) for f in grid.factors],
            "cases": [{"id": c.pk, "name": c.name, "outcome": text, "outcome_present": present}
                      for c, text, present in grid.outcome_row],
            "cells": [cell_out(cell) for _f, cells in grid.rows() for cell in cells]}


def _judge(request, project, judge: str | None):
    return selectors.judge_for(project=project, user=request.user, username=judge)


# --- factors and outcome ------------------------------------------------------------------------

@router.get("/{slug}/comparison/factors", response=list[FactorOut])
def factor_list(request, slug: str):
    project = project_for(request.user, slug)
    return [factor_out(f) for f in project.factors.select_related("code", "attribute")]


@router.post("/{slug}/comparison/factors", response={201: FactorOut, **WRITE_ERRORS})
def factor_add(request, slug: str, payload: FactorIn):
    project = project_for(request.user, slug, CODE)
    if (payload.code_id is None) == (payload.attribute_id is None):
        raise ValidationError({"factor": "Give either code_id or attribute_id."})
    code = attribute = None
    if payload.code_id is not None:
        code = get_object_or_404(Code, project=project, pk=payload.code_id, deleted_at__isnull=True)
    else:
        attribute = get_object_or_404(Attribute, project=project, pk=payload.attribute_id)
    factor = services.factor_add(project=project, actor=request.user, code=code, attribute=attribute,
                                 label=payload.label, positive_values=payload.positive_values)
    return Status(201, factor_out(factor))


@router.patch("/{slug}/comparison/factors/{factor_id}", response={200: FactorOut, **WRITE_ERRORS})
def factor_update(request, slug: str, factor_id: Id, payload: FactorPatch):
    project = project_for(request.user, slug, CODE)
    factor = get_object_or_404(Factor.objects.select_related("code", "attribute"), project=project, pk=factor_id)
    return factor_out(services.factor_update(factor=factor, actor=request.user, label=payload.label,
                                             positive_values=payload.positive_values))


@router.delete("/{slug}/comparison/factors/{factor_id}", response={204: None, **WRITE_ERRORS})
def factor_remove(request, slug: str, factor_id: Id):
    project = project_for(request.user, slug, CODE)
    services.factor_remove(factor=get_object_or_404(Factor, project=project, pk=factor_id), actor=request.user)
    return Status(204, None)


@router.put("/{slug}/comparison/factors-order", response={200: list[FactorOut], **WRITE_ERRORS})
def factor_reorder(request, slug: str, payload: OrderIn):
    project = project_for(request.user, slug, CODE)
    services.factor_reorder(project=project, factor_ids=payload.factor_ids, actor=request.user)
    return [factor_out(f) for f in project.factors.select_related("code", "attribute")]


@router.put("/{slug}/comparison/outcome", response={200: OutcomeOut, **WRITE_ERRORS})
def outcome_choose(request, slug: str, payload: OutcomeIn):
    project = project_for(request.user, slug, CODE)
    attribute = (get_object_or_404(Attribute, project=project, pk=payload.attribute_id)
                 if payload.attribute_id is not None else None)
    calibration = services.outcome_choose(project=project, attribute=attribute, actor=request.user,
                                          label=payload.label, positive_values=payload.positive_values)
    return {"attribute_id": attribute.pk if attribute else None, "name": attribute.name if attribute else "",
            "label": calibration.label if calibration else "",
            "positive_values": calibration.positive_values if calibration else []}


# --- judgments ------------------------------------------------------------------------------------

@router.get("/{slug}/comparison/judgments", response=GridOut)
def judgment_grid(request, slug: str, judge: Username | None = None, all_coders: bool = False):
    """Every cell with its value, proposal and evidence check (excerpts only in the cell
    route). The evidence is the primary coding unless `all_coders`."""
    project = project_for(request.user, slug)
    return _grid_out(selectors.judgment_grid(project=project, judge=_judge(request, project, judge),
                                             all_coders=all_coders))


@router.get("/{slug}/comparison/judgments/{factor_id}/{case_id}", response=JudgmentCellOut)
def judgment_cell(request, slug: str, factor_id: Id, case_id: Id, judge: Username | None = None,
                  all_coders: bool = False):
    """One cell with its excerpts; the evidence is the primary coding unless `all_coders`."""
    project = project_for(request.user, slug)
    factor = get_object_or_404(Factor, project=project, pk=factor_id)
    case = get_object_or_404(Case, project=project, pk=case_id)
    grid = selectors.judgment_grid(project=project, judge=_judge(request, project, judge),
                                    excerpts_for=[(factor.pk, case.pk)], all_coders=all_coders)
    return cell_out(grid.cell(factor, case))


@router.put("/{slug}/comparison/judgments/{factor_id}/{case_id}",
            response={200: JudgmentOut, 409: JudgmentConflictOut, **WRITE_ERRORS})
def judgment_set(request, slug: str, factor_id: Id, case_id: Id, payload: JudgmentIn):
    """Set your own judgment of a cell. `version` is the version you read (null for a new
    one); a 409 carries the current judgment when someone changed it since."""
    project = project_for(request.user, slug, CODE)
    factor = get_object_or_404(Factor.objects.select_related("code", "attribute"), project=project, pk=factor_id)
    case = get_object_or_404(Case, project=project, pk=case_id)
    judgment = services.judgment_set(factor=factor, case=case, judge=request.user, value=payload.value,
                                     rationale=payload.rationale, evidence=payload.evidence, version=payload.version)
    return judgment_out(judgment)


# --- tables -----------------------------------------------------------------------------------------

@router.get("/{slug}/comparison/mssd")
def mssd_table(request, slug: str, judge: Username | None = None):
    """Factors x cases with each factor's classification, the contradictions and the most similar cases."""
    project = project_for(request.user, slug)
    table = selectors.mssd_table(project=project, judge=_judge(request, project, judge))
    out = _grid_out(table.grid)
    out["rows"] = [{"factor_id": r.factor.pk, "label": r.factor.label, "kind": r.classification.kind,
                    "exact": r.classification.exact, "classification": r.classification.label,
                    "explanation": r.classification.explanation, "missing": list(r.classification.missing)}
                   for r in table.rows]
    out["similarity"] = {
        "mssd_pairs": [_pair(p) for p in table.similarity.mssd_pairs],
        "twins": [_pair(p) for p in table.similarity.twins],
        "pairs": [_pair(p) for p in table.similarity.pairs],
    }
    return out


def _pair(p) -> dict:
    return {"a": p.a, "b": p.b, "distance": p.distance, "compared": p.compared, "differing": list(p.differing),
            "different_outcome": p.different_outcome}


@router.get("/{slug}/comparison/truth-table")
def truth_table(request, slug: str, judge: Username | None = None):
    """The calibrated table, the truth tables for the outcome and its negation, and every
    minimal solution, conservative and parsimonious, in the notation A*~B + C."""
    project = project_for(request.user, slug)
    page = selectors.qca_analysis(project=project, judge=_judge(request, project, judge))
    analyses = []
    for analysis in page.analyses:
        tt = analysis.truth_table
        entry = {"negate": analysis.negate, "error": analysis.error, "configurations": [], "solutions": {}}
        if tt is not None:
            entry["outcome"] = tt.label
            entry["remainders"] = tt.remainder_count
            entry["configurations"] = [{"values": list(c.values), "outcome": c.outcome, "n": c.n,
                                        "consistency": c.consistency, "cases": list(c.cases)}
                                       for c in tt.configurations]
            for m in analysis.minimisations:
                key = "parsimonious" if m.parsimonious else "conservative"
                entry["solutions"][key] = {
                    "error": m.error,
                    "prime_implicants": [str(pi) for pi in m.solution.prime_implicants] if m.solution else [],
                    "essential": [str(pi) for pi in m.solution.essential] if m.solution else [],
                    "models": [{"formula": str(model), "consistency": model.consistency, "coverage": model.coverage,
                                "terms": [{"term": str(t.term), "consistency": t.term.consistency,
                                           "raw_coverage": t.term.raw_coverage,
                                           "unique_coverage": t.term.unique_coverage,
                                           "cases": [case.name for case, _cells in t.cases]} for t in terms]}
                               for model, terms in m.models],
                }
        analyses.append(entry)
    return {"judge": page.grid.judge.username, "conditions": page.table.conditions, "outcome": page.table.outcome,
            "rows": page.table.rows, "excluded": [{"case": c, "why": w} for c, w in page.table.excluded],
            "analyses": analyses, "max_conditions": qca.MAX_CONDITIONS}


@router.get("/{slug}/comparison/agreement")
def judgment_agreement(request, slug: str, a: Username, b: Username):
    """Agreement of two judges per factor and overall, and the cells where they differ."""
    project = project_for(request.user, slug)
    User = get_user_model()
    found = {u.username: u for u in User.objects.filter(username__in=[a, b], memberships__project=project)}
    if a == b or len(found) != 2:
        raise ValidationError({"judges": "Name two different members of the project as a and b."})
    result = selectors.judgment_agreement(project=project, judge_a=found[a], judge_b=found[b])
    return {"a": a, "b": b, "compared": result.compared, "percent": result.percent, "kappa": result.kappa,
            "only_one": result.only_one,
            "factors": [{"factor_id": f.factor.pk, "label": f.factor.label, "compared": f.compared,
                         "percent": f.percent, "kappa": f.kappa} for f in result.factors],
            "differences": [{"factor_id": d.factor.pk, "case_id": d.case.pk, "a": d.a.value, "b": d.b.value}
                            for d in result.differences]}
