"""A code merge happens in the coding app, which does not import the comparison; the
comparison's receiver of `code_merged` (apps/comparison/signals.py) keeps its factors."""
from __future__ import annotations

import pytest

from apps.coding.models import Segment
from apps.coding.services import code_create, code_merge, segment_create
from apps.comparison.models import Factor
from apps.comparison.services import factor_add
from tests.conftest import phrase_span
from tests.snapshot import rejected

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate_threat(project, owner):
    return code_create(project=project, name="Common threat", scale="presence", actor=owner)


def test_the_factor_of_a_merged_code_becomes_the_factor_of_the_target(project, transcript, owner, threat,
                                                                      duplicate_threat):
    start, end = phrase_span(transcript, "Moscow wanted")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[duplicate_threat])
    factor = factor_add(project=project, code=duplicate_threat, actor=owner)
    code_merge(source=duplicate_threat, target=threat, actor=owner)
    factor.refresh_from_db()
    assert factor.code_id == threat.pk
    assert list(Factor.objects.filter(project=project).values_list("code_id", flat=True)) == [threat.pk]
    assert [c.tag_id for c in Segment.objects.get(pk=segment.pk).codings.all()] == [threat.pk]


def test_a_merge_into_a_code_that_is_no_factor_keeps_the_factor_it_has(project, owner, threat, duplicate_threat):
    factor = factor_add(project=project, code=threat, actor=owner)
    code_merge(source=duplicate_threat, target=threat, actor=owner)
    factor.refresh_from_db()
    assert factor.code_id == threat.pk


def test_two_factors_refuse_the_merge_after_codings_were_moved_and_nothing_changes(project, transcript, owner,
                                                                                   threat, duplicate_threat):
    start, end = phrase_span(transcript, "Moscow wanted")
    segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[duplicate_threat])
    factor_add(project=project, code=threat, actor=owner)
    factor_add(project=project, code=duplicate_threat, actor=owner)
    with rejected("Both codes are factors of the comparison", field="target"):
        code_merge(source=duplicate_threat, target=threat, actor=owner)
