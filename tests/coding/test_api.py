"""The coding API under /api/projects/{slug}/: segments, trash, retrieval and the codebook.

Each route: allowed, another project's member gets 404, a reviewer who writes gets 403,
bad input gets 422 with the reason, a stale version 409 with the current state, and the
number of queries does not grow with the number of segments.
"""
from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.cases.services import case_create
from apps.coding.api import SegmentOut
from apps.coding.models import Code, Coding, Segment
from apps.coding.selectors import segment_search, valueless_count
from apps.coding.services import code_create, segment_create, segment_delete
from apps.projects.models import Activity
from apps.transcripts.services import transcript_create
from tests.coding.bulk import bulk_segments
from tests.conftest import phrase_span

QUERY_BOUND = 14


def url(project, path: str) -> str:
    return f"/api/projects/{project.slug}/{path}"


def send(client, method: str, path: str, body=None):
    return getattr(client, method)(path, data=json.dumps(body) if body is not None else None,
                                   content_type="application/json")


def coded(transcript, phrase, codes, coder, **kwargs) -> Segment:
    start, end = phrase_span(transcript, phrase)
    return segment_create(transcript=transcript, start=start, end=end, codes=codes, coder=coder, **kwargs)


# --- authentication and CSRF ------------------------------------------------------------

def test_the_api_needs_a_signed_in_user(client, project, transcript):
    response = client.get(url(project, f"transcripts/{transcript.pk}/segments"))
    assert response.status_code == 401


def test_writes_need_the_csrf_token(coder, project, transcript, threat):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(coder)
    start, end = phrase_span(transcript, "Moscow wanted it to")
    response = browser.post(url(project, "segments"), data=json.dumps(
        {"transcript_id": transcript.pk, "start": start, "end": end, "code_ids": [threat.pk]}),
        content_type="application/json")
    assert response.status_code == 403
    assert not Segment.objects.exists()


# --- a transcript's segments ------------------------------------------------------------

def test_transcript_segments_lists_codings_cases_and_case_membership(client_for, reviewer, coder, project, transcript,
                                                                     threat, kazakhstan):
    section = coded(transcript, "Because Moscow wanted it to. The members feared", [], coder, cases=[kazakhstan],
                    is_case_section=True)
    inside = coded(transcript, "Moscow wanted it to", [threat], coder, values={threat.pk: "present"})
    response = client_for(reviewer).get(url(project, f"transcripts/{transcript.pk}/segments"))
    assert response.status_code == 200
    by_id = {s["id"]: s for s in response.json()}
    assert by_id[section.pk]["is_case_section"] is True
    assert by_id[section.pk]["case_ids"] == [kazakhstan.pk]
    assert by_id[inside.pk]["codings"] == [{"code_id": threat.pk, "code": "Threat perception", "value": "present"}]
    assert by_id[inside.pk]["case_ids"] == []
    assert by_id[inside.pk]["member_case_ids"] == [kazakhstan.pk]  # inside the case section
    assert by_id[inside.pk]["quote"] == "Moscow wanted it to"


def test_transcript_segments_of_another_project_are_not_found(client_for, outsider, coder, project, transcript):
    assert client_for(outsider).get(url(project, f"transcripts/{transcript.pk}/segments")).status_code == 404


def test_a_transcript_of_another_project_is_not_found_through_this_project(client_for, coder, outsider, project,
                                                                           other_project):
    theirs = transcript_create(project=other_project, title="Theirs", text="A: some words here", created_by=outsider)
    assert client_for(coder).get(url(project, f"transcripts/{theirs.pk}/segments")).status_code == 404


@pytest.mark.parametrize("n", [10, 1000])
def test_transcript_segments_run_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat,
                                                           russian_interest, kazakhstan, armenia,
                                                           django_assert_max_num_queries):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat, russian_interest], n=n,
                  cases=[kazakhstan, armenia])
    client = client_for(coder)
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(url(project, f"transcripts/{transcript.pk}/segments"))
    assert response.status_code == 200
    assert len(response.json()) == n



def test_transcript_segments_by_ids_are_those_segments_with_their_case_membership(client_for, reviewer, coder,
                                                                                  project, transcript, threat,
                                                                                  kazakhstan):
    section = coded(transcript, "Because Moscow wanted it to. The members feared", [], coder, cases=[kazakhstan],
                    is_case_section=True)
    inside = coded(transcript, "Moscow wanted it to", [threat], coder)
    elsewhere = coded(transcript, "Nobody wanted to fight", [threat], coder)
    trashed = coded(transcript, "Baku had too many friends", [threat], coder)
    segment_delete(segment=trashed, actor=coder)
    other = transcript_create(project=project, title="Interview E2", text="E2: Moscow wanted it to.",
                              created_by=coder)
    theirs = coded(other, "Moscow wanted it to", [threat], coder)
    ids = f"{inside.pk},{section.pk},{trashed.pk},{theirs.pk}"
    response = client_for(reviewer).get(url(project, f"transcripts/{transcript.pk}/segments?ids={ids}"))
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [s["id"] for s in rows] == [section.pk, inside.pk]  # text order; the trash and other transcripts left out
    assert elsewhere.pk not in {s["id"] for s in rows}
    by_id = {s["id"]: s for s in rows}
    assert by_id[inside.pk]["member_case_ids"] == [kazakhstan.pk]
    assert by_id[inside.pk]["codings"] == [{"code_id": threat.pk, "code": "Threat perception", "value": ""}]
    assert by_id[section.pk]["case_ids"] == [kazakhstan.pk]


def test_transcript_segments_by_ids_of_another_project_are_not_found(client_for, outsider, coder, project, transcript,
                                                                     threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    response = client_for(outsider).get(url(project, f"transcripts/{transcript.pk}/segments?ids={segment.pk}"))
    assert response.status_code == 404


@pytest.mark.parametrize("ids", ["", "abc", "1,,2", "1;2", "-1", "1,2,", "１", "1" * 19,
                                 ",".join(str(i) for i in range(1, 202))])
def test_transcript_segments_by_ids_reject_a_malformed_or_too_long_list(ids, client_for, coder, project, transcript):
    response = client_for(coder).get(url(project, f"transcripts/{transcript.pk}/segments"), {"ids": ids})
    assert response.status_code == 422, response.content
    assert "segment ids separated by commas" in response.json()["detail"]


@pytest.mark.parametrize("n", [10, 1000])
def test_transcript_segments_by_ids_run_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat,
                                                                  russian_interest, kazakhstan, armenia,
                                                                  django_assert_max_num_queries):
    segments = bulk_segments(transcript=transcript, coder=coder, codes=[threat, russian_interest], n=n,
                             cases=[kazakhstan, armenia])
    wanted = [s.pk for s in segments[:200]]
    client = client_for(coder)
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(url(project, f"transcripts/{transcript.pk}/segments"),
                              {"ids": ",".join(map(str, wanted))})
    assert response.status_code == 200
    assert sorted(s["id"] for s in response.json()) == sorted(wanted)

# --- create -----------------------------------------------------------------------------

def test_create_a_segment_with_codes_values_cases_and_memo(client_for, coder, project, transcript, threat,
                                                           russian_interest, kazakhstan):
    start, end = phrase_span(transcript, "Moscow wanted it to")
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start, "end": end, "quote": "Moscow wanted it to",
        "code_ids": [threat.pk, russian_interest.pk], "values": {str(russian_interest.pk): "high"},
        "case_ids": [kazakhstan.pk], "memo": "Plain realism",
    })
    assert response.status_code == 201, response.content
    data = response.json()
    segment = Segment.objects.get()
    assert data["id"] == segment.pk and data["version"] == 1
    assert (segment.start, segment.end, segment.quote, segment.memo) == (start, end, "Moscow wanted it to",
                                                                         "Plain realism")
    assert {c.tag_id: c.value for c in segment.codings.all()} == {threat.pk: "", russian_interest.pk: "high"}
    assert data["case_ids"] == [kazakhstan.pk] and data["member_case_ids"] == [kazakhstan.pk]
    assert segment.coder == coder


def test_a_passage_coded_inside_a_case_section_is_answered_with_the_section_case(client_for, coder, project, transcript,
                                                                                 threat, russian_interest, kazakhstan):
    coded(transcript, "Why did the alliance act in Kazakhstan?\n\nE1: Because Moscow wanted it to.", [],
          coder, cases=[kazakhstan], is_case_section=True)
    client = client_for(coder)
    start, end = phrase_span(transcript, "Moscow wanted")
    inside = send(client, "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start, "end": end, "code_ids": [threat.pk]}).json()
    start, end = phrase_span(transcript, "Baku had too many friends")
    outside = send(client, "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start, "end": end, "code_ids": [russian_interest.pk]}).json()

    assert (inside["case_ids"], inside["member_case_ids"]) == ([], [kazakhstan.pk])
    assert (outside["case_ids"], outside["member_case_ids"]) == ([], [])
    assert client.get(url(project, f"segments/{inside['id']}")).json() == inside  # as it is read back


def test_create_counts_offsets_in_code_points(client_for, owner, coder, project, expert, threat):
    text = "Q: 𝔘 и 😀 — why?\n\nE1: Because Moscow wanted it."
    transcript = transcript_create(project=project, title="Astral", text=text, expert=expert, created_by=owner)
    start = text.index("Moscow")
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start, "end": start + 6, "quote": "Moscow", "code_ids": [threat.pk]})
    assert response.status_code == 201, response.content
    assert Segment.objects.get().quote == "Moscow"


def test_create_with_snap_widens_the_passage_to_whole_words(client_for, coder, project, transcript, threat):
    start, end = phrase_span(transcript, "oscow wanted i")
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start, "end": end, "snap": True, "code_ids": [threat.pk]})
    assert response.status_code == 201
    assert response.json()["quote"] == "Moscow wanted it"


def test_a_case_section_needs_no_code(client_for, coder, project, transcript, kazakhstan):
    start, end = phrase_span(transcript, "Because Moscow wanted it to. The members feared the same crowds at home.")
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start, "end": end, "case_ids": [kazakhstan.pk],
        "is_case_section": True})
    assert response.status_code == 201
    assert Segment.objects.get().is_case_section


@pytest.mark.parametrize("start, end, reason", [
    (10, 10, "0 <= start < end"),
    (-1, 5, "0 <= start < end"),
    (0, 100_000, "0 <= start < end"),
])
def test_create_rejects_invalid_offsets(start, end, reason, client_for, coder, project, transcript, threat):
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start, "end": end, "code_ids": [threat.pk]})
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert not Segment.objects.exists()


def test_create_rejects_a_quote_that_does_not_match_the_offsets(client_for, coder, project, transcript, threat):
    start, end = phrase_span(transcript, "Moscow wanted it to")
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start + 1, "end": end + 1, "quote": "Moscow wanted it to",
        "code_ids": [threat.pk]})
    assert response.status_code == 422
    assert "does not match" in response.json()["detail"]


def test_create_rejects_an_unknown_code(client_for, coder, project, transcript):
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": 0, "end": 5, "code_ids": [987654]})
    assert response.status_code == 422
    assert "unknown codes: 987654" in response.json()["detail"]


def test_create_rejects_a_code_of_another_project(client_for, coder, project, transcript, other_project_code):
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": 0, "end": 5, "code_ids": [other_project_code.pk]})
    assert response.status_code == 422
    assert response.json()["detail"] == f"unknown codes: {other_project_code.pk}"  # as if it did not exist
    assert not Segment.objects.exists()


def test_create_rejects_a_value_off_the_codes_scale(client_for, coder, project, transcript, russian_interest):
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": 0, "end": 5, "code_ids": [russian_interest.pk],
        "values": {str(russian_interest.pk): "enormous"}})
    assert response.status_code == 422
    assert "not on the scale" in response.json()["detail"]


def test_create_needs_a_code_or_a_case(client_for, coder, project, transcript):
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": 0, "end": 5})
    assert response.status_code == 422
    assert "at least one code or case" in response.json()["detail"]


def test_create_in_a_transcript_of_another_project_is_not_found(client_for, coder, outsider, project, other_project,
                                                                 threat):
    theirs = transcript_create(project=other_project, title="Theirs", text="A: some words here", created_by=outsider)
    response = send(client_for(coder), "post", url(project, "segments"), {
        "transcript_id": theirs.pk, "start": 0, "end": 4, "code_ids": [threat.pk]})
    assert response.status_code == 404


def test_a_reviewer_cannot_create_segments(client_for, reviewer, project, transcript, threat):
    response = send(client_for(reviewer), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": 0, "end": 5, "code_ids": [threat.pk]})
    assert response.status_code == 403
    assert "reviewer" in response.json()["detail"]


def test_an_outsider_cannot_create_segments(client_for, outsider, project, transcript, threat):
    response = send(client_for(outsider), "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": 0, "end": 5, "code_ids": [threat.pk]})
    assert response.status_code == 404


@pytest.mark.parametrize("n", [10, 1000])
def test_create_runs_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat, kazakhstan,
                                               django_assert_max_num_queries):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=n, cases=[kazakhstan])
    client = client_for(coder)
    start, end = phrase_span(transcript, "Moscow wanted it to")
    # session, user, access, the transcript, codes, cases, a savepoint and its release, the
    # segment, its codings, its case link (read and insert), the activity, the case
    # memberships (one round trip on PostgreSQL, two statements on SQLite) returning the
    # member cases for the answer (it was 16 with them read back).
    with django_assert_max_num_queries(15):
        response = send(client, "post", url(project, "segments"), {
            "transcript_id": transcript.pk, "start": start, "end": end, "code_ids": [threat.pk],
            "case_ids": [kazakhstan.pk]})
    assert response.status_code == 201


def test_every_route_and_the_transcript_page_give_a_segment_in_one_shape(client_for, coder, project, transcript,
                                                                         threat, russian_interest, kazakhstan):
    """The API's answers and the JSON the transcript page embeds for its script carry the
    same fields with the same values (the page leaves out the quote: its text shows it)."""
    client = client_for(coder)
    start, end = phrase_span(transcript, "Moscow wanted it to")
    created = send(client, "post", url(project, "segments"), {
        "transcript_id": transcript.pk, "start": start, "end": end, "code_ids": [threat.pk, russian_interest.pk],
        "values": {str(russian_interest.pk): "high"}, "case_ids": [kazakhstan.pk], "memo": "m"}).json()
    segment_id = created["id"]
    fields = set(SegmentOut.model_fields)
    assert set(created) == fields
    one = client.get(url(project, f"segments/{segment_id}")).json()
    listed = next(s for s in client.get(url(project, f"transcripts/{transcript.pk}/segments")).json()
                  if s["id"] == segment_id)
    hit = client.get(url(project, f"segments?code={threat.pk}")).json()["results"][0]
    page = client.get(reverse("transcript_detail", args=[project.slug, transcript.pk])).content.decode()
    embedded = next(s for s in json.loads(re.search(r'<script id="workspace-data" type="application/json">(.*?)'
                                                    r'</script>', page, re.S).group(1))["segments"]
                    if s["id"] == segment_id)
    assert one == listed == {k: v for k, v in hit.items() if k in fields} == created
    assert embedded == {k: v for k, v in created.items() if k != "quote"}
    assert created["codings"] == [{"code_id": russian_interest.pk, "code": "Russian interest", "value": "high"},
                                  {"code_id": threat.pk, "code": "Threat perception", "value": ""}]


# --- one segment, update ----------------------------------------------------------------

def test_read_one_segment(client_for, reviewer, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    response = client_for(reviewer).get(url(project, f"segments/{segment.pk}"))
    assert response.status_code == 200
    assert response.json()["quote"] == "Moscow wanted it to"


def test_a_segment_of_another_project_is_not_found(client_for, outsider, coder, project, other_project, transcript,
                                                   threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    other = client_for(outsider)
    assert other.get(url(other_project, f"segments/{segment.pk}")).status_code == 404
    assert send(other, "patch", url(other_project, f"segments/{segment.pk}"), {"version": 1, "memo": "x"}
                ).status_code == 404
    assert other.delete(url(other_project, f"segments/{segment.pk}")).status_code == 404
    assert Segment.objects.get().memo == ""


def test_update_codes_values_cases_and_memo(client_for, coder, project, transcript, threat, russian_interest,
                                            kazakhstan):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    response = send(client_for(coder), "patch", url(project, f"segments/{segment.pk}"), {
        "version": 1, "code_ids": [russian_interest.pk], "values": {str(russian_interest.pk): "medium"},
        "case_ids": [kazakhstan.pk], "memo": "Revised"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["version"] == 2
    assert data["codings"] == [{"code_id": russian_interest.pk, "code": "Russian interest", "value": "medium"}]
    assert data["case_ids"] == [kazakhstan.pk] and data["memo"] == "Revised"


def test_update_boundaries_snapped_to_words(client_for, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    start, end = phrase_span(transcript, "ecause Moscow wanted it to. The memb")
    response = send(client_for(coder), "patch", url(project, f"segments/{segment.pk}"), {
        "version": 1, "start": start, "end": end, "snap": True})
    assert response.status_code == 200
    assert response.json()["quote"] == "Because Moscow wanted it to. The members"


def test_update_with_a_stale_version_is_a_conflict_with_the_current_state(client_for, coder, project, transcript,
                                                                          threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    client = client_for(coder)
    assert send(client, "patch", url(project, f"segments/{segment.pk}"), {"version": 1, "memo": "first"}
                ).status_code == 200
    response = send(client, "patch", url(project, f"segments/{segment.pk}"), {"version": 1, "memo": "second"})
    assert response.status_code == 409
    body = response.json()
    assert "changed by someone else" in body["detail"]
    assert body["current"]["version"] == 2 and body["current"]["memo"] == "first"
    assert Segment.objects.get().memo == "first"


def test_update_rejects_invalid_offsets(client_for, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    response = send(client_for(coder), "patch", url(project, f"segments/{segment.pk}"), {
        "version": 1, "start": 50, "end": 40})
    assert response.status_code == 422
    assert "0 <= start < end" in response.json()["detail"]


def test_update_rejects_a_code_of_another_project(client_for, coder, project, transcript, threat,
                                                  other_project_code):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    response = send(client_for(coder), "patch", url(project, f"segments/{segment.pk}"), {
        "version": 1, "code_ids": [other_project_code.pk]})
    assert response.status_code == 422
    assert response.json()["detail"] == f"unknown codes: {other_project_code.pk}"
    assert [c.tag_id for c in Segment.objects.get().codings.all()] == [threat.pk]


def test_a_reviewer_cannot_update_segments(client_for, reviewer, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    response = send(client_for(reviewer), "patch", url(project, f"segments/{segment.pk}"), {"version": 1, "memo": "x"})
    assert response.status_code == 403


def test_update_runs_a_fixed_number_of_queries(client_for, coder, project, transcript, threat, russian_interest,
                                               django_assert_max_num_queries):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=200)
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    client = client_for(coder)
    with django_assert_max_num_queries(35):
        response = send(client, "patch", url(project, f"segments/{segment.pk}"), {
            "version": 1, "code_ids": [threat.pk, russian_interest.pk], "memo": "m"})
    assert response.status_code == 200


# --- delete, restore, trash -------------------------------------------------------------

def test_delete_moves_a_segment_to_the_trash_and_restore_brings_it_back(client_for, coder, project, transcript,
                                                                        threat, kazakhstan):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder, cases=[kazakhstan],
                    values={threat.pk: "absent"})
    client = client_for(coder)
    response = client.delete(url(project, f"segments/{segment.pk}?version=1"))
    assert response.status_code == 200
    assert response.json()["deleted_at"] is not None
    assert not Segment.objects.exists()

    trash = client.get(url(project, f"trash?transcript={transcript.pk}")).json()
    assert [s["id"] for s in trash] == [segment.pk]
    # The answer is the segment as it now stands, without reading it back: as the trash lists it.
    assert response.json() == trash[0]

    response = client.post(url(project, f"segments/{segment.pk}/restore"))
    assert response.status_code == 200
    data = response.json()
    assert data["deleted_at"] is None
    assert data["codings"][0]["value"] == "absent" and data["case_ids"] == [kazakhstan.pk]
    assert client.get(url(project, "trash")).json() == []


def test_delete_runs_a_fixed_number_of_queries(client_for, coder, project, transcript, threat, russian_interest,
                                              kazakhstan, armenia, django_assert_max_num_queries):
    segment = coded(transcript, "Moscow wanted it to", [threat, russian_interest], coder, cases=[kazakhstan, armenia])
    client = client_for(coder)
    # session, user, access, the segment, a savepoint and its release, the update
    # (conditional on the version read: no second read under a lock), its codings and cases
    # for the history (one query), the case memberships (one round trip on PostgreSQL, two
    # statements on SQLite), the activity. Nothing is read back for the answer (it was 17
    # with that, 14 with a locked read, a separate read of the cases and a check for them).
    with django_assert_max_num_queries(11):
        assert client.delete(url(project, f"segments/{segment.pk}")).status_code == 200


def test_delete_with_a_stale_version_is_a_conflict(client_for, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    client = client_for(coder)
    send(client, "patch", url(project, f"segments/{segment.pk}"), {"version": 1, "memo": "changed"})
    response = client.delete(url(project, f"segments/{segment.pk}?version=1"))
    assert response.status_code == 409
    assert response.json()["current"]["memo"] == "changed"
    assert Segment.objects.exists()


def test_a_deleted_segment_cannot_be_deleted_or_edited_again(client_for, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    segment_delete(segment=segment, actor=coder)
    client = client_for(coder)
    assert client.delete(url(project, f"segments/{segment.pk}")).status_code == 404
    assert send(client, "patch", url(project, f"segments/{segment.pk}"), {"version": 2, "memo": "x"}
                ).status_code == 404


def test_restoring_a_segment_that_is_not_in_the_trash_says_so(client_for, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    response = client_for(coder).post(url(project, f"segments/{segment.pk}/restore"))
    assert response.status_code == 422
    assert "not in the trash" in response.json()["detail"]


def test_a_reviewer_cannot_delete_or_restore(client_for, reviewer, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    client = client_for(reviewer)
    assert client.delete(url(project, f"segments/{segment.pk}")).status_code == 403
    segment_delete(segment=segment, actor=coder)
    assert client.post(url(project, f"segments/{segment.pk}/restore")).status_code == 403
    assert client.get(url(project, "trash")).status_code == 200  # reading the trash is fine


def test_the_trash_of_another_project_is_not_found(client_for, outsider, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    segment_delete(segment=segment, actor=coder)
    outside = client_for(outsider)
    assert outside.get(url(project, "trash")).status_code == 404
    assert outside.post(url(project, f"segments/{segment.pk}/restore")).status_code == 404


@pytest.mark.parametrize("n", [10, 1000])
def test_trash_runs_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat,
                                              django_assert_max_num_queries):
    segments = bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=n)
    Segment.objects.filter(pk__in=[s.pk for s in segments]).update(deleted_at="2024-01-01T00:00:00Z")
    client = client_for(coder)
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(url(project, f"trash?transcript={transcript.pk}"))
    assert len(response.json()) == min(n, 500)


# --- retrieval --------------------------------------------------------------------------

def test_retrieval_filters_by_code_case_expert_coder_and_words(client_for, owner, coder, reviewer, project,
                                                                transcript, threat, russian_interest, kazakhstan,
                                                                armenia):
    coded(transcript, "Because Moscow wanted it to. The members feared the same crowds at home.", [], coder,
          cases=[kazakhstan], is_case_section=True)
    fear = coded(transcript, "The members feared", [threat], coder)
    moscow = coded(transcript, "Moscow wanted it to", [russian_interest], owner, memo="the hub decides")
    baku = coded(transcript, "Baku had too many friends", [threat], owner, cases=[armenia])
    client = client_for(reviewer)

    def ids(query: str) -> set[int]:
        response = client.get(url(project, f"segments?{query}"))
        assert response.status_code == 200
        return {r["id"] for r in response.json()["results"]}

    assert ids(f"code={threat.pk}") == {fear.pk, baku.pk}
    assert ids(f"case={kazakhstan.pk}&code={threat.pk}") == {fear.pk}  # inside the case section
    assert ids(f"case={armenia.pk}") == {baku.pk}
    assert ids(f"case={kazakhstan.pk}&case={armenia.pk}&code={threat.pk}") == {fear.pk, baku.pk}
    assert ids(f"coder={owner.pk}") == {moscow.pk, baku.pk}
    assert ids(f"expert={transcript.expert_id}&q=hub") == {moscow.pk}
    assert ids("q=baku") == {baku.pk}

    hit = client.get(url(project, f"segments?code={russian_interest.pk}")).json()["results"][0]
    assert hit["citation"] == "E1, ¶2"
    assert hit["before"] == "Because " and hit["after"] == ". The members feared the same crowds at home."
    assert hit["member_case_ids"] == [kazakhstan.pk]


def test_retrieval_is_paginated(client_for, coder, project, transcript, threat):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=30)
    response = client_for(coder).get(url(project, "segments?per_page=20&page=2"))
    body = response.json()
    assert (body["count"], body["page"], body["pages"], len(body["results"])) == (30, 2, 2, 10)


@pytest.mark.parametrize("n, per_page", [(12, 20), (20, 20), (21, 20), (45, 20)])
def test_a_page_counts_every_segment_without_a_count_query(n, per_page, client_for, coder, project, transcript,
                                                           threat):
    """The page's own query counts the whole list (a window over it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=n)
    with CaptureQueriesContext(connection) as queries:
        body = client_for(coder).get(url(project, f"segments?code={threat.pk}&per_page={per_page}")).json()
    assert (body["count"], body["pages"], len(body["results"])) == (n, -(-n // per_page), min(n, per_page))
    assert (body["next"] is None) == (n <= per_page)
    assert not [q for q in queries.captured_queries if 'SELECT COUNT(*) AS "__count" FROM "coding_segment"' in q["sql"]]


def test_a_page_past_the_last_is_the_last_page(client_for, coder, project, transcript, threat):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=30)
    body = client_for(coder).get(url(project, f"segments?code={threat.pk}&per_page=20&page=7")).json()
    assert (body["count"], body["page"], body["pages"], len(body["results"])) == (30, 2, 2, 10)
    empty = client_for(coder).get(url(project, "segments?q=nowhere-in-the-text&page=3")).json()
    assert (empty["count"], empty["page"], empty["pages"], empty["results"]) == (0, 1, 1, [])


@pytest.mark.parametrize("per_page", [1, 200])
@pytest.mark.parametrize("chosen", ["threat", "plain", "both", "none"])
def test_retrieval_counts_codings_without_a_value_on_any_page(per_page, chosen, client_for, owner, coder, project,
                                                              transcript, threat, russian_interest):
    """The count is of the whole list, whether the page holds all of it or not, and whether
    the chosen codes have a scale (a code without one has no missing values)."""
    plain = code_create(project=project, name="Plain", actor=owner)
    coded(transcript, "Moscow wanted it to", [threat, plain], coder)
    coded(transcript, "Nobody wanted to fight", [threat, russian_interest], coder, values={threat.pk: "present"})
    coded(transcript, "Baku had too many friends", [plain, russian_interest], coder)
    codes = {"threat": [threat], "plain": [plain], "both": [threat, plain], "none": []}[chosen]
    query = "".join(f"&code={code.pk}" for code in codes)
    body = client_for(coder).get(url(project, f"segments?per_page={per_page}{query}")).json()
    expected = valueless_count(segments=segment_search(project=project, code_ids=[c.pk for c in codes]),
                               code_ids=[c.pk for c in codes])
    assert body["valueless"] == expected == {"threat": 1, "plain": 0, "both": 1, "none": 3}[chosen]


def test_retrieval_pages_follow_each_other_by_cursor_with_every_segment_once_in_order(
        client_for, coder, owner, project, transcript, expert, threat, django_assert_max_num_queries):
    """Keyset pagination: `next` leads from page to page; ties of position are broken by id,
    and two transcripts are walked in the order of their titles."""
    other = transcript_create(project=project, title="A first interview", text="E1: Moscow again and again. " * 20,
                              expert=expert, created_by=owner)
    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=45)
    bulk_segments(transcript=other, coder=coder, codes=[threat], n=30)
    client = client_for(coder)
    everything = client.get(url(project, f"segments?code={threat.pk}&per_page=200")).json()
    assert everything["count"] == 75 and everything["next"] is None
    walked, after, pages = [], None, 0
    while True:
        # session, user, access; the rows (and the count, on the first page), their codings and
        # cases, their transcripts' turns and texts; the first page also counts the codings
        # without a value (Threat perception has a scale, and the page is not every row).
        with django_assert_max_num_queries(7 if after is None else 6):
            body = client.get(url(project, f"segments?code={threat.pk}&per_page=20"
                                           + (f"&after={after}" if after else ""))).json()
        walked += [r["id"] for r in body["results"]]
        pages += 1
        after = body["next"]
        if after is None:
            break
        assert body["count"] is None or pages == 1
    assert walked == [r["id"] for r in everything["results"]] and pages == 4
    assert everything["results"][0]["transcript_title"] == "A first interview"


def test_a_segment_coded_before_the_cursor_does_not_shift_the_next_page(client_for, coder, project, transcript,
                                                                        threat):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=10)
    client = client_for(coder)
    first = client.get(url(project, f"segments?code={threat.pk}&per_page=5")).json()
    expected = client.get(url(project, f"segments?code={threat.pk}&per_page=5&after={first['next']}")).json()
    coded(transcript, transcript.text[:5], [threat], coder)  # sorts before everything seen so far
    second = client.get(url(project, f"segments?code={threat.pk}&per_page=5&after={first['next']}")).json()
    assert [r["id"] for r in second["results"]] == [r["id"] for r in expected["results"]]


@pytest.mark.parametrize("after, reason", [("1.2.3", "after"), ("x.1.2.3", "after"),
                                           ("999999.0.1.1", "does not have")])
def test_retrieval_refuses_a_cursor_it_did_not_give(client_for, coder, project, transcript, after, reason):
    response = client_for(coder).get(url(project, f"segments?after={after}"))
    assert response.status_code == 422
    assert reason in response.content.decode()


def test_retrieval_of_another_project_is_not_found(client_for, outsider, project):
    assert client_for(outsider).get(url(project, "segments")).status_code == 404


def test_retrieval_rejects_a_page_size_out_of_range(client_for, coder, project):
    assert client_for(coder).get(url(project, "segments?per_page=5000")).status_code == 422


@pytest.mark.parametrize("n", [10, 1000])
def test_retrieval_runs_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat,
                                                  russian_interest, kazakhstan, django_assert_max_num_queries):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat, russian_interest], n=n, cases=[kazakhstan])
    client = client_for(coder)
    # As a page above (see there), and the segments of the case.
    with django_assert_max_num_queries(8):
        response = client.get(url(project, f"segments?code={threat.pk}&case={kazakhstan.pk}&q=a"))
    assert response.status_code == 200


# --- codes ------------------------------------------------------------------------------

def test_code_list_counts_segments_here_and_in_the_project(client_for, reviewer, owner, coder, project, transcript,
                                                            expert, threat, russian_interest):
    other = transcript_create(project=project, title="Second", text="E1: Moscow again and again.", expert=expert,
                              created_by=owner)
    coded(transcript, "Moscow wanted it to", [threat], coder)
    coded(other, "Moscow again", [threat], coder)
    codes = client_for(reviewer).get(url(project, f"codes?transcript={transcript.pk}")).json()
    by_name = {c["name"]: c for c in codes}
    assert (by_name["Threat perception"]["n_here"], by_name["Threat perception"]["n_all"]) == (1, 2)
    assert by_name["Russian interest"]["levels"] == ["low", "medium", "high"]


def test_create_a_code_and_a_child(client_for, coder, project, threat):
    client = client_for(coder)
    response = send(client, "post", url(project, "codes"), {"name": "Shared threat", "parent_id": threat.pk,
                                                             "colour": "#AA3300"})
    assert response.status_code == 201
    body = response.json()
    assert body["path"] == "Threat perception > Shared threat" and body["colour"] == "#aa3300"
    assert body["depth"] == 1


def test_create_a_code_rejects_a_duplicate_name(client_for, coder, project, threat):
    response = send(client_for(coder), "post", url(project, "codes"), {"name": "Threat perception"})
    assert response.status_code == 422
    assert "exists already" in response.json()["detail"]


def test_create_a_code_under_a_code_of_another_project_is_refused(client_for, coder, project, other_project_code):
    response = send(client_for(coder), "post", url(project, "codes"), {"name": "X", "parent_id": other_project_code.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == f"unknown code: {other_project_code.pk}"


def test_a_reviewer_cannot_change_the_codebook(client_for, reviewer, project, threat, russian_interest):
    client = client_for(reviewer)
    assert send(client, "post", url(project, "codes"), {"name": "X"}).status_code == 403
    assert send(client, "patch", url(project, f"codes/{threat.pk}"), {"name": "Y"}).status_code == 403
    assert send(client, "post", url(project, f"codes/{threat.pk}/move"), {"parent_id": None}).status_code == 403
    assert send(client, "post", url(project, f"codes/{threat.pk}/merge"),
                {"target_id": russian_interest.pk}).status_code == 403
    assert client.delete(url(project, f"codes/{threat.pk}")).status_code == 403


def test_rename_and_recolour_a_code(client_for, coder, project, threat):
    response = send(client_for(coder), "patch", url(project, f"codes/{threat.pk}"),
                    {"name": "Shared threat perception", "colour": "#123456"})
    assert response.status_code == 200
    threat.refresh_from_db()
    assert (threat.name, threat.colour) == ("Shared threat perception", "#123456")


def test_recolour_rejects_a_bad_colour(client_for, coder, project, threat):
    response = send(client_for(coder), "patch", url(project, f"codes/{threat.pk}"), {"colour": "red"})
    assert response.status_code == 422
    assert "#rrggbb" in response.json()["detail"]


def test_a_code_of_another_project_is_not_found(client_for, coder, project, other_project_code):
    client = client_for(coder)
    assert send(client, "patch", url(project, f"codes/{other_project_code.pk}"), {"name": "Y"}).status_code == 404
    assert client.delete(url(project, f"codes/{other_project_code.pk}")).status_code == 404


def test_move_a_code_under_another_and_back(client_for, coder, project, threat, russian_interest):
    client = client_for(coder)
    response = send(client, "post", url(project, f"codes/{russian_interest.pk}/move"), {"parent_id": threat.pk})
    assert response.status_code == 200
    assert response.json()["path"] == "Threat perception > Russian interest"
    response = send(client, "post", url(project, f"codes/{russian_interest.pk}/move"), {"parent_id": None})
    assert response.json()["parent_id"] is None


def test_a_code_cannot_move_under_itself(client_for, coder, project, threat):
    response = send(client_for(coder), "post", url(project, f"codes/{threat.pk}/move"), {"parent_id": threat.pk})
    assert response.status_code == 422
    assert "under itself" in response.json()["detail"]


def test_merge_moves_the_codings_and_keeps_every_segment(client_for, owner, coder, project, transcript, threat):
    fear = code_create(project=project, name="Fear of contagion", actor=owner)
    one = coded(transcript, "The members feared", [fear], coder)
    both = coded(transcript, "Moscow wanted it to", [fear, threat], coder, values={threat.pk: "present"})
    response = send(client_for(coder), "post", url(project, f"codes/{fear.pk}/merge"), {"target_id": threat.pk})
    assert response.status_code == 200
    assert response.json()["n_all"] == 2
    assert not Code.objects.filter(pk=fear.pk).exists()
    assert set(Coding.objects.values_list("content_object_id", "tag_id", "value")) == {
        (one.pk, threat.pk, ""), (both.pk, threat.pk, "present")}


def test_merge_into_a_code_of_another_project_is_refused(client_for, coder, project, threat, other_project_code):
    response = send(client_for(coder), "post", url(project, f"codes/{threat.pk}/merge"),
                    {"target_id": other_project_code.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == f"unknown code: {other_project_code.pk}"


def test_delete_an_unused_code(client_for, coder, project, threat):
    response = client_for(coder).delete(url(project, f"codes/{threat.pk}"))
    assert response.status_code == 204
    assert not Code.objects.filter(pk=threat.pk).exists()


def test_delete_a_code_with_codings_asks_where_they_go(client_for, coder, project, transcript, threat,
                                                       russian_interest):
    coded(transcript, "Moscow wanted it to", [threat], coder)
    client = client_for(coder)
    response = client.delete(url(project, f"codes/{threat.pk}"))
    assert response.status_code == 422
    assert "choose a code to move them to" in response.json()["detail"]
    response = client.delete(url(project, f"codes/{threat.pk}?move_codings_to={russian_interest.pk}"))
    assert response.status_code == 204
    assert Coding.objects.get().tag_id == russian_interest.pk


@pytest.mark.parametrize("n", [10, 1000])
def test_code_list_runs_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat,
                                                  russian_interest, django_assert_max_num_queries):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat, russian_interest], n=n)
    client = client_for(coder)
    with django_assert_max_num_queries(8):
        response = client.get(url(project, f"codes?transcript={transcript.pk}"))
    assert sum(c["n_here"] for c in response.json()) == n


def test_the_api_is_described_by_openapi(client_for, coder):
    schema = client_for(coder).get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/projects/{slug}/segments", "/api/projects/{slug}/segments/{segment_id}",
                 "/api/projects/{slug}/segments/{segment_id}/restore", "/api/projects/{slug}/trash",
                 "/api/projects/{slug}/transcripts/{transcript_id}/segments", "/api/projects/{slug}/codes",
                 "/api/projects/{slug}/codes/{code_id}/merge", "/api/projects/{slug}/codes/{code_id}/move"):
        assert path in paths


# --- ids of other projects: unknown, like ids that do not exist ---------------------------

SECRET = "Secret of theirs"
MISSING = 987654


@pytest.fixture
def theirs(other_project, outsider):
    return {"code": code_create(project=other_project, name=f"{SECRET} code", actor=outsider),
            "case": case_create(project=other_project, name=f"{SECRET} case", actor=outsider)}


def test_probing_code_ids_tells_nothing_about_other_projects(client_for, coder, project, transcript, threat,
                                                              theirs):
    """The probe of issue 17: ids 1-200, then the ids that exist elsewhere. Each answer names
    only ids the client sent, at most ten, and another project's code is unknown like a
    code that does not exist."""
    client = client_for(coder)
    body = {"transcript_id": transcript.pk, "start": 0, "end": 5}
    probe = send(client, "post", url(project, "segments"), {**body, "code_ids": list(range(1, 201))})
    unknown = [i for i in range(1, 201) if i != threat.pk]
    assert probe.status_code == 422
    assert probe.json()["detail"] == ("unknown codes: " + ", ".join(map(str, unknown[:10]))
                                      + f" and {len(unknown) - 10} more")
    foreign = send(client, "post", url(project, "segments"), {**body, "code_ids": [theirs["code"].pk]})
    missing = send(client, "post", url(project, "segments"), {**body, "code_ids": [MISSING]})
    assert foreign.status_code == missing.status_code == 422
    assert foreign.json()["detail"] == f"unknown codes: {theirs['code'].pk}"
    assert missing.json()["detail"] == f"unknown codes: {MISSING}"
    assert SECRET not in probe.content.decode() + foreign.content.decode()
    assert not Segment.objects.exists()


def _write_naming(kind: str, pk: int, *, project, transcript, segment, threat):
    """(method, path, body) of a write whose payload names object `pk` as `kind`."""
    create = {"transcript_id": transcript.pk, "start": 0, "end": 5}
    return {
        "segment code": ("post", "segments", {**create, "code_ids": [pk]}),
        "segment case": ("post", "segments", {**create, "code_ids": [threat.pk], "case_ids": [pk]}),
        "segment value": ("post", "segments", {**create, "code_ids": [threat.pk], "values": {str(pk): "present"}}),
        "changed code": ("patch", f"segments/{segment.pk}", {"version": 1, "code_ids": [pk]}),
        "changed case": ("patch", f"segments/{segment.pk}", {"version": 1, "case_ids": [pk]}),
        "changed value": ("patch", f"segments/{segment.pk}", {"version": 1, "values": {str(pk): "present"}}),
        "parent": ("post", "codes", {"name": "Shared threat", "parent_id": pk}),
        "new parent": ("post", f"codes/{threat.pk}/move", {"parent_id": pk}),
        "merge target": ("post", f"codes/{threat.pk}/merge", {"target_id": pk}),
        "move codings to": ("delete", f"codes/{threat.pk}?move_codings_to={pk}", None),
    }[kind]


@pytest.mark.parametrize("kind", ["segment code", "segment case", "segment value", "changed code", "changed case",
                                  "changed value", "parent", "new parent", "merge target", "move codings to"])
def test_every_write_treats_another_projects_id_like_a_missing_one(kind, client_for, coder, project, transcript,
                                                                    threat, theirs):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    foreign = theirs["case"] if "case" in kind else theirs["code"]
    client = client_for(coder)
    before = (Activity.objects.count(), Code.objects.count(), Coding.objects.count(), Segment.all_objects.count())
    answers = []
    for pk in (foreign.pk, MISSING):
        method, path, body = _write_naming(kind, pk, project=project, transcript=transcript, segment=segment,
                                           threat=threat)
        response = send(client, method, url(project, path), body)
        answers.append((response.status_code, response.json()["detail"].replace(str(pk), "<id>")))
        assert SECRET not in response.content.decode()
    assert answers[0] == answers[1], "another project's object answers differently from a missing one"
    assert answers[0][0] == 422 and "<id>" in answers[0][1]
    assert (Activity.objects.count(), Code.objects.count(), Coding.objects.count(),
            Segment.all_objects.count()) == before
