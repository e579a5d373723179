"""The suggestions API: members list (nothing is written), coders and owners accept and
reject, a reviewer gets 403, another project's member 404, bad input 422 with the reason;
a bounded number of queries."""
from __future__ import annotations

import json

from apps.coding.models import Segment
from apps.suggestions.models import SuggestionOrigin, SuggestionRejection
from tests.conftest import phrase_span

API = "/api/projects/csto-requests"
BASE_SENTENCE = "The 201st base gave Moscow its reasons to care."


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_reviewer_lists_the_suggestions_with_their_reasons(client_for, reviewer, study, russian_interest,
                                                             django_assert_max_num_queries):
    client = client_for(reviewer)
    with django_assert_max_num_queries(9):
        response = client.get(f"{API}/codes/{russian_interest.pk}/suggestions", {"limit": 3})
    assert response.status_code == 200
    data = response.json()
    assert (data["engine"], data["engine_version"], data["examples"], len(data["results"])) == (
        "tfidf-logreg", "1", 3, 3)
    best = data["results"][0]
    e4 = study["e4"]
    assert best["transcript_id"] == e4.pk and e4.text[best["start"]:best["end"]] == best["text"]
    assert best["nearest"] and best["words"] and 0 <= best["score"] <= 1
    assert [r["score"] for r in data["results"]] == sorted((r["score"] for r in data["results"]), reverse=True)
    assert not Segment.objects.filter(transcript=e4).exists()


def test_suggestions_of_one_transcript(client_for, coder, study, russian_interest):
    data = client_for(coder).get(f"{API}/codes/{russian_interest.pk}/suggestions",
                                 {"transcript": study["e2"].pk}).json()
    assert {r["transcript_id"] for r in data["results"]} == {study["e2"].pk}


def test_a_coder_accepts_a_suggestion(client_for, coder, study, russian_interest):
    start, end = phrase_span(study["e4"], BASE_SENTENCE)
    response = post(client_for(coder), f"{API}/codes/{russian_interest.pk}/suggestions/accept",
                    {"transcript_id": study["e4"].pk, "start": start, "end": end, "quote": BASE_SENTENCE,
                     "value": "medium"})
    assert response.status_code == 201
    segment = Segment.objects.get(pk=response.json()["segment_id"])
    assert (segment.quote, segment.coder, segment.codings.get().value) == (BASE_SENTENCE, coder, "medium")
    assert response.json()["engine"] == segment.suggestion_origin.engine == "tfidf-logreg"


def test_a_coder_rejects_a_suggestion(client_for, coder, study, russian_interest):
    start, end = phrase_span(study["e4"], BASE_SENTENCE)
    url = f"{API}/codes/{russian_interest.pk}/suggestions"
    response = post(client_for(coder), f"{url}/reject", {"transcript_id": study["e4"].pk, "start": start, "end": end})
    assert response.status_code == 201
    assert SuggestionRejection.objects.get().quote == BASE_SENTENCE
    assert BASE_SENTENCE not in [r["text"] for r in client_for(coder).get(url, {"limit": 100}).json()["results"]]


def test_a_reviewer_may_not_accept_or_reject(client_for, reviewer, study, russian_interest):
    start, end = phrase_span(study["e4"], BASE_SENTENCE)
    body = {"transcript_id": study["e4"].pk, "start": start, "end": end}
    for action in ("accept", "reject"):
        response = post(client_for(reviewer), f"{API}/codes/{russian_interest.pk}/suggestions/{action}", body)
        assert response.status_code == 403
    assert not SuggestionOrigin.objects.exists() and not SuggestionRejection.objects.exists()


def test_another_projects_member_gets_404(client_for, outsider, study, russian_interest, other_project_code):
    assert client_for(outsider).get(f"{API}/codes/{russian_interest.pk}/suggestions").status_code == 404
    own = f"/api/projects/{other_project_code.project.slug}/codes/{other_project_code.pk}/suggestions"
    response = post(client_for(outsider), f"{own}/reject", {"transcript_id": study["e4"].pk, "start": 0, "end": 5})
    assert response.status_code == 404
    assert not SuggestionRejection.objects.exists()


def test_bad_input_is_422_with_the_reason(client_for, coder, study, russian_interest):
    url = f"{API}/codes/{russian_interest.pk}/suggestions"
    response = post(client_for(coder), f"{url}/accept", {"transcript_id": study["e4"].pk, "start": 5, "end": 5000})
    assert response.status_code == 422 and "0 <= start < end" in response.json()["detail"]
    response = post(client_for(coder), f"{url}/accept", {"transcript_id": study["e4"].pk, "start": 0, "end": 5,
                                                         "quote": "not the text"})
    assert response.status_code == 422 and "quote" in response.json()["detail"]
    response = post(client_for(coder), f"{url}/accept", {"transcript_id": study["e4"].pk, "start": 0, "end": 5,
                                                         "value": "enormous"})
    assert response.status_code == 422
    assert client_for(coder).get(url, {"limit": 0}).status_code == 422
    assert client_for(coder).get(f"{API}/codes/999999/suggestions").status_code == 404
    assert not Segment.objects.filter(transcript=study["e4"]).exists()
