"""Codings of a scaled code without a value are counted and can be found (issue #16,
build 1): the matrix and the judgments show how many lack a value, and retrieval filters
to them ("no value")."""
import pytest
from django.urls import reverse

from apps.analysis.selectors import code_case_matrix
from apps.coding.selectors import segment_search, valueless_count
from apps.coding.services import segment_create
from apps.comparison.selectors import judgment_grid
from apps.comparison.services import factor_add, outcome_choose
from tests.conftest import phrase_span


@pytest.fixture
def coded(project, owner, transcript, threat, kazakhstan):
    """Two passages about Kazakhstan coded 'Threat perception': one present, one without a value."""
    def code(phrase, values):
        start, end = phrase_span(transcript, phrase)
        return segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner,
                              values=values, cases=[kazakhstan])
    return {"valued": code("Because Moscow wanted it to.", {threat.pk: "present"}),
            "valueless": code("Nobody wanted to fight Azerbaijan.", {})}


def test_the_matrix_counts_codings_without_a_value(project, threat, kazakhstan, coded):
    cell = code_case_matrix(project=project, measure="segments").cell(threat.pk, str(kazakhstan.pk))
    assert cell.segments == 2 and list(cell.values) == ["present"] and cell.missing == 1


def test_the_matrix_page_and_api_show_the_missing_values(client_for, project, reviewer, threat, coded):
    client = client_for(reviewer)
    assert "no value 1" in client.get(reverse("analysis_matrix", args=[project.slug])).content.decode()
    rows = client.get(f"/api/projects/{project.slug}/analysis/matrix").json()["rows"]
    assert [c["missing"] for r in rows if r["code_id"] == threat.pk for c in r["cells"]][0] == 1


def test_retrieval_filters_to_codings_without_a_value(project, threat, coded):
    assert list(segment_search(project=project, no_value=True)) == [coded["valueless"]]
    assert list(segment_search(project=project, code_ids=[threat.pk], no_value=True)) == [coded["valueless"]]
    assert valueless_count(segments=segment_search(project=project)) == 1


def test_the_segments_page_and_api_count_and_filter_missing_values(client_for, project, reviewer, coded,
                                                                   django_assert_max_num_queries):
    client = client_for(reviewer)
    page = client.get(reverse("segment_list", args=[project.slug])).content.decode()
    assert "1 coding of scaled codes here has no value" in page and "no_value=on" in page
    with django_assert_max_num_queries(20):
        response = client.get(reverse("segment_list", args=[project.slug]), {"no_value": "on"})
    assert [h.segment.pk for h in response.context["hits"]] == [coded["valueless"].pk]
    data = client.get(f"/api/projects/{project.slug}/segments?no_value=true").json()
    assert data["count"] == 1 and data["valueless"] == 1 and data["results"][0]["id"] == coded["valueless"].pk


def test_judgments_show_how_many_codings_lack_a_value(client_for, project, owner, threat, kazakhstan, outcome, coded):
    outcome_choose(project=project, attribute=outcome, actor=owner)
    factor = factor_add(project=project, actor=owner, code=threat, label="THREAT")
    assert judgment_grid(project=project, judge=owner).cell(factor, kazakhstan).missing == 1
    client = client_for(owner)
    assert "1 without a value" in client.get(reverse("judgment_grid", args=[project.slug])).content.decode()
    cells = client.get(f"/api/projects/{project.slug}/comparison/judgments").json()["cells"]
    assert [c["missing"] for c in cells if c["case_id"] == kazakhstan.pk] == [1]
