"""Reads for the Cases page: cases x case attributes, experts x expert attributes."""
from __future__ import annotations

from django.db.models import Prefetch

from apps.projects.models import Project
from apps.projects.values import value_display
from apps.transcripts.models import Expert, Transcript

from .models import Attribute, CaseValue, ExpertValue


def _cells(attributes, values) -> list[str]:
    by_attribute = {v.attribute_id: v.value for v in values}
    return [value_display(by_attribute.get(a.pk)) for a in attributes]


def cases_page(*, project: Project) -> dict:
    """Everything the Cases page shows, in a fixed number of queries (7)."""
    attributes = list(project.attributes.all())
    case_attributes = [a for a in attributes if a.applies_to == Attribute.AppliesTo.CASE]
    expert_attributes = [a for a in attributes if a.applies_to == Attribute.AppliesTo.EXPERT]
    cases = list(project.cases.prefetch_related(
        Prefetch("values", queryset=CaseValue.objects.only("case_id", "attribute_id", "value")),
        Prefetch("transcripts", queryset=Transcript.objects.only("id", "title")),
    ))
    experts = list(Expert.objects.filter(project=project).prefetch_related(
        Prefetch("values", queryset=ExpertValue.objects.only("expert_id", "attribute_id", "value"))))
    transcripts = list(Transcript.objects.filter(project=project).only("id", "title"))
    return {
        "case_attributes": case_attributes,
        "expert_attributes": expert_attributes,
        "case_rows": [{"case": c, "cells": _cells(case_attributes, c.values.all()),
                       "transcripts": list(c.transcripts.all())} for c in cases],
        "expert_rows": [{"expert": e, "cells": _cells(expert_attributes, e.values.all())} for e in experts],
        "cases": cases,
        "experts": experts,
        "transcripts": transcripts,
    }
