"""The comparison pages and API routes: who may see and change what, bad input, exports,
and a bounded number of queries whatever the size of the study."""
import io
import json

import docx
import pytest
from django.db import connection
from django.urls import reverse

from apps.comparison.models import Factor, Judgment
from apps.comparison.services import factor_add, judgment_set, outcome_choose
from apps.cases.services import case_create
from apps.coding.services import segment_create
from tests.conftest import phrase_span

PAGES = ["comparison_setup", "judgment_grid", "mssd_table", "qca_page", "judgment_agreement"]


@pytest.fixture
def setup(project, owner, transcript, threat, russian_interest, outcome, kazakhstan, armenia):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    kaz = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[russian_interest],
                         values={russian_interest.pk: "high"}, cases=[kazakhstan])
    start, end = phrase_span(transcript, "Nobody wanted to fight Azerbaijan.")
    arm = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[russian_interest, threat],
                         values={russian_interest.pk: "low", threat.pk: "absent"}, cases=[armenia])
    outcome_choose(project=project, attribute=outcome, actor=owner)
    rus = factor_add(project=project, actor=owner, code=russian_interest, label="RUSINT")
    thr = factor_add(project=project, actor=owner, code=threat, label="THREAT")
    return {"kaz": kaz, "arm": arm, "rus": rus, "threat": thr}


def url(name, project, *args):
    return reverse(name, args=[project.slug, *args])


def api(project, path):
    return f"/api/projects/{project.slug}/comparison/{path}"


# --- pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_every_comparison_page_opens_for_a_member(name, setup, project, reviewer, client_for):
    response = client_for(reviewer).get(url(name, project))
    assert response.status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_a_member_of_another_project_gets_404(name, setup, project, outsider, client_for):
    assert client_for(outsider).get(url(name, project)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(setup, project, client):
    response = client.get(url("mssd_table", project))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_coder_adds_a_factor_on_the_setup_page(project, coder, outcome, client_for):
    from apps.coding.services import code_create

    framing = code_create(project=project, name="Framing", scale="ordinal", levels=["internal", "external"],
                          actor=coder)
    response = client_for(coder).post(url("comparison_setup", project),
                                      {"action": "add", "source": f"code:{framing.pk}", "label": "FRAME"})
    assert response.status_code == 302
    assert Factor.objects.get().label == "FRAME"


def test_a_reviewer_may_not_change_the_factors(setup, project, reviewer, client_for):
    response = client_for(reviewer).post(url("comparison_setup", project),
                                         {"action": "remove", "factor": setup["rus"].pk})
    assert response.status_code == 403
    assert Factor.objects.count() == 2


def test_bad_setup_input_says_why_and_changes_nothing(setup, project, coder, client_for):
    response = client_for(coder).post(url("comparison_setup", project),
                                      {"action": "update", "factor": setup["rus"].pk, "label": "2 bad"},
                                      follow=True)
    assert "is not a valid short name" in response.content.decode()
    assert Factor.objects.get(pk=setup["rus"].pk).label == "RUSINT"


@pytest.mark.parametrize("data, reason", [
    ({"action": "remove", "factor": "abc"}, "not a whole number"),
    ({"action": "remove", "factor": "1.5"}, "not a whole number"),
    ({"action": "up", "factor": "1.0"}, "not a whole number"),
    ({"action": "remove"}, "Say which factor"),
    ({"action": "remove", "factor": "987654"}, "No factor 987654 in this project"),
    ({"action": "outcome", "attribute": "x"}, "not a whole number"),
    ({"action": "add", "source": "code:abc"}, "Choose a code or a case attribute"),
    ({"action": "add", "source": "code:987654"}, "No code 987654 in this project"),
    ({"action": "burn"}, "action"),
    ({}, "action"),
])
def test_malformed_setup_input_is_a_400_with_the_reason_and_changes_nothing(setup, project, coder, client_for, data,
                                                                             reason):
    response = client_for(coder).post(url("comparison_setup", project), data)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert list(Factor.objects.order_by("position").values_list("label", flat=True)) == ["RUSINT", "THREAT"]


def test_a_factor_of_another_project_cannot_be_changed_from_this_one(setup, project, coder, outsider,
                                                                      other_project, client_for):
    from apps.coding.services import code_create

    theirs = factor_add(project=other_project, actor=outsider, code=code_create(
        project=other_project, name="Theirs", scale="presence", actor=outsider))
    response = client_for(coder).post(url("comparison_setup", project), {"action": "remove", "factor": theirs.pk})
    assert response.status_code == 400
    assert Factor.objects.filter(pk=theirs.pk).exists()


def test_factors_move_up_and_down_and_stay_at_either_end(setup, project, coder, client_for):
    client = client_for(coder)

    def order():
        return list(Factor.objects.order_by("position").values_list("label", flat=True))

    assert client.post(url("comparison_setup", project), {"action": "down", "factor": setup["rus"].pk}
                       ).status_code == 302
    assert order() == ["THREAT", "RUSINT"]
    client.post(url("comparison_setup", project), {"action": "down", "factor": setup["rus"].pk})
    assert order() == ["THREAT", "RUSINT"]
    client.post(url("comparison_setup", project), {"action": "up", "factor": setup["rus"].pk})
    assert order() == ["RUSINT", "THREAT"]
    client.post(url("comparison_setup", project), {"action": "up", "factor": setup["rus"].pk})
    assert order() == ["RUSINT", "THREAT"]


def test_a_coder_sets_the_outcome_and_changes_a_factor_on_the_setup_page(setup, project, coder, outcome, client_for):
    client = client_for(coder)
    response = client.post(url("comparison_setup", project), {"action": "outcome", "attribute": outcome.pk,
                                                               "label": "GRANTED"}, follow=True)
    assert "Outcome: intervention granted." in response.content.decode()
    response = client.post(url("comparison_setup", project), {"action": "update", "factor": setup["threat"].pk,
                                                               "label": "THR", "positive_values": ["absent"]},
                           follow=True)
    assert "Factor THR: 1 = absent." in response.content.decode()
    threat = Factor.objects.get(pk=setup["threat"].pk)
    assert (threat.label, threat.positive_values) == ("THR", ["absent"])


def test_the_cell_page_lists_the_excerpts_with_citations(setup, project, coder, kazakhstan, client_for):
    response = client_for(coder).get(url("judgment_cell", project, setup["rus"].pk, kazakhstan.pk))
    page = response.content.decode()
    assert "Because Moscow wanted it to." in page and "E1, ¶2" in page
    assert "Proposed: <strong>high</strong>" in page


def test_a_coder_saves_a_judgment_with_cited_evidence(setup, project, coder, kazakhstan, client_for):
    client = client_for(coder)
    response = client.post(url("judgment_cell", project, setup["rus"].pk, kazakhstan.pk),
                           {"value": "high", "rationale": "Moscow wanted it.", "evidence": [setup["kaz"].pk],
                            "version": ""})
    assert response.status_code == 302
    judgment = Judgment.objects.get()
    assert (judgment.judge, judgment.value, list(judgment.evidence.all())) == (coder, "high", [setup["kaz"]])


def test_a_stale_form_gets_409_and_keeps_what_was_typed(setup, project, coder, kazakhstan, client_for):
    judgment_set(factor=setup["rus"], case=kazakhstan, judge=coder, value="high")
    judgment_set(factor=setup["rus"], case=kazakhstan, judge=coder, value="medium", version=1)
    response = client_for(coder).post(url("judgment_cell", project, setup["rus"].pk, kazakhstan.pk),
                                      {"value": "low", "rationale": "typed text", "version": "1"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed since you opened it" in page and "typed text" in page
    assert Judgment.objects.get().value == "medium"


def test_a_value_off_the_scale_gets_422_with_the_reason(setup, project, coder, kazakhstan, client_for):
    response = client_for(coder).post(url("judgment_cell", project, setup["rus"].pk, kazakhstan.pk),
                                      {"value": "huge", "rationale": ""})
    assert response.status_code == 422
    assert "is not a value of RUSINT" in response.content.decode()
    assert not Judgment.objects.exists()


@pytest.mark.parametrize("data, reason", [
    ({"value": "high", "evidence": ["abc"]}, "not a whole number"),
    ({"value": "high", "evidence": ["1.5"]}, "not a whole number"),
    ({"value": "high", "version": "x"}, "not a whole number"),
])
def test_a_judgment_with_malformed_ids_is_a_400_with_the_reason(setup, project, coder, kazakhstan, client_for, data,
                                                                reason):
    response = client_for(coder).post(url("judgment_cell", project, setup["rus"].pk, kazakhstan.pk), data)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not Judgment.objects.exists()


def test_adopting_needs_a_judgment_id_and_goes_back_only_within_the_site(setup, project, owner, coder, armenia,
                                                                         client_for):
    judgment_set(factor=setup["threat"], case=armenia, judge=owner, value="absent")
    client = client_for(coder)
    adopt = url("judgment_adopt", project, setup["threat"].pk, armenia.pk)
    response = client.post(adopt, {"source": "1.5"})
    assert response.status_code == 400 and "not a whole number" in response.content.decode()
    assert not Judgment.objects.filter(judge=coder).exists()
    response = client.post(adopt, {"source": Judgment.objects.get().pk, "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response["Location"] == url("judgment_agreement", project)
    assert Judgment.objects.get(judge=coder).value == "absent"


def test_a_reviewer_may_read_but_not_judge(setup, project, reviewer, kazakhstan, client_for):
    client = client_for(reviewer)
    assert client.get(url("judgment_cell", project, setup["rus"].pk, kazakhstan.pk)).status_code == 200
    response = client.post(url("judgment_cell", project, setup["rus"].pk, kazakhstan.pk), {"value": "high"})
    assert response.status_code == 403
    assert not Judgment.objects.exists()


def test_a_cell_of_another_project_is_404(setup, project, outsider, other_project, client_for):
    foreign_case = case_create(project=other_project, name="Elsewhere", actor=outsider)
    response = client_for(outsider).get(reverse("judgment_cell", args=[other_project.slug, setup["rus"].pk,
                                                                       foreign_case.pk]))
    assert response.status_code == 404


def test_text_typed_by_users_is_escaped(setup, project, coder, kazakhstan, client_for):
    judgment_set(factor=setup["rus"], case=kazakhstan, judge=coder, value="high",
                 rationale="<script>alert(1)</script>", evidence=[setup["kaz"]])
    page = client_for(coder).get(url("mssd_table", project)).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_settling_adopts_the_other_judgment(setup, project, owner, coder, armenia, client_for):
    judgment_set(factor=setup["threat"], case=armenia, judge=owner, value="absent", rationale="Only Armenia.")
    theirs = judgment_set(factor=setup["threat"], case=armenia, judge=coder, value="present")
    page = client_for(owner).get(url("judgment_agreement", project) + "?a=olga&b=cora").content.decode()
    assert "Cells to settle" in page and "Adopt this judgment" in page
    response = client_for(coder).post(url("judgment_adopt", project, setup["threat"].pk, armenia.pk),
                                      {"source": Judgment.objects.get(judge=owner).pk})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.value == "absent" and theirs.version == 2


# --- exports ----------------------------------------------------------------------------------------


@pytest.fixture
def judged(setup, owner, kazakhstan, armenia):
    judgment_set(factor=setup["rus"], case=kazakhstan, judge=owner, value="high", rationale="Moscow wanted it.",
                 evidence=[setup["kaz"]])
    judgment_set(factor=setup["rus"], case=armenia, judge=owner, value="low", evidence=[setup["arm"]])
    judgment_set(factor=setup["threat"], case=kazakhstan, judge=owner, value="present")
    judgment_set(factor=setup["threat"], case=armenia, judge=owner, value="absent", evidence=[setup["arm"]])
    return setup


@pytest.mark.parametrize("fmt, kind, needle", [
    ("md", "text/markdown", b"Moscow wanted it."),
    ("tex", "application/x-tex", b"\\begin{tabular}"),
    ("csv", "text/csv", b"E1, \xc2\xb62"),
])
def test_the_mssd_table_downloads_as_text_formats(fmt, kind, needle, judged, project, reviewer, client_for):
    response = client_for(reviewer).get(url("mssd_export", project, fmt) + "?judge=olga")
    assert response.status_code == 200 and response["Content-Type"].startswith(kind)
    assert f'filename="{project.slug}-mssd.{fmt}"' in response["Content-Disposition"]
    assert needle in response.content


def test_the_mssd_table_downloads_as_docx(judged, project, reviewer, client_for):
    response = client_for(reviewer).get(url("mssd_export", project, "docx") + "?judge=olga")
    document = docx.Document(io.BytesIO(response.content))
    assert document.tables[0].rows[1].cells[0].text == "RUSINT (Russian interest)"


def test_an_unknown_export_format_is_404(judged, project, reviewer, client_for):
    assert client_for(reviewer).get(url("mssd_export", project, "pdf")).status_code == 404


def test_the_r_table_has_case_names_as_row_names_and_0_1_columns(judged, project, reviewer, client_for):
    response = client_for(reviewer).get(url("qca_csv", project) + "?judge=olga")
    assert response.content.decode().splitlines() == [
        ",RUSINT,THREAT,INTERVENTION_GRANTED", "Kazakhstan 2022,1,1,1", "Armenia 2022,0,0,0"]


def test_the_qca_page_shows_solutions_with_their_cases(judged, project, reviewer, client_for):
    page = client_for(reviewer).get(url("qca_page", project) + "?judge=olga").content.decode()
    assert "RUSINT*THREAT → INTERVENTION_GRANTED" in page
    assert "Prime implicant chart" in page and "~RUSINT" in page


# --- bounded queries --------------------------------------------------------------------------------


def grow(project, owner, transcript, setup, n):
    for i in range(n):
        case = case_create(project=project, name=f"Extra {i}", actor=owner)
        segment = segment_create(transcript=transcript, start=i, end=i + 15, coder=owner,
                                 codes=[setup["rus"].code], values={setup["rus"].code.pk: "medium"}, cases=[case])
        judgment_set(factor=setup["rus"], case=case, judge=owner, value="medium", evidence=[segment])


@pytest.mark.parametrize("name", ["judgment_grid", "mssd_table", "qca_page", "qca_csv", "api:judgments",
                                  "api:mssd", "api:truth-table"])
def test_pages_run_the_same_number_of_queries_for_small_and_large_studies(name, judged, project, owner, transcript,
                                                                          client_for, django_assert_max_num_queries):
    client = client_for(owner)
    address = api(project, name[4:]) if name.startswith("api:") else url(name, project)
    with django_assert_max_num_queries(CELL_PAGE_QUERIES):
        assert client.get(address).status_code == 200
    grow(project, owner, transcript, judged, 8)
    with django_assert_max_num_queries(CELL_PAGE_QUERIES):
        assert client.get(address).status_code == 200


# PostgreSQL runs each large aggregate in a savepoint with JIT switched off
# (apps/analysis/selectors.py _analytic_cursor): a few more statements, the same at any size.
CELL_PAGE_QUERIES = 24 + (3 if connection.vendor == "postgresql" else 0)


def test_the_cell_page_and_export_stay_bounded(judged, project, owner, transcript, kazakhstan, client_for,
                                               django_assert_max_num_queries):
    client = client_for(owner)
    grow(project, owner, transcript, judged, 8)
    with django_assert_max_num_queries(CELL_PAGE_QUERIES):
        assert client.get(url("judgment_cell", project, judged["rus"].pk, kazakhstan.pk)).status_code == 200
    with django_assert_max_num_queries(CELL_PAGE_QUERIES):
        assert client.get(url("mssd_export", project, "md")).status_code == 200


def test_the_project_home_cites_the_tours_excerpt_within_the_home_pages_bound(judged, project, reviewer, client_for,
                                                                               django_assert_max_num_queries):
    from django.core.cache import cache

    from tests.projects.test_views import HOME_MAX_QUERIES

    client = client_for(reviewer)
    cache.clear()  # the tour is computed afresh: its state, the cited segment, its transcript's turns
    with django_assert_max_num_queries(HOME_MAX_QUERIES):
        response = client.get(reverse("project_home", args=[project.slug]))
    assert "starting from <q>Because Moscow wanted it to.</q> (E1, ¶2)" in response.content.decode()


# --- the API ------------------------------------------------------------------------------------------


def test_the_api_gives_the_grid_to_members_only(judged, project, reviewer, outsider, client_for):
    data = client_for(reviewer).get(api(project, "judgments") + "?judge=olga").json()
    assert data["judge"] == "olga" and [f["label"] for f in data["factors"]] == ["RUSINT", "THREAT"]
    kaz = next(c for c in data["cells"] if c["value"] == "high")
    assert kaz["proposal"] == "high" and kaz["cited"][0]["citation"] == "E1, ¶2"
    assert client_for(outsider).get(api(project, "judgments")).status_code == 404


def test_the_api_sets_a_judgment_and_refuses_a_stale_version_with_409(setup, project, coder, kazakhstan,
                                                                        client_for):
    client = client_for(coder)
    path = api(project, f"judgments/{setup['rus'].pk}/{kazakhstan.pk}")
    body = {"value": "high", "rationale": "r", "evidence": [setup["kaz"].pk], "version": None}
    first = client.put(path, json.dumps(body), content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 1
    second = client.put(path, json.dumps({**body, "value": "medium", "version": 1}), content_type="application/json")
    assert second.json()["version"] == 2
    stale = client.put(path, json.dumps({**body, "value": "low", "version": 1}), content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["current"]["value"] == "medium" and stale.json()["current"]["version"] == 2


def test_the_api_refuses_evidence_of_another_case_with_422(setup, project, coder, kazakhstan, client_for):
    response = client_for(coder).put(api(project, f"judgments/{setup['rus'].pk}/{kazakhstan.pk}"),
                                     json.dumps({"value": "high", "evidence": [setup["arm"].pk]}),
                                     content_type="application/json")
    assert response.status_code == 422
    assert "do not count for Kazakhstan 2022" in response.json()["detail"]


def test_the_api_names_at_most_ten_of_the_unknown_evidence_ids(setup, project, coder, kazakhstan, client_for):
    sent = list(range(10**9, 10**9 + 300))
    response = client_for(coder).put(api(project, f"judgments/{setup['rus'].pk}/{kazakhstan.pk}"),
                                     json.dumps({"value": "high", "evidence": sent}),
                                     content_type="application/json")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail == (f"Segments {', '.join(map(str, sent[:10]))} and 290 more are not passages of this project "
                      "(or are in the trash).")
    assert not Judgment.objects.exists()
    # An id past what the column holds is refused by the API's input schema, before any query.
    response = client_for(coder).put(api(project, f"judgments/{setup['rus'].pk}/{kazakhstan.pk}"),
                                     json.dumps({"value": "high", "evidence": [2**70]}),
                                     content_type="application/json")
    assert response.status_code == 422 and "less than or equal to" in response.json()["detail"]
    assert not Judgment.objects.exists()


def test_the_api_lets_no_reviewer_judge(setup, project, reviewer, kazakhstan, client_for):
    response = client_for(reviewer).put(api(project, f"judgments/{setup['rus'].pk}/{kazakhstan.pk}"),
                                        json.dumps({"value": "high"}), content_type="application/json")
    assert response.status_code == 403
    assert not Judgment.objects.exists()


def test_the_api_manages_factors_and_the_outcome(project, owner, threat, outcome, client_for):
    client = client_for(owner)
    created = client.post(api(project, "factors"), json.dumps({"code_id": threat.pk, "label": "THREAT"}),
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["positive_values"] == ["present"]
    factor_id = created.json()["id"]
    patched = client.patch(api(project, f"factors/{factor_id}"), json.dumps({"positive_values": ["absent"]}),
                           content_type="application/json")
    assert patched.json()["positive_values"] == ["absent"]
    bad = client.post(api(project, "factors"), json.dumps({}), content_type="application/json")
    assert bad.status_code == 422
    chosen = client.put(api(project, "outcome"), json.dumps({"attribute_id": outcome.pk, "label": "GRANTED"}),
                        content_type="application/json")
    assert chosen.json() == {"attribute_id": outcome.pk, "name": "intervention granted", "label": "GRANTED",
                             "positive_values": ["yes"]}
    assert client.delete(api(project, f"factors/{factor_id}")).status_code == 204


def test_the_api_mssd_and_truth_table(judged, project, reviewer, client_for):
    client = client_for(reviewer)
    table = client.get(api(project, "mssd") + "?judge=olga").json()
    assert [(r["label"], r["kind"]) for r in table["rows"]] == [("RUSINT", "covaries"), ("THREAT", "covaries")]
    tt = client.get(api(project, "truth-table") + "?judge=olga").json()
    outcome = tt["analyses"][0]
    assert outcome["solutions"]["conservative"]["models"][0]["formula"] == "RUSINT*THREAT"
    assert sorted(m["formula"] for m in outcome["solutions"]["parsimonious"]["models"]) == ["RUSINT", "THREAT"]


def test_the_api_agreement_needs_two_members(judged, project, reviewer, client_for):
    client = client_for(reviewer)
    assert client.get(api(project, "agreement") + "?a=olga&b=olga").status_code == 422
    data = client.get(api(project, "agreement") + "?a=olga&b=cora").json()
    assert data["compared"] == 0 and data["only_one"] == 4
