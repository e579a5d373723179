"""The comparison in a real browser: from a judgment grid cell to its excerpts, a judgment
with cited evidence, the MSSD table with that evidence, and its downloads."""
from __future__ import annotations

import csv
import io

import pytest

from apps.comparison.models import Judgment
from apps.comparison.services import factor_add, judgment_set, outcome_choose
from apps.coding.services import segment_create
from tests.browser.conftest import assert_no_console_errors
from tests.conftest import phrase_span

pytestmark = pytest.mark.browser


@pytest.fixture
def study(project, owner, transcript, threat, russian_interest, outcome, kazakhstan, armenia):
    def code(phrase, case, pairs):
        start, end = phrase_span(transcript, phrase)
        return segment_create(transcript=transcript, start=start, end=end, coder=owner,
                              codes=[c for c, _ in pairs], values={c.pk: v for c, v in pairs}, cases=[case])

    kaz = code("Because Moscow wanted it to.", kazakhstan, [(russian_interest, "high")])
    code("The members feared the same crowds at home.", kazakhstan, [(threat, "present")])
    arm = code("Nobody wanted to fight Azerbaijan.", armenia, [(russian_interest, "low"), (threat, "absent")])
    outcome_choose(project=project, attribute=outcome, actor=owner)
    rus = factor_add(project=project, actor=owner, code=russian_interest, label="RUSINT")
    thr = factor_add(project=project, actor=owner, code=threat, label="THREAT")
    return {"kaz": kaz, "arm": arm, "rus": rus, "threat": thr}


def test_from_a_grid_cell_to_a_judgment_with_evidence_to_the_mssd_table_and_its_export(
        page, live_server, signed_in, screenshot, study, project, coder, kazakhstan, armenia):
    for factor, case, value, cited in ((study["rus"], armenia, "low", study["arm"]),
                                       (study["threat"], armenia, "absent", study["arm"])):
        judgment_set(factor=factor, case=case, judge=coder, value=value, evidence=[cited])
    signed_in(page, coder)
    page.goto(f"{live_server.url}/projects/{project.slug}/comparison/judgments/")
    cell = page.locator(f'[data-cell="{study["rus"].pk}-{kazakhstan.pk}"]')
    assert "proposed: high" in cell.inner_text()

    with page.expect_navigation():
        cell.click()
    excerpt = page.locator("[data-excerpts] li").first
    assert "Because Moscow wanted it to." in excerpt.inner_text()
    assert "E1, ¶2" in excerpt.inner_text()
    page.click("[data-use-proposal]")
    assert page.input_value("[data-value]") == "high"
    assert excerpt.locator('input[name="evidence"]').is_checked()
    page.fill("[data-rationale]", "Moscow wanted it: the one case of high Russian interest.")
    page.click("[data-judgment-form] button[type=submit]")
    page.wait_for_selector("[data-status].ok")
    assert "Saved (version 1)" in page.inner_text("[data-status]")
    judgment = Judgment.objects.get(factor=study["rus"], case=kazakhstan, judge=coder)
    assert judgment.value == "high" and list(judgment.evidence.all()) == [study["kaz"]]
    screenshot(page, "comparison-judgment")

    # Someone changes the judgment in another tab: saving again shows the conflict, keeps the text.
    judgment_set(factor=study["rus"], case=kazakhstan, judge=coder, value="medium", version=1)
    page.click("[data-judgment-form] button[type=submit]")
    page.wait_for_selector("[data-status].err")
    assert "Now: “medium”" in page.inner_text("[data-status]")
    assert [e for e in page.console_errors if "409" not in e] == []  # the browser logs the 409 itself
    page.console_errors.clear()
    page.click("[data-judgment-form] button[type=submit]")
    page.wait_for_selector("text=Saved (version 3)")
    judgment_set(factor=study["threat"], case=kazakhstan, judge=coder, value="present")

    with page.expect_navigation():
        page.click("nav.cmp-tabs >> text=MSSD table")
    row = page.locator("tr", has=page.locator("text=RUSINT")).first
    assert "varies with the outcome" in row.inner_text()
    row.locator("details.cmp-evidence summary").first.click()
    assert "Because Moscow wanted it to." in row.inner_text()
    page.check("[data-toggle-crisp]")
    assert page.locator(".cmp-crisp").first.is_visible()
    screenshot(page, "comparison-mssd")

    with page.expect_download() as download:
        page.click('[data-export="md"]')
    text = open(download.value.path(), encoding="utf-8").read()
    assert "| RUSINT (Russian interest) | high (1) | low (0) |" in text
    assert "Moscow wanted it: the one case of high Russian interest." in text
    assert "\u201cBecause Moscow wanted it to.\u201d (E1, ¶2)" in text
    with page.expect_download() as download:
        page.click('[data-export="qca"]')
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert rows == [["", "RUSINT", "THREAT", "INTERVENTION_GRANTED"], ["Kazakhstan 2022", "1", "1", "1"],
                    ["Armenia 2022", "0", "0", "0"]]

    with page.expect_navigation():
        page.click("nav.cmp-tabs >> text=Truth table and minimisation")
    assert "RUSINT*THREAT → INTERVENTION_GRANTED" in page.inner_text("main")
    assert_no_console_errors(page)
