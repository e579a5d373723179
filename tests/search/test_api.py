"""The search API: allowed, forbidden (another project's member gets 404, a reviewer who
codes 403), bad input (422 with the reason, the parser's message for a query), and a
bounded number of queries whatever the number of transcripts and hits."""
from __future__ import annotations

import json

import pytest

from apps.coding.models import Segment
from apps.projects.models import Activity
from apps.search.models import SavedSearch
from apps.transcripts.services import transcript_create
from tests.search.conftest import E5_TEXT

API = "/api/projects/csto-requests"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_search_returns_hits_in_context(client_for, reviewer, study):
    response = client_for(reviewer).get(f"{API}/search", {"q": '"air base"', "per_page": 2})
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["transcripts"], data["pages"], len(data["results"])) == (3, 2, 2, 2)
    first = data["results"][0]
    assert first["citation"] == "E3, ¶1" and first["text"] == "air base" and first["speaker"] == "Interviewer"
    assert first["before"].endswith("keep the Kant ") and first["after"].startswith(" after 2010?")
    assert not first["is_expert_speech"]
    assert first["url"].startswith(f"/projects/csto-requests/transcripts/{study['e3'].pk}/?hits=q%3D")
    second = data["results"][1]
    assert second["is_expert_speech"] and [c["code"] for c in second["codes"]] == []
    coded = client_for(reviewer).get(f"{API}/search", {"q": "base", "coded": "coded"}).json()
    assert [(r["citation"], r["text"], [c["code"] for c in r["codes"]]) for r in coded["results"]] == [
        ("E3, ¶2", "base", ["Russian interest"])]


def test_search_filters_in_the_query_string(client_for, reviewer, study, kazakhstan):
    client = client_for(reviewer)
    data = client.get(f"{API}/search", {"q": "Russia", "speaker": "expert", "case": [kazakhstan.pk]}).json()
    assert [(r["citation"], r["text"]) for r in data["results"]] == [("E5, ¶2", "Russia")]


@pytest.mark.parametrize("query, message", [
    ({"q": "/Otunba[ey/"}, "The regular expression is not valid: unterminated character set"),
    ({"q": '"air base'}, "A phrase is not closed"),
    ({"q": "NOT Russia"}, "not only what to leave out"),
])
def test_a_query_that_cannot_be_parsed_is_a_422_with_the_parsers_message(client_for, reviewer, study, query,
                                                                         message):
    response = client_for(reviewer).get(f"{API}/search", query)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_bad_filters_are_422(client_for, reviewer, study):
    client = client_for(reviewer)
    assert client.get(f"{API}/search", {"q": "x", "speaker": "someone"}).status_code == 422
    assert client.get(f"{API}/search", {"q": "x", "per_page": 1000}).status_code == 422
    response = client.get(f"{API}/search", {"q": "x", "code": 999999})
    assert response.status_code == 422 and "no code 999999" in response.json()["detail"]


def test_another_projects_member_gets_404_and_anonymous_401(client, client_for, outsider, study):
    assert client.get(f"{API}/search", {"q": "Kant"}).status_code == 401
    other = client_for(outsider)
    assert other.get(f"{API}/search", {"q": "Kant"}).status_code == 404
    assert other.get(f"{API}/transcripts/{study['e3'].pk}/search-hits", {"q": "Kant"}).status_code == 404
    assert post(other, f"{API}/search/code-all", {"search": {"q": "Kant"}, "code_id": 1}).status_code == 404


def test_the_hits_of_one_transcript(client_for, reviewer, study, other_project, outsider):
    e3 = study["e3"]
    client = client_for(reviewer)
    data = client.get(f"{API}/transcripts/{e3.pk}/search-hits", {"q": "Kant air base"}).json()
    assert [e3.text[s:e] for s, e in data["hits"]] == ["Kant", "air", "base", "air", "base", "Kant", "base"]
    assert client.get(f"{API}/transcripts/{e3.pk}/search-hits",
                      {"q": "Kant", "transcript": study["e5"].pk}).json() == {"hits": []}
    theirs = transcript_create(project=other_project, title="Theirs", text=E5_TEXT, created_by=outsider)
    assert client.get(f"{API}/transcripts/{theirs.pk}/search-hits", {"q": "Kant"}).status_code == 404


def test_code_all_preview_apply_and_undo(client_for, coder, study, russian_interest):
    client = client_for(coder)
    body = {"search": {"q": "Kant air base"}, "code_id": russian_interest.pk, "value": "medium",
            "extend": "sentence"}
    activities, segments = Activity.objects.count(), Segment.objects.count()
    preview = post(client, f"{API}/search/code-all/preview", body)
    assert preview.status_code == 200
    assert preview.json() == {"hits": 11, "new_segments": 4, "skipped": 1, "merged": 6, "overlaps": 0}
    assert (Activity.objects.count(), Segment.objects.count()) == (activities, segments)  # a preview writes nothing

    applied = post(client, f"{API}/search/code-all", body)
    assert applied.status_code == 201
    batch = applied.json()
    assert {k: batch[k] for k in preview.json()} == preview.json()
    assert Segment.objects.count() == segments + 4 == segments + len(batch["segment_ids"])
    assert Activity.objects.count() == activities + 1

    undone = post(client, f"{API}/search/batches/{batch['batch_id']}/undo", {})
    assert undone.status_code == 200 and undone.json() == {"trashed": 4}
    assert Segment.objects.count() == segments
    again = post(client, f"{API}/search/batches/{batch['batch_id']}/undo", {})
    assert again.status_code == 422 and "undone already" in again.json()["detail"]


def test_code_all_bad_input_is_422_and_writes_nothing(client_for, coder, study, russian_interest, other_project_code):
    client = client_for(coder)
    segments = Segment.objects.count()
    cases = [
        ({"search": {"q": "Kant"}, "code_id": other_project_code.pk}, "no code"),
        ({"search": {"q": "Kant"}, "code_id": russian_interest.pk, "value": "huge"}, "not on the scale"),
        ({"search": {"q": "Kant"}, "code_id": russian_interest.pk, "case_ids": [999999]}, "not in this project"),
        ({"search": {"q": "/Kant[/"}, "code_id": russian_interest.pk}, "not valid"),
        ({"search": {"q": "Kant"}, "code_id": russian_interest.pk, "hits": ["1:2"]}, "Not a hit"),
    ]
    for body, message in cases:
        for url in (f"{API}/search/code-all/preview", f"{API}/search/code-all"):
            response = post(client, url, body)
            assert response.status_code == 422, (url, body)
            assert message in response.json()["detail"]
    assert post(client, f"{API}/search/code-all", {"search": {"q": "Kant"}, "code_id": russian_interest.pk,
                                                   "extend": "chapter"}).status_code == 422
    assert Segment.objects.count() == segments


def test_reviewers_may_search_but_not_code_the_hits(client_for, reviewer, study, russian_interest):
    client = client_for(reviewer)
    body = {"search": {"q": "Kant"}, "code_id": russian_interest.pk}
    assert post(client, f"{API}/search/code-all/preview", body).status_code == 403
    assert post(client, f"{API}/search/code-all", body).status_code == 403
    assert post(client, f"{API}/search/saved", {"name": "Kant", "search": {"q": "Kant"}}).status_code == 403


def test_saved_searches_remember_their_hits_and_show_what_changed(client_for, coder, owner, study):
    client = client_for(coder)
    created = post(client, f"{API}/search/saved", {"name": "Kant", "search": {"q": "Kant"}})
    assert created.status_code == 201
    saved = created.json()
    assert saved["last_hits"] == 3 and saved["search"]["q"] == "Kant"
    assert post(client, f"{API}/search/saved", {"name": " Kant ", "search": {"q": "x"}}).status_code == 422
    assert client.get(f"{API}/search/saved").json()[0]["name"] == "Kant"

    newer = transcript_create(project=study["e3"].project, title="Interview E9", created_by=owner,
                              text="Q: And then?\n\nE9: Kant again.")
    changes = client.get(f"{API}/search/saved/{saved['id']}/changes").json()
    key = f"{newer.pk}:{newer.text.index('Kant')}:{newer.text.index('Kant') + 4}"
    assert changes == {"count": 4, "new": [key], "gone": 0}
    run = post(client, f"{API}/search/saved/{saved['id']}/run", {})
    assert run.status_code == 200 and run.json() == {"count": 4, "new": [key], "gone": 0}
    assert client.get(f"{API}/search/saved/{saved['id']}/changes").json() == {"count": 4, "new": [], "gone": 0}

    assert client.delete(f"{API}/search/saved/{saved['id']}").status_code == 204
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize("n_transcripts", [2, 20])
def test_search_runs_a_bounded_number_of_queries(client_for, reviewer, owner, project, study, n_transcripts,
                                                 django_assert_max_num_queries):
    for i in range(n_transcripts - 2):
        transcript_create(project=project, title=f"More {i}", text=E5_TEXT + f" Kant {i}.", created_by=owner,
                          allow_duplicate=True)
    client = client_for(reviewer)
    # session, user, membership; passages; the code; its segments; coded segments; the cases'
    # transcripts and segments; the page's passages and codes
    with django_assert_max_num_queries(12):
        response = client.get(f"{API}/search", {"q": "Kant OR base", "coded": "uncoded", "case": [1, 2],
                                                "code": study["e3"].project.codes.first().pk, "code_mode": "outside"})
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"{API}/transcripts/{study['e3'].pk}/search-hits", {"q": "Kant"}).status_code == 200


@pytest.mark.parametrize("n_transcripts", [2, 12])
def test_code_all_runs_a_bounded_number_of_queries(client_for, coder, owner, project, study, russian_interest,
                                                   kazakhstan, n_transcripts, django_assert_max_num_queries):
    for i in range(n_transcripts - 2):
        transcript_create(project=project, title=f"More {i}", text=E5_TEXT + f" Kant {i}.", created_by=owner,
                          allow_duplicate=True)
    client = client_for(coder)
    body = {"search": {"q": "Kant air base"}, "code_id": russian_interest.pk, "extend": "sentence",
            "case_ids": [kazakhstan.pk]}
    with django_assert_max_num_queries(12):
        assert post(client, f"{API}/search/code-all/preview", body).status_code == 200
    with django_assert_max_num_queries(30):
        response = post(client, f"{API}/search/code-all", body)
    assert response.status_code == 201
    with django_assert_max_num_queries(20):
        assert post(client, f"{API}/search/batches/{response.json()['batch_id']}/undo", {}).status_code == 200
