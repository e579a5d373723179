"""Two people at once, with two real database connections (threads): no lost update on a
segment (the second writer gets the current state, through the service and as a 409 from
the API), and one file imported twice at the same moment is stored once.

PostgreSQL only: these tests need row locks (SELECT ... FOR UPDATE) that SQLite does not
have; SQLite serialises all writers with one database lock instead.
"""
from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from apps.coding.models import Segment
from apps.coding.services import StaleVersion, code_create, segment_create, segment_update
from apps.projects.models import Role
from apps.projects.services import membership_set, project_create
from apps.transcripts.models import Transcript
from apps.transcripts.services import DuplicateTranscript, transcript_create
from tests.conftest import SAMPLE_TEXT, make_user, phrase_span

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL's row locks (SELECT ... FOR UPDATE); SQLite has none"),
]

HOLD = 0.6   # seconds the first writer keeps its transaction open


def in_thread(target, *args):
    """Run `target` in a thread of its own, on a database connection of its own."""
    outcome = {}

    def run():
        try:
            outcome["value"] = target(*args)
        except Exception as error:    # noqa: BLE001 - handed to the test to assert on
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.fixture
def team(transactional_db):
    owner, cora, cleo = make_user("olga"), make_user("cora"), make_user("cleo")
    project = project_create(name="CSTO requests", owner=owner)
    membership_set(project=project, user=cora, role=Role.CODER, actor=owner)
    membership_set(project=project, user=cleo, role=Role.CODER, actor=owner)
    transcript = transcript_create(project=project, title="Interview E1", text=SAMPLE_TEXT, created_by=owner)
    threat = code_create(project=project, name="Threat perception", actor=owner)
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])
    return {"project": project, "owner": owner, "cora": cora, "cleo": cleo, "segment": segment,
            "transcript": transcript}


def first_writer_holds_its_change(segment_id, actor, memo, started: threading.Event):
    with transaction.atomic():
        segment = segment_update(segment=Segment.objects.get(pk=segment_id), version=1, actor=actor, memo=memo)
        started.set()
        time.sleep(HOLD)
    return segment.version


def test_the_second_of_two_coders_gets_the_current_state_not_a_lost_update(team):
    segment_id = team["segment"].pk
    started = threading.Event()
    first, first_result = in_thread(first_writer_holds_its_change, segment_id, team["cora"], "cora's memo", started)
    assert started.wait(10)

    def second_writer():
        began = time.monotonic()
        try:
            segment_update(segment=Segment.objects.get(pk=segment_id), version=1, actor=team["cleo"],
                           memo="cleo's memo")
        except StaleVersion as stale:
            return {"waited": time.monotonic() - began, "version": stale.current.version, "memo": stale.current.memo}
        return {"waited": time.monotonic() - began, "saved": True}

    second, second_result = in_thread(second_writer)
    first.join(10)
    second.join(10)
    assert first_result == {"value": 2}
    result = second_result["value"]
    assert "saved" not in result, "the second coder overwrote the first coder's change"
    assert result["waited"] >= HOLD * 0.6, "the second writer did not wait for the first one's row lock"
    assert (result["version"], result["memo"]) == (2, "cora's memo")
    saved = Segment.objects.get(pk=segment_id)
    assert (saved.version, saved.memo) == (2, "cora's memo")


def test_the_api_answers_the_second_coder_with_409_and_the_current_segment(team):
    segment_id, slug = team["segment"].pk, team["project"].slug
    started = threading.Event()
    first, _ = in_thread(first_writer_holds_its_change, segment_id, team["cora"], "cora's memo", started)
    assert started.wait(10)

    def second_writer():
        client = Client()
        client.force_login(team["cleo"])
        response = client.patch(f"/api/projects/{slug}/segments/{segment_id}", {"version": 1, "memo": "cleo's memo"},
                                content_type="application/json")
        return response.status_code, response.json()

    second, outcome = in_thread(second_writer)
    first.join(10)
    second.join(10)
    status, body = outcome["value"]
    assert status == 409
    assert body["current"]["version"] == 2 and body["current"]["memo"] == "cora's memo"
    assert "changed by someone else" in body["detail"]
    assert Segment.objects.get(pk=segment_id).memo == "cora's memo"


@pytest.mark.parametrize("round_", range(5))
def test_of_two_simultaneous_edits_exactly_one_wins(team, round_):
    segment_id = team["segment"].pk
    barrier = threading.Barrier(2)

    def edit(user, memo):
        barrier.wait(10)
        try:
            segment_update(segment=Segment.objects.get(pk=segment_id), version=1, actor=user, memo=memo)
        except StaleVersion as stale:
            return ("stale", stale.current.memo)
        return ("saved", memo)

    threads = [in_thread(edit, team["cora"], "cora"), in_thread(edit, team["cleo"], "cleo")]
    for thread, _ in threads:
        thread.join(10)
    results = sorted(outcome["value"] for _, outcome in threads)
    assert [kind for kind, _ in results] == ["saved", "stale"]
    winner = next(memo for kind, memo in results if kind == "saved")
    assert next(memo for kind, memo in results if kind == "stale") == winner
    saved = Segment.objects.get(pk=segment_id)
    assert (saved.version, saved.memo) == (2, winner)


def test_one_file_imported_twice_at_once_is_stored_once(team):
    project, owner = team["project"], team["owner"]
    text = "Interviewer: One question.\n\nE2: One answer, imported twice at the same moment."
    started = threading.Event()

    def first_import():
        with transaction.atomic():
            transcript = transcript_create(project=project, title="E2 (upload 1)", text=text, created_by=owner)
            started.set()
            time.sleep(HOLD)
        return transcript.pk

    def second_import():
        started.wait(10)
        began = time.monotonic()
        try:
            transcript_create(project=project, title="E2 (upload 2)", text=text, created_by=owner)
        except DuplicateTranscript as duplicate:
            return {"duplicate_of": duplicate.existing.title, "waited": time.monotonic() - began}
        return {"stored": True}

    first, _ = in_thread(first_import)
    second, outcome = in_thread(second_import)
    first.join(10)
    second.join(10)
    result = outcome["value"]
    assert result.get("duplicate_of") == "E2 (upload 1)", result
    assert result["waited"] >= HOLD * 0.6
    assert Transcript.objects.filter(project=project, title__startswith="E2").count() == 1


@pytest.mark.parametrize("round_", range(3))
def test_two_simultaneous_imports_of_one_file_store_it_once(team, round_):
    project, owner = team["project"], team["owner"]
    text = f"E3: The same file, round {round_}."
    barrier = threading.Barrier(2)

    def upload(title):
        barrier.wait(10)
        try:
            transcript_create(project=project, title=title, text=text, created_by=owner)
        except DuplicateTranscript:
            return "duplicate"
        return "stored"

    threads = [in_thread(upload, "upload A"), in_thread(upload, "upload B")]
    for thread, _ in threads:
        thread.join(10)
    assert sorted(outcome["value"] for _, outcome in threads) == ["duplicate", "stored"]
    assert Transcript.objects.filter(project=project, title__startswith="upload").count() == 1
