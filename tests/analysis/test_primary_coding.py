"""The matrix counts the primary coding by default (the primary coder's and the settled
codings), so a second coder's reliability coding never silently changes a finding; every
coder's codings on request (issue #16, build 4)."""
import pytest
from django.urls import reverse

from apps.agreement.services import KEEP, passage_settle
from apps.analysis.selectors import code_case_matrix, matrix_cell_excerpts
from apps.coding.services import code_create, segment_create
from apps.projects.services import project_primary_coder_set
from tests.conftest import phrase_span


@pytest.fixture
def double(project, owner, coder, transcript, kazakhstan):
    """One passage about Kazakhstan coded by the owner (present) and by a second coder (absent)."""
    threat = code_create(project=project, name="Shared threat", scale="presence", actor=owner)
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    mine, theirs = (segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=who,
                                   values={threat.pk: value}, cases=[kazakhstan])
                    for who, value in ((owner, "present"), (coder, "absent")))
    return {"code": threat, "mine": mine, "theirs": theirs, "case": str(kazakhstan.pk)}


def test_the_matrix_counts_the_primary_coders_codings_by_default(project, double):
    cell = code_case_matrix(project=project, measure="segments").cell(double["code"].pk, double["case"])
    assert (cell.segments, cell.segment_ids, list(cell.values)) == (1, [double["mine"].pk], ["present"])


def test_the_matrix_counts_every_coder_on_request(project, double):
    cell = code_case_matrix(project=project, measure="segments", all_coders=True).cell(double["code"].pk,
                                                                                       double["case"])
    assert cell.segments == 2 and list(cell.values) == ["present", "absent"]


def test_the_matrix_follows_the_primary_coder_setting(project, owner, coder, double):
    project_primary_coder_set(project=project, user=coder, actor=owner)
    matrix = code_case_matrix(project=project)
    assert matrix.primary_coder == "cora" and not matrix.all_coders
    assert list(matrix.cell(double["code"].pk, double["case"]).values) == ["absent"]


def test_a_settled_coding_counts_in_the_matrix(project, owner, double):
    mine, theirs = double["mine"], double["theirs"]
    passage_settle(action=KEEP, code=double["code"], segments=[mine, theirs], keep=theirs,
                   versions={mine.pk: mine.version, theirs.pk: theirs.version}, actor=owner)
    cell = code_case_matrix(project=project).cell(double["code"].pk, double["case"])
    assert list(cell.values) == ["absent"] and cell.segment_ids == [theirs.pk]


def test_coder_columns_compare_every_coder(project, owner, coder, double):
    matrix = code_case_matrix(project=project, columns="coders")
    assert matrix.all_coders
    assert matrix.cell(double["code"].pk, str(coder.pk)).segments == 1


def test_a_cells_excerpts_are_those_the_matrix_counts(project, double):
    page = matrix_cell_excerpts(project=project, code=double["code"], column=double["case"])
    assert [e.segment.pk for e in page.excerpts] == [double["mine"].pk]
    every = matrix_cell_excerpts(project=project, code=double["code"], column=double["case"], all_coders=True)
    assert len(every.excerpts) == 2


def test_the_matrix_page_and_api_say_whose_codings_count(client_for, project, reviewer, double):
    client = client_for(reviewer)
    html = client.get(reverse("analysis_matrix", args=[project.slug])).content.decode()
    assert "The primary coding counts: olga" in html and 'name="all_coders"' in html
    html = client.get(reverse("analysis_matrix", args=[project.slug]) + "?all_coders=1").content.decode()
    assert "Every coder's codings count." in html
    data = client.get(f"/api/projects/{project.slug}/analysis/matrix").json()
    assert data["all_coders"] is False and data["primary_coder"] == "olga"
    assert client.get(f"/api/projects/{project.slug}/analysis/matrix?all_coders=1").json()["all_coders"] is True
