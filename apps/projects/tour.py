""""The method at work in two minutes": the project home's path from one coded excerpt to
the appendix, drawn from the project's own data.

The path follows one judged comparison cell with cited evidence (in the demo: Russian
interest in Kazakhstan 2022): the excerpt in its transcript -> the code x case matrix ->
the judgment -> the MSSD table -> the appendix of that code and case. A project without
such a judgment has no tour. It reads the comparison's tables, which live in the analysis
app, but only for the links: three queries whatever the project's size.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import reverse

from apps.analysis.models import Judgment
from apps.cases.models import CaseValue
from apps.coding.models import Segment
from apps.transcripts.selectors import citation, turn_indexes

from .models import Project


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


def method_tour(*, project: Project) -> MethodTour | None:
    """The five steps for the first judged cell that cites evidence, preferring a case with
    the outcome; None when nothing is judged with evidence yet."""
    outcome_present = CaseValue.objects.filter(case=OuterRef("case_id"), attribute__is_outcome=True, value=True)
    judgment = (
        Judgment.objects.filter(project=project, evidence__deleted_at__isnull=True)
        .annotate(outcome_present=Exists(outcome_present))
        .select_related("factor__code", "factor__attribute", "case", "judge")
        .order_by("-outcome_present", "factor__position", "factor_id", "case__position", "case_id", "judge_id")
        .first()
    )
    if judgment is None:
        return None
    segment = (
        Segment.objects.filter(judgments=judgment, deleted_at__isnull=True)
        .select_related("transcript__expert")
        .order_by("transcript__title", "start")
        .first()
    )
    index = turn_indexes(transcript_ids=[segment.transcript_id]).get(segment.transcript_id)
    first, last = index.span(segment.start, segment.end) if index else (None, None)
    expert = segment.transcript.expert
    cited = citation(pseudonym=expert.pseudonym if expert else segment.transcript.title, first=first, last=last)

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
        TourStep("The excerpt", f"{cited}: a passage coded “{factor_name}” that counts for {case.name}.",
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
    return MethodTour(factor=factor_name, case=case.name, quote=segment.quote, citation=cited, steps=steps)
