"""Writes of the comparison: the outcome, the factors and their calibration, the judgments.

Views, the API and the demo loader call these functions, so each rule (a factor is a
scaled code or a case attribute of the same project, labels fit a QCA formula and an R
column name, a value is on the factor's scale, evidence counts for the judged case,
optimistic versions) lives here once.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from apps.cases.models import Attribute, Case
from apps.cases.services import outcome_set
from apps.coding.models import Code, Segment
from apps.coding.selectors import segments_in_case
from apps.projects.access import LARGEST_ID, MAX_IDS, listed_briefly
from apps.projects.limits import IDS, RATIONALE, VALUES, check_limits
from apps.projects.models import Project
from apps.projects.services import activity_record
from apps.projects.values import NO, YES

from .methods.calibration import Anchors, CalibrationError
from .models import Calibration, Factor, Judgment, SetMembership, OutcomeCalibration

LABEL_RULE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
LABEL_HELP = "a letter, then letters, digits or _ (it names a column in R and a condition in formulas)"


class StaleJudgment(Exception):
    """The judgment changed since the caller read it; `current` is its state now."""

    def __init__(self, current: Judgment):
        self.current = current
        super().__init__(f"This judgment was changed since you opened it (now version {current.version}); "
                         "reload and try again.")


def label_default(name: str) -> str:
    """'Russian interest' -> 'RUSSIAN_INTEREST': a name R and QCA formulas accept."""
    label = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    if not label or not label[0].isalpha():
        label = f"F_{label}" if label else "FACTOR"
    return label[:100]


def factor_values(factor: Factor) -> list[str] | None:
    """The values a judgment of `factor` may take; None when any short text will do."""
    if factor.code_id:
        return factor.code.scale_values
    attribute = factor.attribute
    if attribute.type == Attribute.Type.BOOLEAN:
        return [YES, NO]
    if attribute.type == Attribute.Type.CATEGORICAL and attribute.choices:
        return list(attribute.choices)
    return None


def _default_positive(*, code: Code | None, attribute: Attribute | None) -> list[str]:
    if code is not None:
        return ["present"] if code.scale == Code.Scale.PRESENCE else list(code.levels[-1:])
    if attribute.type == Attribute.Type.BOOLEAN:
        return [YES]
    return []


def _check_label(project: Project, label: str, *, exclude: Factor | None = None) -> str:
    label = label.strip()
    if not LABEL_RULE.match(label) or len(label) > 100:
        raise ValidationError({"label": f"{label!r} is not a valid short name: use {LABEL_HELP}."})
    taken = Factor.objects.filter(project=project, label__iexact=label)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    clash = taken.values_list("label", flat=True).first()
    if clash:
        raise ValidationError({"label": f"Another factor is called {clash} already."})
    outcome = OutcomeCalibration.objects.filter(project=project).values_list("label", flat=True).first()
    if outcome and outcome.lower() == label.lower():
        raise ValidationError({"label": f"{label} is the name of the outcome."})
    return label


def _check_positive(values: Iterable, allowed: list[str] | None, name: str) -> list[str]:
    values = [str(v).strip() for v in values if str(v).strip()]
    if allowed is not None:
        stray = [v for v in values if v not in allowed]
        if stray:
            raise ValidationError({"positive_values": f"{', '.join(stray)} not on the scale of {name}: "
                                                      f"{', '.join(allowed)}."})
    return list(dict.fromkeys(values))


@transaction.atomic
def factor_add(*, project: Project, actor, code: Code | None = None, attribute: Attribute | None = None,
               label: str = "", positive_values: Sequence[str] | None = None) -> Factor:
    """Add a row to the comparison: a code with a presence or ordinal scale, or a case attribute."""
    check_limits(positive_values=(positive_values, VALUES))
    if (code is None) == (attribute is None):
        raise ValidationError({"factor": "A factor is either a code or a case attribute."})
    if code is not None:
        if code.project_id != project.pk or code.deleted_at is not None:
            raise ValidationError({"code": "That code belongs to another project."})
        if code.scale not in (Code.Scale.PRESENCE, Code.Scale.ORDINAL):
            raise ValidationError({"code": f"'{code.name}' has no scale; give it a presence or ordinal scale "
                                           "to compare cases on it."})
        if Factor.objects.filter(project=project, code=code).exists():
            raise ValidationError({"code": f"'{code.name}' is a factor already."})
    else:
        if attribute.project_id != project.pk:
            raise ValidationError({"attribute": "That attribute belongs to another project."})
        if attribute.applies_to != Attribute.AppliesTo.CASE:
            raise ValidationError({"attribute": f"{attribute.name} describes experts, not cases."})
        if attribute.is_outcome:
            raise ValidationError({"attribute": f"{attribute.name} is the outcome, not a factor."})
        if Factor.objects.filter(project=project, attribute=attribute).exists():
            raise ValidationError({"attribute": f"{attribute.name} is a factor already."})
    name = code.name if code is not None else attribute.name
    label = _check_label(project, label or label_default(name))
    factor = Factor(project=project, code=code, attribute=attribute, label=label,
                    position=(project.factors.aggregate(m=Max("position"))["m"] or 0) + 1)
    allowed = factor_values(factor)
    factor.positive_values = (_check_positive(positive_values, allowed, name) if positive_values is not None
                              else _default_positive(code=code, attribute=attribute))
    factor.save()
    activity_record(project=project, actor=actor, verb="added factor", target=factor, summary=f"{label} ({name})",
                    after={"label": label, "positive_values": factor.positive_values})
    return factor


@transaction.atomic
def factor_update(*, factor: Factor, actor, label: str | None = None,
                  positive_values: Sequence[str] | None = None) -> Factor:
    """Rename a factor or change its calibration: the values that count as 1."""
    check_limits(positive_values=(positive_values, VALUES))
    before = {"label": factor.label, "positive_values": factor.positive_values}
    if label is not None:
        factor.label = _check_label(factor.project, label, exclude=factor)
    if positive_values is not None:
        factor.positive_values = _check_positive(positive_values, factor_values(factor), str(factor))
    factor.save()
    activity_record(project=factor.project, actor=actor, verb="calibrated factor", target=factor,
                    summary=f"{factor.label}: 1 = {', '.join(factor.positive_values) or 'nothing'}",
                    before=before, after={"label": factor.label, "positive_values": factor.positive_values})
    return factor


@transaction.atomic
def factor_remove(*, factor: Factor, actor) -> None:
    """Remove a factor and its judgments (the caller asks first when there are any)."""
    judged = factor.judgments.count()
    before = {"label": factor.label, "positive_values": factor.positive_values, "judgments": judged}
    project = factor.project
    factor.delete()
    activity_record(project=project, actor=actor, verb="removed factor", target_type="factor",
                    summary=f"{before['label']} with {judged} judgment{'s' if judged != 1 else ''}", before=before)


@transaction.atomic
def factor_reorder(*, project: Project, factor_ids: Sequence[int], actor) -> list[Factor]:
    """Put the factors in the given order; every factor of the project, each once."""
    check_limits(factor_ids=(factor_ids, IDS))
    factors = {f.pk: f for f in project.factors.select_for_update()}
    if sorted(factor_ids) != sorted(factors):
        raise ValidationError({"factor_ids": "Give every factor of the project exactly once."})
    for position, pk in enumerate(factor_ids, start=1):
        factors[pk].position = position
    Factor.objects.bulk_update(factors.values(), ["position"])
    activity_record(project=project, actor=actor, verb="reordered factors", target_type="factor",
                    summary=", ".join(factors[pk].label for pk in factor_ids))
    return [factors[pk] for pk in factor_ids]


@transaction.atomic
def factor_move(*, factor: Factor, step: int, actor) -> list[Factor]:
    """Move a factor `step` places up (negative) or down the comparison's rows; a factor
    at either end stays where it is."""
    order = list(Factor.objects.filter(project_id=factor.project_id).values_list("pk", flat=True))
    i = order.index(factor.pk)
    j = min(max(i + step, 0), len(order) - 1)
    if i == j:
        return list(Factor.objects.filter(project_id=factor.project_id))
    order.insert(j, order.pop(i))
    return factor_reorder(project=factor.project, factor_ids=order, actor=actor)


@transaction.atomic
def setup_change(*, project: Project, actor, action: str, attribute: Attribute | None = None,
                 code: Code | None = None, factor: Factor | None = None, label: str | None = None,
                 positive_values: Sequence[str] | None = None) -> str:
    """One change of the setup page (the outcome, or a factor added, changed, removed or
    moved up or down), with the objects its form resolved; says what it did."""
    if action == "outcome":
        outcome_choose(project=project, attribute=attribute, actor=actor, label=label or "",
                       positive_values=positive_values)
        return f"Outcome: {attribute.name}." if attribute else "No outcome chosen."
    if action == "add":
        factor = factor_add(project=project, actor=actor, code=code, attribute=attribute, label=label or "")
        return f"Factor {factor.label} added."
    if factor is None or factor.project_id != project.pk:
        raise ValidationError({"factor": "Say which factor of this project to change."})
    if action == "update":
        factor = factor_update(factor=factor, actor=actor, label=label, positive_values=positive_values)
        return f"Factor {factor.label}: 1 = {', '.join(factor.positive_values) or 'nothing'}."
    if action == "remove":
        factor_remove(factor=factor, actor=actor)
        return f"Factor {factor.label} removed."
    if action in ("up", "down"):
        factor_move(factor=factor, step=-1 if action == "up" else 1, actor=actor)
        return f"Factor {factor.label} moved {action}."
    raise ValidationError({"action": "Unknown action."})


@transaction.atomic
def outcome_choose(*, project: Project, attribute: Attribute | None, actor, label: str = "",
                   positive_values: Sequence[str] | None = None) -> OutcomeCalibration | None:
    """Choose the outcome (a boolean or categorical case attribute) and how it is calibrated:
    true is 1 for a boolean; for a categorical outcome, the categories in `positive_values`."""
    check_limits(positive_values=(positive_values, VALUES))
    outcome_set(project=project, attribute=attribute, actor=actor)
    if attribute is None:
        OutcomeCalibration.objects.filter(project=project).delete()
        return None
    if Factor.objects.filter(project=project, attribute=attribute).exists():
        raise ValidationError({"attribute": f"{attribute.name} is a factor; remove the factor first."})
    label = label.strip() or label_default(attribute.name)
    if not LABEL_RULE.match(label):
        raise ValidationError({"label": f"{label!r} is not a valid short name: use {LABEL_HELP}."})
    if project.factors.filter(label__iexact=label).exists():
        raise ValidationError({"label": f"A factor is called {label} already."})
    if attribute.type == Attribute.Type.BOOLEAN:
        positive = [YES]
    else:
        positive = _check_positive(positive_values or [], list(attribute.choices) or None, attribute.name)
        if not positive:
            raise ValidationError({"positive_values": f"Choose the categories of {attribute.name} that count "
                                                      "as the outcome being present."})
    calibration, _ = OutcomeCalibration.objects.update_or_create(
        project=project, defaults={"label": label, "positive_values": positive})
    return calibration


def _check_value(factor: Factor, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    allowed = factor_values(factor)
    if allowed is not None and value not in allowed:
        raise ValidationError({"value": f"{value!r} is not a value of {factor}: {', '.join(allowed)}."})
    if len(value) > 100:
        raise ValidationError({"value": "A value has at most 100 characters."})
    return value


def _check_evidence(project: Project, case: Case, evidence: Sequence[Segment | int | str]) -> list[int]:
    """The ids of the cited segments. A segment of another project reads as one that does
    not exist, and an error names at most a few of the ids sent, never another project's."""
    try:
        ids = list(dict.fromkeys(s.pk if isinstance(s, Segment) else int(s) for s in evidence))
    except (TypeError, ValueError):
        raise ValidationError({"evidence": "Cite segments by their numeric ids."}) from None
    if not ids:
        return []
    if len(ids) > MAX_IDS:
        raise ValidationError({"evidence": f"Cite at most {MAX_IDS} segments."})
    known = set(Segment.objects.filter(project=project, pk__in=[i for i in ids if 0 < i <= LARGEST_ID])
                .values_list("pk", flat=True))
    foreign = [i for i in ids if i not in known]
    if foreign:
        raise ValidationError({"evidence": f"Segments {listed_briefly(foreign)} are not passages of "
                                           "this project (or are in the trash)."})
    in_case = set(segments_in_case(project=project, case=case).filter(pk__in=ids).values_list("pk", flat=True))
    outside = [i for i in ids if i not in in_case]
    if outside:
        raise ValidationError({"evidence": f"Segments {listed_briefly(outside)} do not count for "
                                           f"{case.name}: cite passages about this case."})
    return ids


def judgment_snapshot(judgment: Judgment) -> dict:
    return {"value": judgment.value, "rationale": judgment.rationale[:300],
            "evidence": sorted(judgment.evidence.values_list("pk", flat=True)), "version": judgment.version}


@transaction.atomic
def judgment_set(*, factor: Factor, case: Case, judge, value: str, rationale: str = "",
                 evidence: Sequence[Segment | int] = (), version: int | None = None) -> Judgment:
    """Set `judge`'s value for one cell, with a rationale and the cited segments.

    `version` is the version the judge read (None for a cell they have not judged yet);
    if the judgment changed since, StaleJudgment carries its current state.
    """
    check_limits(rationale=(rationale, RATIONALE), evidence=(evidence, IDS))
    if case.project_id != factor.project_id:
        raise ValidationError({"case": "That case belongs to another project."})
    value = _check_value(factor, value)
    ids = _check_evidence(factor.project, case, evidence)
    judgment = Judgment.objects.select_for_update().filter(factor=factor, case=case, judge=judge).first()
    if judgment is not None and version != judgment.version:
        raise StaleJudgment(judgment)
    if judgment is None and version not in (None, 0):
        raise ValidationError({"version": "This judgment was deleted since you opened it; reload."})
    before = judgment_snapshot(judgment) if judgment else None
    if judgment is None:
        judgment = Judgment.objects.create(project_id=factor.project_id, factor=factor, case=case, judge=judge,
                                           value=value, rationale=rationale)
    else:
        judgment.value, judgment.rationale = value, rationale
        judgment.version += 1
        judgment.save()
    judgment.evidence.set(ids)
    activity_record(project=factor.project, actor=judge, verb="judged", target=judgment,
                    summary=f"{factor} in {case.name}: {value or '?'}", before=before,
                    after=judgment_snapshot(judgment))
    return judgment


@transaction.atomic
def judgment_adopt(*, factor: Factor, case: Case, judge, source: Judgment, version: int | None = None) -> Judgment:
    """Settle a disagreement: `judge` takes over another judge's value, rationale and evidence."""
    if source.factor_id != factor.pk or source.case_id != case.pk:
        raise ValidationError({"source": "That judgment is about another cell."})
    rationale = source.rationale
    if source.judge_id != judge.pk:
        rationale = f"{source.rationale}\n\n(Adopted from {source.judge.username}.)".strip()
    return judgment_set(factor=factor, case=case, judge=judge, value=source.value, rationale=rationale,
                        evidence=list(source.evidence.values_list("pk", flat=True)), version=version)


# --- calibration: crisp, fuzzy by the direct method, fuzzy set by hand ----------------------------

RAW_SOURCE = 300
"""Characters of a raw value's source ("3 of 5 experts: high")."""


def calibrated_set(*, project: Project, factor: Factor | None) -> Factor | OutcomeCalibration:
    """The object that holds the calibration: the factor, or the outcome's calibration."""
    if factor is not None:
        if factor.project_id != project.pk:
            raise ValidationError({"factor": "That factor belongs to another project."})
        return factor
    outcome = OutcomeCalibration.objects.filter(project=project).first()
    if outcome is None:
        raise ValidationError({"outcome": "Choose the outcome first."})
    return outcome


@transaction.atomic
def calibration_set(*, project: Project, factor: Factor | None, actor, method: str,
                    full: float | None = None, crossover: float | None = None, non: float | None = None) -> str:
    """How a factor (or the outcome, when `factor` is None) becomes a set: crisp, the direct
    method with three anchors in the raw value's units (ordered: the crossover strictly
    between the other two; see `methods/calibration.py`), or scores set by hand. The
    memberships already entered are kept, so switching back and forth loses nothing."""
    target = calibrated_set(project=project, factor=factor)
    if method not in Calibration.values:
        raise ValidationError({"method": f"Unknown calibration {method!r}: use {', '.join(Calibration.values)}."})
    before = {"calibration": target.calibration, "anchors": [target.anchor_full, target.anchor_crossover,
                                                             target.anchor_non]}
    if method == Calibration.DIRECT:
        if None in (full, crossover, non):
            raise ValidationError({"anchors": "The direct method needs three anchors: full membership, the "
                                              "crossover and full non-membership."})
        try:
            Anchors(full=full, crossover=crossover, non=non)
        except CalibrationError as error:
            raise ValidationError({"anchors": f"Anchors: {error}."}) from None
        target.anchor_full, target.anchor_crossover, target.anchor_non = full, crossover, non
    target.calibration = method
    target.save(update_fields=["calibration", "anchor_full", "anchor_crossover", "anchor_non"])
    name = str(factor) if factor is not None else f"the outcome {target.label}"
    summary = f"{name}: {Calibration(method).label}"
    if method == Calibration.DIRECT:
        summary += f" ({Anchors(full=full, crossover=crossover, non=non)})"
    activity_record(project=project, actor=actor, verb="calibrated", target=factor if factor is not None else target,
                    summary=summary, before=before,
                    after={"calibration": method, "anchors": [target.anchor_full, target.anchor_crossover,
                                                              target.anchor_non]})
    return f"Calibration saved: {summary}."


def _finite(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (
            float("inf"), float("-inf")):
        raise ValidationError({field: f"{field} must be a finite number."})
    return float(value)


@transaction.atomic
def membership_set(*, project: Project, factor: Factor | None, case: Case, actor, raw: float | None = None,
                   raw_source: str = "", score: float | None = None, rationale: str = "",
                   evidence: Sequence[Segment | int] = ()) -> SetMembership:
    """A case's membership in a factor's set (or the outcome's): the raw value the direct
    method calibrates, with its source, and/or a score from 0 to 1 set by hand with a
    rationale and the cited segments (passages that count for the case, as for a judgment)."""
    check_limits(raw_source=(raw_source, RAW_SOURCE), rationale=(rationale, RATIONALE), evidence=(evidence, IDS))
    calibrated_set(project=project, factor=factor)
    if case.project_id != project.pk:
        raise ValidationError({"case": "That case belongs to another project."})
    raw, score = _finite(raw, "raw"), _finite(score, "score")
    if score is not None and not 0 <= score <= 1:
        raise ValidationError({"score": f"A membership score lies from 0 to 1, not {score:g}."})
    ids = _check_evidence(project, case, evidence)
    # no ordering: ordering by the factor joins it, and PostgreSQL locks no row of an outer join
    membership = (SetMembership.objects.select_for_update().order_by()
                  .filter(project=project, factor=factor, case=case).first())
    before = _membership_snapshot(membership) if membership else None
    if membership is None:
        membership = SetMembership(project=project, factor=factor, case=case)
    membership.raw, membership.raw_source, membership.score = raw, raw_source.strip(), score
    membership.rationale, membership.set_by = rationale, actor
    membership.save()
    membership.evidence.set(ids)
    shown = f"{score:g}" if score is not None else (f"raw {raw:g}" if raw is not None else "cleared")
    activity_record(project=project, actor=actor, verb="set membership", target=membership,
                    summary=f"{case.name} in {factor or 'the outcome'}: {shown}", before=before,
                    after=_membership_snapshot(membership))
    return membership


@transaction.atomic
def memberships_confirm(*, project: Project, factor: Factor | None, proposals: Sequence[tuple[Case, float, str]],
                        actor) -> int:
    """Confirm the raw values the evidence proposes, (case, raw value, source) each, for
    the cases without a raw value yet; a value already confirmed or typed is kept. Returns
    how many were confirmed."""
    have = set(SetMembership.objects.filter(project=project, factor=factor, raw__isnull=False)
               .values_list("case_id", flat=True))
    stored = {m.case_id: m for m in SetMembership.objects.filter(project=project, factor=factor)
              .prefetch_related("evidence")}
    done = 0
    for case, raw, source in proposals:
        if case.pk in have:
            continue
        kept = stored.get(case.pk)
        membership_set(project=project, factor=factor, case=case, actor=actor, raw=raw, raw_source=source,
                       score=kept.score if kept else None, rationale=kept.rationale if kept else "",
                       evidence=[s.pk for s in kept.evidence.all()] if kept else ())
        done += 1
    return done


def _membership_snapshot(membership: SetMembership) -> dict:
    return {"raw": membership.raw, "raw_source": membership.raw_source, "score": membership.score,
            "rationale": membership.rationale[:300],
            "evidence": sorted(membership.evidence.values_list("pk", flat=True)) if membership.pk else []}
