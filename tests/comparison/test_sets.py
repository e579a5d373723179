"""Calibration stored and edited, the set-analysis page, its XY plot and downloads: who may
see and change what, bad input refused with its reason, and a bounded number of queries."""
import csv
import io

import docx
import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.cases.services import case_create, case_value_set
from apps.coding.services import code_create, segment_create
from apps.comparison.methods import calibration
from apps.comparison.models import Factor, SetMembership, OutcomeCalibration
from apps.comparison.services import calibration_set, factor_add, judgment_set, membership_set, outcome_choose
from tests.conftest import phrase_span


@pytest.fixture
def study(project, owner, transcript, threat, russian_interest, outcome, kazakhstan, armenia):
    """Two factors judged in two cases with opposite outcomes; RUSINT rests on coded values."""
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    kaz = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[russian_interest],
                         values={russian_interest.pk: "high"}, cases=[kazakhstan])
    start, end = phrase_span(transcript, "Nobody wanted to fight Azerbaijan.")
    arm = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[russian_interest, threat],
                         values={russian_interest.pk: "low", threat.pk: "absent"}, cases=[armenia])
    outcome_choose(project=project, attribute=outcome, actor=owner, label="INT")
    rus = factor_add(project=project, actor=owner, code=russian_interest, label="RUSINT")
    thr = factor_add(project=project, actor=owner, code=threat, label="THREAT")
    for factor, case, value in ((rus, kazakhstan, "high"), (rus, armenia, "low"),
                                (thr, kazakhstan, "present"), (thr, armenia, "absent")):
        judgment_set(factor=factor, case=case, judge=owner, value=value)
    return {"kaz": kaz, "arm": arm, "rus": rus, "threat": thr}


def url(name, project, *args):
    return reverse(name, args=[project.slug, *args])


# --- calibration: services --------------------------------------------------------------------------


def test_the_direct_method_needs_ordered_anchors(study, project, owner):
    rus = study["rus"]
    with pytest.raises(ValidationError, match="crossover"):
        calibration_set(project=project, factor=rus, actor=owner, method="direct", full=0.2, crossover=0.9, non=0.1)
    with pytest.raises(ValidationError, match="three anchors"):
        calibration_set(project=project, factor=rus, actor=owner, method="direct", full=0.9, crossover=None, non=0.1)
    rus.refresh_from_db()
    assert rus.calibration == "crisp" and rus.anchor_full is None


def test_a_manual_score_lies_from_0_to_1_and_cites_passages_of_its_case(study, project, owner, kazakhstan, armenia):
    rus = study["rus"]
    with pytest.raises(ValidationError, match="from 0 to 1"):
        membership_set(project=project, factor=rus, case=kazakhstan, actor=owner, score=1.2)
    with pytest.raises(ValidationError, match="do not count for"):
        membership_set(project=project, factor=rus, case=kazakhstan, actor=owner, score=0.8,
                       evidence=[study["arm"].pk])
    assert not SetMembership.objects.exists()
    saved = membership_set(project=project, factor=rus, case=kazakhstan, actor=owner, score=0.8,
                           rationale="Moscow wanted it", evidence=[study["kaz"].pk])
    assert list(saved.evidence.values_list("pk", flat=True)) == [study["kaz"].pk]


def test_the_outcome_is_calibrated_like_a_factor(study, project, owner, kazakhstan):
    calibration_set(project=project, factor=None, actor=owner, method="manual")
    membership_set(project=project, factor=None, case=kazakhstan, actor=owner, score=0.9)
    assert OutcomeCalibration.objects.get().calibration == "manual"
    assert SetMembership.objects.get().factor is None


# --- the calibration page ---------------------------------------------------------------------------


def test_the_calibration_page_proposes_a_raw_value_from_the_coded_values(study, project, reviewer, client_for):
    response = client_for(reviewer).get(url("factor_calibration", project, study["rus"].pk))
    assert response.status_code == 200
    text = response.content.decode()
    # Kazakhstan: one expert coded "high", the value counting as 1.
    assert "1 of 1 expert coded high" in text


def test_a_coder_calibrates_by_the_direct_method_and_confirms_raw_values(study, project, coder, owner, client_for,
                                                                         kazakhstan, armenia):
    client = client_for(coder)
    rus = study["rus"]
    page = url("factor_calibration", project, rus.pk)
    response = client.post(page, {"action": "method", "method": "direct", "full": "0.9", "crossover": "0.5",
                                  "non": "0.1"})
    assert response.status_code == 302
    for case, raw in ((kazakhstan, "1"), (armenia, "0.3")):
        assert client.post(page, {"action": "membership", "case": case.pk, "raw": raw,
                                  "raw_source": "share of experts"}).status_code == 302
    # the judgments of THREAT are the owner's; the memberships are the project's
    analysis = client.get(url("set_analysis", project), {"plot": "RUSINT", "judge": owner.username})
    anchors = calibration.Anchors(full=0.9, crossover=0.5, non=0.1)
    dots = {p.case.name: p.x for p in analysis.context["page"].plot.points}
    assert dots == {"Kazakhstan 2022": pytest.approx(calibration.direct(1, anchors)),
                    "Armenia 2022": pytest.approx(calibration.direct(0.3, anchors))}


def test_a_reviewer_may_not_calibrate(study, project, reviewer, client_for):
    response = client_for(reviewer).post(url("factor_calibration", project, study["rus"].pk),
                                         {"action": "method", "method": "manual"})
    assert response.status_code == 403
    assert Factor.objects.get(pk=study["rus"].pk).calibration == "crisp"


@pytest.mark.parametrize("form, reason", [
    ({"action": "membership", "score": "0.5"}, "which case"),
    ({"action": "membership", "case": "987654", "score": "0.5"}, "No case 987654"),
    ({"action": "membership", "case": "abc"}, "not a whole number"),
    ({"action": "method"}, "Choose how"),
    ({"action": "method", "method": "direct", "full": "nan", "crossover": "0.5", "non": "0.1"}, "full"),
])
def test_bad_calibration_input_says_why_and_changes_nothing(study, project, coder, client_for, form, reason):
    response = client_for(coder).post(url("factor_calibration", project, study["rus"].pk), form)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not SetMembership.objects.exists()


def test_a_score_out_of_range_is_refused_with_its_reason(study, project, coder, client_for, kazakhstan):
    client = client_for(coder)
    response = client.post(url("factor_calibration", project, study["rus"].pk),
                           {"action": "membership", "case": kazakhstan.pk, "score": "3"})
    assert response.status_code == 422 and "from 0 to 1" in response.content.decode()
    assert not SetMembership.objects.exists()


def test_a_case_of_another_project_reads_as_missing(study, project, coder, client_for, other_project, outsider):
    theirs = case_create(project=other_project, name="Their case", actor=outsider)
    response = client_for(coder).post(url("factor_calibration", project, study["rus"].pk),
                                      {"action": "membership", "case": theirs.pk, "score": "0.5"})
    assert response.status_code == 400 and "Their case" not in response.content.decode()


# --- the set-analysis page --------------------------------------------------------------------------


def test_crisp_judgments_go_through_the_set_analysis(study, project, reviewer, client_for):
    response = client_for(reviewer).get(url("set_analysis", project))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.data == {"Kazakhstan 2022": {"RUSINT": 1.0, "THREAT": 1.0, "INT": 1.0},
                         "Armenia 2022": {"RUSINT": 0.0, "THREAT": 0.0, "INT": 0.0}}
    necessary = {n.expression: n.consistency for n in page.necessity}
    assert necessary["RUSINT"] == 1.0 and necessary["~RUSINT"] == 0.0
    # both remainders would be assumed for INT and for ~INT: contradictory, excluded by default (ESA)
    assert page.esa.contradictory == ((0, 1), (1, 0))
    assert [str(m) for m in page.esa.parsimonious.models] == ["RUSINT*THREAT"]
    kept = client_for(reviewer).get(url("set_analysis", project), {"keep_contradictory": "1"}).context["page"]
    assert [str(m) for m in kept.esa.parsimonious.models] == ["RUSINT", "THREAT"]


def test_the_intermediate_solution_follows_the_directional_expectations(study, project, reviewer, client_for):
    response = client_for(reviewer).get(url("set_analysis", project),
                                        {"exp_RUSINT": "-", "exp_THREAT": "0", "keep_contradictory": "1"})
    page = response.context["page"]
    intermediate = [(s.parsimonious_model, str(m)) for s in page.esa.intermediate for m in s.models]
    # M1 = RUSINT assumes RUSINT*~THREAT: easy, since the absence of THREAT is expected to contribute;
    # M2 = THREAT assumes ~RUSINT*THREAT: not easy (no expectation for RUSINT), so nothing is simplified
    assert intermediate == [(1, "RUSINT"), (2, "RUSINT*THREAT")]


def test_contradictory_rows_are_labelled_as_r_does_with_two_cut_offs(study, project, owner, reviewer, client_for,
                                                                      outcome):
    twin = case_create(project=project, name="Kyrgyzstan 2010", actor=owner)
    case_value_set(case=twin, attribute=outcome, value=False, actor=owner)
    for factor in (study["rus"], study["threat"]):
        judgment_set(factor=factor, case=twin, judge=owner, value="high" if factor.label == "RUSINT" else "present")
    client = client_for(reviewer)
    one = client.get(url("set_analysis", project)).context["page"].truth_table
    two = client.get(url("set_analysis", project), {"incl": "1", "incl0": "0.5"}).context["page"].truth_table
    assert [r.outcome for r in one.rows if r.n == 2] == [0]
    assert [r.outcome for r in two.rows if r.n == 2] == ["C"]


def test_each_dot_of_the_xy_plot_links_to_the_judgment_behind_it(study, project, reviewer, client_for, kazakhstan):
    response = client_for(reviewer).get(url("set_analysis", project), {"plot": "THREAT"})
    text = response.content.decode()
    cell = reverse("judgment_cell", args=[project.slug, study["threat"].pk, kazakhstan.pk])
    assert f'<a class="dot" href="{cell}' in text
    assert 'role="group"' in text and "<title" in text


def test_the_truth_table_is_drawn_as_a_venn_diagram_one_label_per_row(study, project, reviewer, client_for):
    text = client_for(reviewer).get(url("set_analysis", project)).content.decode()
    root = lxml.html.fromstring(text)
    figure = root.xpath("//figure[@data-venn]/svg")[0]
    assert figure.xpath("title")[0].text == "Truth table for INT as a Venn diagram"
    regions = figure.xpath("g[@class='venn-region']")
    assert len(regions) == 4
    titled = {r.xpath("title")[0].text for r in regions if r.get("data-cases") != "0"}
    assert titled == {"RUSINT*THREAT: 1 case (Kazakhstan 2022), outcome 1",
                      "~RUSINT*~THREAT: 1 case (Armenia 2022), outcome 0"}
    assert [t.text for t in figure.xpath("text[@class='venn-set']")] == ["RUSINT", "THREAT"]


def test_with_more_than_five_conditions_the_page_says_the_venn_diagram_is_for_up_to_five(
        study, project, owner, reviewer, client_for, kazakhstan, armenia):
    for i in range(4):
        code = code_create(project=project, name=f"Condition {i}", scale="presence", actor=owner)
        factor = factor_add(project=project, actor=owner, code=code, label=f"C{i}")
        judgment_set(factor=factor, case=kazakhstan, judge=owner, value="present")
        judgment_set(factor=factor, case=armenia, judge=owner, value="absent")
    response = client_for(reviewer).get(url("set_analysis", project))
    text = response.content.decode()
    assert len(response.context["page"].truth_table.conditions) == 6
    assert "data-venn" not in text and "drawn for two to five conditions; this analysis has 6" in text


@pytest.mark.parametrize("query, reason", [
    ({"incl": "2"}, "incl"), ({"n": "0"}, "n"), ({"incl": "0.7", "incl0": "0.9"}, "must not exceed"),
    ({"exp_RUSINT": "up"}, "exp_RUSINT"),
])
def test_bad_choices_on_the_set_analysis_are_refused_with_the_reason(study, project, reviewer, client_for,
                                                                     query, reason):
    response = client_for(reviewer).get(url("set_analysis", project), query)
    assert response.status_code == 400 and reason in response.content.decode()


def test_an_untenable_product_naming_no_condition_is_explained(study, project, reviewer, client_for):
    response = client_for(reviewer).get(url("set_analysis", project), {"untenable": "NOPE*~THREAT"})
    assert response.status_code == 200
    assert "is not a condition" in response.content.decode()


def test_the_set_analysis_is_for_members_only(study, project, outsider, client_for):
    assert client_for(outsider).get(url("set_analysis", project)).status_code == 404
    assert client_for(outsider).get(url("factor_calibration", project, study["rus"].pk)).status_code == 404


def test_the_set_analysis_runs_a_bounded_number_of_queries(study, project, owner, reviewer, client_for,
                                                           django_assert_max_num_queries, russian_interest):
    membership_set(project=project, factor=study["rus"], case=project.cases.first(), actor=owner, score=0.6,
                   evidence=[])
    client = client_for(reviewer)
    client.get(url("set_analysis", project))
    with django_assert_max_num_queries(30) as captured:
        client.get(url("set_analysis", project))
    small = len(captured.captured_queries)
    client.get(url("factor_calibration", project, study["rus"].pk))
    with django_assert_max_num_queries(30) as captured:
        client.get(url("factor_calibration", project, study["rus"].pk))
    small_calibration = len(captured.captured_queries)
    for i in range(8):
        case = case_create(project=project, name=f"Case {i}", actor=owner)
        membership_set(project=project, factor=study["rus"], case=case, actor=owner, score=0.1 * i)
        judgment_set(factor=study["threat"], case=case, judge=owner, value="present")
    calibration_set(project=project, factor=study["rus"], actor=owner, method="manual")
    client.get(url("set_analysis", project))  # the matrix's cache, as for the first measure
    with django_assert_max_num_queries(small):
        client.get(url("set_analysis", project))
    with django_assert_max_num_queries(small_calibration):
        client.get(url("factor_calibration", project, study["rus"].pk))


# --- downloads ------------------------------------------------------------------------------------


def test_the_calibrated_data_truth_table_and_solutions_download_as_csv(study, project, reviewer, client_for):
    client = client_for(reviewer)
    data = client.get(url("set_export", project, "csv"))
    rows = list(csv.reader(io.StringIO(data.content.decode())))
    assert rows[0][0] == "case" and rows[1][0] == "Kazakhstan 2022"
    table = client.get(url("set_export", project, "truth-table-csv")).content.decode()
    assert "Kazakhstan 2022" in table and "PRI" in table
    solutions = client.get(url("set_export", project, "solutions-csv")).content.decode()
    assert "Parsimonious solution" in solutions and "RUSINT" in solutions


def test_the_r_script_reads_the_csv_it_comes_with(study, project, owner, reviewer, client_for):
    calibration_set(project=project, factor=study["rus"], actor=owner, method="direct", full=0.9, crossover=0.5,
                    non=0.1)
    for case in project.cases.all():
        membership_set(project=project, factor=study["rus"], case=case, actor=owner, raw=1.0)
    client = client_for(reviewer)
    response = client.get(url("set_export", project, "R"))
    assert response["Content-Disposition"] == f'attachment; filename="{project.slug}-sets.R"'
    script = response.content.decode()
    assert f'read.csv("{project.slug}-sets-r.csv"' in script
    assert "calibrate(data$RUSINT" in script and "truthTable(" in script
    table = client.get(url("set_export", project, "r-csv")).content.decode()
    assert table.splitlines()[0] == ",RUSINT,THREAT,INT"


def test_the_tables_export_to_docx_and_latex(study, project, reviewer, client_for):
    client = client_for(reviewer)
    document = docx.Document(io.BytesIO(client.get(url("set_export", project, "docx")).content))
    assert len(document.tables) == 3
    latex = client.get(url("set_export", project, "tex")).content.decode()
    assert latex.count(r"\begin{tabular}") == 3


def test_an_unknown_download_format_is_404(study, project, reviewer, client_for):
    assert client_for(reviewer).get(url("set_export", project, "xls")).status_code == 404


def test_calibrations_and_memberships_are_in_the_history(study, project, owner, reviewer, client_for, kazakhstan):
    calibration_set(project=project, factor=None, actor=owner, method="manual")
    membership_set(project=project, factor=study["rus"], case=kazakhstan, actor=owner, score=0.7)
    response = client_for(reviewer).get(reverse("project_history", args=[project.slug]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "the outcome INT: fuzzy, set by hand" in text and "Kazakhstan 2022 in RUSINT: 0.7" in text


def test_every_proposed_raw_value_is_confirmed_at_once_keeping_those_typed(study, project, coder, client_for,
                                                                          kazakhstan, armenia):
    rus = study["rus"]
    membership_set(project=project, factor=rus, case=armenia, actor=coder, raw=0.25, raw_source="my reading")
    response = client_for(coder).post(url("factor_calibration", project, rus.pk), {"action": "confirm"})
    assert response.status_code == 302
    confirmed = {m.case.name: (m.raw, m.raw_source) for m in SetMembership.objects.filter(factor=rus)}
    # Kazakhstan: 1 of 1 expert coded "high", the value counted as 1
    assert confirmed == {"Kazakhstan 2022": (1.0, confirmed["Kazakhstan 2022"][1]),
                         "Armenia 2022": (0.25, "my reading")}
    assert confirmed["Kazakhstan 2022"][1].startswith("1 of 1 expert coded high")


def test_the_robustness_table_shows_which_terms_survive_other_cut_offs(study, project, reviewer, client_for):
    page = client_for(reviewer).get(url("set_analysis", project), {"keep_contradictory": "1"}).context["page"]
    runs = [run.label for run in page.robustness.runs]
    assert runs[0] == "baseline" and "incl.cut = 0.8" in runs
    # two cases that fit perfectly: every cut-off gives the same two models
    assert page.robustness.robust_terms == ("RUSINT", "THREAT")
