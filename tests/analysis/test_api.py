"""The analysis and review API: shapes, access (404 for other projects, 403 for the wrong
role), reasons for bad input (422), and bounded queries."""
import pytest

from apps.analysis.models import Review
from apps.coding.models import Comment
from apps.coding.services import comment_create
from tests.analysis.small_study import analytic, more_segments, study  # noqa: F401  (study: a fixture)

pytestmark = pytest.mark.django_db


def api(project, path):
    return f"/api/projects/{project.slug}/{path}"


GETS = ["analysis/frequencies", "analysis/breakdown", "analysis/matrix", "analysis/cooccurrence",
        "review/progress", "review/comments"]


@pytest.mark.parametrize("path", GETS)
def test_members_read_and_others_get_404(path, study, client_for, reviewer, outsider, client):
    assert client_for(reviewer).get(api(study.project, path)).status_code == 200
    assert client_for(outsider).get(api(study.project, path)).status_code == 404


@pytest.mark.parametrize("path", GETS)
def test_anonymous_callers_are_refused(path, study, client):
    assert client.get(api(study.project, path)).status_code == 401


def test_matrix_cells_carry_counts_values_experts_and_segment_ids(study, client_for, reviewer):
    data = client_for(reviewer).get(api(study.project, "analysis/matrix?all_coders=1")).json()
    assert data["measure"] == "experts" and data["columns_kind"] == "cases"
    assert [c["label"] for c in data["columns"]] == ["Kazakhstan", "Armenia", "Kyrgyzstan"]
    russia = next(r for r in data["rows"] if r["path"] == "Russia")
    kz = russia["cells"][0]
    assert kz["count"] == 3 and kz["segments"] == 3 and kz["words"] is None
    assert kz["values"] == {"low": ["E3"], "medium": ["E2"], "high": ["E1"]}
    assert kz["segment_ids"] == sorted([study.c.pk, study.f.pk, study.i.pk])


def test_matrix_by_attribute_with_words_and_sub_codes(study, client_for, coder):
    data = client_for(coder).get(api(study.project, f"analysis/matrix?columns={study.threat_type.pk}"
                                                    "&measure=words&subcodes=true&all_coders=1")).json()
    assert data["column_title"] == "threat type" and data["rollup"] is True
    threat = data["rows"][0]
    internal = threat["cells"][0]
    assert internal["words"] == internal["count"] == sum(len(s.quote.split()) for s in
                                                        (study.a, study.b, study.f, study.h, study.j))


@pytest.mark.parametrize("query, field", [
    ("measure=minutes", "measure"), ("columns=weather", "columns"), ("root=999999", "root"),
])
def test_matrix_says_what_is_wrong(query, field, study, client_for, reviewer):
    response = client_for(reviewer).get(api(study.project, f"analysis/matrix?{query}"))
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_excerpts_of_a_cell_with_citations_and_pages(study, client_for, reviewer):
    client = client_for(reviewer)
    data = client.get(api(study.project, f"analysis/matrix/excerpts?code={study.threat.pk}&column={study.kz.pk}"
                                         "&subcodes=1&all_coders=1")).json()
    assert data["total"] == 4 and data["next_offset"] is None
    first = data["excerpts"][0]
    assert first["citation"] == "E1, ¶2" and first["quote"] == study.a.quote
    assert first["codings"] == [{"code_id": study.threat.pk, "code": "Threat", "value": "present"}]
    assert first["url"].endswith(f"/transcripts/{study.t1.pk}/#segment-{study.a.pk}")
    bad = client.get(api(study.project, f"analysis/matrix/excerpts?code={study.threat.pk}&column=nope"))
    assert bad.status_code == 422 and "No column" in bad.json()["detail"]


def test_cooccurrence_and_its_excerpts(study, client_for, reviewer):
    client = client_for(reviewer)
    data = client.get(api(study.project, f"analysis/cooccurrence?case={study.kz.pk}")).json()
    index = {c["code_id"]: i for i, c in enumerate(data["codes"])}
    assert data["cells"][index[study.terror.pk]][index[study.russia.pk]] == 1
    assert data["cells"][index[study.terror.pk]][index[study.terror.pk]] is None
    page = client.get(api(study.project, f"analysis/cooccurrence/excerpts?code={study.terror.pk}"
                                         f"&other={study.russia.pk}")).json()
    assert [e["segment_id"] for e in page["excerpts"]] == [study.b.pk]
    assert client.get(api(study.project, "analysis/cooccurrence?case=999999")).status_code == 422


def test_frequencies_and_breakdown(study, client_for, reviewer):
    client = client_for(reviewer)
    rows = {r["path"]: r for r in client.get(api(study.project, "analysis/frequencies")).json()}
    assert (rows["Threat"]["segments"], rows["Threat"]["total_segments"], rows["Threat"]["experts"]) == (5, 8, 3)
    data = client.get(api(study.project, "analysis/breakdown?by=coders&measure=segments&subcodes=0")).json()
    assert data["columns_kind"] == "coders"
    assert client.get(api(study.project, "analysis/breakdown?by=weather")).status_code == 422


def test_progress(study, client_for, reviewer):
    data = client_for(reviewer).get(api(study.project, "review/progress")).json()
    t1 = next(t for t in data["transcripts"] if t["title"] == "T1")
    assert t1["expert"] == "E1" and t1["segments"] == 6 and 0 < t1["share"] < 1
    assert data["codebook_review"] is None and data["open_comments"] == 0


# --- comments and review --------------------------------------------------------------------------

def test_reviewer_comments_on_a_matrix_cell_and_a_researcher_answers_and_resolves(study, client_for, reviewer,
                                                                                   coder):
    response = client_for(reviewer).post(api(study.project, "review/comments"),
                                         {"text": "Two experts only?", "code_id": study.threat.pk,
                                          "case_id": study.kz.pk}, content_type="application/json")
    assert response.status_code == 201
    comment = response.json()
    assert (comment["code_id"], comment["case_id"], comment["resolved"]) == (study.threat.pk, study.kz.pk, False)
    researcher = client_for(coder)
    answer = researcher.post(api(study.project, "review/comments"), {"text": "E3 too", "parent_id": comment["id"]},
                             content_type="application/json")
    assert answer.status_code == 201
    resolved = researcher.post(api(study.project, f"review/comments/{comment['id']}/resolve"), {},
                               content_type="application/json")
    assert resolved.status_code == 200 and resolved.json()["resolved"] is True
    listed = researcher.get(api(study.project, f"review/comments?code={study.threat.pk}&case={study.kz.pk}")).json()
    assert [c["replies"][0]["text"] for c in listed] == ["E3 too"]


def test_comment_on_a_segment_of_another_project_is_refused(study, client_for, reviewer, outsider):
    response = client_for(reviewer).post(api(study.project, "review/comments"),
                                         {"text": "x", "segment_id": 999999}, content_type="application/json")
    assert response.status_code == 422 and "segment" in response.json()["errors"]
    response = client_for(reviewer).post(api(study.project, "review/comments"), {"text": " "},
                                         content_type="application/json")
    assert response.status_code == 422
    response = client_for(outsider).post(api(study.project, "review/comments"), {"text": "x"},
                                         content_type="application/json")
    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_reviewer_cannot_resolve_a_researchers_comment(study, client_for, reviewer, coder):
    comment = comment_create(project=study.project, author=coder, text="mine", segment=study.a)
    response = client_for(reviewer).post(api(study.project, f"review/comments/{comment.pk}/resolve"),
                                         {"resolved": True}, content_type="application/json")
    assert response.status_code == 403
    assert client_for(coder).post(api(study.project, "review/comments/999999/resolve"), {},
                                  content_type="application/json").status_code == 404


def test_review_status_by_reviewers_only(study, client_for, reviewer, coder, outsider):
    body = {"status": "changes_requested", "note": "Split Threat.", "transcript_id": study.t2.pk}
    response = client_for(reviewer).post(api(study.project, "review/status"), body, content_type="application/json")
    assert response.status_code == 201 and response.json()["note"] == "Split Threat."
    assert client_for(coder).post(api(study.project, "review/status"), body,
                                  content_type="application/json").status_code == 403
    assert client_for(outsider).post(api(study.project, "review/status"), body,
                                     content_type="application/json").status_code == 404
    missing_note = client_for(reviewer).post(api(study.project, "review/status"),
                                             {"status": "changes_requested"}, content_type="application/json")
    assert missing_note.status_code == 422 and "Say which changes" in missing_note.json()["detail"]
    assert Review.objects.count() == 1


# --- bounded queries --------------------------------------------------------------------------------

API_BOUNDS = {"analysis/matrix": (9, 1), "analysis/matrix?all_coders=1": (8, 1), "analysis/frequencies": (8, 2),
              "analysis/cooccurrence": (8, 0), "review/progress": (11, 1),
              "analysis/breakdown?by=experts": (8, 1)}  # (queries, large aggregates)


@pytest.mark.parametrize("path", API_BOUNDS)
def test_api_runs_the_same_bounded_queries_for_10_and_200_segments(path, study, client_for, coder,
                                                                   django_assert_max_num_queries):
    client = client_for(coder)
    client.get(api(study.project, "review/comments"))  # the session is written once, before counting
    queries, aggregates = API_BOUNDS[path]
    with django_assert_max_num_queries(queries + analytic(aggregates)):
        assert client.get(api(study.project, path)).status_code == 200
    more_segments(study, 200, coder)
    with django_assert_max_num_queries(queries + analytic(aggregates)):
        assert client.get(api(study.project, path)).status_code == 200


def test_excerpts_api_runs_bounded_queries(study, client_for, coder, django_assert_max_num_queries):
    client = client_for(coder)
    client.get(api(study.project, "review/comments"))
    more_segments(study, 150, coder)
    with django_assert_max_num_queries(11):
        response = client.get(api(study.project, f"analysis/matrix/excerpts?code={study.threat.pk}"
                                                 f"&column={study.kz.pk}&subcodes=1&all_coders=1"))
    assert response.status_code == 200 and response.json()["total"] > 4
