"""The recording beside the text: play from a segment, see the spoken turn marked, seek by
clicking a paragraph's timestamp. The recording is real speech made in the test: espeak-ng
speaks each turn, ffmpeg pads the first to three seconds and joins them."""
from __future__ import annotations

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.coding.services import segment_create
from apps.media.services import recording_attach
from apps.transcripts.services import transcript_create
from tests.browser.conftest import assert_no_console_errors
from tests.conftest import phrase_span
from tests.media.conftest import media_tools

TIMED_TEXT = (
    "[00:00:00] Interviewer: Why did the alliance act in Kazakhstan?\n\n"
    "[00:00:03] E1: Because Moscow wanted it to, and the members feared the same crowds at home."
)


@pytest.fixture
def spoken(tmp_path, project, owner, expert):
    """A transcript with timestamps and its recording: turn 1 from 0 s, turn 2 from 3 s."""
    espeak, ffmpeg = media_tools()
    parts = []
    for i, words in enumerate(["Why did the alliance act in Kazakhstan?",
                               "Because Moscow wanted it to, and the members feared the same crowds at home."]):
        wav = tmp_path / f"turn{i}.wav"
        subprocess.run([espeak, "-v", "en", "-w", str(wav), words], check=True, capture_output=True)
        parts.append(wav)
    joined = tmp_path / "interview.mp3"
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-i", str(parts[0]), "-i", str(parts[1]), "-filter_complex",
                    "[0:a]apad=whole_dur=3[a0];[a0][1:a]concat=n=2:v=0:a=1", "-c:a", "libmp3lame", str(joined)],
                   check=True, capture_output=True)
    transcript = transcript_create(project=project, title="Interview E1 (recorded)", text=TIMED_TEXT, expert=expert,
                                   created_by=owner)
    recording_attach(transcript=transcript, upload=SimpleUploadedFile("e1.mp3", joined.read_bytes()), actor=owner)
    return transcript


def current_time(page) -> float:
    return page.evaluate("document.querySelector('[data-media]').currentTime")


def test_play_a_segment_see_its_turn_marked_and_seek_by_a_timestamp(page, signed_in, live_server, coder, project,
                                                                     spoken, threat):
    start, end = phrase_span(spoken, "the members feared the same crowds")
    segment = segment_create(transcript=spoken, start=start, end=end, coder=coder, codes=[threat])
    signed_in(page, coder)
    page.goto(f"{live_server.url}/projects/{project.slug}/transcripts/{spoken.pk}/?segment={segment.pk}")
    page.wait_for_selector("body[data-workspace-ready]")

    # Each timed paragraph shows its time; the text the offsets count is unchanged.
    assert page.locator(".turn-time").all_inner_texts() == ["0:00", "0:03"]
    assert page.locator("#p2 .tt").inner_text().startswith("Because Moscow")

    page.click("[data-play-segment]")
    page.wait_for_selector("#p2.speaking")
    # Inside turn 2, by character position: well after its start at 3 s.
    assert current_time(page) > 3.5
    assert page.locator(".turn.speaking").count() == 1
    page.wait_for_function("() => !document.querySelector('[data-media]').paused")

    page.click("#p1 .turn-time")
    page.wait_for_selector("#p1.speaking")
    assert current_time(page) < 3
    assert page.locator("#p2.speaking").count() == 0

    # The coding box of the chosen segment has its own ▶: it plays the passage from its start.
    page.keyboard.press("Alt+K")  # pause; the coding keys do not take Alt
    page.wait_for_function("() => document.querySelector('[data-media]').paused")
    page.goto(page.url)  # the same page: the segment is chosen again (?segment=)
    page.wait_for_selector("body[data-workspace-ready]")
    page.keyboard.press("Enter")  # opens the chosen segment in the coding box
    page.click("[data-play-passage]")
    page.wait_for_selector("#p2.speaking")
    assert current_time(page) > 3.5

    page.keyboard.press("Alt+K")  # pause; the coding keys do not take Alt
    page.wait_for_function("() => document.querySelector('[data-media]').paused")
    page.select_option("[data-speed]", "1.5")
    assert page.evaluate("document.querySelector('[data-media]').playbackRate") == 1.5
    assert_no_console_errors(page)


def test_a_transcript_without_a_recording_has_no_player(page, signed_in, live_server, coder, project, transcript):
    signed_in(page, coder)
    page.goto(f"{live_server.url}/projects/{project.slug}/transcripts/{transcript.pk}/")
    page.wait_for_selector("body[data-workspace-ready]")
    assert page.locator("[data-player]").count() == 0 and page.locator(".turn-time").count() == 0
    assert_no_console_errors(page)


def test_the_player_and_the_recording_page_pass_the_accessibility_audit(page, signed_in, live_server, coder,
                                                                        project, spoken):
    """The pages' audit (title, labels, contrast, Tab order, the ? list, axe-core) with a
    recording: the demo study has none, so its page list does not show the player."""
    from tests.browser.test_pages_a11y import audit

    signed_in(page, coder)
    problems = []
    for path in (f"/projects/{project.slug}/transcripts/{spoken.pk}/",
                 f"/projects/{project.slug}/transcripts/{spoken.pk}/recording/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        problems += audit(page, path, page.console_errors)
    assert problems == []


def test_the_player_places_every_offset_as_the_server_does_with_and_without_word_times(page, live_server):
    """ONE rule in two languages: static/js/coding/player.js's Timeline.at gives the seconds
    that apps/media/timings.py's Timeline.at gives, for a transcribed turn with its words'
    times, a turn timed only at its ends, and the gap between them."""
    from types import SimpleNamespace

    from django.templatetags.static import static

    from apps.media.timings import Timeline

    words = {"start": 10.0, "end": 20.0, "length": 30, "words": [[0, 10.0], [10, 18.0], [20, 19.0]]}
    line = Timeline([SimpleNamespace(number=1, start=0, end=30, meta=words),
                     SimpleNamespace(number=2, start=32, end=60, meta={"start": 25.0, "end": 30.0})])
    page.goto(f"{live_server.url}/accounts/login/")
    got = page.evaluate("""async ([url, rows]) => {
        const { Timeline } = await import(url);
        const line = new Timeline(rows);
        return Array.from({ length: 62 }, (_, offset) => line.at(offset));
    }""", [static("js/coding/player.js"), line.rows()])
    assert got == pytest.approx([line.at(offset) for offset in range(62)])
    assert got[5] == pytest.approx(14.0)  # between the first two words, not by the turn's length (11.67)
