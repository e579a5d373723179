"""The analysis and review pages: who may see them, what they show, bad input, downloads,
and a number of queries that does not grow with the data."""
import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.demo.loader import DEMO_SLUG, load_demo
from apps.analysis.models import Review
from apps.coding.models import Comment
from apps.coding.services import code_create, comment_create
from apps.projects.models import Project
from tests.analysis.small_study import analytic, more_segments, study  # noqa: F401  (study: a fixture)

pytestmark = pytest.mark.django_db

PAGES = ["analysis_frequencies", "analysis_matrix", "analysis_cooccurrence", "review_dashboard"]


def url(name, project, query="", *args):
    return reverse(name, args=[project.slug, *args]) + (f"?{query}" if query else "")


@pytest.mark.parametrize("name", PAGES)
def test_members_see_the_page_and_others_get_404(name, study, client_for, reviewer, outsider):
    response = client_for(reviewer).get(url(name, study.project))
    assert response.status_code == 200
    assert client_for(outsider).get(url(name, study.project)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(name, study, client):
    response = client.get(url(name, study.project))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_matrix_page_shows_cells_values_and_links_to_the_excerpts(study, client_for, reviewer):
    response = client_for(reviewer).get(url("analysis_matrix", study.project, "measure=segments&all_coders=1"))
    html = response.content.decode()
    assert "Code × case matrix" in html
    matrix = response.context["matrix"]
    assert [c.label for c in matrix.columns] == ["Kazakhstan", "Armenia", "Kyrgyzstan"]
    assert matrix.cell(study.russia.pk, str(study.kz.pk)).count == 3
    assert 'class="value" title="present: E1, E2">present 2</span>' in html
    assert f"excerpts/?measure=segments&amp;all_coders=1&amp;code={study.threat.pk}&amp;column={study.kz.pk}" in html
    assert "<svg" in html and "<title" in html  # the heat-map
    assert "data-cell-comments" in html and "data-comment-api" in html


def test_matrix_page_by_attribute_branch_and_sub_codes(study, client_for, coder):
    client = client_for(coder)
    response = client.get(url("analysis_matrix", study.project,
                              f"columns={study.threat_type.pk}&root={study.threat.pk}&subcodes=1&measure=segments"
                              "&all_coders=1"))
    matrix = response.context["matrix"]
    assert [c.label for c in matrix.columns] == ["internal", "external"]
    assert [r.path for r in matrix.rows] == ["Threat", "Threat > Terror"]
    assert matrix.cell(study.threat.pk, matrix.columns[1].key).count == 2  # d, and g under Terror
    html = response.content.decode()
    assert "data-cell-comments" not in html and "data-comment-api" in html  # cells of cases only; segments still


@pytest.mark.parametrize("query, reason", [
    ("measure=minutes", "Measure"),
    ("columns=weather", "Columns"),
    ("root=999999", "no such code"),
    ("subcodes=maybe", "neither 1"),
])
def test_matrix_page_says_what_is_wrong_with_the_parameters(query, reason, study, client_for, reviewer):
    response = client_for(reviewer).get(url("analysis_matrix", study.project, query))
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_matrix_page_rejects_another_projects_attribute_and_code(study, client_for, reviewer, other_project_code):
    client = client_for(reviewer)
    assert client.get(url("analysis_matrix", study.project, f"root={other_project_code.pk}")).status_code == 400


def test_excerpt_page_of_a_cell(study, client_for, reviewer):
    response = client_for(reviewer).get(url("analysis_matrix_excerpts", study.project,
                                            f"code={study.threat.pk}&column={study.kz.pk}&all_coders=1"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Threat × Kazakhstan" in html and "(E1, ¶2)" in html and "(E2, ¶2)" in html
    bad = client_for(reviewer).get(url("analysis_matrix_excerpts", study.project, f"code={study.threat.pk}"))
    assert bad.status_code == 400 and "Column" in bad.content.decode()
    missing = client_for(reviewer).get(url("analysis_matrix_excerpts", study.project,
                                           f"code={study.threat.pk}&column=999999"))
    assert missing.status_code == 400 and "No column" in missing.content.decode()


def test_frequencies_page_with_chart_and_breakdown(study, client_for, reviewer):
    response = client_for(reviewer).get(url("analysis_frequencies", study.project, "by=experts&measure=words"))
    html = response.content.decode()
    rows = {r.path: r for r in response.context["rows"]}
    assert (rows["Threat"].segments, rows["Threat"].total_segments) == (5, 8)
    assert "Words coded per code (with sub-codes)" in html  # the chart's title
    assert [c.label for c in response.context["breakdown"].columns] == ["E1", "E2", "E3"]
    assert 'data-sortable' in html
    assert client_for(reviewer).get(url("analysis_frequencies", study.project, "by=weather")).status_code == 400


def test_cooccurrence_page_and_its_excerpts(study, client_for, reviewer):
    client = client_for(reviewer)
    response = client.get(url("analysis_cooccurrence", study.project, f"case={study.kz.pk}"))
    assert response.context["result"].cells[(study.terror.pk, study.russia.pk)] == 1
    page = client.get(url("analysis_cooccurrence_excerpts", study.project,
                          f"code={study.terror.pk}&other={study.russia.pk}"))
    assert page.status_code == 200 and study.b.quote[:30] in page.content.decode()
    assert client.get(url("analysis_cooccurrence", study.project, "case=999999")).status_code == 400


def test_user_text_is_escaped_in_tables_and_charts(project, owner, client_for):
    code_create(project=project, name="<script>alert(1)</script>", actor=owner)
    for name in ("analysis_frequencies", "analysis_matrix", "analysis_cooccurrence"):
        html = client_for(owner).get(url(name, project)).content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- downloads -----------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["frequencies", "breakdown", "matrix", "matrix-values", "cooccurrence",
                                   "progress"])
def test_every_table_downloads_as_csv_and_xlsx(table, study, client_for, reviewer):
    client = client_for(reviewer)
    as_csv = client.get(reverse("analysis_download", args=[study.project.slug, table, "csv"]))
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    assert f'filename="{study.project.slug}-{table}.csv"' in as_csv["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    as_xlsx = client.get(reverse("analysis_download", args=[study.project.slug, table, "xlsx"]))
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)] == rows


def test_matrix_download_has_the_code_path_and_one_column_per_case(study, client_for, reviewer):
    response = client_for(reviewer).get(reverse("analysis_download", args=[study.project.slug, "matrix", "csv"])
                                        + "?measure=segments&all_coders=1")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Code", "Kazakhstan", "Armenia", "Kyrgyzstan"], ["Threat", "3", "1", "1"],
                    ["Threat > Terror", "1", "1", "0"], ["Russia", "3", "0", "1"]]


def test_downloads_defuse_formulas_in_code_names(project, owner, client_for):
    code_create(project=project, name="=HYPERLINK(\"http://evil\")", actor=owner)
    client = client_for(owner)
    text = client.get(reverse("analysis_download", args=[project.slug, "frequencies", "csv"])).content.decode()
    assert "'=HYPERLINK" in text
    workbook = load_workbook(io.BytesIO(client.get(reverse("analysis_download",
                                                           args=[project.slug, "frequencies", "xlsx"])).content))
    cell = workbook.active["A2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_unknown_tables_and_formats_are_404(study, client_for, reviewer):
    client = client_for(reviewer)
    assert client.get(reverse("analysis_download", args=[study.project.slug, "secrets", "csv"])).status_code == 404
    assert client.get(reverse("analysis_download", args=[study.project.slug, "matrix", "pdf"])).status_code == 404


def test_outsiders_cannot_download(study, client_for, outsider):
    response = client_for(outsider).get(reverse("analysis_download", args=[study.project.slug, "matrix", "csv"]))
    assert response.status_code == 404


# --- bounded queries ------------------------------------------------------------------------------

PAGE_BOUNDS = {  # with the session, the user and the membership; (queries, large aggregates)
    "analysis_matrix": (10, 1), "analysis_frequencies": (12, 3), "analysis_cooccurrence": (9, 0),
    "review_dashboard": (13, 1),
}


@pytest.mark.parametrize("name", PAGE_BOUNDS)
def test_pages_run_the_same_bounded_queries_for_10_and_200_segments(name, project, owner, coder, client_for,
                                                                    django_assert_max_num_queries, request):
    small = request.getfixturevalue("study")
    client = client_for(coder)
    client.get(url("project_home", small.project))  # the session is written once, before counting
    queries, aggregates = PAGE_BOUNDS[name]
    with django_assert_max_num_queries(queries + analytic(aggregates)):
        assert client.get(url(name, small.project)).status_code == 200
    more_segments(small, 200, coder)
    comment_create(project=project, author=coder, text="more", code=small.threat)
    with django_assert_max_num_queries(queries + analytic(aggregates)):
        assert client.get(url(name, small.project)).status_code == 200


def test_excerpt_page_runs_bounded_queries(study, coder, client_for, django_assert_max_num_queries):
    client = client_for(coder)
    more_segments(study, 150, coder)
    with django_assert_max_num_queries(12):
        assert client.get(url("analysis_matrix_excerpts", study.project,
                              f"code={study.threat.pk}&column={study.kz.pk}&subcodes=1")).status_code == 200


# --- review forms -----------------------------------------------------------------------------------

def test_reviewer_marks_a_transcript_and_the_researcher_sees_status_and_note(study, client_for, reviewer, coder):
    response = client_for(reviewer).post(url("review_status", study.project), {
        "transcript": study.t1.pk, "status": "changes_requested", "note": "Code ¶7 with Russia too."})
    assert response.status_code == 302
    html = client_for(coder).get(url("review_dashboard", study.project)).content.decode()
    assert "Changes requested" in html and "Code ¶7 with Russia too." in html


def test_only_reviewers_mark_coding_approved(study, client_for, coder, owner, outsider):
    for user, status in ((coder, 403), (owner, 403), (outsider, 404)):
        response = client_for(user).post(url("review_status", study.project), {"status": "approved"})
        assert response.status_code == status
    assert not Review.objects.exists()


def test_review_form_says_what_is_missing(study, client_for, reviewer):
    client = client_for(reviewer)
    response = client.post(url("review_status", study.project), {"status": "changes_requested", "note": ""})
    assert response.status_code == 400 and "Say which changes" in response.content.decode()
    response = client.post(url("review_status", study.project), {"status": "great"})
    assert response.status_code == 400 and "Status" in response.content.decode()
    assert client.get(url("review_status", study.project)).status_code == 405


def test_comment_on_a_segment_answer_and_resolve(study, client_for, reviewer, coder):
    client = client_for(reviewer)
    response = client.post(url("review_comment_add", study.project), {"segment": study.a.pk, "text": "Really?",
                                                                       "next": "/evil.example/"})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.segment == study.a and comment.author == reviewer
    answer = client_for(coder).post(url("review_comment_add", study.project), {"parent": comment.pk,
                                                                                "text": "Yes: see ¶2."})
    assert answer.status_code == 302
    assert comment.replies.get().text == "Yes: see ¶2."
    resolve = client_for(coder).post(url("review_comment_resolve", study.project, "", comment.pk))
    assert resolve.status_code == 302
    comment.refresh_from_db()
    assert comment.resolved_by == coder


def test_comment_redirects_only_inside_the_site(study, client_for, reviewer):
    response = client_for(reviewer).post(url("review_comment_add", study.project),
                                         {"text": "x", "next": "https://evil.example/"})
    assert response["Location"] == url("review_dashboard", study.project)


def test_comment_on_a_matrix_cell_and_bad_comments(study, client_for, reviewer, outsider, other_project_code):
    client = client_for(reviewer)
    assert client.post(url("review_comment_add", study.project), {"code": study.threat.pk, "case": study.kz.pk,
                                                                   "text": "Why only two?"}).status_code == 302
    assert Comment.objects.get().case == study.kz
    assert client.post(url("review_comment_add", study.project), {"text": ""}).status_code == 400
    response = client.post(url("review_comment_add", study.project), {"code": other_project_code.pk, "text": "x"})
    assert response.status_code == 400 and "no such code" in response.content.decode()
    assert client_for(outsider).post(url("review_comment_add", study.project), {"text": "x"}).status_code == 404


def test_a_reviewer_cannot_resolve_a_researchers_comment(study, client_for, reviewer, coder):
    comment = comment_create(project=study.project, author=coder, text="Note to self", code=study.threat)
    response = client_for(reviewer).post(url("review_comment_resolve", study.project, "", comment.pk))
    assert response.status_code == 403
    assert client_for(reviewer).post(url("review_comment_resolve", study.project, "", 999999)).status_code == 404


# --- the demo study ----------------------------------------------------------------------------------

@pytest.fixture
def demo(db):
    project, _ = load_demo()
    return project


def test_demo_matrix_shows_four_cases_and_every_code_and_agrees_with_the_frequencies_page(demo, client):
    client.force_login(demo.memberships.get(role="reviewer").user)
    codes = list(demo.codes.filter(deleted_at__isnull=True).values_list("pk", flat=True))
    for measure in ("experts", "segments", "words"):
        matrix = client.get(url("analysis_matrix", demo, f"measure={measure}&all_coders=1")).context["matrix"]
        assert [c.label for c in matrix.columns] == ["Kyrgyzstan 2010", "Tajikistan 2021", "Kazakhstan 2022",
                                                     "Armenia 2022"]
        assert sorted(r.code.pk for r in matrix.rows) == sorted(codes) and len(codes) == 21
        page = client.get(url("analysis_frequencies", demo, f"by=cases&measure={measure}&subcodes=0"))
        breakdown = page.context["breakdown"]
        assert [[c.count for c in cells] for _, cells in breakdown.lines()] == \
            [[c.count for c in cells] for _, cells in matrix.lines()]
    frequencies = {r.code.pk: r for r in client.get(url("analysis_frequencies", demo)).context["rows"]}
    experts = client.get(url("analysis_matrix", demo)).context["matrix"]
    for row, cells in experts.lines():
        assert max(c.count for c in cells) <= frequencies[row.code.pk].experts <= 7
    assert Project.objects.get(slug=DEMO_SLUG) == demo
