"""A read of fixed shape compiled once: the same rows as its queryset, for any values."""
import pytest

from apps.coding.models import Segment
from apps.coding.services import segment_create
from apps.projects.compiled import CompiledRead
from tests.conftest import phrase_span


def segments_per_transcript(project: int):
    return Segment.objects.filter(project=project).order_by("transcript_id").values_list("transcript_id", "id")


@pytest.fixture
def coded(transcript, owner, threat):
    start, end = phrase_span(transcript, "Moscow wanted it")
    return segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])


def test_the_rows_are_the_querysets_for_each_value(coded, project, other_project, django_assert_num_queries):
    calls = []

    def build(project):
        calls.append(project)
        return segments_per_transcript(project)

    read = CompiledRead(build)
    expected = list(segments_per_transcript(project.pk))
    with django_assert_num_queries(1):
        assert read.rows(project=project.pk) == expected == [(coded.transcript_id, coded.pk)]
    with django_assert_num_queries(1):
        assert read.rows(project=other_project.pk) == []
    assert len(calls) == 1, "compiled once, run with each project's id"


def test_a_value_the_query_does_not_take_as_a_parameter_is_refused(project):
    def ignores_the_value(project):
        return Segment.objects.values_list("id")

    with pytest.raises(ValueError, match="must be parameters"):
        CompiledRead(ignores_the_value).rows(project=project.pk)


def test_constants_of_the_query_stay_as_they_are(coded, project, transcript, threat):
    """Other parameters (a filter's constant) are kept from the compiled query."""
    read = CompiledRead(lambda project: segments_per_transcript(project).filter(end__gt=0, codings__tag=threat.pk))
    assert read.rows(project=project.pk) == [(transcript.pk, coded.pk)]


def test_a_list_of_ids_is_compiled_once_for_each_length(coded, project, threat, russian_interest,
                                                        django_assert_num_queries):
    calls = []

    def build(project, codes):
        calls.append(len(codes))
        return segments_per_transcript(project).filter(codings__tag__in=codes)

    read = CompiledRead(build)
    expected = [(coded.transcript_id, coded.pk)]
    assert read.rows(project=project.pk, codes=[threat.pk]) == expected
    assert read.rows(project=project.pk, codes=[russian_interest.pk]) == []
    assert read.rows(project=project.pk, codes=[russian_interest.pk, threat.pk]) == expected
    assert calls == [1, 2], "once for one id, once for two"
    with django_assert_num_queries(0):
        assert read.rows(project=project.pk, codes=[]) == [], "no ids: nothing found, nothing asked"


def test_the_shape_is_given_to_the_query_and_compiled_for_each(coded, project, threat):
    def build(project, trash: bool):
        return (Segment.all_objects if trash else Segment.objects).filter(project=project).values_list("id")

    read = CompiledRead(build)
    coded.deleted_at = coded.created_at
    coded.save()
    assert read.rows(project=project.pk, shape=(("trash", False),)) == []
    assert read.rows(project=project.pk, shape=(("trash", True),)) == [(coded.pk,)]


# --- rows written with other statements (insert_statements) -----------------------------------

def test_an_insert_statement_writes_the_rows_bulk_create_writes(coded, owner, threat, russian_interest):
    from django.db import connection

    from apps.coding.models import Coding
    from apps.projects.compiled import execute_prepared_together, insert_statements
    from apps.projects.models import Activity
    from apps.projects.services import activity_build

    Coding.objects.filter(content_object=coded).delete()
    codings = [Coding(content_object=coded, tag=threat, value="high"),
               Coding(content_object=coded, tag=russian_interest)]
    history = activity_build(project=coded.project, actor=owner, verb="coded", target=coded, summary="two codes",
                             after={"codes": {"Threat perception": "high"}, "cases": []})
    with connection.cursor() as cursor:
        execute_prepared_together(cursor, insert_statements(codings) + insert_statements([history]))
    stored = list(Coding.objects.filter(content_object=coded).order_by("tag_id").values_list("tag_id", "value"))
    assert stored == sorted([(threat.pk, "high"), (russian_interest.pk, "")])
    assert all(c.created_at is not None for c in codings), "the automatic dates are set, as bulk_create sets them"
    written = Activity.objects.filter(target_type="segment", target_id=coded.pk, summary="two codes").get()
    assert (written.after, written.actor_id, written.verb) == (history.after, owner.pk, "coded")


def test_no_objects_no_statement():
    from apps.projects.compiled import insert_statements

    assert insert_statements([]) == []


# --- one row written by an INSERT written once (insert_row) ----------------------------------

def test_a_row_inserted_is_the_row_the_orms_save_writes(transcript, owner):
    from django.db.models.signals import post_save
    from django.forms.models import model_to_dict

    from apps.projects.compiled import insert_row

    fields = {"project_id": transcript.project_id, "transcript": transcript, "start": 4, "end": 20,
              "quote": transcript.text[4:20], "words": 3, "coder": owner, "memo": "", "is_case_section": True}
    saved = Segment.objects.create(**fields)
    inserted = Segment(**fields)
    heard = []

    def listen(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(listen, sender=Segment)
    try:
        insert_row(inserted)
    finally:
        post_save.disconnect(listen, sender=Segment)

    assert heard == [(inserted.pk, True)], "post_save is sent, as a save sends it (the memberships' receiver)"

    assert inserted.pk is not None and inserted.pk != saved.pk and not inserted._state.adding
    assert inserted.created_at is not None and inserted.updated_at is not None  # set as save sets them
    stored = Segment.objects.get(pk=inserted.pk)
    assert {k: v for k, v in model_to_dict(stored).items() if k != "id"} == {
        k: v for k, v in model_to_dict(Segment.objects.get(pk=saved.pk)).items() if k != "id"}
    assert stored.created_at == inserted.created_at

