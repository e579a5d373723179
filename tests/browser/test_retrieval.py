"""Retrieval in a real browser: filter the segments, read them with their citation, and
open one in its transcript, scrolled to the passage and flashed."""
from __future__ import annotations

import pytest

from apps.coding.services import code_update, segment_create
from apps.transcripts.services import transcript_create
from tests.browser.conftest import assert_no_console_errors
from tests.conftest import phrase_span

pytestmark = pytest.mark.browser


def long_interview() -> str:
    turns = []
    for i in range(1, 41):
        turns.append(f"Interviewer: Question number {i} about the alliance?")
        turns.append(f"E1: Answer {i}. The members weighed their own interests before any deployment, "
                     f"and Moscow weighed its own. Paragraph {i} ends here.")
    turns.append("Interviewer: And Armenia?")
    turns.append("E1: In Yerevan they felt abandoned, because Baku had too many friends in the room.")
    return "\n\n".join(turns)


def test_filter_segments_and_open_one_in_its_transcript(page, signed_in, live_server, owner, coder, project, expert,
                                                        threat, russian_interest, armenia, screenshot):
    transcript = transcript_create(project=project, title="Interview E1", text=long_interview(), expert=expert,
                                   created_by=owner)
    start, end = phrase_span(transcript, "Baku had too many friends in the room")
    target = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder,
                            cases=[armenia], values={threat.pk: "present"}, memo="Alliance politics")
    for i in (3, 7, 12):
        s, e = phrase_span(transcript, f"Answer {i}. The members weighed their own interests")
        segment_create(transcript=transcript, start=s, end=e, codes=[russian_interest], coder=coder)

    signed_in(page, coder)
    page.goto(f"{live_server.url}/projects/{project.slug}/segments/")
    assert "4 segments" in page.locator("[data-result-count]").inner_text()

    page.get_by_label("Armenia 2022").check()
    page.get_by_label("Threat perception").check()
    page.click("text=Show segments")
    page.wait_for_url("**/segments/?*")
    assert "1 segment" in page.locator("[data-result-count]").inner_text()
    hit = page.locator("article.hit")
    assert hit.count() == 1
    assert hit.locator(".citation").inner_text() == "E1, ¶82"
    assert hit.locator("mark").inner_text() == "Baku had too many friends in the room"
    assert "In Yerevan they felt abandoned, because" in hit.locator(".hit-context").inner_text()
    assert "Threat perception: present" in hit.inner_text()
    assert "Armenia 2022" in hit.inner_text()
    screenshot(page, "retrieval")
    assert_no_console_errors(page)

    hit.locator(".citation").click()
    page.wait_for_selector("body[data-workspace-ready]")
    assert f"segment={target.pk}" in page.url
    assert page.locator(".flash").count() >= 1
    assert page.evaluate("() => window.scrollY") > 500
    current = page.locator(".mlabel.is-current")
    assert "Threat perception: present" in current.inner_text()
    box = page.evaluate("""() => {
        const range = [...CSS.highlights.get('cc-current')][0];
        const r = range.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, text: range.toString()};
    }""")
    assert box["text"] == "Baku had too many friends in the room"
    assert 0 <= box["top"] and box["bottom"] <= page.viewport_size["height"]
    assert_no_console_errors(page)


def test_screenshot_of_a_coded_transcript(page, signed_in, live_server, owner, coder, project, expert, threat,
                                          russian_interest, kazakhstan, screenshot):
    code_update(code=threat, colour="#d1495b", actor=owner)
    code_update(code=russian_interest, colour="#2e86ab", actor=owner)
    transcript = transcript_create(project=project, title="Interview E1", text=long_interview(), expert=expert,
                                   created_by=owner)
    s, e = phrase_span(transcript, "Answer 2. The members weighed their own interests before any deployment, and "
                                   "Moscow weighed its own. Paragraph 2 ends here.\n\nInterviewer: Question number 3 "
                                   "about the alliance?\n\nE1: Answer 3.")
    segment_create(transcript=transcript, start=s, end=e, cases=[kazakhstan], is_case_section=True, coder=coder)
    for i, (phrase, codes) in enumerate([
        ("The members weighed their own interests before any deployment", [threat]),
        ("Moscow weighed its own", [russian_interest]),
        ("weighed their own interests", [russian_interest, threat]),
    ]):
        for answer in (1, 2, 4):
            s, e = phrase_span(transcript, f"Answer {answer}. The members weighed their own interests")
            offset = transcript.text.index(phrase, s)
            segment_create(transcript=transcript, start=offset, end=offset + len(phrase), codes=codes, coder=coder,
                           values={russian_interest.pk: "high"} if russian_interest in codes else None)
    signed_in(page, coder)
    page.goto(f"{live_server.url}/projects/{project.slug}/transcripts/{transcript.pk}/")
    page.wait_for_selector("body[data-workspace-ready]")
    page.locator(".mlabel").nth(2).hover()
    screenshot(page, "transcript")
    assert page.locator(".cband").count() == 1
    assert "Kazakhstan 2022" in page.locator(".cband").inner_text()
    assert page.locator(".mlabel").count() == 9
    assert_no_console_errors(page)
