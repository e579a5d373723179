"""Importing transcripts in a real browser: files chosen with the file input or dropped on
the drop zone, the per-file result list, duplicates imported anyway without choosing the
files again, the pseudonym preview; then the speakers page and the text editor."""
from __future__ import annotations

import pytest

from apps.coding.services import segment_create
from apps.transcripts.models import Transcript
from tests.browser.conftest import assert_no_console_errors
from tests.exports.test_worker import queued_in_database  # noqa: F401 (a fixture)
from tests.transcripts.test_import_views import PETROV, word_interview

pytestmark = pytest.mark.browser

TXT = "Interviewer: Why did the CSTO not come in 2010?\n\nE4: It was an internal matter, said Moscow.\n"


def import_url(live_server, project) -> str:
    return f"{live_server.url}/projects/{project.slug}/transcripts/import/"


def file_payload(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "application/octet-stream", "buffer": data}


def results(page) -> dict[str, str]:
    return {item.get_attribute("data-file"): item.get_attribute("data-status")
            for item in page.locator("[data-import-results] [data-file]").all()}


def test_two_files_uploaded_through_the_page_are_listed_with_their_results(page, live_server, signed_in, coder,
                                                                           project, screenshot):
    signed_in(page, coder)
    page.goto(import_url(live_server, project))
    page.set_input_files("input[name=files]", [file_payload("E3.docx", word_interview("E3")),
                                               file_payload("notes.txt", TXT.encode("utf-16"))])
    rows = page.locator("[data-chosen-rows] tr")
    assert rows.count() == 2
    assert page.input_value("#expert-0") == "E3"  # from the file name
    assert page.get_attribute("#expert-1", "placeholder") == "E4 (automatic)"  # after E3, as the server counts
    page.fill("#expert-1", "E7")
    page.click("button[value=import]")
    page.wait_for_selector("[data-import-results]")

    assert results(page) == {"E3.docx": "stored", "notes.txt": "stored"}
    assert page.locator("[data-summary]").inner_text().startswith("Stored: E3.docx, notes.txt.")
    assert page.locator("[data-chosen]").is_hidden()  # stored files leave the list
    assert sorted(Transcript.objects.values_list("title", "expert__pseudonym")) == [("E3", "E3"), ("notes", "E7")]
    screenshot(page, "import-results")
    assert_no_console_errors(page)


def test_files_dropped_on_the_drop_zone_are_imported_and_a_bad_one_is_named(page, live_server, signed_in, coder,
                                                                            project):
    signed_in(page, coder)
    page.goto(import_url(live_server, project))
    transfer = page.evaluate_handle("""(text) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], "E5.txt", {type: "text/plain"}));
        transfer.items.add(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0])], "photo.txt"));
        return transfer;
    }""", TXT.replace("E4", "E5"))
    page.dispatch_event("[data-drop-zone]", "dragover", {"dataTransfer": transfer})
    assert "over" in page.get_attribute("[data-drop-zone]", "class")
    page.dispatch_event("[data-drop-zone]", "drop", {"dataTransfer": transfer})
    assert page.locator("[data-chosen-rows] tr").count() == 2
    page.click("button[value=import]")
    page.wait_for_selector("[data-import-results]")

    assert results(page) == {"E5.txt": "stored", "photo.txt": "rejected"}
    assert "photo.txt: this is not a text file: it looks like a PNG image" in page.inner_text("[data-import-results]")
    assert list(Transcript.objects.values_list("title", flat=True)) == ["E5"]
    assert_no_console_errors(page)


def test_a_duplicate_is_imported_anyway_without_choosing_the_file_again(page, live_server, signed_in, coder,
                                                                        project):
    signed_in(page, coder)
    page.goto(import_url(live_server, project))
    data = word_interview("E3")
    page.set_input_files("input[name=files]", [file_payload("E3.docx", data)])
    page.click("button[value=import]")
    page.wait_for_selector("[data-import-results] [data-status=stored]")

    page.set_input_files("input[name=files]", [file_payload("E3 copy.docx", data), file_payload("E6.txt", b"E6: Hi.")])
    page.click("button[value=import]")
    page.wait_for_selector("[data-import-results] [data-status=duplicate]")
    assert results(page) == {"E3 copy.docx": "duplicate", "E6.txt": "stored"}
    assert page.locator("[data-chosen-rows] tr").all_inner_texts()[0].startswith("E3 copy.docx")
    assert page.locator("[data-chosen-rows] tr").count() == 1

    page.check("[data-import-anyway]")
    page.click("text=Import the ticked files anyway")
    page.wait_for_selector("[data-import-results] [data-file='E3 copy.docx'][data-status=stored]")
    assert sorted(Transcript.objects.values_list("title", flat=True)) == ["E3", "E3 copy", "E6"]
    assert_no_console_errors(page)


def test_the_pseudonym_preview_keeps_the_files_for_the_import(page, live_server, signed_in, coder, project):
    signed_in(page, coder)
    page.goto(import_url(live_server, project))
    page.set_input_files("input[name=files]", [file_payload("Ivan Petrov.txt", PETROV.encode())])
    page.click("summary:has-text('Pseudonymise names')")
    page.fill("textarea[name=pseudonyms]", "Ivan Petrov -> E3\nAnna Smirnova -> E9")
    page.click("button[value=preview]")
    page.wait_for_selector("[data-import-results] [data-status=ready]")
    preview = page.inner_text("[data-import-results]")
    assert "Ivan Petrov → E3: 3 times" in preview and "Anna Smirnova → E9: 1 time" in preview
    assert not Transcript.objects.exists()

    page.click("button[value=import]")
    page.wait_for_selector("[data-import-results] [data-status=stored]")
    transcript = Transcript.objects.get()
    assert transcript.title == "E3" and "Ivan Petrov" not in transcript.text
    assert_no_console_errors(page)


def test_speakers_are_renamed_and_the_text_edited_after_the_import(page, live_server, signed_in, coder, project,
                                                                   threat):
    signed_in(page, coder)
    page.goto(import_url(live_server, project))
    page.set_input_files("input[name=files]", [file_payload("E4.txt", TXT.encode())])
    page.click("button[value=import]")
    page.click("text=Rename the speakers and mark the expert")
    page.wait_for_selector("[data-speakers-form]")
    page.fill("input[name=name_0]", "Interviewer (Olga)")
    page.check("input[name=expert_speaker][value='1']")
    page.click("text=Save the speakers")
    transcript = Transcript.objects.get()
    assert list(transcript.turns.values_list("speaker", flat=True)) == ["Interviewer (Olga)", "E4"]
    assert transcript.expert_speaker == "E4"

    start = transcript.text.index("internal matter")
    segment_create(transcript=transcript, start=start, end=start + len("internal matter"), codes=[threat],
                   coder=coder)
    page.goto(f"{live_server.url}/projects/{project.slug}/transcripts/{transcript.pk}/edit/")
    page.fill("textarea[name=text]", transcript.text.replace("an internal matter", "an internal affair"))
    page.click("text=Save the text")
    page.wait_for_selector("[data-edit-counts]")
    assert page.inner_text("[data-edit-counts]") == "1 change: 0 segments moved, 1 flagged"
    assert "the words changed from 'internal matter' to 'internal affair'" in page.inner_text("main")

    page.click("[data-check]")  # the researcher looked at it: the flag goes
    page.wait_for_selector("text=Checked: the flag is cleared.")
    assert transcript.segments.get().needs_review == ""
    assert_no_console_errors(page)


SPEECHES = (
    "Moderator: Good afternoon.\n\nPresident of Russia Vladimir Putin: Thank you.\n\nWe discussed Kazakhstan.\n\n"
    "Moderator: And the others?\n\nVladimir Putin: As they told us:\nGermany: we will not send troops.\n\n"
    "Respondent: A question from the floor.\n\nModerator: Thank you."
)


def label_row(page, table: str, label: str):
    return page.locator(f"[data-import-results] table.{table} tr[data-label='{label}']")


def test_the_preview_shows_speakers_and_a_label_is_fixed_before_anything_is_stored(page, live_server, signed_in,
                                                                                   coder, project, screenshot):
    signed_in(page, coder)
    page.goto(import_url(live_server, project))
    page.set_input_files("input[name=files]", [file_payload("E8.txt", SPEECHES.encode())])
    page.click("button[value=preview]")
    page.wait_for_selector("[data-import-results] [data-status=ready]")

    speakers = page.locator("[data-import-results] table.speaker-labels:not(.not-taken) tbody tr[data-label]")
    assert speakers.evaluate_all("rows => rows.map(r => r.dataset.label)") == [
        "Moderator", "President of Russia Vladimir Putin", "Vladimir Putin", "Respondent"]
    moderator = label_row(page, "speaker-labels", "Moderator")
    assert moderator.locator("td.num").inner_text() == "3"  # turns, not paragraphs
    assert moderator.locator("td.sample").inner_text() == "Good afternoon."
    germany = label_row(page, "not-taken", "Germany")
    assert "a place name" in germany.inner_text() and "Germany: we will not send troops." in germany.inner_text()
    page.locator("[data-import-results] .file-result").first.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 300)")
    screenshot(page, "import-preview-speakers")

    # "Respondent" is not a speaker: ticking it previews again, and the row says so.
    label_row(page, "speaker-labels", "Respondent").get_by_label("Not a speaker").check()
    page.wait_for_selector("tr[data-label='Respondent'][data-taken='false']")
    assert label_row(page, "speaker-labels", "Respondent").get_by_label("Not a speaker").is_checked()
    # The long spelling is the same person as "Vladimir Putin".
    label_row(page, "speaker-labels", "President of Russia Vladimir Putin").locator("select").select_option(
        label="Vladimir Putin")
    page.wait_for_selector("tr[data-label='President of Russia Vladimir Putin'] th:has-text('→ Vladimir Putin')")
    assert label_row(page, "speaker-labels", "Vladimir Putin").locator("td.num").inner_text() == "2"
    assert not Transcript.objects.exists()  # nothing is stored by a preview

    page.click("button[value=import]")
    page.wait_for_selector("[data-import-results] [data-status=stored]")
    transcript = Transcript.objects.get()
    assert list(transcript.turns.values_list("speaker", flat=True)) == [
        "Moderator", "Vladimir Putin", "Vladimir Putin", "Moderator", "Vladimir Putin", "Vladimir Putin",
        "Moderator"]
    respondent = transcript.turns.get(number=6)
    assert transcript.text[respondent.start:respondent.end] == "Respondent: A question from the floor."
    assert_no_console_errors(page)


def test_a_recording_imported_with_its_transcript_plays_beside_it(page, live_server, signed_in, coder, project,
                                                                  tmp_path):
    """interview3.mp3 and interview3.vtt chosen together: the list says which file the
    recording goes with, the preview names the pair, and the transcript page has the player."""
    from django.core.signals import request_started

    from apps.media.models import Recording
    from tests.browser.test_pages_a11y import audit
    from tests.media.conftest import speak
    from tests.media.test_import_together import VTT

    signed_in(page, coder)
    page.goto(import_url(live_server, project))
    sound = speak(tmp_path, fmt="mp3").read_bytes()
    page.set_input_files("input[name=files]", [file_payload("interview3.mp3", sound),
                                               file_payload("interview3.vtt", VTT.encode())])
    assert page.locator("[data-recording-of='interview3.vtt']").inner_text() == "recording of interview3.vtt"
    assert page.locator("input[name=experts]").count() == 1  # the recording has no expert of its own
    sent = []  # the size of each POST the server receives

    def received(sender, environ, **kwargs):
        if environ.get("REQUEST_METHOD") == "POST":
            sent.append(int(environ.get("CONTENT_LENGTH") or 0))

    request_started.connect(received)
    page.click("button[value=preview]")
    page.wait_for_selector("[data-import-results][data-preview=true]")
    assert page.locator("[data-attached]").inner_text() == ("With its recording interview3.mp3 (its content is "
                                                            "checked when it is imported)")
    assert sent[0] < len(sound)  # the preview names the recording; its bytes go up on Import only
    page.click("button[value=import]")
    page.wait_for_selector("[data-import-results][data-preview=false]")
    assert sent[1] > len(sound)
    request_started.disconnect(received)
    assert results(page) == {"interview3.vtt": "stored", "interview3.mp3": "stored"}
    assert Recording.objects.get().transcript.title == "interview3"
    assert audit(page, "the import page's results with a recording", page.console_errors) == []

    page.click("[data-import-results] [data-file='interview3.vtt'] h3 a")
    page.wait_for_selector("body[data-workspace-ready]")
    assert page.locator("[data-player]").is_visible()
    assert page.locator(".turn-time").all_inner_texts() == ["0:00", "0:01"]
    page.wait_for_function("() => document.querySelector('[data-media]').readyState >= 1")  # the file is served
    page.click("#p2 .turn-time")
    page.wait_for_selector("#p2.speaking")
    assert_no_console_errors(page)


def test_a_recording_alone_is_imported_to_be_transcribed_and_its_transcript_says_so(
        page, live_server, signed_in, coder, project, queued_in_database):
    """With "Transcribe recordings that have no transcript file" ticked, the list says what
    the recording becomes, the results link to its transcription, and its transcript page
    says that the text awaits it (the job stays queued: no worker runs here)."""
    from apps.projects.models import Job
    from tests.browser.test_pages_a11y import audit
    from tests.media.conftest import silent_wav_upload

    signed_in(page, coder)
    page.goto(import_url(live_server, project))
    page.set_input_files("input[name=files]", [file_payload("E8 talk.wav", silent_wav_upload().read())])
    cell = page.locator("[data-recording-of='']")
    assert cell.inner_text() == "recording: no transcript file of its name"
    page.check("input[name=transcribe]")
    assert cell.inner_text() == "recording: a transcript of its own, to be transcribed"
    page.click("button[value=preview]")
    page.wait_for_selector("[data-import-results][data-preview=true]")
    assert results(page) == {"E8 talk.wav": "ready"}
    page.click("button[value=import]")
    page.wait_for_selector("[data-import-results][data-preview=false]")
    assert results(page) == {"E8 talk.wav": "stored"}
    job = Job.objects.get()
    assert audit(page, "the import page's results with a recording to transcribe", page.console_errors) == []

    page.click("[data-import-results] [data-file='E8 talk.wav'] a[href*='/transcripts/']")
    page.wait_for_selector("body[data-workspace-ready]")
    notice = page.locator("[data-awaiting-transcription]")
    assert "awaits the transcription of its recording" in notice.inner_text()
    assert page.locator("[data-player]").is_visible()
    notice.locator("a").click()
    page.wait_for_url(f"**/transcriptions/{job.pk}/")
    assert_no_console_errors(page)
