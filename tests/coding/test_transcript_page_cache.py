"""The transcript page keeps its codebook, cases and segments until a write that can change
them (`transcript_page_writes`): coding in one interview leaves the kept pages of the other
interviews as they are, and every write that changes a page shows on its next read."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.cases.services import case_create, transcript_cases_set
from apps.coding.services import code_update, segment_delete, segment_restore, segment_update
from apps.transcripts.services import transcript_create
from tests.conftest import SAMPLE_TEXT
from tests.coding.test_views import coded, workspace_data


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def second(project, owner):
    return transcript_create(project=project, title="Interview E2", text=SAMPLE_TEXT + "\n\nE2: Nothing more.",
                             created_by=owner)


def page(client, project, transcript) -> dict:
    return workspace_data(client.get(reverse("transcript_detail", args=[project.slug, transcript.pk])))


def reads_its_contents(queries) -> bool:
    """Whether a page view read the codebook or the segments (not only the state)."""
    return any('FROM "coding_code"' in q["sql"] or 'FROM "coding_segment"' in q["sql"]
               for q in queries.captured_queries)


def test_coding_in_one_interview_keeps_the_page_of_another(client_for, coder, project, transcript, second, threat):
    coded(second, "Moscow wanted it to", [threat], coder)
    client = client_for(coder)
    before = page(client, project, second)
    coded(transcript, "Moscow wanted it to", [threat], coder)
    with CaptureQueriesContext(connection) as queries:
        after = page(client, project, second)
    assert after == before
    assert not reads_its_contents(queries)
    # ... and the interview coded in shows its new segment.
    assert len(page(client, project, transcript)["segments"]) == 1


def test_coding_here_rereads_only_the_segments_here(client_for, coder, project, transcript, second, threat):
    """The codebook, the cases and the primary coder are alike on every transcript's page
    and no segment's write changes them: they are kept across it (and read once for all
    the project's pages)."""
    client = client_for(coder)
    page(client, project, transcript)
    coded(transcript, "Moscow wanted it to", [threat], coder)
    with CaptureQueriesContext(connection) as queries:
        shown = page(client, project, transcript)
    assert len(shown["segments"]) == 1 and "Threat perception" in [c["name"] for c in shown["codes"]]
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "coding_segment" in read
    codebook, cases, primary_coder = "FROM coding_code code", 'FROM "cases_case"', '"projects_membership"."role"'
    assert codebook not in read and cases not in read and primary_coder not in read
    with CaptureQueriesContext(connection) as queries:
        page(client, project, second)
    assert cases not in " ".join(q["sql"] for q in queries.captured_queries)


def test_a_segment_coded_edited_trashed_or_restored_here_shows_at_once(client_for, coder, project, transcript,
                                                                       threat, russian_interest):
    client = client_for(coder)
    assert page(client, project, transcript)["segments"] == []
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    [shown] = page(client, project, transcript)["segments"]
    assert [c["code_id"] for c in shown["codings"]] == [threat.pk]
    segment = segment_update(segment=segment, version=segment.version, actor=coder, codes=[russian_interest])
    [shown] = page(client, project, transcript)["segments"]
    assert [c["code_id"] for c in shown["codings"]] == [russian_interest.pk]
    segment_delete(segment=segment, actor=coder)
    assert page(client, project, transcript)["segments"] == []
    segment_restore(segment=segment, actor=coder)
    assert len(page(client, project, transcript)["segments"]) == 1


def test_a_renamed_code_shows_on_every_page(client_for, owner, coder, project, transcript, second, threat):
    coded(transcript, "Moscow wanted it to", [threat], coder)
    client = client_for(coder)
    page(client, project, transcript), page(client, project, second)
    code_update(code=threat, actor=owner, name="Threat (shared)")
    for shown in (page(client, project, transcript), page(client, project, second)):
        assert "Threat (shared)" in [c["name"] for c in shown["codes"]]
    [segment] = page(client, project, transcript)["segments"]
    assert [c["code"] for c in segment["codings"]] == ["Threat (shared)"]


def test_a_new_case_and_a_transcript_linked_to_it_show_at_once(client_for, owner, coder, project, transcript,
                                                               threat):
    coded(transcript, "Moscow wanted it to", [threat], coder)
    client = client_for(coder)
    page(client, project, transcript)
    kyrgyzstan = case_create(project=project, name="Kyrgyzstan 2010", actor=owner)
    assert {"id": kyrgyzstan.pk, "name": "Kyrgyzstan 2010"} in page(client, project, transcript)["cases"]
    transcript_cases_set(transcript=transcript, cases=[kyrgyzstan], actor=owner)
    [segment] = page(client, project, transcript)["segments"]
    assert kyrgyzstan.pk in segment["member_case_ids"]
