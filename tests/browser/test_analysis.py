"""The analysis in a real browser: the charts render, carry a title, axis labels and
tooltips, print without the controls; a matrix cell opens its excerpts and takes a
comment; tables sort; a reviewer's verdict reaches the researcher."""
from __future__ import annotations

import pytest

from apps.coding.models import Comment
from tests.analysis.small_study import study  # noqa: F401  (study is a fixture)
from tests.browser.conftest import assert_no_console_errors

pytestmark = pytest.mark.browser


def test_matrix_heatmap_is_labelled_and_a_cell_opens_its_excerpts(page, live_server, signed_in, reviewer, study,
                                                                  screenshot):
    signed_in(page, reviewer)
    page.goto(f"{live_server.url}/projects/{study.project.slug}/analysis/matrix/?all_coders=1")  # E1-E3's coders

    chart = page.locator("svg.chart.heatmap")
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 150
    assert chart.locator("text.chart-title").text_content() == "Distinct experts: codes × cases"
    assert chart.locator("> title").text_content() == "Distinct experts: codes × cases"
    assert sorted(chart.locator("text.axis-label").all_text_contents()) == ["Cases", "Code"]
    tooltips = chart.locator("a.cell > title").all_text_contents()
    assert "Russia × Kazakhstan: 3 distinct experts — low 1 (E3); medium 1 (E2); high 1 (E1)" in tooltips
    screenshot(page, "analysis-matrix")

    page.click(f"#matrix-table a.cell-link[data-code='{study.threat.pk}'][data-column='{study.kz.pk}']")
    panel = page.locator("#excerpt-panel")
    panel.locator("li.excerpt").first.wait_for()
    assert panel.locator("#excerpt-panel-title").inner_text() == "Threat × Kazakhstan"
    assert panel.locator(".citation").all_inner_texts() == ["(E1, ¶2)", "(E2, ¶2)", "(E1, ¶1)"]
    assert panel.locator("[data-panel-more]").is_hidden()  # all three are shown
    panel.locator("[data-comments-list] li").first.wait_for()
    panel.locator("#cell-comment-text").fill("Only E1 and E2 here: ask E3?")
    panel.locator("[data-comment-form] button[type=submit]").click()
    panel.locator("[data-comments-list] li.comment").first.wait_for()
    assert "Only E1 and E2 here" in panel.locator("[data-comments-list]").inner_text()
    comment = Comment.objects.get()
    assert (comment.code, comment.case, comment.author) == (study.threat, study.kz, reviewer)
    screenshot(page, "analysis-matrix-excerpts")

    page.keyboard.press("Escape")
    assert panel.is_hidden()
    page.locator("svg.chart a.cell").first.click()  # the heat-map's cells open the panel too
    panel.locator("li.excerpt").first.wait_for()
    assert_no_console_errors(page)


def test_matrix_prints_with_its_chart_and_without_the_controls(page, live_server, signed_in, coder, study,
                                                              screenshot):
    signed_in(page, coder)
    page.goto(f"{live_server.url}/projects/{study.project.slug}/analysis/matrix/?measure=segments")
    page.emulate_media(media="print")
    assert page.locator("form.filters").is_hidden() and page.locator(".downloads").first.is_hidden()
    assert page.locator("svg.chart.heatmap").is_visible()
    assert page.locator("#matrix-table").is_visible()
    screenshot(page, "analysis-matrix-print")
    assert_no_console_errors(page)


def test_frequency_bar_chart_and_sortable_table(page, live_server, signed_in, reviewer, study, screenshot):
    signed_in(page, reviewer)
    page.goto(f"{live_server.url}/projects/{study.project.slug}/analysis/frequencies/")
    chart = page.locator("svg.chart.bar-chart")
    assert chart.locator("text.chart-title").text_content() == "Segments per code (with sub-codes)"
    assert sorted(chart.locator("text.axis-label").all_text_contents()) == ["Code", "Segments"]
    bars = chart.locator("g.bar")
    assert bars.count() == 3
    assert bars.locator("> title").all_text_contents() == ["Threat: 8 segments", "Threat > Terror: 3 segments",
                                                           "Russia: 4 segments"]
    assert chart.locator("g.bar rect").first.bounding_box()["width"] > 100

    table = page.locator("#frequency-table")
    segments_header = table.locator("thead tr:nth-child(2) th").first.locator("button")
    segments_header.click()  # largest first
    assert table.locator("tbody th").all_inner_texts() == ["Threat", "Russia", "Terror"]
    segments_header.click()
    assert table.locator("tbody th").all_inner_texts() == ["Terror", "Russia", "Threat"]
    table.locator("thead th").first.locator("button").click()  # back to the codebook's order
    assert table.locator("tbody th").all_inner_texts() == ["Threat", "Terror", "Russia"]
    screenshot(page, "analysis-frequencies")
    assert_no_console_errors(page)


def test_reviewer_asks_for_changes_and_the_researcher_sees_the_note(page, browser, live_server, signed_in,
                                                                    reviewer, coder, study, screenshot):
    signed_in(page, reviewer)
    page.goto(f"{live_server.url}/projects/{study.project.slug}/review/")
    page.locator("summary", has_text="Review the codebook").click()
    form = page.locator("details.review-form").first
    form.locator("input[value=changes_requested]").check()
    form.locator("textarea[name=note]").fill("Split Threat into internal and external.")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert_no_console_errors(page)

    context = browser.new_context(viewport={"width": 1400, "height": 950})
    researcher = context.new_page()
    researcher.console_errors = []
    researcher.on("console", lambda m: m.type == "error" and researcher.console_errors.append(m.text))
    signed_in(researcher, coder)
    researcher.goto(f"{live_server.url}/projects/{study.project.slug}/review/")
    codebook = researcher.locator("section[aria-labelledby=h-codebook]")
    assert "Changes requested" in codebook.inner_text()
    assert "Split Threat into internal and external." in codebook.inner_text()
    assert researcher.locator("details.review-form").count() == 0  # researchers do not approve
    assert researcher.locator("#progress-table tbody tr").count() == 4
    screenshot(researcher, "review-dashboard")
    assert_no_console_errors(researcher)
    context.close()


@pytest.mark.parametrize("width,height", [(1280, 800), (1024, 768)])
def test_every_label_of_the_matrix_controls_stays_beside_its_select(page, live_server, signed_in, reviewer, study,
                                                                    width, height, screenshot):
    page.set_viewport_size({"width": width, "height": height})
    signed_in(page, reviewer)
    page.goto(f"{live_server.url}/projects/{study.project.slug}/analysis/matrix/")
    fields = page.locator("form.filters .filter-field").all()
    assert len(fields) == 3  # cells count, columns, rows
    for field in fields:
        label, select = field.locator("label").bounding_box(), field.locator("select").bounding_box()
        assert abs((label["y"] + label["height"] / 2) - (select["y"] + select["height"] / 2)) < 6
        assert 0 <= select["x"] - (label["x"] + label["width"]) < 20
    screenshot(page, f"analysis-matrix-{width}x{height}")
