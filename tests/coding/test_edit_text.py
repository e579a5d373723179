"""Editing the text of a coded transcript: every segment (also in the trash) follows its
words or is flagged, none is lost; turns are split again; a stale version changes nothing.
The service, the editor page with its summary, and the JSON API."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.coding.models import Segment
from apps.coding.services import segment_create, segment_delete, transcript_update_text
from apps.projects.models import Activity
from apps.transcripts.services import (
    ImportFile,
    StaleTranscript,
    transcript_create,
    transcript_import_files,
    transcript_speakers_update,
)
from tests.snapshot import changed, table_state
from tests.transcripts.test_importers import VTT

TEXT = (
    "Interviewer: Why did the alliance act in Kazakhstan?\n\n"
    "E1: Because Mosow wanted it to. The members feared the same crowds at home.\n\n"
    "Interviewer: And in Armenia?\n\n"
    "E1: Nobody wanted to fight Azerbaijan. Baku had too many friends in the room."
)


@pytest.fixture
def interview(project, coder, expert):
    return transcript_create(project=project, title="Interview E1", text=TEXT, expert=expert, created_by=coder)


def code(interview, coder, threat, phrase: str, occurrence: int = 1) -> Segment:
    start = -1
    for _ in range(occurrence):
        start = interview.text.index(phrase, start + 1)
    return segment_create(transcript=interview, start=start, end=start + len(phrase), codes=[threat], coder=coder)


def edit(interview, coder, new_text: str):
    interview.refresh_from_db()
    return transcript_update_text(transcript=interview, text=new_text, version=interview.version, actor=coder)


def at(segment: Segment) -> str:
    segment.refresh_from_db()
    return segment.transcript.text[segment.start : segment.end]


# --- the service -------------------------------------------------------------------------------


def test_segments_after_an_edit_move_with_their_words(interview, coder, threat):
    before = code(interview, coder, threat, "Why did the alliance act")
    after = code(interview, coder, threat, "Baku had too many friends")
    result = edit(interview, coder, TEXT.replace("Mosow", "Moscow"))

    assert at(after) == "Baku had too many friends" and after.quote == "Baku had too many friends"
    assert after.start == TEXT.index("Baku") + 1 and after.needs_review == ""
    assert at(before) == "Why did the alliance act" and before.start == TEXT.index("Why")
    assert [r.key for r in result.moved] == [after.pk] and [r.key for r in result.unchanged] == [before.pk]


def test_a_segment_whose_words_changed_is_flagged_with_what_changed(interview, coder, threat):
    segment = code(interview, coder, threat, "Because Mosow wanted it to")
    result = edit(interview, coder, TEXT.replace("Mosow", "Moscow"))

    segment.refresh_from_db()
    assert at(segment) == "Because Moscow wanted it to" == segment.quote
    assert segment.words == 5
    assert segment.needs_review == "the words changed from '…Mosow…' to '…Moscow…'"
    assert [r.key for r in result.flagged] == [segment.pk]
    assert segment.codings.get().tag == threat  # its codes stay


def test_a_segment_whose_words_were_all_deleted_is_flagged_and_kept(interview, coder, threat):
    segment = code(interview, coder, threat, "The members feared the same crowds at home.")
    edit(interview, coder, TEXT.replace(" The members feared the same crowds at home.", ""))

    segment.refresh_from_db()
    assert Segment.objects.filter(pk=segment.pk).exists()
    assert 0 <= segment.start < segment.end <= len(segment.transcript.text)
    assert segment.needs_review.startswith("the words 'The members feared the same crowds at home.' were deleted")
    assert segment.quote == at(segment) and segment.words == len(segment.quote.split())


def test_overlapping_segments_and_a_case_section_are_each_re_anchored(interview, coder, threat, russian_interest):
    section = code(interview, coder, threat, "Because Mosow wanted it to. The members feared the same crowds at home.")
    theme = code(interview, coder, russian_interest, "The members feared")
    edit(interview, coder, TEXT.replace("The members", "All the members"))
    section.refresh_from_db()
    theme.refresh_from_db()
    assert at(section).startswith("Because Mosow") and "All the members" in at(section)
    assert section.needs_review and theme.needs_review
    assert at(theme) == "All the members feared"


def test_segments_in_the_trash_are_re_anchored_too(interview, coder, threat):
    trashed = code(interview, coder, threat, "Nobody wanted to fight Azerbaijan")
    segment_delete(segment=trashed, actor=coder)
    edit(interview, coder, "Interviewer: A new first question?\n\nE1: Yes.\n\n" + TEXT)
    trashed = Segment.all_objects.get(pk=trashed.pk)
    assert trashed.deleted_at is not None
    assert trashed.transcript.text[trashed.start : trashed.end] == "Nobody wanted to fight Azerbaijan"


def test_moved_and_flagged_segments_get_a_new_version_unchanged_ones_do_not(interview, coder, threat):
    unchanged = code(interview, coder, threat, "Why did the alliance")
    moved = code(interview, coder, threat, "Nobody wanted")
    flagged = code(interview, coder, threat, "Mosow")
    edit(interview, coder, TEXT.replace("Mosow", "Moscow"))
    for segment in (unchanged, moved, flagged):
        segment.refresh_from_db()
    assert (unchanged.version, moved.version, flagged.version) == (1, 2, 2)


def test_an_earlier_flag_stays_until_the_segment_is_checked(interview, coder, threat):
    segment = code(interview, coder, threat, "Because Mosow wanted it to")
    edit(interview, coder, TEXT.replace("Mosow", "Moscow"))
    edit(interview, coder, TEXT.replace("Mosow", "Moscow").replace("Baku", "Baku, you know,"))
    segment.refresh_from_db()
    assert segment.needs_review == "the words changed from '…Mosow…' to '…Moscow…'"


def test_the_turns_are_split_again_and_renamed_speakers_keep_their_names(interview, coder):
    transcript_speakers_update(transcript=interview, actor=coder, renames={"E1": "Expert"}, expert_speaker="Expert")
    inserted = "Interviewer: And in Armenia?\n\nE1: Let me think.\n\nInterviewer: Yes?\n\n"
    edit(interview, coder, TEXT.replace("Interviewer: And in Armenia?\n\n", inserted))
    interview.refresh_from_db()
    turns = list(interview.turns.values_list("number", "speaker"))
    assert turns == [(1, "Interviewer"), (2, "Expert"), (3, "Interviewer"), (4, "Expert"), (5, "Interviewer"),
                     (6, "Expert")]
    assert interview.expert_speaker == "Expert"
    for turn in interview.turns.all():
        assert 0 <= turn.start < turn.end <= len(interview.text)


def test_subtitle_times_stay_with_their_turns(project, coder):
    [result] = transcript_import_files(project=project, files=[ImportFile.from_bytes("E3.vtt", VTT.encode())],
                                       actor=coder)
    transcript = result.transcript
    times = list(transcript.turns.values_list("meta", flat=True))
    transcript_update_text(transcript=transcript, text=transcript.text.replace("internal matter", "internal affair"),
                           version=transcript.version, actor=coder)
    assert list(transcript.turns.values_list("meta", flat=True)) == times
    assert times[0] == {"time": "00:00:01", "start": 1.0, "end": 4.0}


def test_offsets_after_characters_outside_the_bmp_stay_right(interview, coder, threat):
    text = TEXT.replace("Why did", "😀 Why did")
    interview.refresh_from_db()
    transcript_update_text(transcript=interview, text=text, version=interview.version, actor=coder)
    interview.refresh_from_db()
    segment = code(interview, coder, threat, "Baku had")
    edit(interview, coder, text.replace("😀", "😀𝔸🙂"))
    assert at(segment) == "Baku had"
    assert segment.start == text.index("Baku had") + 2  # two code points inserted, not four UTF-16 units


def test_an_activity_records_the_edit(interview, coder, threat):
    code(interview, coder, threat, "Mosow")
    code(interview, coder, threat, "Baku")
    result = edit(interview, coder, TEXT.replace("Mosow", "Moscow"))
    activity = Activity.objects.get(verb="edited text")
    assert activity == result.activity and activity.actor == coder and activity.target_id == interview.pk
    assert activity.summary == "Interview E1: 1 change; 1 segment moved, 1 flagged"
    assert activity.before["version"] == 1 and activity.after["version"] == 2
    assert "Mosow" not in str(activity.before) + str(activity.after)  # no words of the text in the history


def test_the_text_is_normalised_and_the_checksum_follows(interview, coder):
    edit(interview, coder, TEXT.replace("\n", "\r\n") + "   \n\n")
    interview.refresh_from_db()
    assert interview.text == TEXT and interview.version == 1  # the same text after normalising: nothing to do
    edit(interview, coder, TEXT + "\r\n\r\nInterviewer: Thank you.  ")
    interview.refresh_from_db()
    assert interview.text.endswith("in the room.\n\nInterviewer: Thank you.")
    from apps.transcripts.text import checksum

    assert interview.checksum == checksum(interview.text) and interview.version == 2


def test_a_stale_version_changes_nothing(interview, coder, owner, threat):
    code(interview, coder, threat, "Mosow")
    interview.refresh_from_db()
    old_version = interview.version
    transcript_update_text(transcript=interview, text=TEXT + "\n\nE1: One more.", version=old_version, actor=owner)
    before = table_state()
    with pytest.raises(StaleTranscript, match="Someone else saved a change") as error:
        transcript_update_text(transcript=interview, text=TEXT.replace("Mosow", "Moscow"), version=old_version,
                               actor=coder)
    assert error.value.current.version == old_version + 1
    assert changed(before, table_state()) == {}


@pytest.mark.parametrize("text, message", [
    ("  \n\n ", "The text cannot be empty"),
    ("E1: a NUL \x00 here", "control characters"),
])
def test_a_text_that_cannot_be_stored_is_refused(interview, coder, text, message):
    before = table_state()
    with pytest.raises(ValidationError, match=message):
        edit(interview, coder, text)
    assert changed(before, table_state()) == {}


# --- the editor page ---------------------------------------------------------------------------


def edit_url(project, transcript) -> str:
    return reverse("transcript_edit", args=[project.slug, transcript.pk])


def test_the_editor_shows_the_text_and_its_version(client_for, coder, project, interview):
    response = client_for(coder).get(edit_url(project, interview))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Because Mosow wanted it to." in html and 'name="version" value="1"' in html
    assert 'src="/static/js/transcripts/edit.js"' in html


def test_the_editor_is_for_coders_and_owners(client_for, reviewer, outsider, owner, project, interview):
    assert client_for(reviewer).get(edit_url(project, interview)).status_code == 403
    assert client_for(reviewer).post(edit_url(project, interview), {"text": "x", "version": 1}).status_code == 403
    assert client_for(outsider).get(edit_url(project, interview)).status_code == 404
    assert client_for(owner).get(edit_url(project, interview)).status_code == 200
    interview.refresh_from_db()
    assert interview.text == TEXT


def test_saving_shows_a_summary_with_the_moved_and_flagged_segments(client_for, coder, project, interview, threat):
    flagged = code(interview, coder, threat, "Because Mosow wanted it to")
    code(interview, coder, threat, "Baku had")
    client = client_for(coder)
    response = client.post(edit_url(project, interview), {"text": TEXT.replace("Mosow", "Moscow"), "version": 1},
                           follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 change: 1 segment moved, 1 flagged" in html
    assert "the words changed from &#x27;…Mosow…&#x27; to &#x27;…Moscow…&#x27;" in html
    detail = reverse("transcript_detail", args=[project.slug, interview.pk])
    assert f"{detail}?segment={flagged.pk}#p2" in html
    assert client.get(detail).status_code == 200  # the coding page reads the new text


def test_the_editor_lists_segments_still_to_check(client_for, coder, project, interview, threat):
    code(interview, coder, threat, "Because Mosow wanted it to")
    edit(interview, coder, TEXT.replace("Mosow", "Moscow"))
    html = client_for(coder).get(edit_url(project, interview)).content.decode()
    assert "1 segment to check from earlier edits" in html


def test_a_stale_save_is_a_409_and_keeps_the_typed_text(client_for, coder, owner, project, interview):
    transcript_update_text(transcript=interview, text=TEXT + "\n\nE1: Later.", version=1, actor=owner)
    response = client_for(coder).post(edit_url(project, interview), {"text": "E1: My careful corrections.",
                                                                     "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved a change to &#x27;Interview E1&#x27;" in html
    assert "E1: My careful corrections.</textarea>" in html and "Open version 2 in a new tab" in html
    interview.refresh_from_db()
    assert interview.text.endswith("E1: Later.")


def test_an_empty_text_is_a_400_with_the_reason(client_for, coder, project, interview):
    response = client_for(coder).post(edit_url(project, interview), {"text": "", "version": 1})
    assert response.status_code == 400
    assert "The text cannot be empty" in response.content.decode()


def test_saving_the_same_text_says_so(client_for, coder, project, interview):
    response = client_for(coder).post(edit_url(project, interview), {"text": TEXT, "version": 1}, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert not Activity.objects.filter(verb="edited text").exists()


def test_the_summary_of_another_transcript_or_project_is_a_404(client_for, coder, outsider, project, interview):
    result = edit(interview, coder, TEXT + "\n\nE1: More.")
    other = transcript_create(project=project, title="Other", text="E2: x", created_by=coder)
    assert client_for(coder).get(reverse("transcript_edit_summary", args=[project.slug, other.pk,
                                                                          result.activity.pk])).status_code == 404
    assert client_for(outsider).get(reverse("transcript_edit_summary", args=[project.slug, interview.pk,
                                                                             result.activity.pk])).status_code == 404


@pytest.mark.parametrize("n_segments", [2, 120])
def test_saving_and_the_summary_run_a_bounded_number_of_queries(client_for, coder, project, interview, threat,
                                                                n_segments, django_assert_max_num_queries):
    long_text = TEXT + "".join(f"\n\nE1: Paragraph {i} about Mosow." for i in range(n_segments))
    interview = transcript_create(project=project, title="Long", text=long_text, created_by=coder)
    for i in range(n_segments):
        code(interview, coder, threat, f"Paragraph {i} about Mosow")
    client = client_for(coder)
    with django_assert_max_num_queries(24):
        response = client.post(edit_url(project, interview), {"text": long_text.replace("Mosow", "Moscow"),
                                                              "version": 1})
    assert response.status_code == 302
    with django_assert_max_num_queries(10):
        summary = client.get(response["Location"])
    assert f"{n_segments} flagged" in summary.content.decode()
    with django_assert_max_num_queries(10):
        assert client.get(edit_url(project, interview)).status_code == 200


# --- the JSON API ------------------------------------------------------------------------------


def text_api(project, transcript) -> str:
    return f"/api/projects/{project.slug}/transcripts/{transcript.pk}/text"


def test_api_reads_and_replaces_the_text(client_for, coder, reviewer, project, interview, threat):
    segment = code(interview, coder, threat, "Mosow")
    assert client_for(reviewer).get(text_api(project, interview)).json() == {
        "transcript_id": interview.pk, "title": "Interview E1", "version": 1, "text": TEXT}
    response = client_for(coder).put(text_api(project, interview),
                                     {"text": TEXT.replace("Mosow", "Moscow"), "version": 1},
                                     content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["changes"], body["moved"], body["flagged"]) == (2, 1, 0, 1)
    assert body["segments"] == [{"id": segment.pk, "status": "changed", "start": segment.start,
                                 "end": segment.start + 6, "quote": "Moscow",
                                 "reason": "the words changed from 'Mosow' to 'Moscow'"}]


def test_api_refuses_a_stale_version_a_bad_text_and_a_reviewer(client_for, coder, reviewer, outsider, project,
                                                                interview):
    client = client_for(coder)
    stale = client.put(text_api(project, interview), {"text": "E1: x", "version": 7}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["version"] == 1
    assert "Someone else saved a change" in stale.json()["detail"]
    empty = client.put(text_api(project, interview), {"text": " ", "version": 1}, content_type="application/json")
    assert empty.status_code == 422 and "cannot be empty" in empty.json()["detail"]
    assert client_for(reviewer).put(text_api(project, interview), {"text": "E1: x", "version": 1},
                                    content_type="application/json").status_code == 403
    assert client_for(outsider).get(text_api(project, interview)).status_code == 404
    interview.refresh_from_db()
    assert interview.text == TEXT
