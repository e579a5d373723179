"""The Exports page in a real browser: the live count of the chosen excerpts, the
DOCX-only option, the download, and the print view in a new tab."""
from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_console_errors
from tests.exports.conftest import coded  # noqa: F401 - the small coded project, a fixture

pytestmark = pytest.mark.browser


def test_exports_page_counts_the_choice_and_downloads_the_appendix(page, live_server, signed_in, coded, reviewer,
                                                                   screenshot):
    project = coded["project"]
    signed_in(page, reviewer)
    page.goto(f"{live_server.url}/projects/{project.slug}/exports/")
    preview = page.locator("[data-preview]")
    page.get_by_label("Every coder").check()  # the project is coded by its owner and a coder
    preview.filter(has_text="excerpts from 5 segments").wait_for()
    page.get_by_label("Armenia 2022").check()
    preview.filter(has_text="1 excerpt from 1 segment").wait_for()
    assert page.locator("[data-docx-only]").is_visible()
    page.get_by_label("Markdown").check()
    assert not page.locator("[data-docx-only]").is_visible()
    screenshot(page, "exports-page")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the appendix").click()
    download = download_info.value
    assert download.suggested_filename == "csto-requests-appendix.md"
    text = open(download.path(), encoding="utf-8").read()
    assert "> Nobody wanted to fight Azerbaijan." in text and "Because Moscow" not in text
    assert_no_console_errors(page)


def test_print_view_opens_in_a_new_tab(page, live_server, signed_in, coded, owner):
    signed_in(page, owner)
    page.goto(f"{live_server.url}/projects/{coded['project'].slug}/exports/")
    page.get_by_label("Print view (HTML)").check()
    page.get_by_label("Every coder").check()
    with page.context.expect_page() as popup_info:
        page.get_by_role("button", name="Download the appendix").click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.locator("figure.excerpt").count() == 7  # 5 segments, 2 of them under two codes
    assert popup.get_by_role("button", name="Print or save as PDF").is_visible()
    assert_no_console_errors(page)
