"""A project's stamps: the stamp of every write, and those of some kinds of writes, which
let a kept value outlive the writes that cannot change it (apps.projects.state)."""
from __future__ import annotations

import pytest

from apps.coding.services import code_create, segment_create
from apps.projects.models import Activity, Project
from apps.projects.state import ActivityKind, project_state
from apps.transcripts.services import transcript_create
from tests.conftest import phrase_span

KINDS = {"not-segments": ActivityKind(untied=True),
         "segments": ActivityKind(where="target_type = %s", params=("segment",))}


def test_a_kinds_stamp_changes_with_its_writes_only(project, owner, transcript, threat):
    before = project_state(project, kinds=KINDS)
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    coded = project_state(project, kinds=KINDS)
    assert coded.stamp != before.stamp
    assert coded.of["segments"] != before.of["segments"]
    assert coded.of["not-segments"] == before.of["not-segments"]
    code_create(project=project, name="Alliance credibility", actor=owner)
    named = project_state(project, kinds=KINDS)
    assert named.stamp != coded.stamp and named.of["not-segments"] != coded.of["not-segments"]
    assert named.of["segments"] == coded.of["segments"]


def test_a_segments_write_changes_the_stamp_of_its_transcript_and_an_untied_write_every_one(
        project, owner, transcript, expert, threat):
    second = transcript_create(project=project, title="Second interview", text=transcript.text, expert=expert,
                               allow_duplicate=True,
                               created_by=owner)
    before = project_state(project, kinds={})
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment = segment_create(transcript=second, start=start, end=end, codes=[threat], coder=owner)
    coded = project_state(project, kinds={})
    assert coded.of_transcript(second.pk) != before.of_transcript(second.pk)
    assert coded.of_transcript(transcript.pk) == before.of_transcript(transcript.pk)
    assert Activity.objects.get(target_type="segment", target_id=segment.pk).segment_transcript == second.pk
    code_create(project=project, name="Alliance credibility", actor=owner)
    named = project_state(project, kinds={})
    assert named.of_transcript(second.pk) != coded.of_transcript(second.pk)
    assert named.of_transcript(transcript.pk) != coded.of_transcript(transcript.pk)


def test_a_read_of_only_the_kinds_stamps_gives_them_from_their_own_transcripts_history(
        project, owner, transcript, expert, threat):
    """A transcript's page reads the sums of its own transcript and of the untied writes,
    not the whole project's history: the same stamps for its kinds, none for the project."""
    second = transcript_create(project=project, title="Second interview", text=transcript.text, expert=expert,
                               allow_duplicate=True, created_by=owner)
    kinds = {"page": ActivityKind(untied=True, transcript=transcript.pk), "codebook": ActivityKind(untied=True),
             **KINDS}

    def narrow_and_whole():
        narrow, whole = project_state(project, kinds=kinds, only_kinds=True), project_state(project, kinds=kinds)
        assert narrow.of == whole.of and narrow.stamp is None and whole.stamp
        assert set(narrow.sums) <= {None, transcript.pk}
        return narrow

    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    before = narrow_and_whole()
    segment_create(transcript=second, start=start, end=end, codes=[threat], coder=owner)
    elsewhere = narrow_and_whole()
    assert elsewhere.of["page"] == before.of["page"] and elsewhere.of["segments"] != before.of["segments"]
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    here = narrow_and_whole()
    assert here.of["page"] != elsewhere.of["page"] and here.of["codebook"] == elsewhere.of["codebook"]
    code_create(project=project, name="Alliance credibility", actor=owner)
    named = narrow_and_whole()
    assert named.of["page"] != here.of["page"] and named.of["codebook"] != here.of["codebook"]
    assert named.of_transcript(transcript.pk) == project_state(project, kinds={}).of_transcript(transcript.pk)
    with pytest.raises(ValueError, match="were not read"):
        named.of_transcript(second.pk)


def test_the_recent_activities_come_with_the_same_stamps(project, owner, transcript, threat,
                                                          django_assert_num_queries):
    code_create(project=project, name="Alliance credibility", actor=owner)
    alone = project_state(project, kinds=KINDS)
    with django_assert_num_queries(1):
        state = project_state(project, kinds=KINDS, recent=3)
        assert [a.actor_username for a in state.recent] == [owner.username] * 3
    assert (state.stamp, state.of) == (alone.stamp, alone.of)
    latest = Activity.objects.filter(project=project)[:3]
    assert [(a.pk, a.verb, a.summary, a.created_at) for a in state.recent] == [
        (a.pk, a.verb, a.summary, a.created_at) for a in latest]  # dates converted as the ORM does (SQLite: text)


def test_an_activity_without_an_actor_is_recent_too(project):
    Activity.objects.create(project=project, verb="imported", target_type="transcript")
    assert project_state(project, kinds=KINDS, recent=1).recent[0].actor_username is None


def test_a_project_without_activities_has_stamps_too(owner):
    project = Project.objects.create(name="Quiet", slug="quiet", created_by=owner)
    state = project_state(project, kinds=KINDS, recent=8)
    assert state.recent == [] and set(state.of) == set(KINDS)
    Activity.objects.create(project=project, verb="created", target_type="code")
    later = project_state(project, kinds=KINDS, recent=8)
    assert later.stamp != state.stamp and later.of["not-segments"] != state.of["not-segments"]
    assert later.of["segments"] == state.of["segments"]


def test_a_write_that_commits_late_with_a_smaller_id_changes_the_stamp(project):
    """Ids are handed out before transactions commit: the latest id alone would miss it."""
    latest = Activity.objects.filter(project=project).latest("id").pk
    Activity.objects.create(id=latest + 100, project=project, verb="created", target_type="code")
    before = project_state(project, kinds=KINDS, recent=8)
    Activity.objects.create(id=latest + 50, project=project, verb="created", target_type="code")
    after = project_state(project, kinds=KINDS, recent=8)
    assert after.stamp != before.stamp and after.of["not-segments"] != before.of["not-segments"]
