"""The guide's main path, walked in a real browser on the demo study, in the guide's order:
sign in, import, the codebook, code a passage (with the shortcut list), see it in the matrix,
judge a cell citing it, see it in the MSSD table and the truth table, download the appendix
as DOCX and read it with python-docx, the REFI-QDA import, and the guide under Help.

On the way it saves the screenshots that docs/guide.md shows: into var/screenshots/guide/
(git-ignored) by default, so that `make test` leaves the checkout as it found it, and into
docs/screenshots/ under `make guide` (CASECODER_GUIDE_SCREENSHOTS=docs/screenshots), which
refreshes the guide's pictures with those of the app as it is. They are quantised to 256 colours (Pillow,
which the test extra brings with fpdf2) to keep them small.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from docx import Document

from apps.demo.loader import DEMO_PASSWORD, DEMO_SLUG
from apps.comparison.models import Factor, Judgment
from apps.cases.models import Case
from apps.coding.models import Code, Segment
from apps.projects.models import Project
from apps.transcripts.models import Transcript
from apps.transcripts.selectors import citation, turn_indexes
from tests.browser.conftest import assert_no_console_errors

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide.md"
SCREENSHOT_DIR = ROOT / os.environ.get("CASECODER_GUIDE_SCREENSHOTS", "var/screenshots/guide")
VIEWPORT = {"width": 1280, "height": 800}

# The passage the walk codes: E1 on Kyrgyzstan 2010, inside E1's case section about it, and
# not coded in the demo with "Capacity and other commitments" (so the matrix cell grows by one expert).
PHRASE = "Russia had the Kant air base and it could protect what it cared about without entering the Ferghana Valley."

# Every screenshot this module writes; docs/guide.md shows exactly these.
SCREENSHOTS = {"project-list", "project-home", "import", "codebook", "coding-popover", "shortcuts",
               "transcript-coded", "matrix", "agreement", "comparison-setup", "judgment", "mssd", "truth-table",
               "exports", "qdpx-import"}


def guide_shot(page, name: str, target=None) -> None:
    """Saves a screenshot of the viewport (or of one element) as <SCREENSHOT_DIR>/<name>.png."""
    assert name in SCREENSHOTS, name
    data = (target or page).screenshot(type="png", animations="disabled", caret="hide")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with the test extra (fpdf2)
        path.write_bytes(data)
        return
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def sign_in_demo(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/accounts/login/" not in page.url, "sign-in failed"


def select_phrase(page, phrase: str) -> None:
    """Drags the mouse over `phrase` in the transcript, as a person would."""
    box = page.evaluate(
        """(phrase) => {
            for (const el of document.querySelectorAll('.tt')) {
                const i = el.textContent.indexOf(phrase);
                if (i < 0) continue;
                el.scrollIntoView({block: 'center'});
                const node = el.firstChild, first = document.createRange(), last = document.createRange();
                first.setStart(node, i); first.setEnd(node, i + 1);
                last.setStart(node, i + phrase.length - 1); last.setEnd(node, i + phrase.length);
                const a = first.getClientRects()[0], rects = last.getClientRects(), b = rects[rects.length - 1];
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
    page.mouse.up()


def docx_text(path) -> str:
    document = Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_guides_main_path_on_the_demo_study(page, live_server, transactional_db, tmp_path):
    call_command("seed_demo", stdout=io.StringIO())
    project = Project.objects.get(slug=DEMO_SLUG)
    base = f"{live_server.url}/projects/{DEMO_SLUG}"
    e1 = Transcript.objects.get(project=project, expert__pseudonym="E1")
    kyrgyzstan = Case.objects.get(project=project, name="Kyrgyzstan 2010")
    capacity = Code.objects.get(project=project, name="Capacity and other commitments")
    russian_interest = Code.objects.get(project=project, name="Russian interest", parent=None)
    rusint = Factor.objects.get(project=project, code=russian_interest)
    page.set_viewport_size(VIEWPORT)

    # Set up a project: the project list, then the project home and its two-minute tour.
    sign_in_demo(page, live_server, "researcher")
    assert page.locator("h1").inner_text() == "Your projects"
    guide_shot(page, "project-list")
    with page.expect_navigation():
        page.click(f"main a:text-is('{project.name}')")
    tour = page.locator("[data-method-tour]")
    assert tour.locator("ol li").count() == 5
    assert "Russian interest in Kazakhstan 2022" in tour.inner_text()
    guide_shot(page, "project-home")

    # Import transcripts: a file chosen, its expert proposed from its name (not imported).
    upload = tmp_path / "E8.txt"
    upload.write_text("Interviewer: Why Kazakhstan?\n\nE8: Because Moscow wanted it.\n", encoding="utf-8")
    with page.expect_navigation():  # waits for "load": the page's module has run by then
        page.click("nav.project-nav >> text=Import")
    page.set_input_files("[data-file-input]", str(upload))
    page.locator("[data-chosen]").wait_for(state="visible")
    assert "E8.txt" in page.locator("[data-chosen-rows]").inner_text()
    expert = page.locator("[data-chosen-rows] input[name=experts]")
    assert "E8" in (expert.input_value() or expert.get_attribute("placeholder"))
    guide_shot(page, "import")

    # The matrix before coding: how many experts speak to capacity in Kyrgyzstan 2010.
    page.goto(f"{base}/analysis/matrix/")
    cell = f"#matrix-table a.cell-link[data-code='{capacity.pk}'][data-column='{kyrgyzstan.pk}']"
    experts_before = int(page.locator(cell).inner_text())

    # Build a codebook: the editor of a code, in the transcript's codebook column.
    page.goto(f"{base}/transcripts/{e1.pk}/")
    page.wait_for_selector("body[data-workspace-ready]")
    page.click("button[aria-label='Edit code Russian interest']")
    editor = page.locator("[data-codebook] .code-edit")
    editor.wait_for()
    guide_shot(page, "codebook", page.locator("[data-codebook]"))
    editor.locator("button:text-is('Cancel')").click()

    # Code: select the passage, choose two codes (one with its value) and apply.
    select_phrase(page, PHRASE)
    popover = page.locator("form.popover")
    popover.wait_for(state="visible")
    search = popover.locator("[data-search]")
    search.fill("Russian int")
    search.press("Shift+Enter")
    popover.locator("select[aria-label='Value of Russian interest']").select_option("low")
    search.fill("Capacity")
    search.press("Shift+Enter")
    assert popover.locator("[data-chosen] li").count() == 2
    guide_shot(page, "coding-popover")
    with page.expect_response(lambda r: r.url.endswith("/segments") and r.request.method == "POST") as created:
        popover.locator("[data-apply]").click()
    assert created.value.status == 201, created.value.text()
    page.wait_for_function("() => document.querySelector('form.popover').hidden")
    segment = Segment.objects.get(transcript=e1, quote=PHRASE, deleted_at__isnull=True)
    assert {(c.tag.name, c.value) for c in segment.codings.select_related("tag")} == {
        ("Russian interest", "low"), ("Capacity and other commitments", "")}
    first, last = turn_indexes(transcript_ids=[e1.pk])[e1.pk].span(segment.start, segment.end)
    cited = citation(pseudonym="E1", first=first, last=last)
    page.evaluate("""(id) => {  // from the start of the case section (¶4) down to the new segment
        const label = document.querySelector(`.margin .mlabel[data-segment-id="${id}"]`);
        window.scrollTo({left: 0, top: window.scrollY + label.getBoundingClientRect().top - 560});
    }""", segment.pk)
    guide_shot(page, "transcript-coded")

    # The shortcut list: `?` opens it, Esc closes it.
    page.keyboard.press("?")
    shortcuts = page.locator("dialog[data-shortcuts]")
    shortcuts.wait_for(state="visible")
    assert "Ctrl + Shift + Z" in shortcuts.inner_text()
    guide_shot(page, "shortcuts")
    page.keyboard.press("Escape")
    shortcuts.wait_for(state="hidden")

    # Review: the matrix cell counts one expert more, and its excerpts show the passage.
    page.goto(f"{base}/analysis/matrix/")
    assert int(page.locator(cell).inner_text()) == experts_before + 1
    page.click(cell)
    panel = page.locator("#excerpt-panel")
    excerpt = panel.locator("li.excerpt", has_text=PHRASE)
    excerpt.wait_for()
    assert f"({cited})" in excerpt.inner_text()
    guide_shot(page, "matrix")
    page.goto(f"{base}/agreement/")
    assert page.locator("h1").inner_text() == "Intercoder agreement"
    guide_shot(page, "agreement")

    # Compare cases: the setup, then judge Russian interest in Kyrgyzstan 2010 citing the passage.
    page.goto(f"{base}/comparison/")
    guide_shot(page, "comparison-setup")
    page.goto(f"{base}/comparison/judgments/{rusint.pk}/{kyrgyzstan.pk}/")
    evidence = page.locator("[data-excerpts] li", has_text=PHRASE)
    evidence.locator("input[name=evidence]").check()
    page.select_option("[data-value]", "low")
    page.fill("[data-rationale]", "Low: Moscow could protect the Kant base without entering the valley (E1), "
                                  "and the other experts agree.")
    page.click("[data-judgment-form] button[type=submit]")
    page.wait_for_selector("[data-status].ok")
    judgment = Judgment.objects.get(factor=rusint, case=kyrgyzstan, judge__username="researcher")
    assert judgment.value == "low" and segment in judgment.evidence.all()
    page.reload()
    assert page.locator("[data-excerpts] li", has_text=PHRASE).locator("input[name=evidence]").is_checked()
    guide_shot(page, "judgment")

    with page.expect_navigation():
        page.click("nav.cmp-tabs >> text=MSSD table")
    row = page.locator("tr", has=page.locator("text=RUSINT")).first
    assert "varies with the outcome" in row.inner_text()
    kyrgyz_cell = row.locator("details.cmp-evidence").first
    kyrgyz_cell.locator("summary").click()
    assert PHRASE[:60] in kyrgyz_cell.inner_text()
    guide_shot(page, "mssd")
    with page.expect_navigation():
        page.click("nav.cmp-tabs >> text=Truth table and minimisation")
    assert re.search(r"→ INTERVENTION", page.inner_text("main"))
    guide_shot(page, "truth-table")

    # Export the appendix: Russian interest (with its sub-codes) in Kyrgyzstan 2010, as DOCX.
    page.goto(f"{base}/exports/")
    page.check(f"input[name=codes][value='{russian_interest.pk}']")
    page.check(f"input[name=cases][value='{kyrgyzstan.pk}']")
    guide_shot(page, "exports")
    with page.expect_download() as download:
        page.click("#appendix-form button[type=submit]")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"{DEMO_SLUG}-appendix.docx"
    text = docx_text(path)
    assert PHRASE in text and cited in text
    assert "Kyrgyzstan 2010" in text and "Kazakhstan 2022" not in text

    # Move a project: the REFI-QDA import, reached from the project list.
    page.goto(f"{live_server.url}/projects/")
    with page.expect_navigation():
        page.click("text=import a REFI-QDA project (.qdpx)")
    assert page.locator("h1").inner_text() == "Import a REFI-QDA project"
    guide_shot(page, "qdpx-import")

    # The guide itself, under Help: its pictures load, and its button opens the shortcut list.
    with page.expect_navigation():
        page.click("header.topbar >> text=Help")
    assert page.locator("h1").inner_text() == "Casecoder guide"
    images = page.locator("article.help-guide img")
    assert images.count() == len(SCREENSHOTS)
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()  # they load lazily
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle())
    page.click("[data-shortcuts-open]")
    page.locator("dialog[data-shortcuts]").wait_for(state="visible")
    assert_no_console_errors(page)


def test_the_guide_shows_the_screenshots_this_walk_takes():
    shown = set(re.findall(r"\]\(screenshots/([a-z0-9-]+)\.png\)", GUIDE.read_text(encoding="utf-8")))
    assert shown == SCREENSHOTS
