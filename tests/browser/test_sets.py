"""The set analysis in a real browser, on the demo study: a researcher calibrates a factor
by the direct method, confirms the raw values the coded evidence proposes, opens the XY
plot of that factor against the outcome and follows a dot to the judgment and excerpts
behind it."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.comparison.models import Factor, SetMembership
from apps.demo.loader import DEMO_PASSWORD, DEMO_SLUG
from apps.projects.models import Membership as ProjectMembership
from tests.browser.conftest import assert_no_console_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())


def test_calibrate_a_factor_of_the_demo_open_the_xy_plot_and_follow_a_dot_to_its_excerpts(
        page, live_server, screenshot, demo):
    factor = Factor.objects.filter(project__slug=DEMO_SLUG, code__isnull=False).order_by("position").first()
    researcher = ProjectMembership.objects.filter(project__slug=DEMO_SLUG, role="owner").first().user
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", researcher.username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    base = f"{live_server.url}/projects/{DEMO_SLUG}/comparison"
    page.goto(f"{base}/calibration/{factor.pk}/")

    page.check('input[name="method"][value="direct"]')
    page.fill("#anchor-full", "0.9")
    page.fill("#anchor-crossover", "0.5")
    page.fill("#anchor-non", "0.1")
    with page.expect_navigation():
        page.click("[data-calibration-method] button[type=submit]")
    assert "Anchors: full membership 0.9, crossover 0.5" in page.inner_text("main")
    # confirm the raw values the coded evidence proposes (the share of experts coding a value counted as 1)
    with page.expect_navigation():
        page.click("[data-confirm-all]")
    assert "proposed raw value" in page.inner_text(".messages, main")
    count = page.locator("[data-membership-form]").count()
    assert count >= 4
    for i in range(count):  # a case without coded values gets a value typed by hand
        row = page.locator("tr[data-case]").nth(i)
        if "not confirmed" in row.inner_text():
            row.locator('input[name="raw"]').fill("0.5")
            row.locator('input[name="raw_source"]').fill("read from the case file")
            with page.expect_navigation():
                row.locator("button[type=submit]").click()
    confirmed = SetMembership.objects.filter(factor=factor, raw__isnull=False)
    assert confirmed.count() == count and all(m.raw_source for m in confirmed)
    screenshot(page, "sets-calibration")

    with page.expect_navigation():
        page.click("text=Open the set analysis")
    page.select_option("#plot-choice", factor.label)
    with page.expect_navigation():
        page.click("#plot-choice ~ button")
    plot = page.locator("[data-xy-plot] svg[role=group]")
    assert plot.count() == 1
    dots = plot.locator("a.dot")
    assert dots.count() >= 4
    plot.scroll_into_view_if_needed()
    screenshot(page, "sets-xy-plot")
    case_name = dots.first.locator("text").text_content()
    with page.expect_navigation():
        dots.first.locator("circle").click()
    assert f"/comparison/judgments/{factor.pk}/" in page.url
    assert case_name in page.inner_text("h1")
    assert page.locator("[data-excerpts] li, .cmp-no-evidence-note").count() >= 1
    assert_no_console_errors(page)
