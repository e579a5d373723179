"""The transcript a coding click is in: its text kept in memory while the row says it is
unchanged, read again as soon as it is not (whoever changed it, in whichever process)."""
import pytest

from apps.coding.services import transcript_update_text
from apps.transcripts.models import Transcript
from apps.transcripts.selectors import KeptTexts, transcript_in_project
from apps.transcripts.services import checksum
from tests.conftest import SAMPLE_TEXT


def test_the_second_read_takes_the_text_from_memory_in_the_same_one_query(project, transcript,
                                                                          django_assert_num_queries):
    with django_assert_num_queries(1):
        first = transcript_in_project(project=project, pk=transcript.pk)
    with django_assert_num_queries(1):
        second = transcript_in_project(project=project, pk=transcript.pk)
    with django_assert_num_queries(0):
        assert second.text is first.text and first.text == SAMPLE_TEXT  # the same string: not read again
    assert second.project is project and second.title == transcript.title


def test_an_edited_text_is_read_again(project, transcript, owner):
    transcript_in_project(project=project, pk=transcript.pk)
    edited = SAMPLE_TEXT.replace("Because Moscow", "Mostly because Moscow")
    transcript_update_text(transcript=transcript, text=edited, version=transcript.version, actor=owner)
    assert transcript_in_project(project=project, pk=transcript.pk).text == edited


@pytest.mark.parametrize("change", ["text and checksum", "text, checksum and version"])
def test_a_text_changed_behind_this_process_is_read_again(project, transcript, change):
    """Another process (or a rolled-back edit of this one): what counts is the row."""
    transcript_in_project(project=project, pk=transcript.pk)
    other = SAMPLE_TEXT.replace("Moscow", "Moskva")
    fields = {"text": other, "checksum": checksum(other)}
    if "version" in change:
        fields["version"] = transcript.version + 1
    Transcript.objects.filter(pk=transcript.pk).update(**fields)
    assert transcript_in_project(project=project, pk=transcript.pk).text == other
    assert transcript_in_project(project=project, pk=transcript.pk).text == other  # and kept now


def test_a_kept_text_is_not_given_for_another_projects_transcript(project, other_project, transcript):
    transcript_in_project(project=project, pk=transcript.pk)
    assert transcript_in_project(project=other_project, pk=transcript.pk) is None


def test_texts_are_kept_up_to_a_number_of_characters_the_least_recently_used_dropped_first():
    kept = KeptTexts(characters=80, longest=40)
    kept.put(("default", 1), 1, "a", "x" * 30)
    kept.put(("default", 2), 1, "b", "y" * 30)
    assert kept.get(("default", 1)) == (1, "a", "x" * 30)  # now the most recently used
    kept.put(("default", 3), 1, "c", "z" * 30)
    assert kept.get(("default", 2)) is None and kept.held == 60
    assert [key[1] for key in kept.texts] == [1, 3]
    kept.put(("default", 1), 2, "d", "w" * 5)  # a new version replaces the old
    assert kept.get(("default", 1)) == (2, "d", "w" * 5) and kept.held == 35


def test_a_text_longer_than_the_longest_kept_is_not_kept():
    kept = KeptTexts(characters=80, longest=40)
    kept.put(("default", 1), 1, "a", "x" * 41)
    assert kept.get(("default", 1)) is None and kept.held == 0
