"""The daily coding flow on the transcript page (issue 16), at 1280×800 and 1024×768: the
coding box stays whole on screen wherever the selection is, a scaled code always asks for its
value, a whole coding by keyboard only from page load, focus kept in the open box, leaving with
an unsaved coding asks first, the codebook tree is one Tab stop, the panes resize and collapse
and are remembered, margin labels are never cut, and at least 600 px of text are in view at
1280×800. Screenshots of the page and the box at both sizes go to var/screenshots/."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.coding.colours import MIN_DISTANCE, colour_distance
from apps.coding.models import Segment
from apps.coding.services import code_create, segment_create
from apps.demo.loader import DEMO_PASSWORD, DEMO_SLUG
from apps.transcripts.models import Transcript
from apps.transcripts.services import transcript_create
from tests.browser.conftest import assert_no_console_errors
from tests.conftest import SAMPLE_TEXT, phrase_span

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1280, 800), id="1280x800"), pytest.param((1024, 768), id="1024x768")]
MAX_TABS_TO_TEXT = 5


def long_interview() -> str:
    turns = []
    for i in range(1, 31):
        turns.append(f"Interviewer: Question number {i} about the alliance?")
        turns.append(f"E1: Answer {i}. The members weighed their own interests before any deployment, "
                     f"and Moscow weighed its own. Paragraph {i} ends here.")
    return "\n\n".join(turns)


@pytest.fixture
def long_transcript(project, owner, expert):
    return transcript_create(project=project, title="Interview E1", text=long_interview(), expert=expert,
                             created_by=owner)


def open_page(page, live_server, project, transcript, size) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{live_server.url}/projects/{project.slug}/transcripts/{transcript.pk}/")
    page.wait_for_selector("body[data-workspace-ready]")


def select_phrase_at(page, phrase: str, fraction: float | None = None) -> None:
    """Scrolls `phrase` to `fraction` of the window's height (or leaves it where it is) and
    drags the mouse over it."""
    box = page.evaluate(
        """([phrase, fraction]) => {
            for (const el of document.querySelectorAll('.tt')) {
                const i = el.textContent.indexOf(phrase);
                if (i < 0) continue;
                const node = el.firstChild;
                const rectOf = (a, b) => { const r = document.createRange(); r.setStart(node, a); r.setEnd(node, b);
                                           const rects = r.getClientRects(); return rects[rects.length - 1]; };
                if (fraction !== null) window.scrollBy(0, rectOf(i, i + 1).top - fraction * innerHeight);
                const a = rectOf(i, i + 1), b = rectOf(i + phrase.length - 1, i + phrase.length);
                return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
            }
            return null;
        }""",
        [phrase, fraction],
    )
    assert box, f"{phrase!r} is not in the transcript"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=6)
    page.mouse.up()
    page.locator("form.popover").wait_for(state="visible")


def box_problems(page) -> list[str]:
    """What of the open coding box is not on screen: the box itself, and (without scrolling
    inside it) the code search, the value step if shown, and Apply."""
    return page.evaluate(
        """() => {
            const form = document.querySelector('form.popover');
            const problems = [];
            const inView = (r) => r.left >= 0 && r.top >= 0 && r.right <= document.documentElement.clientWidth
                                  && r.bottom <= innerHeight;
            const box = form.getBoundingClientRect();
            if (!inView(box)) problems.push(`box ${JSON.stringify(box)} outside ${innerWidth}x${innerHeight}`);
            for (const selector of ['[data-search]', '[data-apply]', '[data-value-step]:not([hidden]) button']) {
                const el = form.querySelector(selector);
                if (!el) continue;
                const r = el.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                const shown = hit && (el === hit || el.contains(hit));
                if (!inView(r) || r.top < box.top || r.bottom > box.bottom || !shown) {
                    problems.push(`${selector} not visible at ${JSON.stringify(r)}`);
                }
            }
            return problems;
        }"""
    )


def press_and_expect_post(page, key: str) -> None:
    with page.expect_response(lambda r: r.url.endswith("/segments") and r.request.method == "POST") as created:
        page.keyboard.press(key)
    assert created.value.status == 201, created.value.text()
    page.wait_for_function("() => document.querySelector('form.popover').hidden")


def stored_value(page, project, segment) -> str:
    """The coding's value as the API gives it back to the page."""
    rows = page.evaluate("(url) => fetch(url).then((r) => r.json())",
                         f"/api/projects/{project.slug}/transcripts/{segment.transcript_id}/segments")
    (row,) = [r for r in rows if r["id"] == segment.pk]
    return row["codings"][0]["value"]


# --- 2. the coding box is whole on screen -----------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_the_coding_box_stays_on_screen_for_selections_at_the_top_middle_and_bottom(
        size, page, signed_in, live_server, coder, project, long_transcript, threat, russian_interest, screenshot):
    signed_in(page, coder)
    open_page(page, live_server, project, long_transcript, size)
    for answer, (where, fraction) in zip((6, 12, 18), [("top", 0.12), ("middle", 0.5), ("bottom", 0.9)]):
        select_phrase_at(page, f"Answer {answer}. The members weighed", fraction)
        assert box_problems(page) == [], where
        # Compact: search, Apply and the value step of a scaled code, all without scrolling the box.
        page.keyboard.type("Russian")
        page.locator("form.popover [data-options]").wait_for(state="visible")
        assert box_problems(page) == [], f"{where}, with the options open"
        page.keyboard.press("Enter")
        page.locator("form.popover [data-value-step]").wait_for(state="visible")
        assert box_problems(page) == [], f"{where}, asking the value"
        if where == "middle":
            screenshot(page, f"coding-box-{size[0]}x{size[1]}")
        # Cases and the memo open on demand, and the box stays on screen.
        page.locator("form.popover").get_by_role("button", name="Memo").click()
        assert box_problems(page) == [], f"{where}, with the memo open"
        page.keyboard.press("Escape")
        page.wait_for_function("() => document.querySelector('form.popover').hidden")
    assert Segment.objects.count() == 0
    assert_no_console_errors(page)


# --- 1. a scaled code asks for its value ------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_scaled_code_asks_for_its_value_after_enter_and_after_a_digit(size, page, signed_in, live_server, coder,
                                                                        project, transcript, threat,
                                                                        russian_interest):
    posts = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/segments") and posts.append(r.url))
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, size)

    # Enter on a scaled code: the box asks, nothing is sent until a level is chosen (3: high).
    select_phrase_at(page, "Moscow wanted it to")
    popover = page.locator("form.popover")
    popover.locator("[data-search]").fill("Russian")
    page.keyboard.press("Enter")
    step = popover.locator("[data-value-step]")
    step.wait_for(state="visible")
    assert "Russian interest" in step.inner_text()
    assert [b.inner_text().split() for b in step.get_by_role("button").all()] == [
        ["1", "low"], ["2", "medium"], ["3", "high"], ["0", "no", "value"]]
    page.wait_for_timeout(200)
    assert posts == [] and Segment.objects.count() == 0
    press_and_expect_post(page, "3")
    coded = Segment.objects.get(quote="Moscow wanted it to")
    assert coded.codings.get().value == "high"
    assert stored_value(page, project, coded) == "high"

    # A digit applies a recent code; the scaled one asks too, and its letter answers (a: absent).
    select_phrase_at(page, "Nobody wanted to fight Azerbaijan")
    page.keyboard.press("2")  # the recent codes: Russian interest (just used), then Threat perception
    step.wait_for(state="visible")
    assert "Threat perception" in step.inner_text()
    assert posts == [posts[0]]
    press_and_expect_post(page, "a")
    absent = Segment.objects.get(quote="Nobody wanted to fight Azerbaijan")
    assert absent.codings.get().value == "absent"
    assert stored_value(page, project, absent) == "absent"

    # "No value" is a choice of its own (0), never the silent default.
    select_phrase_at(page, "Baku had too many friends")
    page.keyboard.press("1")  # Threat perception, used last
    step.wait_for(state="visible")
    press_and_expect_post(page, "0")
    none = Segment.objects.get(quote="Baku had too many friends")
    assert [(c.tag.name, c.value) for c in none.codings.all()] == [("Threat perception", "")]
    assert len(posts) == 3
    assert_no_console_errors(page)


def test_applying_a_recent_code_to_the_chosen_segment_asks_its_value(page, signed_in, live_server, coder, project,
                                                                     transcript, threat, russian_interest):
    start, end = phrase_span(transcript, "Moscow wanted it to")
    segment = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder,
                             values={threat.pk: "present"})
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, (1280, 800))
    page.locator(".margin .mlabel").focus()
    page.keyboard.press("2")  # Russian interest, added to the chosen segment
    step = page.locator("form.popover [data-value-step]")
    step.wait_for(state="visible")
    with page.expect_response(lambda r: r.request.method == "PATCH") as patched:
        page.keyboard.press("m")  # medium
    assert patched.value.status == 200
    segment.refresh_from_db()
    assert {(c.tag.name, c.value) for c in segment.codings.select_related("tag")} == {
        ("Threat perception", "present"), ("Russian interest", "medium")}
    assert_no_console_errors(page)


# --- 5. the keyboard -----------------------------------------------------------------------

def tabs_to_the_text(page) -> int:
    """Tab presses from page load until the transcript text has the focus (Enter on the skip link)."""
    for tabs in range(1, 40):
        page.keyboard.press("Tab")
        active = page.evaluate("() => document.activeElement.className || document.activeElement.id")
        if active == "skip-link":
            page.keyboard.press("Enter")
        if page.evaluate("() => document.activeElement === document.querySelector('[data-transcript]')"):
            return tabs
    raise AssertionError("the text was never reached with Tab")


def focus_in_box(page) -> bool:
    return page.evaluate("() => document.querySelector('form.popover').contains(document.activeElement)")


@pytest.mark.parametrize("size", SIZES)
def test_a_whole_coding_by_keyboard_only_from_page_load(size, page, signed_in, live_server, coder, project,
                                                        transcript, threat, russian_interest, screenshot):
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, size)
    tabs = tabs_to_the_text(page)
    assert tabs <= MAX_TABS_TO_TEXT

    # S selects the sentence at the caret (the first paragraph's), and the box opens on it.
    page.keyboard.press("s")
    popover = page.locator("form.popover")
    popover.wait_for(state="visible")
    assert popover.locator("[data-quote]").inner_text() == "Why did the alliance act in Kazakhstan?"
    assert focus_in_box(page)

    # Tab and Shift+Tab stay in the open box.
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        assert focus_in_box(page), key
    page.locator("form.popover [data-search]").focus()

    page.keyboard.type("Threat")
    page.keyboard.press("Enter")
    page.locator("form.popover [data-value-step]").wait_for(state="visible")
    screenshot(page, f"coding-box-keyboard-{size[0]}x{size[1]}")
    press_and_expect_post(page, "p")  # present
    segment = Segment.objects.get()
    assert segment.quote == "Why did the alliance act in Kazakhstan?"
    assert [(c.tag.name, c.value) for c in segment.codings.all()] == [("Threat perception", "present")]

    # The focus is back in the text. P selects the paragraph at the caret; again, P takes the
    # next paragraph with it.
    assert page.evaluate("() => document.activeElement === document.querySelector('[data-transcript]')")
    page.keyboard.press("Escape")
    page.evaluate("""() => {  // the caret at the start of the second paragraph's words
        const el = [...document.querySelectorAll('.tt')][1];
        document.getSelection().collapse(el.firstChild, 0);
    }""")
    page.keyboard.press("p")
    popover.wait_for(state="visible")
    second = SAMPLE_TEXT.split("\n\n")[1].removeprefix("E1: ")
    assert popover.locator("[data-quote]").inner_text() == second
    page.keyboard.press("Escape")
    page.keyboard.press("p")
    popover.wait_for(state="visible")
    assert popover.locator("[data-quote]").inner_text() == f"{second}\nAnd in Armenia?"
    assert_no_console_errors(page)


def test_esc_closes_the_box_and_the_focus_goes_back_to_the_text(page, signed_in, live_server, coder, project,
                                                               transcript, threat):
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, (1280, 800))
    select_phrase_at(page, "Moscow wanted it to")
    assert focus_in_box(page)
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelector('form.popover').hidden")
    assert page.evaluate("() => document.activeElement === document.querySelector('[data-transcript]')")
    assert page.evaluate("() => document.getSelection().toString()") == "Moscow wanted it to"
    assert_no_console_errors(page)


def test_leaving_the_page_with_an_unsaved_coding_asks_first(page, signed_in, live_server, coder, project,
                                                            transcript, threat):
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, (1280, 800))
    select_phrase_at(page, "Moscow wanted it to")
    popover = page.locator("form.popover")
    popover.locator("[data-search]").fill("Threat")
    page.keyboard.press("Shift+Enter")  # chosen, not applied
    page.keyboard.press("1")  # present
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.locator("nav.project-nav").get_by_role("link", name="Cases").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert "/transcripts/" in page.url
    assert popover.is_visible() and "Threat perception" in popover.locator("[data-chosen]").inner_text()
    # Applied, nothing is left unsaved: the page is left without a question.
    with page.expect_response(lambda r: r.request.method == "POST"):
        popover.locator("[data-apply]").click()
    with page.expect_navigation():
        page.locator("nav.project-nav").get_by_role("link", name="Cases").click()
    assert asked == ["beforeunload"]
    assert Segment.objects.get().codings.get().value == "present"


def test_the_codebook_tree_is_one_tab_stop_with_arrow_keys(page, signed_in, live_server, coder, project, transcript,
                                                           threat, russian_interest):
    start, end = phrase_span(transcript, "Moscow wanted it to")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    start, end = phrase_span(transcript, "Nobody wanted to fight Azerbaijan")
    segment_create(transcript=transcript, start=start, end=end, codes=[russian_interest], coder=coder)
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, (1280, 800))
    tree = page.locator("[data-code-tree]")
    assert tree.get_attribute("role") == "tree"
    stops = page.evaluate("""() => [...document.querySelectorAll('[data-code-tree] *')]
                                   .filter((e) => e.tabIndex >= 0).length""")
    assert stops == 1
    # Tab from the new-code form's last button lands on the tree, and the next Tab leaves it.
    page.locator("[data-code-new] button[type=submit]").focus()
    page.keyboard.press("Tab")
    first = page.evaluate("() => `${document.activeElement.getAttribute('role')}:`"
                          " + document.activeElement.textContent")
    assert first.startswith("treeitem:") and "Threat perception" in first
    page.keyboard.press("ArrowDown")
    assert "Russian interest" in page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")  # shows only this code's segments
    assert page.locator("[role=treeitem][aria-selected=true]").inner_text().startswith("Russian interest")
    texts = page.evaluate("""() => [...CSS.highlights.keys()].filter((n) => /^cc-[0-9a-f]{6}-\\d$/.test(n))
                                   .flatMap((n) => [...CSS.highlights.get(n)].map((r) => r.toString()))""")
    assert texts == ["Nobody wanted to fight Azerbaijan"]
    assert "Russian interest" in page.evaluate("() => document.activeElement.textContent")  # focus kept
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    assert page.evaluate("() => !document.querySelector('[data-code-tree]').contains(document.activeElement)")
    page.keyboard.press("Shift+Tab")
    assert "Threat perception" in page.evaluate("() => document.activeElement.textContent")  # the stop moved
    page.keyboard.press("F2")
    page.locator("[data-code-tree] .code-edit").wait_for()
    assert page.evaluate("() => document.activeElement.name") == "name"
    assert_no_console_errors(page)


# --- 7. panes -----------------------------------------------------------------------------

def test_the_panes_resize_and_collapse_and_are_remembered_for_the_user(page, signed_in, live_server, coder, project,
                                                                       transcript, threat):
    start, end = phrase_span(transcript, "Moscow wanted it to")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, (1280, 800))

    def width(selector: str) -> float:
        return page.evaluate(f"() => document.querySelector('{selector}').getBoundingClientRect().width")

    sheet_before = width("[data-sheet]")
    codebook_before = width("[data-codebook]")

    # The codebook: dragged wider by 60 px; the margin: narrower with the keyboard.
    handle = page.locator(".workspace > .pane-resizer").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + 200)
    page.mouse.down()
    page.mouse.move(handle["x"] + handle["width"] / 2 + 60, handle["y"] + 200, steps=5)
    page.mouse.up()
    assert width("[data-codebook]") == pytest.approx(codebook_before + 60, abs=2)
    margin_before = width("[data-margin]")
    page.locator(".margin-pane > .pane-resizer").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert width("[data-margin]") == pytest.approx(margin_before - 48, abs=2)

    # Collapsing the codebook gives its room to the text; the margin collapses to its bars.
    page.get_by_role("button", name="Codebook", exact=True).click()
    assert page.locator("[data-codebook]").is_hidden()
    assert page.get_by_role("button", name="Codebook", exact=True).get_attribute("aria-expanded") == "false"
    assert width("[data-sheet]") > sheet_before
    page.get_by_role("button", name="Margin", exact=True).click()
    assert page.locator(".mlabel").is_hidden() and page.locator(".mbar").is_visible()

    stored = page.evaluate(f"() => JSON.parse(localStorage.getItem('casecoder.panes.{coder.pk}'))")
    assert stored["codebook"]["collapsed"] is True and stored["margin"]["collapsed"] is True
    page.reload()
    page.wait_for_selector("body[data-workspace-ready]")
    assert page.locator("[data-codebook]").is_hidden() and page.locator(".mlabel").is_hidden()
    page.get_by_role("button", name="Codebook", exact=True).click()
    assert width("[data-codebook]") == pytest.approx(codebook_before + 60, abs=2)
    assert_no_console_errors(page)


# --- 6. margin labels ----------------------------------------------------------------------

LABEL_PROBLEMS = """() => {
    const problems = [];
    const labels = [...document.querySelectorAll('.margin .mlabel, .margin .mcount')]
      .filter((e) => e.getClientRects().length);
    const width = document.documentElement.clientWidth;
    for (const label of labels) {
      const r = label.getBoundingClientRect();
      if (r.right > width || r.left < 0) problems.push(`${label.textContent} outside the window`);
      for (const chip of label.querySelectorAll('.mchip')) {
        if (chip.scrollWidth > chip.clientWidth + 1 || chip.scrollHeight > chip.clientHeight + 1) {
          problems.push(`${chip.textContent} is cut`);
        }
        if (chip.getBoundingClientRect().right > r.right + 1) problems.push(`${chip.textContent} overflows its label`);
      }
    }
    const sorted = labels.map((e) => e.getBoundingClientRect()).sort((a, b) => a.top - b.top);
    for (let i = 1; i < sorted.length; i += 1) {
      if (sorted[i].top < sorted[i - 1].bottom - 0.5) problems.push(`labels overlap at ${sorted[i].top}`);
    }
    return problems;
}"""


@pytest.mark.parametrize("width", [1024, 1280, 1920])
def test_margin_labels_are_not_cut_and_others_codings_are_a_count(width, page, signed_in, live_server, owner, coder,
                                                                  project, transcript, threat, russian_interest):
    long_name = code_create(project=project, name="Member-state interests in regional stability and regime survival",
                            actor=owner)
    start, end = phrase_span(transcript, "Moscow wanted it to")
    mine = segment_create(transcript=transcript, start=start, end=end, coder=owner,
                          codes=[threat, russian_interest, long_name],
                          values={threat.pk: "present", russian_interest.pk: "medium"})
    segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat, long_name])
    start, end = phrase_span(transcript, "Baku had too many friends")
    segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[russian_interest])
    signed_in(page, owner)
    open_page(page, live_server, project, transcript, (width, 900))

    # The owner is the primary coder: their label, with the second coder's codings as counts.
    labels = page.locator(".margin .mlabel")
    assert labels.count() == 1 and labels.get_attribute("data-segment-id") == str(mine.pk)
    text = labels.inner_text()
    assert "Member-state interests in regional stability and regime survival" in text
    assert "Threat perception: present" in text and "Russian interest: medium" in text
    assert "+ 1 by cora" in text
    assert page.locator(".margin .mcount").inner_text() == "1 by cora"
    assert page.evaluate(LABEL_PROBLEMS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "document.documentElement.clientWidth")

    # All coders: each segment its own label, still whole.
    page.locator("[data-coder-filter]").select_option(label="all coders")
    assert labels.count() == 3
    assert page.evaluate(LABEL_PROBLEMS) == []
    assert_no_console_errors(page)


# --- 7 and 9. the page at 1280×800 and 1024×768, on the demo ------------------------------------

ROW_PROBLEMS = """() => {
    const problems = [];
    const oneRow = (selector) => {
      const box = document.querySelector(selector);
      const kids = [...box.children]
        .filter((e) => e.getClientRects().length && getComputedStyle(e).position !== 'absolute');
      const middles = kids.map((e) => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
      if (Math.max(...middles) - Math.min(...middles) > 6) problems.push(`${selector} is more than one row`);
    };
    oneRow('.topbar');
    oneRow('.project-nav');
    oneRow('.toolbar');
    const signOut = [...document.querySelectorAll('.user-nav button')].find((b) => b.textContent.trim() === 'Sign out');
    const range = document.createRange();
    range.selectNodeContents(signOut);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (lines.size !== 1) problems.push('"Sign out" is broken over lines');
    for (const label of document.querySelectorAll('.toolbar label')) {
      if (!label.getClientRects().length) continue;
      const control = label.querySelector('select, input');
      const text = document.createRange();
      text.setStart(label.firstChild, 0);
      text.setEnd(label.firstChild, label.firstChild.textContent.trimEnd().length);
      const t = text.getBoundingClientRect(), c = control.getBoundingClientRect();
      if (t.bottom < c.top || t.top > c.bottom || c.left - t.right > 16) {
        problems.push(`the label "${label.firstChild.textContent.trim()}" is apart from its control`);
      }
    }
    return problems;
}"""

VISIBLE_TEXT = """() => {
    const r = document.querySelector('[data-transcript]').getBoundingClientRect();
    return Math.min(r.bottom, innerHeight) - Math.max(r.top, 0);
}"""


def test_the_demo_transcript_shows_600_px_of_text_at_1280x800_and_keeps_its_rows(page, live_server,
                                                                                transactional_db, screenshot):
    call_command("seed_demo", stdout=io.StringIO())
    e1 = Transcript.objects.get(project__slug=DEMO_SLUG, expert__pseudonym="E1")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "researcher")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    url = f"{live_server.url}/projects/{DEMO_SLUG}/transcripts/{e1.pk}/"

    for width, height in [(1280, 800), (1024, 768), (1920, 1080)]:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url)
        page.wait_for_selector("body[data-workspace-ready]")
        if width == 1280:
            assert page.evaluate(VISIBLE_TEXT) >= 600
        assert page.evaluate(ROW_PROBLEMS) == [], f"{width}x{height}"
        screenshot(page, f"transcript-{width}x{height}")
        # Down where the demo's codings are: labels whole, the second coder's as counts.
        page.evaluate("""() => {
            const label = document.querySelector('.margin .mlabel');
            window.scrollBy(0, label.getBoundingClientRect().top - 150);
        }""")
        assert page.evaluate(LABEL_PROBLEMS) == [], f"{width}x{height}"
        assert page.locator(".margin .mothers, .margin .mcount").count() > 0
        coders = page.evaluate("""() => {
            const data = JSON.parse(document.getElementById('workspace-data').textContent);
            const coder = new Map(data.segments.map((s) => [String(s.id), s.coder]));
            const labels = [...document.querySelectorAll('.margin .mlabel')];
            return [...new Set(labels.map((l) => coder.get(l.dataset.segmentId)))];
        }""")
        assert coders == ["researcher"]
        screenshot(page, f"transcript-coded-{width}x{height}")

    # The "Analyse" menu holds the analysis pages, and opens from the keyboard.
    page.set_viewport_size({"width": 1280, "height": 800})
    menu = page.locator("details[data-nav-menu]")
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    assert menu.get_by_role("link", name="Comparison").is_visible()
    page.keyboard.press("Escape")
    assert menu.get_by_role("link", name="Comparison").is_hidden()
    assert_no_console_errors(page)


# --- 9. the status message --------------------------------------------------------------------

def test_the_status_message_cuts_the_quote_at_a_word_boundary(page, signed_in, live_server, coder, project,
                                                              transcript, threat):
    phrase = "Because Moscow wanted it to. The members feared the same crowds at home."
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, (1280, 800))
    select_phrase_at(page, phrase)
    page.locator("form.popover [data-search]").fill("Threat")
    page.keyboard.press("Enter")
    press_and_expect_post(page, "0")
    status = page.locator("[data-status]").inner_text()
    quoted = status.split("“", 1)[1].split("”", 1)[0]
    assert quoted.endswith("…")
    shown = quoted.removesuffix("…")
    assert phrase.startswith(shown) and phrase[len(shown)] == " "
    assert_no_console_errors(page)


# --- 3. new codes get distinct colours --------------------------------------------------------

def create_code_in_box(page, phrase: str, name: str) -> dict:
    """Selects `phrase`, types a new code's name in the coding box, takes "Create code" and
    applies it; the code as the API created it."""
    select_phrase_at(page, phrase)
    page.locator("form.popover [data-search]").fill(name)
    page.locator("form.popover li.create").wait_for(state="visible")
    with page.expect_response(lambda r: r.url.endswith("/codes") and r.request.method == "POST") as created:
        page.keyboard.press("Enter")
    assert created.value.status == 201, created.value.text()
    code = created.value.json()
    page.locator("form.popover li.chip.chosen", has_text=name).wait_for(state="visible")
    press_and_expect_post(page, "Enter")  # applies the new code to the passage
    return code


def test_two_codes_created_from_the_coding_box_get_distinct_colours(page, signed_in, live_server, coder, project,
                                                                    transcript, threat, russian_interest):
    signed_in(page, coder)
    open_page(page, live_server, project, transcript, (1280, 800))
    first = create_code_in_box(page, "Because Moscow wanted it to.", "Borders")
    second = create_code_in_box(page, "Nobody wanted to fight Azerbaijan.", "Refugees")
    existing = [threat.colour, russian_interest.colour]
    colours = [first["colour"], second["colour"]]
    assert colour_distance(*colours) >= MIN_DISTANCE
    assert all(colour_distance(c, e) >= MIN_DISTANCE for c in colours for e in existing)
    # The codebook draws them in their colours.
    swatches = page.evaluate("""(names) => names.map((name) => {
        const row = [...document.querySelectorAll('[data-code-tree] .code-filter')]
            .find((b) => b.querySelector('.code-name').textContent === name);
        return row.querySelector('.swatch').style.getPropertyValue('--swatch');
    })""", ["Borders", "Refugees"])
    assert swatches == colours
    assert_no_console_errors(page)
