"""Search in a real browser, on the demo study: search "Kant air base", code every hit
with "Russian interest", open a hit in its transcript and see the hits highlighted with
next/previous and the new codings drawn, then undo the batch."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.coding.models import Segment
from apps.demo.loader import DEMO_SLUG
from apps.projects.models import Activity
from apps.search.models import CodingBatch
from tests.browser.conftest import assert_no_console_errors
from tests.browser.test_pages_a11y import audit

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())


def sign_in_as_researcher(page, live_server):
    from apps.demo.loader import DEMO_PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "researcher")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def test_search_code_every_hit_see_them_in_the_transcript_and_undo(page, live_server, demo, screenshot):
    sign_in_as_researcher(page, live_server)
    page.goto(f"{live_server.url}/projects/{DEMO_SLUG}/")
    page.click("nav.project-nav >> text=Search")
    page.fill("input[name=q]", "Kant air base")
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_selector("body[data-search-ready]")
    count = page.locator("[data-result-count]").inner_text()
    assert count.startswith("15 hits in 4 transcripts"), count
    first = page.locator(".kwic-row").first
    assert first.locator("mark").inner_text() in ("Kant", "air", "base")
    problems = audit(page, "researcher search page", page.console_errors)
    assert problems == [], "\n".join(problems)

    page.select_option("[data-code-all-code]", label="Russian interest")
    page.select_option("[data-code-all-value]", "high")
    page.click("[data-preview]")
    expect(page.locator("[data-preview-text]")).to_contain_text("new segment")
    preview = page.locator("[data-preview-text]").inner_text()
    new = int(preview.split(" new segment")[0])
    assert new > 0
    screenshot(page, "search-code-all-preview")
    with page.expect_navigation():
        page.click("[data-apply]")
    page.wait_for_selector("[data-batch] [data-undo]")
    batch = CodingBatch.objects.get()
    assert batch.segments.count() == new
    assert Activity.objects.filter(verb="coded hits").count() == 1
    assert "Russian interest" in page.locator(".kwic-row").first.inner_text()  # the codes there now

    # Open the first hit in its transcript: every hit of the search is highlighted there.
    with page.expect_navigation():
        page.locator(".kwic-row .citation").first.click()
    page.wait_for_selector("body[data-workspace-ready]")
    page.wait_for_selector("body[data-hits-ready]")
    n_hits = int(page.evaluate("() => document.body.dataset.hitsReady"))
    assert n_hits >= 3
    bar = page.locator("[data-hits-bar]")
    assert f"hit 1 of {n_hits}" in bar.inner_text()
    state = page.evaluate("""() => {
        const all = CSS.highlights.get('cc-hit');
        const current = [...CSS.highlights.get('cc-hit-current')][0];
        const r = current.getBoundingClientRect();
        return {all: all.size, current: current.toString(), top: r.top, bottom: r.bottom};
    }""")
    assert state["all"] >= n_hits and state["current"] in ("Kant", "air", "base")
    assert 0 <= state["top"] and state["bottom"] <= page.viewport_size["height"]
    bar.locator("[data-hits=next]").click()
    assert f"hit 2 of {n_hits}" in bar.inner_text()
    page.keyboard.press("Shift+F3")
    assert f"hit 1 of {n_hits}" in bar.inner_text()
    # the passages just coded are drawn as segments of Russian interest
    assert page.locator(".mlabel", has_text="Russian interest: high").count() >= 1
    screenshot(page, "search-hits-in-transcript")
    assert_no_console_errors(page)

    # Back on the Search page, undo the batch: its segments go to the trash, and only they.
    before = set(Segment.objects.values_list("pk", flat=True))
    batch_ids = set(batch.segments.values_list("pk", flat=True))
    page.go_back()
    page.wait_for_selector("[data-batch] [data-undo]")
    with page.expect_navigation():
        page.click("[data-batch] [data-undo]")
    page.wait_for_selector("body[data-search-ready]")
    assert page.locator("[data-batch]").count() == 0
    assert set(Segment.objects.values_list("pk", flat=True)) == before - batch_ids
    assert CodingBatch.objects.get().undone_at is not None
    assert "Russian interest" not in page.locator(".kwic-row").first.inner_text()
    assert_no_console_errors(page)
