"""Suggestions on the transcript page, in a real browser on the demo study: ask for the
passages likely to belong to a scaled code, walk to one with the keyboard, accept it (its
value asked first, as the coding box does: a coding stored with its origin), reject another
(remembered, and not proposed again after a reload)."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.coding.models import Code, Coding
from apps.demo.loader import DEMO_SLUG
from apps.projects.models import Project
from apps.suggestions.models import SuggestionOrigin, SuggestionRejection
from tests.browser.conftest import assert_no_console_errors
from tests.browser.test_pages_a11y import audit
from tests.browser.test_search import sign_in_as_researcher

pytestmark = pytest.mark.browser

CODE = "Framing of the threat"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())


def current_suggestion(page) -> str:
    """The text under the current ghost highlight."""
    return page.evaluate("() => [...CSS.highlights.get('cc-suggestion-current')].map((r) => r.toString()).join('')")


def test_suggestions_walked_accepted_and_rejected_by_keyboard(page, live_server, demo, screenshot):
    project = Project.objects.get(slug=DEMO_SLUG)
    code = Code.objects.get(project=project, name=CODE)
    transcript = project.transcripts.order_by("pk").first()
    sign_in_as_researcher(page, live_server)
    page.goto(f"{live_server.url}/projects/{DEMO_SLUG}/transcripts/{transcript.pk}/")
    page.wait_for_selector("body[data-workspace-ready]")

    # G focuses "Suggest passages for…"; choose the code and ask.
    page.locator("[data-transcript]").focus()
    page.keyboard.press("g")
    expect(page.locator("#suggest-code")).to_be_focused()
    page.select_option("#suggest-code", str(code.pk))
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-suggestions-ready]", state="attached", timeout=30_000)
    n = int(page.evaluate("() => document.body.dataset.suggestionsReady"))
    assert n >= 3
    bar = page.locator("[data-suggest-bar]")
    expect(bar).to_contain_text(f"1 of {n}")
    expect(bar.locator("[data-suggest-reason]")).to_contain_text("Why:")
    ghosts = page.evaluate("() => CSS.highlights.get('cc-suggestion').size")
    assert ghosts >= n
    live = page.locator("[data-suggest-live]")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_contain_text(f"Suggestion 1 of {n} for {CODE}")

    # N goes to the next suggestion, Shift+N back, N again: the second one is current.
    first = current_suggestion(page)
    page.keyboard.press("n")
    expect(bar).to_contain_text(f"2 of {n}")
    second = current_suggestion(page)
    assert second and second != first
    page.keyboard.press("Shift+N")
    expect(bar).to_contain_text(f"1 of {n}")
    page.keyboard.press("n")
    assert current_suggestion(page) == second
    # The reason shows on hover too.
    box = page.evaluate("""() => { const r = [...CSS.highlights.get('cc-suggestion-current')][0].getClientRects()[0];
                                   return {x: r.left + 4, y: r.top + r.height / 2}; }""")
    page.mouse.move(box["x"], box["y"])
    expect(page.locator(".suggest-tip")).to_contain_text(f"Suggested for {CODE}")
    problems = audit(page, "transcript page with suggestions", page.console_errors)
    assert problems == [], "\n".join(problems)
    screenshot(page, "suggestions")

    # A on a scaled code asks its value first (as the coding box does); 2 is its second level.
    page.keyboard.press("a")
    value_step = bar.locator("[data-suggest-value]")
    expect(value_step).to_be_visible()
    assert not SuggestionOrigin.objects.exists()
    level = code.levels[1]
    page.keyboard.press("2")
    expect(live).to_contain_text("Accepted")
    origin = SuggestionOrigin.objects.select_related("segment", "accepted_by").get()
    assert origin.segment.quote == second
    assert origin.accepted_by.username == "researcher"
    assert origin.code == code
    assert Coding.objects.get(content_object=origin.segment).value == level
    expect(bar).to_contain_text(f"of {n - 1}")
    page.wait_for_function("(q) => [...document.querySelectorAll('[data-margin] [data-segment-id]')]"
                           ".some((l) => l.textContent.includes(q))", arg=CODE)

    # R rejects the suggestion that is current now: remembered, gone after a reload.
    rejected = current_suggestion(page)
    page.keyboard.press("r")
    expect(live).to_contain_text("Rejected")
    rejection = SuggestionRejection.objects.get()
    assert rejection.quote == rejected and rejection.code == code
    assert rejection.rejected_by.username == "researcher"

    page.reload()
    page.wait_for_selector("body[data-workspace-ready]")
    page.select_option("#suggest-code", str(code.pk))
    page.click("[data-suggest-form] button[type=submit]")
    page.wait_for_function("() => document.body.dataset.suggestionsReady !== undefined")
    texts = page.evaluate("() => [...CSS.highlights.get('cc-suggestion')].map((r) => r.toString())")
    assert rejected not in texts and second not in texts
    assert_no_console_errors(page)


def test_the_engine_as_a_coder_page_reports_every_code_and_passes_the_audit(page, live_server, demo, settings):
    """On the demo, with the hand-checkable engine of tests/agreement/test_engine.py (the default
    engine's seconds are measured in bench/suggestions.py, not waited for here); the tests'
    task backend runs the evaluation's job at once."""
    settings.SUGGESTION_ENGINE = "tests.agreement.test_engine.SharedWordEngine"
    sign_in_as_researcher(page, live_server)
    page.goto(f"{live_server.url}/projects/{DEMO_SLUG}/agreement/")
    page.click("text=the engine as a coder")
    with page.expect_navigation():
        page.get_by_role("button", name="Evaluate the engine").click()
    expect(page.locator("[data-engine-summary]")).to_contain_text("against researcher (primary coder)")
    n_codes = Code.objects.filter(project__slug=DEMO_SLUG, deleted_at__isnull=True).count()
    expect(page.locator("table.engine tbody tr")).to_have_count(n_codes)
    problems = audit(page, "the engine as a coder", page.console_errors)
    assert problems == [], "\n".join(problems)
