"""The demo study's comparison: outcome, factors and the researcher's judgments, from
fixtures/demo/judgments.json, through the ordinary services.

Cited evidence is named like the codings, by the expert and a phrase of the coded
passage; the phrase must occur once in that expert's transcript and lie inside a
segment that counts for the judged case (preferably one coded with the factor's code).
Anything that no longer fits stops the load with a message naming the file and phrase.
"""
from __future__ import annotations

import json
from pathlib import Path

from apps.cases.models import Attribute, Case
from apps.coding.anchoring import AnchorError, find_phrase
from apps.coding.models import Code, Segment
from apps.coding.selectors import segment_case_pairs
from apps.comparison.services import factor_add, judgment_set, outcome_choose
from apps.projects.models import Project
from apps.transcripts.text import normalise_text

from .errors import DemoDataError

FILE = "judgments.json"


def load_judgments(*, project: Project, judge, demo_dir: Path, progress=lambda message: None) -> int:
    """Load the comparison of the demo project; the number of judgments. A demo folder
    without judgments.json has no comparison yet, which is fine."""
    path = Path(demo_dir) / FILE
    if not path.exists():
        return 0
    data = json.loads(path.read_text(encoding="utf-8"))
    label = f"fixtures/demo/{FILE}" if Path(demo_dir).name == "demo" else str(path)

    def fail(message: str):
        raise DemoDataError(f"{label}: {message}")

    attributes = {a.name: a for a in Attribute.objects.filter(project=project, applies_to=Attribute.AppliesTo.CASE)}
    outcome = data.get("outcome")
    if outcome:
        if outcome["attribute"] not in attributes:
            fail(f"unknown outcome attribute {outcome['attribute']!r}")
        outcome_choose(project=project, attribute=attributes[outcome["attribute"]], actor=judge,
                       label=outcome.get("label", ""), positive_values=outcome.get("positive_values"))
    codes = {c.name: c for c in Code.objects.filter(project=project, deleted_at__isnull=True)}
    factors = {}
    for f in data["factors"]:
        if "code" in f and f["code"] not in codes:
            fail(f"unknown code {f['code']!r}")
        if "attribute" in f and f["attribute"] not in attributes:
            fail(f"unknown case attribute {f['attribute']!r}")
        factor = factor_add(project=project, actor=judge, code=codes.get(f.get("code")),
                            attribute=attributes.get(f.get("attribute")), label=f["label"],
                            positive_values=f.get("positive_values"))
        factors[factor.label] = factor
    cases = {c.name: c for c in Case.objects.filter(project=project)}
    transcripts = {t.expert.pseudonym: t for t in project.transcripts.select_related("expert") if t.expert}
    segments: dict[int, list[Segment]] = {}
    for segment in Segment.objects.filter(project=project).prefetch_related("codings"):
        segments.setdefault(segment.transcript_id, []).append(segment)
    membership = segment_case_pairs(project=project)
    for j in data["judgments"]:
        factor = factors.get(j["factor"]) or fail(f"unknown factor {j['factor']!r}")
        case = cases.get(j["case"]) or fail(f"unknown case {j['case']!r}")
        cited = []
        for e in j.get("evidence", []):
            transcript = transcripts.get(e["expert"]) or fail(f"no transcript of expert {e['expert']!r}")
            try:
                span = find_phrase(transcript.text, normalise_text(e["quote"]), label=label)
            except AnchorError as error:
                fail(f"{error} (in the transcript of {e['expert']})")
            around = [s for s in segments.get(transcript.pk, ()) if s.start <= span.start and span.end <= s.end
                      and (s.pk, case.pk) in membership and not s.is_case_section]
            coded = [s for s in around if any(c.tag_id == factor.code_id for c in s.codings.all())]
            found = sorted(coded or around, key=lambda s: s.end - s.start)
            if not found:
                fail(f"no coded passage about {case.name} contains {e['quote']!r} ({e['expert']})")
            cited.append(found[0])
        judgment_set(factor=factor, case=case, judge=judge, value=j["value"], rationale=j.get("rationale", ""),
                     evidence=cited)
    progress(f"{len(factors)} factors, {len(data['judgments'])} judgments")
    return len(data["judgments"])
