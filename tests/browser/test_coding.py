"""The coding workspace in a real browser: select, code, reload, overlap, undo, digits,
delete and restore, offsets after characters outside the BMP, escaped text, and a write
with cases reading again only the segments it touched."""
from __future__ import annotations

import time

from urllib.parse import urlsplit

import pytest

from apps.coding.models import Segment
from apps.coding.services import segment_create
from apps.transcripts.services import transcript_create
from tests.browser.conftest import assert_no_console_errors
from tests.conftest import phrase_span

pytestmark = pytest.mark.browser

ASTRAL_TEXT = (
    "Interviewer: Какова была роль Москвы? 𝔘 marks the question.\n\n"
    "E1: Ответ простой 😀 — Moscow wanted it to happen, and the 🇦🇲 flag stayed home.\n\n"
    "Interviewer: Thank you."
)


def transcript_url(live_server, project, transcript) -> str:
    return f"{live_server.url}/projects/{project.slug}/transcripts/{transcript.pk}/"


def open_transcript(page, live_server, project, transcript, query: str = ""):
    page.goto(transcript_url(live_server, project, transcript) + query)
    page.wait_for_selector("body[data-workspace-ready]")


def select_phrase(page, phrase: str) -> None:
    """Drags the mouse over `phrase` in the transcript, as a person would."""
    box = page.evaluate(
        """(phrase) => {
            for (const el of document.querySelectorAll('.tt')) {
                const i = el.textContent.indexOf(phrase);
                if (i < 0) continue;
                el.scrollIntoView({block: 'center'});
                const node = el.firstChild;
                const first = document.createRange();
                first.setStart(node, i);
                first.setEnd(node, i + 1);
                const last = document.createRange();
                last.setStart(node, i + phrase.length - 1);
                last.setEnd(node, i + phrase.length);
                const a = first.getClientRects()[0];
                const rects = last.getClientRects();
                const b = rects[rects.length - 1];
                return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
            }
            return null;
        }""",
        phrase,
    )
    assert box, f"{phrase!r} is not in the transcript"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    assert page.evaluate("() => document.getSelection().toString()") == phrase
    page.mouse.up()


def highlights_once_they_are(page, expected: list[str], seconds: float = 5.0) -> list[str]:
    """The highlighted texts as soon as they equal `expected`, else as they are after
    `seconds`: the page redraws after the write's answer has arrived, not with it."""
    deadline = time.monotonic() + seconds
    while (texts := highlighted_texts(page)) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    return texts


def highlighted_texts(page) -> list[str]:
    """The text of every coded passage drawn in the transcript (CSS Custom Highlights)."""
    return page.evaluate(
        """() => {
            const out = [];
            for (const [name, highlight] of CSS.highlights) {
                if (!/^cc-[0-9a-f]{6}-\\d$/.test(name)) continue;
                for (const range of highlight) out.push(range.toString());
            }
            return out.sort();
        }"""
    )


def apply_code_in_popover(page, code_name: str, value_key: str | None = "1") -> None:
    """Types the code's name and presses Enter; a scaled code then asks its value, which
    `value_key` answers (1: its first level; None for a code without a scale)."""
    popover = page.locator("form.popover")
    popover.wait_for(state="visible")
    search = popover.locator("[data-search]")
    search.fill(code_name[:6])
    with page.expect_response(lambda r: r.url.endswith("/segments") and r.request.method == "POST") as created:
        search.press("Enter")
        if value_key is not None:
            popover.locator("[data-value-step]").wait_for(state="visible")
            page.keyboard.press(value_key)
    assert created.value.status == 201, created.value.text()
    page.wait_for_function("() => document.querySelector('form.popover').hidden")


def test_code_a_selected_passage_and_see_it_again_after_reload(page, signed_in, live_server, coder, project,
                                                               transcript, threat, screenshot):
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    select_phrase(page, "Moscow wanted it to")
    apply_code_in_popover(page, threat.name)

    segment = Segment.objects.get()
    assert (segment.start, segment.end) == phrase_span(transcript, "Moscow wanted it to")
    assert segment.quote == "Moscow wanted it to"
    assert [c.tag.name for c in segment.codings.all()] == ["Threat perception"]
    assert highlighted_texts(page) == ["Moscow wanted it to"]

    page.reload()
    page.wait_for_selector("body[data-workspace-ready]")
    assert highlighted_texts(page) == ["Moscow wanted it to"]
    label = page.locator(".margin .mlabel")
    assert label.count() == 1
    assert "Threat perception" in label.inner_text()
    screenshot(page, "transcript-small")
    assert_no_console_errors(page)


def test_keyboard_selection_opens_the_popover(page, signed_in, live_server, coder, project, transcript, threat):
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    # Put the caret before "Moscow" and extend the selection with Shift+arrows.
    page.evaluate(
        """() => {
            const el = [...document.querySelectorAll('.tt')].find(e => e.textContent.includes('Moscow'));
            const sel = document.getSelection();
            document.querySelector('[data-transcript]').focus();
            sel.collapse(el.firstChild, el.textContent.indexOf('Moscow'));
        }"""
    )
    page.keyboard.down("Shift")
    for _ in range(len("Moscow")):
        page.keyboard.press("ArrowRight")
    page.keyboard.up("Shift")
    page.locator("form.popover").wait_for(state="visible")
    # Esc closes the box and keeps the selection, which Shift+arrows extend further.
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelector('form.popover').hidden")
    assert page.evaluate("() => document.getSelection().toString()") == "Moscow"
    page.keyboard.down("Shift")
    for _ in range(len(" wanted")):
        page.keyboard.press("ArrowRight")
    page.keyboard.up("Shift")
    apply_code_in_popover(page, threat.name)
    assert Segment.objects.get().quote == "Moscow wanted"
    assert_no_console_errors(page)


def test_two_overlapping_segments_are_drawn_in_layers(page, signed_in, live_server, coder, project, transcript,
                                                      threat, russian_interest):
    start, end = phrase_span(transcript, "Because Moscow wanted it to")
    segment_create(transcript=transcript, start=start, end=end, codes=[russian_interest], coder=coder)
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    select_phrase(page, "wanted it to. The members feared")
    apply_code_in_popover(page, threat.name)

    quotes = sorted(Segment.objects.values_list("quote", flat=True))
    assert quotes == ["Because Moscow wanted it to", "wanted it to. The members feared"]
    assert highlighted_texts(page) == ["Because Moscow wanted it to", "wanted it to. The members feared"]
    # Each passage has its own highlight layer, and its own lane in the margin.
    layers = page.evaluate("() => [...CSS.highlights.keys()].filter(n => /^cc-[0-9a-f]{6}-\\d$/.test(n)).sort()")
    assert len(layers) == 2 and layers[0][-1] != layers[1][-1]
    bars = page.eval_on_selector_all(".margin .mbar", "bars => bars.map(b => b.style.left)")
    assert len(set(bars)) == 2
    assert_no_console_errors(page)


def test_quote_after_astral_and_cyrillic_characters_equals_the_selection(page, signed_in, live_server, owner, coder,
                                                                        project, expert, threat):
    transcript = transcript_create(project=project, title="Astral", text=ASTRAL_TEXT, expert=expert,
                                   created_by=owner)
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    select_phrase(page, "Moscow wanted it to happen")
    apply_code_in_popover(page, threat.name)
    select_phrase(page, "flag stayed home")
    apply_code_in_popover(page, threat.name)

    stored = {s.quote: (s.start, s.end) for s in Segment.objects.all()}
    assert stored == {
        "Moscow wanted it to happen": phrase_span(transcript, "Moscow wanted it to happen"),
        "flag stayed home": phrase_span(transcript, "flag stayed home"),
    }
    page.reload()
    page.wait_for_selector("body[data-workspace-ready]")
    assert highlighted_texts(page) == ["Moscow wanted it to happen", "flag stayed home"]
    assert_no_console_errors(page)


def test_undo_and_redo_a_coding(page, signed_in, live_server, coder, project, transcript, threat):
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    select_phrase(page, "Nobody wanted to fight Azerbaijan")
    apply_code_in_popover(page, threat.name)
    segment = Segment.objects.get()

    with page.expect_response(lambda r: r.request.method == "DELETE"):
        page.keyboard.press("Control+z")
    page.wait_for_function("() => !document.querySelector('.margin .mlabel')")
    assert Segment.objects.count() == 0
    assert Segment.all_objects.get(pk=segment.pk).deleted_at is not None

    with page.expect_response(lambda r: r.url.endswith("/restore")):
        page.keyboard.press("Control+Shift+z")
    page.wait_for_selector(".margin .mlabel")
    assert Segment.objects.get().pk == segment.pk
    assert highlighted_texts(page) == ["Nobody wanted to fight Azerbaijan"]

    # An edit is undone too: add a memo, undo, the memo is gone.
    page.locator(".margin .mlabel").click()
    popover = page.locator("form.popover")
    popover.get_by_role("button", name="Memo").click()  # the memo opens on demand
    popover.locator("[data-memo]").fill("Realist reading")
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        popover.locator("[data-apply]").click()
    assert Segment.objects.get().memo == "Realist reading"
    page.locator("[data-transcript]").focus()
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        page.keyboard.press("Control+z")
    assert Segment.objects.get().memo == ""
    assert_no_console_errors(page)


def test_a_digit_applies_a_recent_code(page, signed_in, live_server, coder, project, transcript, threat,
                                       russian_interest):
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    recent = page.locator("[data-recent-bar] .chip")
    assert recent.nth(0).inner_text().endswith("Threat perception")
    assert recent.nth(1).inner_text().endswith("Russian interest")

    select_phrase(page, "Baku had too many friends")
    page.locator("form.popover").wait_for(state="visible")
    with page.expect_response(lambda r: r.url.endswith("/segments") and r.request.method == "POST"):
        page.keyboard.press("2")
        page.locator("form.popover [data-value-step]").wait_for(state="visible")  # a scaled code: its value
        page.keyboard.press("2")
    segment = Segment.objects.get()
    assert [c.tag.name for c in segment.codings.all()] == ["Russian interest"]
    assert segment.codings.get().value == "medium"
    assert segment.quote == "Baku had too many friends"
    # The code just used is now the first recent code.
    page.wait_for_function(
        "() => document.querySelector('[data-recent-bar] .chip').textContent.endsWith('Russian interest')")
    assert_no_console_errors(page)


def test_delete_a_segment_and_restore_it_from_the_trash(page, signed_in, live_server, coder, project, transcript,
                                                        threat):
    start, end = phrase_span(transcript, "The members feared the same crowds at home")
    segment = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder,
                             values={threat.pk: "present"})
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    label = page.locator(".margin .mlabel")
    assert "Threat perception: present" in label.inner_text()
    label.focus()
    with page.expect_response(lambda r: r.request.method == "DELETE"):
        page.keyboard.press("Delete")
    page.wait_for_function("() => !document.querySelector('.margin .mlabel')")
    assert Segment.all_objects.get(pk=segment.pk).deleted_at is not None

    page.click("[data-trash-open]")
    item = page.locator("[data-trash-list] .trash-item")
    item.wait_for()
    assert "The members feared the same crowds at home" in item.inner_text()
    with page.expect_response(lambda r: r.url.endswith("/restore")):
        item.locator("button", has_text="Restore").click()
    page.keyboard.press("Escape")
    page.wait_for_selector(".margin .mlabel")
    restored = Segment.objects.get(pk=segment.pk)
    assert restored.codings.get().value == "present"
    assert highlighted_texts(page) == ["The members feared the same crowds at home"]
    assert_no_console_errors(page)


def test_a_transcript_with_a_script_tag_shows_it_as_text(page, signed_in, live_server, owner, coder, project,
                                                         expert, threat):
    text = "Interviewer: What did he write?\n\nE1: He wrote <script>alert(1)</script> and <b>bold</b> words."
    transcript = transcript_create(project=project, title="<script>alert(2)</script>", text=text, expert=expert,
                                   created_by=owner)
    start, end = phrase_span(transcript, "<script>alert(1)</script>")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder,
                   memo="</script><script>alert(3)</script>")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    page.wait_for_timeout(300)

    assert dialogs == []
    turn = page.locator(".tt", has_text="He wrote")
    assert turn.inner_text() == "He wrote <script>alert(1)</script> and <b>bold</b> words."
    assert page.locator(".transcript b, .transcript script").count() == 0
    assert page.locator("h1").inner_text() == "<script>alert(2)</script>"
    assert highlighted_texts(page) == ["<script>alert(1)</script>"]
    # Hovering shows the memo as text too.
    page.locator(".margin .mlabel").hover()
    assert "</script><script>alert(3)</script>" in page.locator("[data-tip]").inner_text()
    assert dialogs == []
    assert_no_console_errors(page)


def test_a_reviewer_reads_but_cannot_code(page, signed_in, live_server, reviewer, coder, project, transcript, threat):
    start, end = phrase_span(transcript, "Moscow wanted it to")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    signed_in(page, reviewer)
    open_transcript(page, live_server, project, transcript)
    assert page.locator("[data-transcript]").get_attribute("contenteditable") is None
    select_phrase(page, "Nobody wanted to fight")
    page.wait_for_timeout(200)
    assert page.locator("form.popover").is_hidden()
    assert highlighted_texts(page) == ["Moscow wanted it to"]
    assert_no_console_errors(page)


def test_mark_a_case_section_and_see_it_in_the_band(page, signed_in, live_server, coder, project, transcript, threat,
                                                    kazakhstan, armenia):
    inside = segment_create(transcript=transcript, start=phrase_span(transcript, "Moscow wanted it to")[0],
                            end=phrase_span(transcript, "Moscow wanted it to")[1], codes=[threat], coder=coder)
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    select_phrase(page, "Because Moscow wanted it to. The members feared the same crowds at home.")
    popover = page.locator("form.popover")
    popover.wait_for(state="visible")
    popover.get_by_role("button", name="Cases").click()  # the cases open on demand
    popover.get_by_label("Kazakhstan 2022").check()
    popover.get_by_label("Case section").check()
    with page.expect_response(lambda r: r.url.endswith("/segments") and r.request.method == "POST"):
        popover.locator("[data-apply]").click()
    section = Segment.objects.get(is_case_section=True)
    assert [c.name for c in section.cases.all()] == ["Kazakhstan 2022"]
    band = page.locator(".case-band .cband")
    band.wait_for()
    assert band.inner_text() == "Kazakhstan 2022"
    assert highlighted_texts(page) == ["Moscow wanted it to"]  # the section itself is not a coloured passage
    # The coding inside now counts for Kazakhstan: the hover says so.
    page.locator(f'.mlabel[data-segment-id="{inside.pk}"]').hover()
    assert "Counts for: Kazakhstan 2022" in page.locator("[data-tip]").inner_text()
    assert_no_console_errors(page)


def test_the_codebook_filters_renames_and_merges_codes(page, signed_in, live_server, owner, coder, project,
                                                       transcript, threat, russian_interest):
    for phrase, code in [("Moscow wanted it to", threat), ("Nobody wanted to fight Azerbaijan", russian_interest)]:
        start, end = phrase_span(transcript, phrase)
        segment_create(transcript=transcript, start=start, end=end, codes=[code], coder=coder)
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    page.wait_for_selector("body[data-project-counted]")  # the project-wide counts come after the page
    tree = page.locator("[data-code-tree]")
    assert "1 / 1" in tree.locator(".code-row", has_text="Threat perception").inner_text()

    tree.get_by_role("button", name="Threat perception", exact=True).click()
    assert highlighted_texts(page) == ["Moscow wanted it to"]
    page.get_by_role("button", name="Show all").click()
    assert highlighted_texts(page) == ["Moscow wanted it to", "Nobody wanted to fight Azerbaijan"]

    tree.get_by_role("button", name="Edit code Russian interest").click()
    editor = tree.locator(".code-edit")
    editor.get_by_label("Name").fill("Russia's interest")
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        editor.get_by_role("button", name="Save").click()
    page.wait_for_selector("[data-code-tree] .code-row:has-text(\"Russia's interest\")")
    russian_interest.refresh_from_db()
    assert russian_interest.name == "Russia's interest"

    tree.get_by_role("button", name="Edit code Russia's interest").click()
    editor = tree.locator(".code-edit")
    editor.locator("select[name=target]").select_option(label="Threat perception")
    editor.get_by_role("button", name="Merge…").click()
    dialog = page.locator("dialog[data-confirm]")
    assert "Merge “Russia's interest” into “Threat perception”" in dialog.inner_text()
    with page.expect_response(lambda r: r.url.endswith("/merge")):
        dialog.get_by_role("button", name="Merge").click()
    page.wait_for_function("() => !document.querySelector('[data-code-tree]').textContent.includes(\"Russia's\")")
    assert Segment.objects.filter(codings__tag=threat).count() == 2
    assert "2 / 2" in tree.locator(".code-row", has_text="Threat perception").inner_text()
    assert_no_console_errors(page)


def test_the_project_counts_come_after_the_page_and_leave_an_open_editor_as_it_is(
        page, signed_in, live_server, owner, coder, project, transcript, threat):
    """The page reads its own transcript only; the codebook's counts in the whole project
    arrive from the codes API afterwards (held back here until the editor is open)."""
    other = transcript_create(project=project, title="E2", text="E2: Moscow wanted it to. " * 10, created_by=owner)
    for phrase_transcript in (transcript, other):
        start, end = phrase_span(phrase_transcript, "Moscow wanted it to")
        segment_create(transcript=phrase_transcript, start=start, end=end, codes=[threat], coder=coder)
    held = []
    page.route("**/codes?transcript=*", lambda route: held.append(route))
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    tree = page.locator("[data-code-tree]")
    row = tree.locator(".code-row", has_text="Threat perception")
    assert "1 / …" in row.inner_text()
    tree.get_by_role("button", name="Edit code Threat perception").click()
    editor = tree.locator(".code-edit")
    editor.get_by_text("Definition and scale").click()
    editor.get_by_label("Description").fill("Half written")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the page asks the codes API for the project's counts"
    held[0].continue_()
    page.wait_for_selector("body[data-project-counted]")
    assert "1 / 2" in row.inner_text()
    assert row.get_attribute("aria-label") == "Threat perception, 1 here, 2 in the project"
    assert editor.get_by_label("Description").input_value() == "Half written"  # the editor was not redrawn
    assert editor.get_by_label("Description").is_visible()
    assert_no_console_errors(page)


def test_a_code_gets_its_definition_and_scale_in_the_codebook(page, signed_in, live_server, coder, project,
                                                              transcript, threat):
    start, end = phrase_span(transcript, "Moscow wanted it to")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], values={threat.pk: ""}, coder=coder)
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    tree = page.locator("[data-code-tree]")
    tree.get_by_role("button", name="Edit code Threat perception").click()
    editor = tree.locator(".code-edit")
    editor.get_by_text("Definition and scale").click()
    editor.get_by_label("Description").fill("The alliance sees a common danger.")
    editor.get_by_label("Apply when", exact=True).fill("An expert says the members felt threatened together.")
    editor.get_by_label("Do not apply when").fill("Only one state felt threatened.")
    editor.get_by_label("Example").fill("“Everyone feared the unrest would spread.”")
    editor.get_by_label("Scale").select_option("ordinal")
    editor.get_by_label("Levels, lowest first").fill("low, medium, high")
    with page.expect_response(lambda r: r.request.method == "PATCH") as answer:
        editor.get_by_role("button", name="Save").click()
    assert answer.value.status == 200
    page.wait_for_selector(".code-edit", state="detached")
    threat.refresh_from_db()
    assert (threat.description, threat.inclusion, threat.exclusion) == (
        "The alliance sees a common danger.", "An expert says the members felt threatened together.",
        "Only one state felt threatened.")
    assert threat.example == "“Everyone feared the unrest would spread.”"
    assert (threat.scale, threat.levels) == ("ordinal", ["low", "medium", "high"])
    title = tree.get_by_role("button", name="Threat perception", exact=True).get_attribute("title")
    assert "The alliance sees a common danger." in title

    # The editor opens with what is stored, and a change that leaves nothing to send sends nothing.
    tree.get_by_role("button", name="Edit code Threat perception").click()
    editor = tree.locator(".code-edit")
    assert editor.get_by_label("Levels, lowest first").input_value() == "low, medium, high"
    assert editor.get_by_label("Description").input_value() == "The alliance sees a common danger."
    assert_no_console_errors(page)


def test_margin_labels_stay_inside_a_1280_pixel_window(page, signed_in, live_server, owner, coder, project,
                                                       transcript, threat, russian_interest):
    from apps.coding.services import code_create

    long_name = code_create(project=project, name="Member-state interests in regional stability and regime survival",
                            actor=owner)
    start, end = phrase_span(transcript, "Moscow wanted it to")
    segment_create(transcript=transcript, start=start, end=end, coder=coder,
                   codes=[threat, russian_interest, long_name])
    page.set_viewport_size({"width": 1280, "height": 900})
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    label = page.locator(".mlabel").first
    label.hover()
    boxes = page.evaluate("""() => [...document.querySelectorAll('.mlabel')].map(e => e.getBoundingClientRect().right)""")
    width = page.evaluate("document.documentElement.clientWidth")
    assert boxes and max(boxes) <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert "Member-state interests in regional stability" in label.get_attribute("title")
    assert_no_console_errors(page)


def test_move_a_boundary_by_a_word_and_undo_it(page, signed_in, live_server, coder, project, transcript, threat):
    start, end = phrase_span(transcript, "Moscow wanted")
    segment = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    page.locator(".margin .mlabel").click()
    popover = page.locator("form.popover")
    popover.get_by_role("button", name="End one word later").click()
    popover.get_by_role("button", name="End one word later").click()
    popover.get_by_role("button", name="Start one word earlier").click()
    assert popover.locator("[data-quote]").inner_text() == "Because Moscow wanted it to"
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        popover.get_by_role("button", name="Apply").click()
    segment.refresh_from_db()
    assert segment.quote == "Because Moscow wanted it to"
    assert highlights_once_they_are(page, ["Because Moscow wanted it to"]) == ["Because Moscow wanted it to"]
    page.locator("[data-transcript]").focus()
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        page.keyboard.press("Control+z")
    segment.refresh_from_db()
    assert segment.quote == "Moscow wanted"
    assert_no_console_errors(page)


def reads_segments_of(transcript):
    """True for a request (or its response) that reads the transcript's segments list."""
    path = f"/transcripts/{transcript.pk}/segments"

    def test(message) -> bool:
        request = getattr(message, "request", message)
        return request.method == "GET" and urlsplit(request.url).path.endswith(path)

    return test


def segment_reads(page, transcript) -> list[str]:
    """Records the query string of every read of the transcript's segments list from now on
    ("" for the whole list, "ids=..." for some of them)."""
    reads = []
    is_read = reads_segments_of(transcript)
    page.on("request", lambda request: is_read(request) and reads.append(urlsplit(request.url).query))
    return reads


def tip_over(page, segment) -> str:
    """The tooltip's text while the mouse is over the margin label of `segment`."""
    page.mouse.move(1, 1)
    page.wait_for_function("() => document.querySelector('[data-tip]').hidden")
    page.locator(f'.mlabel[data-segment-id="{segment.pk}"]').hover()
    page.wait_for_function("() => !document.querySelector('[data-tip]').hidden")
    return page.locator("[data-tip]").inner_text()


def test_a_write_with_cases_reads_again_only_the_segments_it_overlaps(page, signed_in, live_server, coder, project,
                                                                      transcript, threat, kazakhstan, armenia):
    start, end = phrase_span(transcript, "Moscow wanted it to")
    inside = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    start, end = phrase_span(transcript, "Nobody wanted to fight Azerbaijan")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    signed_in(page, coder)
    open_transcript(page, live_server, project, transcript)
    reads = segment_reads(page, transcript)
    read_of_segments = reads_segments_of(transcript)
    touched = f"ids={inside.pk}"  # not the far segment, not the written one (its write answers with it)

    # A passage coded without cases changes nobody else: nothing is read again.
    select_phrase(page, "Baku had too many friends")
    apply_code_in_popover(page, threat.name)
    assert reads == []

    select_phrase(page, "Because Moscow wanted it to. The members feared the same crowds at home.")
    popover = page.locator("form.popover")
    popover.wait_for(state="visible")
    popover.get_by_role("button", name="Cases").click()  # the cases open on demand
    popover.get_by_label("Kazakhstan 2022").check()
    popover.get_by_label("Case section").check()
    with page.expect_response(read_of_segments) as read:
        popover.locator("[data-apply]").click()
    assert read.value.status == 200
    page.locator(".case-band .cband", has_text="Kazakhstan 2022").wait_for()
    assert "Counts for: Kazakhstan 2022" in tip_over(page, inside)
    assert reads == [touched]

    # Undo moves the section to the trash: the passage inside no longer counts for Kazakhstan.
    page.locator("[data-transcript]").focus()
    with page.expect_response(read_of_segments):
        page.keyboard.press("Control+z")
    page.wait_for_function("() => !document.querySelector('.case-band .cband')")
    assert "Counts for" not in tip_over(page, inside)

    # Redo restores it, and the passage inside counts for Kazakhstan again.
    page.locator("[data-transcript]").focus()
    with page.expect_response(read_of_segments):
        page.keyboard.press("Control+Shift+z")
    page.locator(".case-band .cband", has_text="Kazakhstan 2022").wait_for()
    assert "Counts for: Kazakhstan 2022" in tip_over(page, inside)

    # A change of the section's cases reaches the passage inside too.
    page.locator(".case-band .cband").click()
    popover.wait_for(state="visible")
    popover.get_by_label("Kazakhstan 2022").uncheck()
    popover.get_by_label("Armenia 2022").check()
    with page.expect_response(read_of_segments):
        popover.locator("[data-apply]").click()
    page.locator(".case-band .cband", has_text="Armenia 2022").wait_for()
    assert "Counts for: Armenia 2022" in tip_over(page, inside)
    assert reads == [touched] * 4  # never the whole transcript's list
    assert_no_console_errors(page)
