"""A row with its related objects by written SQL: the objects a select_related queryset builds.

The transcript page reads its transcript this way (coding.selectors.transcript_of_page),
with the expert, the recording, its transcription and that job's user, any of them missing.
"""
import pytest

from apps.coding.selectors import transcript_of_page
from apps.media.models import Recording
from apps.projects.models import Job
from apps.transcripts.models import Transcript
from apps.transcripts.services import transcript_create


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def orm_read(project, pk):
    return project.transcripts.select_related("expert", "recording__transcription__user").get(pk=pk)


def same_objects(read, expected, django_assert_num_queries):
    """The same values (converted as the ORM converts them: SQLite gives dates and JSON as
    text) and the same related objects, reached without a query."""
    with django_assert_num_queries(0):
        assert fields(read) == fields(expected)
        assert (fields(read.expert) if read.expert else None) == (fields(expected.expert) if expected.expert else None)
        try:
            recording = read.recording
        except Recording.DoesNotExist:
            recording = None
        if recording is None:
            assert not hasattr(expected, "recording") or not Recording.objects.filter(transcript=expected).exists()
            return
        assert fields(recording) == fields(expected.recording) and recording.transcript is read
        job = recording.transcription
        assert (fields(job) if job else None) == (fields(expected.recording.transcription) if job else None)
        if job is not None:
            assert fields(job.user) == fields(expected.recording.transcription.user)


def test_a_transcript_with_its_expert_and_without_a_recording(project, transcript, django_assert_num_queries):
    with django_assert_num_queries(1):
        read = transcript_of_page(project=project, pk=transcript.pk)
    assert isinstance(read, Transcript) and read.expert.pseudonym == "E1"
    same_objects(read, orm_read(project, transcript.pk), django_assert_num_queries)
    with pytest.raises(Recording.DoesNotExist), django_assert_num_queries(0):
        read.recording  # noqa: B018 - as after select_related: known missing, no query


def test_a_transcript_without_an_expert(project, owner, django_assert_num_queries):
    alone = transcript_create(project=project, title="Notes", text="Some words.", created_by=owner)
    read = transcript_of_page(project=project, pk=alone.pk)
    assert read.expert is None
    same_objects(read, orm_read(project, alone.pk), django_assert_num_queries)


@pytest.mark.parametrize("with_transcription", [False, True])
def test_a_recorded_transcript_with_or_without_its_transcription(project, owner, transcript, with_transcription,
                                                                   django_assert_num_queries):
    job = Job.objects.create(user=owner, kind="transcription", label="Interview E1", project=project,
                             result={"transcript": transcript.pk}) if with_transcription else None
    Recording.objects.create(transcript=transcript, file="recordings/e1.mp3", format="mp3", content_type="audio/mpeg",
                             kind="audio", size=10, duration=12.5, uploaded_by=owner, transcription=job)
    read = transcript_of_page(project=project, pk=transcript.pk)
    same_objects(read, orm_read(project, transcript.pk), django_assert_num_queries)
    assert read.recording.duration == 12.5 and (read.recording.transcription is not None) == with_transcription


def test_another_projects_transcript_is_not_read(other_project, transcript):
    assert transcript_of_page(project=other_project, pk=transcript.pk) is None


def test_a_segment_with_its_coder_alive_or_in_the_trash(project, other_project, owner, transcript, threat,
                                                         django_assert_num_queries):
    from apps.coding.models import Segment
    from apps.coding.selectors import segment_of_project
    from apps.coding.services import segment_create, segment_delete

    segment = segment_create(transcript=transcript, start=0, end=12, coder=owner, codes=[threat])
    with django_assert_num_queries(1):
        read = segment_of_project(project=project, pk=segment.pk)
    expected = Segment.objects.select_related("coder").get(pk=segment.pk)
    with django_assert_num_queries(0):
        assert fields(read) == fields(expected) and fields(read.coder) == fields(expected.coder)
        assert read.project is project
    assert segment_of_project(project=other_project, pk=segment.pk) is None
    segment_delete(segment=read, actor=owner)
    assert segment_of_project(project=project, pk=segment.pk) is None, "the trash is not read as alive"
    assert segment_of_project(project=project, pk=segment.pk, trash=True).deleted_at is not None


def test_a_deferred_field_is_read_when_asked_for_and_extra_columns_take_the_first_parameters(
        project, transcript, django_assert_num_queries):
    from apps.projects.compiled import RelatedRead

    read = RelatedRead(Transcript, "expert", where="t0.id = %s AND t0.project_id = %s", defer=["text"],
                       extra={"shouted": "UPPER(t0.title)", "next_version": "t0.version + %s"})
    with django_assert_num_queries(1):
        got = read.first(1, transcript.pk, project.pk)
    with django_assert_num_queries(0):
        assert (got.shouted, got.next_version, got.expert.pseudonym) == ("INTERVIEW E1", transcript.version + 1, "E1")
        assert got.get_deferred_fields() == {"text"}
    with django_assert_num_queries(1):
        assert got.text == transcript.text
