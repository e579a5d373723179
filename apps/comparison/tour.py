""""The method at work in two minutes": the project home's path from one coded excerpt to
the appendix, drawn from the project's own data.

The path follows one judged comparison cell with cited evidence (in the demo: Russian
interest in Kazakhstan 2022): the excerpt in its transcript -> the code x case matrix ->
the judgment -> the MSSD table -> the appendix of that code and case. A project without
such a judgment has no tour. Two queries whatever the project's size: the cited segment,
and the turns of its transcript for the citation.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import reverse

from apps.projects.state import ActivityKind, cached_by_state
from apps.cases.models import CaseValue
from apps.coding.citations import Excerpt, cited_excerpts
from apps.coding.selectors import untied_writes_and_segments
from apps.projects.models import Project

from .models import Judgment


@dataclass(frozen=True)
class TourStep:
    title: str
    text: str
    url: str
    link: str


@dataclass(frozen=True)
class MethodTour:
    factor: str
    case: str
    quote: str
    citation: str
    steps: list[TourStep]


def method_tour(*, project: Project, stamp: str | None = None) -> MethodTour | None:
    """The five steps for the first judged cell that cites evidence (not in the trash),
    preferring a case with the outcome; None when nothing is judged with evidence yet.
    Kept in the analysis cache until the project changes (every judgment and every
    trashing is an activity): then one query for the project's state, else two more for
    the tour, whatever the size of the project. `stamp`: the project's state, when the
    caller has read it already (the project home: the stamp of the writes that
    `tour_writes` names, which outlives the coding of segments no judgment cites)."""
    return cached_by_state(project, ("method-tour",), lambda: _method_tour(project), stamp=stamp)


def tour_writes(project: Project) -> ActivityKind:
    """The activities that can change the tour, as a kind for `project_state`: every write
    but a segment's (a judgment, a factor, a case value, a code, a transcript ... and the
    undoing of a search's coding, which trashes segments as one entry), and the writes of
    the segments a judgment cites (their trashing, restoring, editing). Coding a segment,
    or trashing one that no judgment cites, leaves the tour as it was."""
    evidence, judgment = Judgment.evidence.through._meta.db_table, Judgment._meta.db_table
    return untied_writes_and_segments(
        f"SELECT e.segment_id FROM {evidence} e JOIN {judgment} j ON j.id = e.judgment_id WHERE j.project_id = %s",
        (project.pk,))


def _method_tour(project: Project) -> MethodTour | None:
    outcome_present = CaseValue.objects.filter(case=OuterRef("judgment__case_id"), attribute__is_outcome=True,
                                               value=True)
    cited = (
        Judgment.evidence.through.objects
        .filter(judgment__project=project, segment__deleted_at__isnull=True)
        .annotate(outcome_present=Exists(outcome_present))
        .select_related("judgment__factor__code", "judgment__factor__attribute", "judgment__case",
                        "judgment__judge", "segment__transcript__expert")
        .order_by("-outcome_present", "judgment__factor__position", "judgment__factor_id", "judgment__case__position",
                  "judgment__case_id", "judgment__judge_id", "segment__transcript__title", "segment__start")
        .first()
    )
    if cited is None:
        return None
    judgment, segment = cited.judgment, cited.segment
    where = cited_excerpts([Excerpt.of(segment)])[0].citation

    factor, case, slug = judgment.factor, judgment.case, project.slug
    factor_name = factor.code.name if factor.code else factor.attribute.name
    judge = "?" + urlencode({"judge": judgment.judge.username})
    appendix = {"format": "docx", "grouping": "code-case-expert", "subcodes": "on", "memos": "on",
                "cases": case.pk}
    if factor.code:
        appendix["codes"] = factor.code.pk
    matrix = reverse("analysis_matrix", args=[slug])
    if factor.code:
        matrix += "?" + urlencode({"root": factor.code.parent_id or factor.code.pk})
    steps = [
        TourStep("The excerpt", f"{where}: a passage coded “{factor_name}” that counts for {case.name}.",
                 reverse("transcript_detail", args=[slug, segment.transcript_id]) + f"?segment={segment.pk}",
                 "Open it in its transcript"),
        TourStep("The matrix", f"How many experts speak to “{factor_name}” in each case, with the values they gave.",
                 matrix, "Open the code × case matrix"),
        TourStep("The judgment", f"{factor_name} in {case.name}: “{judgment.value or 'not decided'}”, with the "
                 "rationale and the excerpts it rests on.",
                 reverse("judgment_cell", args=[slug, factor.pk, case.pk]) + judge, "Open the judgment"),
        TourStep("The MSSD table", "Every factor against the outcome: held constant, varying with it (the method "
                 "of difference) or varying without it.", reverse("mssd_table", args=[slug]) + judge,
                 "Open the MSSD table"),
        TourStep("The appendix", f"The coded excerpts of “{factor_name}” in {case.name}, with their citations, "
                 "as a Word document for the thesis.",
                 reverse("exports_appendix", args=[slug]) + "?" + urlencode(appendix),
                 "Download the appendix (DOCX)"),
    ]
    return MethodTour(factor=factor_name, case=case.name, quote=segment.quote, citation=where, steps=steps)
