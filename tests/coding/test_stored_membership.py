"""The stored case memberships (CaseMembership) always equal what the rule says.

The analysis reads the table instead of working the rule out per query, so every change
the rule depends on must rewrite it: a segment coded, moved, trashed or restored; a
segment's cases; a transcript's cases (from either side, through the services or the
ORM); a text edit that moves segments; a case deleted. Each test makes such a change and
compares the stored rows with the rule run live (`case_membership_sql`).
"""
from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.cases.services import case_transcripts_set, transcript_cases_set
from apps.coding.models import CaseMembership, Coding
from apps.coding.selectors import case_membership_sql, membership_table
from apps.coding.services import (
    case_membership_refresh,
    case_memberships_refreshed_once,
    segment_create,
    segment_delete,
    segment_restore,
    segment_update,
    transcript_update_text,
)
from apps.projects.models import Activity
from apps.transcripts.services import transcript_create
from tests.conftest import SAMPLE_TEXT, phrase_span, statement_text

SECTION = "Why did the alliance act in Kazakhstan?\n\nE1: Because Moscow wanted it to."


def live(project) -> set[tuple[int, int]]:
    sql, names = case_membership_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT m.segment_id, m.case_id FROM ({sql}) m", [project.pk for _ in names])
        return {(s, c) for s, c in cursor.fetchall()}


def stored(project) -> set[tuple[int, int]]:
    return set(CaseMembership.objects.filter(project=project).values_list("segment_id", "case_id"))


def assert_in_step(project, *, expect_some: bool = True):
    assert stored(project) == live(project)
    if expect_some:
        assert stored(project), "the scenario should leave some memberships to compare"


@pytest.fixture
def study(transcript, coder, threat, kazakhstan):
    """A case section about Kazakhstan, a passage inside it and one outside it."""
    start, end = phrase_span(transcript, SECTION)
    section = segment_create(transcript=transcript, start=start, end=end, coder=coder, cases=[kazakhstan],
                             is_case_section=True)
    inside = segment_create(transcript=transcript, coder=coder, codes=[threat],
                            **dict(zip(("start", "end"), phrase_span(transcript, "Moscow wanted"))))
    outside = segment_create(transcript=transcript, start=0, end=10, coder=coder, codes=[threat])
    return {"section": section, "inside": inside, "outside": outside}


def test_coding_inside_a_section_stores_the_section_case(project, study, kazakhstan):
    assert (study["inside"].pk, kazakhstan.pk) in stored(project)
    assert study["outside"].pk not in {s for s, _ in stored(project)}
    assert_in_step(project)


def test_moving_a_section_away_takes_its_case_from_the_passages_it_left(project, study, kazakhstan):
    section = study["section"]
    segment_update(segment=section, version=section.version, actor=None, start=0, end=5)
    assert (study["inside"].pk, kazakhstan.pk) not in stored(project)
    assert (study["outside"].pk, kazakhstan.pk) in stored(project)
    assert_in_step(project)


def test_moving_a_passage_into_a_section_gives_it_the_case(project, transcript, study, kazakhstan):
    outside = study["outside"]
    start, end = phrase_span(transcript, "Because Moscow")
    segment_update(segment=outside, version=outside.version, actor=None, start=start, end=end)
    assert (outside.pk, kazakhstan.pk) in stored(project)
    assert_in_step(project)


def test_the_trash_takes_memberships_away_and_a_restore_brings_them_back(project, coder, study, kazakhstan):
    section = segment_delete(segment=study["section"], actor=coder)
    assert stored(project) == set() == live(project)
    segment_restore(segment=section, actor=coder)
    assert (study["inside"].pk, kazakhstan.pk) in stored(project)
    assert_in_step(project)


def test_a_section_trashed_through_a_copy_read_before_it_moved_takes_its_case_from_where_it_is(project, coder, study,
                                                                                               kazakhstan):
    section = study["section"]
    segment_update(segment=section, version=section.version, actor=coder, start=0, end=5)  # `section` is stale
    assert (study["outside"].pk, kazakhstan.pk) in stored(project)
    segment_delete(segment=section, actor=coder)
    assert stored(project) == set() == live(project)


def test_linking_cases_to_a_segment_through_the_service_and_the_orm(project, coder, study, armenia):
    outside = study["outside"]
    segment_update(segment=outside, version=outside.version, actor=coder, cases=[armenia])
    assert (outside.pk, armenia.pk) in stored(project)
    outside.cases.remove(armenia)
    assert (outside.pk, armenia.pk) not in stored(project)
    armenia.segments.add(outside)            # from the case's side
    assert (outside.pk, armenia.pk) in stored(project)
    armenia.segments.clear()
    assert (outside.pk, armenia.pk) not in stored(project)
    assert_in_step(project)


# --- one refresh per write --------------------------------------------------------------------

def refreshes_in(query: dict) -> bool:
    """Whether a captured query stored memberships: each refresh does with one INSERT into
    the table (on PostgreSQL inside the one batch of statements the refresh sends)."""
    insert = f"INSERT INTO {membership_table()}"
    return insert in statement_text(query["sql"])


def refreshes(queries: CaptureQueriesContext) -> int:
    """How many membership refreshes ran."""
    return sum(refreshes_in(query) for query in queries.captured_queries)


def test_a_segment_created_with_its_cases_refreshes_the_memberships_once(project, transcript, coder, threat,
                                                                         kazakhstan):
    start, end = phrase_span(transcript, SECTION)
    with CaptureQueriesContext(connection) as queries:
        segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat], cases=[kazakhstan])
    assert refreshes(queries) == 1
    assert_in_step(project)


def test_a_segment_created_without_cases_refreshes_once(project, transcript, coder, russian_interest, study,
                                                        kazakhstan):
    start, end = phrase_span(transcript, "Moscow")
    with CaptureQueriesContext(connection) as queries:
        segment = segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[russian_interest])
    assert refreshes(queries) == 1
    assert (segment.pk, kazakhstan.pk) in stored(project)
    assert_in_step(project)


def test_a_coded_passage_s_codings_and_history_go_with_its_memberships_in_one_query(project, transcript, coder,
                                                                                   threat, russian_interest):
    start, end = phrase_span(transcript, "Moscow")
    with CaptureQueriesContext(connection) as queries:
        segment = segment_create(transcript=transcript, start=start, end=end, coder=coder,
                                 codes=[threat, russian_interest])
    together = [q["sql"] for q in queries.captured_queries if refreshes_in(q)]
    assert len(together) == 1
    if connection.vendor == "postgresql":  # one round trip; SQLite, in the process, runs them one by one
        text = statement_text(together[0])
        assert 'INSERT INTO "coding_coding"' in text and 'INSERT INTO "projects_activity"' in text
    assert sorted(segment.codings.values_list("tag_id", flat=True)) == sorted([threat.pk, russian_interest.pk])
    assert Activity.objects.filter(target_type="segment", target_id=segment.pk, verb="coded").count() == 1


def test_a_trashed_passage_s_history_goes_with_its_memberships_in_one_query(project, transcript, coder, threat):
    start, end = phrase_span(transcript, "Moscow")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat])
    with CaptureQueriesContext(connection) as queries:
        segment_delete(segment=segment, actor=coder)
    together = [q["sql"] for q in queries.captured_queries if refreshes_in(q)]
    assert len(together) == 1
    if connection.vendor == "postgresql":
        assert 'INSERT INTO "projects_activity"' in statement_text(together[0])
    assert Activity.objects.filter(target_type="segment", target_id=segment.pk, verb="deleted").count() == 1


def test_inside_a_wider_collection_a_passage_s_codings_are_written_at_once(project, transcript, coder, threat):
    """A caller that codes many passages in one collection may read what it wrote: the
    codings and the history are not held back until the collection ends."""
    start, end = phrase_span(transcript, "Moscow")
    with transaction.atomic(), case_memberships_refreshed_once():
        segment = segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat])
        assert list(Coding.objects.filter(content_object=segment).values_list("tag_id", flat=True)) == [threat.pk]
        assert Activity.objects.filter(target_type="segment", target_id=segment.pk).exists()


def test_a_segment_updated_with_new_bounds_codes_and_cases_refreshes_once(project, transcript, coder, study,
                                                                          russian_interest, armenia, kazakhstan):
    outside = study["outside"]
    start, end = phrase_span(transcript, "Nobody wanted to fight")
    with CaptureQueriesContext(connection) as queries:
        segment_update(segment=outside, version=outside.version, actor=coder, start=start, end=end,
                       codes=[russian_interest], cases=[armenia])
    assert refreshes(queries) == 1
    assert (outside.pk, armenia.pk) in stored(project)
    section = study["section"]
    with CaptureQueriesContext(connection) as queries:  # one case taken away, another linked, the segment saved
        segment_update(segment=section, version=section.version, actor=coder, cases=[armenia])
    assert refreshes(queries) == 1
    assert (study["inside"].pk, armenia.pk) in stored(project)
    assert kazakhstan.pk not in {c for _, c in stored(project)}
    assert_in_step(project)


def test_a_refused_segment_update_refreshes_nothing(project, coder, study):
    section = study["section"]
    before = stored(project)
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError, match="at least one code"):
        segment_update(segment=section, version=section.version, actor=coder, cases=[])
    assert refreshes(queries) == 0
    assert stored(project) == before


def test_whole_transcript_links_from_either_side(project, owner, transcript, study, armenia, kazakhstan):
    transcript_cases_set(transcript=transcript, cases=[armenia], actor=owner)
    assert {(s.pk, armenia.pk) for s in study.values()} <= stored(project)
    assert_in_step(project)
    case_transcripts_set(case=armenia, transcripts=[], actor=owner)
    assert armenia.pk not in {c for _, c in stored(project)}
    armenia.transcripts.add(transcript)
    assert (study["outside"].pk, armenia.pk) in stored(project)
    armenia.transcripts.clear()
    transcript.cases.add(armenia)
    transcript.cases.clear()
    assert armenia.pk not in {c for _, c in stored(project)}
    assert_in_step(project)


def test_a_text_edit_that_moves_segments_moves_their_memberships(project, owner, transcript, study, kazakhstan):
    before = live(project)
    edit = transcript_update_text(transcript=transcript, text="A new first line.\n\n" + transcript.text,
                                  version=transcript.version, actor=owner)
    assert edit.segments, "the edit should have moved the segments"
    assert_in_step(project)
    assert stored(project) == before  # moved with their words, still in the same cases


def test_a_deleted_case_leaves_no_memberships(project, study, kazakhstan):
    kazakhstan.delete()
    assert stored(project) == set() == live(project)


def test_projects_keep_their_own_memberships(project, other_project, outsider, study, kazakhstan):
    foreign = transcript_create(project=other_project, title="Elsewhere", text=SAMPLE_TEXT, created_by=outsider)
    case_membership_refresh(project_id=other_project.pk)
    assert CaseMembership.objects.filter(transcript=foreign).count() == 0
    assert_in_step(project)


def test_a_refresh_from_nothing_rebuilds_the_same_rows(project, study):
    expected = stored(project)
    CaseMembership.objects.all().delete()
    case_membership_refresh(project_id=project.pk)
    assert stored(project) == expected == live(project)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers with one database lock")
def test_two_coders_coding_one_transcript_at_once_leave_it_in_step(project, transcript, coder, owner, threat,
                                                                  kazakhstan):
    """A section and a passage inside it, created at the same moment on two connections:
    whichever refresh runs second must see the other's segment."""
    section_span = phrase_span(transcript, SECTION)
    inside_span = phrase_span(transcript, "Moscow wanted")
    barrier = threading.Barrier(2)
    errors = []

    def work(fn):
        try:
            barrier.wait(5)
            fn()
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
        finally:
            connection.close()

    jobs = [
        lambda: segment_create(transcript=transcript, start=section_span[0], end=section_span[1], coder=owner,
                               cases=[kazakhstan], is_case_section=True),
        lambda: segment_create(transcript=transcript, start=inside_span[0], end=inside_span[1], coder=coder,
                               codes=[threat]),
    ]
    for _ in range(5):
        threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert not errors
        assert_in_step(project)


def test_the_command_finds_and_repairs_memberships_changed_behind_the_apps_back(project, study, kazakhstan):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("case_memberships", "--check", stdout=out)
    assert f"{project.slug}: in step" in out.getvalue()

    CaseMembership.objects.filter(segment=study["inside"]).delete()  # as raw SQL or a restore might
    CaseMembership.objects.create(project=project, transcript=study["outside"].transcript,
                                  segment=study["outside"], case=kazakhstan)
    with pytest.raises(CommandError, match="case_memberships"):
        call_command("case_memberships", "--check", stdout=StringIO())

    out = StringIO()
    call_command("case_memberships", "--project", project.slug, stdout=out)
    assert "1 were missing, 1 not due" in out.getvalue()
    assert_in_step(project)
    with pytest.raises(CommandError, match="No project"):
        call_command("case_memberships", "--project", "nope")
