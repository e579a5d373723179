"""The comparison: outcome and factors, judgments with cited evidence, proposals from the
coded evidence, the MSSD table, the crisp-set table for R's QCA, two judges, the demo.

Objects are built through the services, as the app builds them.
"""
import csv
import io

import docx
import pytest
from django.db import connection
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from apps.comparison import exports as comparison_export, selectors as comparison
from apps.comparison.methods import mssd, qca
from apps.comparison.models import Factor, Judgment
from apps.comparison.services import (
    StaleJudgment,
    factor_add,
    factor_remove,
    factor_reorder,
    factor_update,
    judgment_adopt,
    judgment_set,
    outcome_choose,
)
from apps.cases.models import Attribute
from apps.cases.services import attribute_create, case_create, case_update
from apps.coding.services import code_create, segment_create, segment_delete
from apps.transcripts.services import expert_create, transcript_create
from tests.conftest import phrase_span

TEXT_E2 = (
    "Interviewer: Kazakhstan first.\n\n"
    "E2: Moscow wanted it badly. Everyone feared the crowds.\n\n"
    "Interviewer: And Armenia?\n\n"
    "E2: Moscow did not care about Yerevan. Nobody else felt threatened."
)


def coded(transcript, phrase, coder, case, pairs):
    """Code `phrase` with (code, value) pairs, linked to `case`."""
    start, end = phrase_span(transcript, phrase)
    return segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[c for c, _ in pairs],
                          values={c.pk: v for c, v in pairs}, cases=[case])


@pytest.fixture
def second_transcript(project, owner):
    expert = expert_create(project=project, pseudonym="E2", actor=owner)
    return transcript_create(project=project, title="Interview E2", text=TEXT_E2, expert=expert, created_by=owner)


@pytest.fixture
def study(project, owner, transcript, second_transcript, threat, russian_interest, outcome, kazakhstan, armenia):
    """Two experts on two cases: both see high Russian interest in Kazakhstan; on the
    threat in Kazakhstan E1 says present, E2 too; in Armenia E1 says absent."""
    s = {
        "kaz_e1": coded(transcript, "Because Moscow wanted it to.", owner, kazakhstan,
                        [(russian_interest, "high")]),
        "kaz_threat_e1": coded(transcript, "The members feared the same crowds at home.", owner, kazakhstan,
                               [(threat, "present")]),
        "kaz_e2": coded(second_transcript, "Moscow wanted it badly.", owner, kazakhstan,
                        [(russian_interest, "high")]),
        "kaz_threat_e2": coded(second_transcript, "Everyone feared the crowds.", owner, kazakhstan,
                               [(threat, "present")]),
        "arm_e1": coded(transcript, "Nobody wanted to fight Azerbaijan.", owner, armenia, [(threat, "absent")]),
        "arm_e2": coded(second_transcript, "Moscow did not care about Yerevan.", owner, armenia,
                        [(russian_interest, "low")]),
        "arm_threat_e2": coded(second_transcript, "Nobody else felt threatened.", owner, armenia,
                               [(threat, "absent")]),
    }
    outcome_choose(project=project, attribute=outcome, actor=owner)
    s["rus"] = factor_add(project=project, actor=owner, code=russian_interest, label="RUSINT")
    s["threat"] = factor_add(project=project, actor=owner, code=threat, label="THREAT")
    return s


# --- outcome and factors ----------------------------------------------------------------------


def test_a_factor_gets_a_formula_name_and_a_default_calibration(project, owner, threat, russian_interest):
    presence = factor_add(project=project, actor=owner, code=threat)
    ordinal = factor_add(project=project, actor=owner, code=russian_interest)
    assert presence.label == "THREAT_PERCEPTION" and presence.positive_values == ["present"]
    assert ordinal.label == "RUSSIAN_INTEREST" and ordinal.positive_values == ["high"]
    assert [f.pk for f in project.factors.all()] == [presence.pk, ordinal.pk]


def test_a_code_without_a_scale_is_no_factor(project, owner):
    plain = code_create(project=project, name="Context", actor=owner)
    with pytest.raises(ValidationError, match="no scale"):
        factor_add(project=project, actor=owner, code=plain)
    assert not Factor.objects.exists()


def test_a_code_of_another_project_is_no_factor(project, owner, other_project_code):
    with pytest.raises(ValidationError, match="another project"):
        factor_add(project=project, actor=owner, code=other_project_code)


def test_the_outcome_is_no_factor(project, owner, outcome):
    with pytest.raises(ValidationError, match="is the outcome"):
        factor_add(project=project, actor=owner, attribute=outcome)


@pytest.mark.parametrize("label", ["2FAST", "RUS INT", "A*B", "~A", ""])
def test_a_label_must_fit_a_formula_and_an_r_column(project, owner, threat, label):
    factor = factor_add(project=project, actor=owner, code=threat)
    with pytest.raises(ValidationError, match="short name"):
        factor_update(factor=factor, actor=owner, label=label or " ")


def test_two_factors_cannot_share_a_label(project, owner, threat, russian_interest):
    factor_add(project=project, actor=owner, code=threat, label="X")
    with pytest.raises(ValidationError, match="called X already"):
        factor_add(project=project, actor=owner, code=russian_interest, label="x")


def test_calibration_takes_values_of_the_scale_only(project, owner, russian_interest):
    factor = factor_add(project=project, actor=owner, code=russian_interest)
    factor_update(factor=factor, actor=owner, positive_values=["medium", "high"])
    assert factor.positive_values == ["medium", "high"]
    with pytest.raises(ValidationError, match="not on the scale"):
        factor_update(factor=factor, actor=owner, positive_values=["huge"])


def test_a_case_attribute_factor_takes_its_categories(project, owner):
    kind = attribute_create(project=project, name="threat type", applies_to=Attribute.AppliesTo.CASE,
                            type=Attribute.Type.CATEGORICAL, choices=["internal", "external"], actor=owner)
    factor = factor_add(project=project, actor=owner, attribute=kind, positive_values=["external"])
    assert factor.label == "THREAT_TYPE" and factor.positive_values == ["external"]


def test_a_categorical_outcome_needs_the_categories_that_count_as_present(project, owner):
    granted = attribute_create(project=project, name="response", applies_to=Attribute.AppliesTo.CASE,
                               type=Attribute.Type.CATEGORICAL, choices=["troops", "mission", "nothing"],
                               actor=owner)
    with pytest.raises(ValidationError, match="count as the outcome"):
        outcome_choose(project=project, attribute=granted, actor=owner)
    calibration = outcome_choose(project=project, attribute=granted, actor=owner, positive_values=["troops"])
    assert calibration.label == "RESPONSE" and calibration.positive_values == ["troops"]
    granted.refresh_from_db()
    assert granted.is_outcome


def test_factors_are_reordered_all_at_once(project, owner, threat, russian_interest):
    a = factor_add(project=project, actor=owner, code=threat)
    b = factor_add(project=project, actor=owner, code=russian_interest)
    factor_reorder(project=project, factor_ids=[b.pk, a.pk], actor=owner)
    assert list(project.factors.values_list("pk", flat=True)) == [b.pk, a.pk]
    with pytest.raises(ValidationError, match="every factor"):
        factor_reorder(project=project, factor_ids=[b.pk], actor=owner)


def test_removing_a_factor_removes_its_judgments(study, project, owner, kazakhstan):
    judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high")
    factor_remove(factor=study["rus"], actor=owner)
    assert not Judgment.objects.exists()


# --- judgments ---------------------------------------------------------------------------------


def test_a_judgment_keeps_value_rationale_and_cited_evidence(study, owner, kazakhstan):
    judgment = judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high",
                            rationale="Both experts.", evidence=[study["kaz_e1"], study["kaz_e2"].pk])
    assert judgment.version == 1
    assert set(judgment.evidence.values_list("pk", flat=True)) == {study["kaz_e1"].pk, study["kaz_e2"].pk}


def test_a_judgment_changes_only_from_the_version_read(study, owner, kazakhstan):
    first = judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high")
    second = judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="medium", version=1)
    assert second.pk == first.pk and second.version == 2
    with pytest.raises(StaleJudgment) as stale:
        judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="low", version=1)
    assert stale.value.current.value == "medium" and stale.value.current.version == 2
    with pytest.raises(StaleJudgment):  # a second tab that thought the cell was empty
        judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="low")
    assert Judgment.objects.get().value == "medium"


def test_a_value_off_the_scale_is_refused(study, owner, kazakhstan):
    with pytest.raises(ValidationError, match="not a value of RUSINT"):
        judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="enormous")
    assert not Judgment.objects.exists()


def test_evidence_from_another_project_is_refused(study, owner, kazakhstan, outsider, other_project):
    expert = expert_create(project=other_project, pseudonym="X1", actor=outsider)
    foreign_transcript = transcript_create(project=other_project, title="Other", text=TEXT_E2, expert=expert,
                                           created_by=outsider)
    foreign_code = code_create(project=other_project, name="Theme", actor=outsider)
    foreign = segment_create(transcript=foreign_transcript, start=0, end=10, coder=outsider, codes=[foreign_code])
    with pytest.raises(ValidationError, match="not passages of this project"):
        judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high", evidence=[foreign])
    assert not Judgment.objects.exists()


def test_evidence_about_another_case_is_refused(study, owner, kazakhstan):
    with pytest.raises(ValidationError, match="do not count for Kazakhstan 2022"):
        judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high", evidence=[study["arm_e2"]])
    assert not Judgment.objects.exists()


def test_evidence_in_the_trash_is_refused(study, owner, kazakhstan):
    segment_delete(segment=study["kaz_e1"], actor=owner)
    with pytest.raises(ValidationError, match="in the trash"):
        judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high", evidence=[study["kaz_e1"]])


def test_a_factor_and_a_case_of_different_projects_cannot_meet(study, owner, outsider, other_project):
    foreign_case = case_create(project=other_project, name="Elsewhere", actor=outsider)
    with pytest.raises(ValidationError, match="another project"):
        judgment_set(factor=study["rus"], case=foreign_case, judge=owner, value="high")


# --- the grid and its proposals -------------------------------------------------------------------


def test_each_cell_proposes_the_value_of_most_experts_with_the_dissent(study, project, owner, transcript,
                                                                        kazakhstan, armenia):
    coded(transcript, "Baku had too many friends in the room.", owner, kazakhstan, [(study["threat"].code,
                                                                                      "absent")])
    grid = comparison.judgment_grid(project=project, judge=owner, excerpts_for=None)
    threat_kaz = grid.cell(study["threat"], kazakhstan)
    assert threat_kaz.proposal.value == "present"
    assert threat_kaz.proposal.summary == "present: E1 E2; absent: E1"
    assert [e.citation for e in threat_kaz.excerpts] == ["E1, ¶2", "E1, ¶4", "E2, ¶2"]
    rus_arm = grid.cell(study["rus"], armenia)
    assert rus_arm.proposal.value == "low" and rus_arm.proposal.share == "1 of 1 expert"


def test_a_cell_without_coded_evidence_is_marked(study, project, owner, kazakhstan):
    extra = case_create(project=project, name="Kyrgyzstan 2010", actor=owner)
    grid = comparison.judgment_grid(project=project, judge=owner)
    assert not grid.cell(study["rus"], extra).has_evidence
    assert grid.cell(study["rus"], extra).proposal.value is None
    assert grid.cell(study["rus"], kazakhstan).has_evidence


def test_a_passage_inside_a_case_section_counts_for_the_case(project, owner, transcript, threat, kazakhstan,
                                                             outcome):
    start, end = phrase_span(transcript, "Why did the alliance act in Kazakhstan?")
    _, section_end = phrase_span(transcript, "the same crowds at home.")
    segment_create(transcript=transcript, start=start, end=section_end, coder=owner, cases=[kazakhstan],
                   is_case_section=True)
    start, end = phrase_span(transcript, "The members feared the same crowds at home.")
    segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat],
                   values={threat.pk: "present"})
    factor = factor_add(project=project, actor=owner, code=threat)
    grid = comparison.judgment_grid(project=project, judge=owner)
    assert grid.cell(factor, kazakhstan).proposal.value == "present"


def test_the_grid_shows_a_contradiction_between_judgment_and_evidence(study, project, owner, kazakhstan):
    judgment_set(factor=study["threat"], case=kazakhstan, judge=owner, value="absent", rationale="I disagree.")
    cell = comparison.judgment_grid(project=project, judge=owner).cell(study["threat"], kazakhstan)
    assert cell.check.status == mssd.CONTRADICTED
    assert cell.check.label == "outvoted by the coded evidence: present: E1 E2"


# PostgreSQL runs each large aggregate in a savepoint with JIT switched off
# (apps/analysis/selectors.py _analytic_cursor): a few more statements, the same at any size.
PG_ANALYTIC_STATEMENTS = 3 if connection.vendor == "postgresql" else 0
GRID_QUERIES = 15 + PG_ANALYTIC_STATEMENTS


def test_the_grid_reads_a_bounded_number_of_queries(study, project, owner, transcript, second_transcript, kazakhstan,
                                                    armenia, django_assert_max_num_queries):
    def judge_everything():
        pairs = _pairs(project)
        for case in project.cases.all():
            for factor in (study["rus"], study["threat"]):
                judgment_set(factor=factor, case=case, judge=owner, value=factor.positive_values[0],
                             evidence=[sid for sid, cid in pairs if cid == case.pk][:3],
                             version=Judgment.objects.filter(factor=factor, case=case).values_list(
                                 "version", flat=True).first())

    judge_everything()
    with django_assert_max_num_queries(GRID_QUERIES):
        grid = comparison.judgment_grid(project=project, judge=owner, excerpts_for=None)
        assert all(cell.cited for cell in grid.cells.values())
    for n in range(6):  # more cases, each with passages of both experts
        case = case_create(project=project, name=f"Case {n}", actor=owner)
        for t in (transcript, second_transcript):
            segment_create(transcript=t, start=n, end=n + 20, coder=owner, codes=[study["rus"].code],
                           values={study["rus"].code.pk: "medium"}, cases=[case])
    judge_everything()
    with django_assert_max_num_queries(GRID_QUERIES):
        grid = comparison.judgment_grid(project=project, judge=owner, excerpts_for=None)
        assert len(grid.cells) == 16 and all(cell.cited for cell in grid.cells.values())


def _pairs(project):
    from apps.coding.selectors import segment_case_pairs

    return segment_case_pairs(project=project)


# --- the MSSD table and QCA ------------------------------------------------------------------------


def judge_all(study, owner, kazakhstan, armenia, overrides=None):
    values = {("rus", "kaz"): "high", ("rus", "arm"): "low", ("threat", "kaz"): "present",
              ("threat", "arm"): "absent", **(overrides or {})}
    cases = {"kaz": kazakhstan, "arm": armenia}
    for (factor, case), value in values.items():
        judgment_set(factor=study[factor], case=cases[case], judge=owner, value=value)


def test_the_mssd_table_classifies_each_factor(study, project, owner, kazakhstan, armenia):
    judge_all(study, owner, kazakhstan, armenia)
    table = comparison.mssd_table(project=project, judge=owner)
    kinds = {row.factor.label: row.classification.kind for row in table.rows}
    assert kinds == {"RUSINT": mssd.COVARIES, "THREAT": mssd.COVARIES}
    assert [(p.a, p.b) for p in table.similarity.mssd_pairs] == [("Kazakhstan 2022", "Armenia 2022")]


def test_the_crisp_table_is_written_as_r_writes_a_data_frame(study, project, owner, kazakhstan, armenia,
                                                                    tmp_path):
    judge_all(study, owner, kazakhstan, armenia)
    crisp = comparison.crisp_table(comparison.judgment_grid(project=project, judge=owner))
    text = comparison_export.r_qca_csv(crisp)
    assert text.splitlines() == [",RUSINT,THREAT,INTERVENTION_GRANTED", "Kazakhstan 2022,1,1,1",
                                 "Armenia 2022,0,0,0"]
    rows, columns = qca.read_csv(text)
    assert columns == ["RUSINT", "THREAT", "INTERVENTION_GRANTED"]
    assert rows["Kazakhstan 2022"] == {"RUSINT": 1, "THREAT": 1, "INTERVENTION_GRANTED": 1}


def test_the_qca_command_reads_the_exported_table_as_it_is(study, project, owner, kazakhstan, armenia, tmp_path,
                                                           capsys):
    judge_all(study, owner, kazakhstan, armenia)
    path = tmp_path / "study.csv"
    path.write_text(comparison_export.r_qca_csv(comparison.crisp_table(
        comparison.judgment_grid(project=project, judge=owner))), encoding="utf-8")
    call_command("qca", str(path), "--outcome", "INTERVENTION_GRANTED", "--parsimonious")
    out = capsys.readouterr().out
    assert "M1: RUSINT => INTERVENTION_GRANTED" in out and "M2: THREAT => INTERVENTION_GRANTED" in out


def test_cases_not_fully_judged_stay_out_of_the_truth_table(study, project, owner, kazakhstan, armenia):
    judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high")
    crisp = comparison.crisp_table(comparison.judgment_grid(project=project, judge=owner))
    assert crisp.rows == {}
    assert ("Kazakhstan 2022", "not judged on THREAT") in crisp.excluded


def test_the_qca_analysis_minimises_for_the_outcome_and_its_negation(study, project, owner, kazakhstan, armenia):
    judge_all(study, owner, kazakhstan, armenia)
    page = comparison.qca_analysis(project=project, judge=owner)
    outcome, negation = page.analyses
    assert [str(m) for m, _ in outcome.minimisations[0].models] == ["RUSINT*THREAT"]
    assert sorted(str(m) for m, _ in outcome.minimisations[1].models) == ["RUSINT", "THREAT"]
    assert sorted(str(m) for m, _ in negation.minimisations[1].models) == ["~RUSINT", "~THREAT"]
    model, terms = outcome.minimisations[0].models[0]
    case, cells = terms[0].cases[0]
    assert case == kazakhstan and [c.value for c in cells] == ["high", "present"]


# --- two judges ----------------------------------------------------------------------------------


def test_two_judges_agreement_per_factor_overall_and_the_cells_to_settle(study, project, owner, coder,
                                                                         kazakhstan, armenia):
    judge_all(study, owner, kazakhstan, armenia)
    judge_all(study, coder, kazakhstan, armenia, {("threat", "arm"): "present"})
    result = comparison.judgment_agreement(project=project, judge_a=owner, judge_b=coder)
    assert result.compared == 4 and result.percent == 0.75
    per_factor = {f.factor.label: (f.compared, f.percent) for f in result.factors}
    assert per_factor == {"RUSINT": (2, 1.0), "THREAT": (2, 0.5)}
    assert [(d.factor.label, d.case.name, d.a.value, d.b.value) for d in result.differences] == [
        ("THREAT", "Armenia 2022", "absent", "present")]
    settled = judgment_adopt(factor=study["threat"], case=armenia, judge=coder, source=result.differences[0].a,
                             version=result.differences[0].b.version)
    assert settled.value == "absent" and "Adopted from olga" in settled.rationale
    assert comparison.judgment_agreement(project=project, judge_a=owner, judge_b=coder).differences == []


# --- exports ----------------------------------------------------------------------------------------


@pytest.fixture
def judged(study, project, owner, kazakhstan, armenia):
    judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high",
                 rationale="Both experts say so & more: 100% {sure}.", evidence=[study["kaz_e1"], study["kaz_e2"]])
    judgment_set(factor=study["rus"], case=armenia, judge=owner, value="low", evidence=[study["arm_e2"]])
    return comparison.mssd_table(project=project, judge=owner)


def test_the_markdown_export_has_the_table_the_rationale_and_the_cited_excerpts(judged):
    text = comparison_export.to_markdown(judged)
    assert "| RUSINT (Russian interest) | high (1) | low (0) | varies with the outcome" in text
    assert "Both experts say so & more: 100% {sure}." in text
    assert "> \u201cBecause Moscow wanted it to.\u201d (E1, ¶2)" in text


def test_the_latex_export_escapes_what_latex_would_read_as_commands(judged):
    text = comparison_export.to_latex(judged)
    assert r"Both experts say so \& more: 100\% \{sure\}." in text
    assert r"\enquote{Because Moscow wanted it to.} (E1, ¶2)" in text


HOSTILE_NAME = "<img src=x onerror=alert(1)>"
FORMULA_NAME = "=HYPERLINK(\"http://evil.example/?x\",\"x\")"


def test_the_markdown_export_escapes_html_and_links_from_names_values_and_rationales(study, project, owner,
                                                                                       kazakhstan, armenia):
    from markdown_it import MarkdownIt

    case_update(case=kazakhstan, actor=owner, name=HOSTILE_NAME)
    judgment_set(factor=study["rus"], case=kazakhstan, judge=owner, value="high",
                 rationale="<script>alert(1)</script>\n\n[proof](javascript:alert(1)) and ![x](http://evil.example/x)",
                 evidence=[study["kaz_e1"]])
    text = comparison_export.to_markdown(comparison.mssd_table(project=project, judge=owner))
    html = MarkdownIt("commonmark").render(text)
    assert "<img" not in html and "<script" not in html and "<a " not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[proof](javascript:alert(1))" in html


def test_the_csv_exports_neutralise_formulas_in_names_and_keep_the_0_1_cells_numbers(study, project, owner,
                                                                                      kazakhstan, armenia):
    case_update(case=kazakhstan, actor=owner, name=FORMULA_NAME)
    judge_all(study, owner, kazakhstan, armenia)
    table = comparison.mssd_table(project=project, judge=owner)
    rows = list(csv.DictReader(io.StringIO(comparison_export.to_csv(table))))
    assert {r["case"] for r in rows} == {"'" + FORMULA_NAME, "Armenia 2022"}
    crisp = comparison.crisp_table(comparison.judgment_grid(project=project, judge=owner))
    lines = list(csv.reader(io.StringIO(comparison_export.r_qca_csv(crisp))))
    assert lines[1:] == [["'" + FORMULA_NAME, "1", "1", "1"], ["Armenia 2022", "0", "0", "0"]]
    assert comparison_export.r_qca_csv(crisp).splitlines()[2] == "Armenia 2022,0,0,0"


def test_the_csv_export_has_one_row_per_cell_with_citations(judged):
    rows = list(csv.DictReader(io.StringIO(comparison_export.to_csv(judged))))
    kaz = next(r for r in rows if r["label"] == "RUSINT" and r["case"] == "Kazakhstan 2022")
    assert kaz["value"] == "high" and kaz["crisp"] == "1" and kaz["outcome"] == "1"
    assert kaz["citations"] == "E1, ¶2; E2, ¶2"
    assert len(rows) == 4


def test_the_docx_export_opens_in_word_with_table_and_quotes(judged):
    document = docx.Document(io.BytesIO(comparison_export.to_docx(judged)))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Factor", "Kazakhstan 2022", "Armenia 2022"]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Both experts say so & more" in body and "(E1, ¶2)" in body


# --- the demo ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_mssd_table_shows_what_the_fictional_evidence_supports():
    from apps.demo.loader import load_demo

    project, created = load_demo()
    assert created
    researcher = project.created_by
    table = comparison.mssd_table(project=project, judge=researcher)
    kinds = {row.factor.label: (row.classification.kind, row.classification.exact) for row in table.rows}
    assert kinds["RUSINT"] == (mssd.COVARIES, False)  # high only in Kazakhstan 2022
    assert kinds["MEMBERS"] == (mssd.COVARIES, True)
    assert kinds["SHARED"][0] == mssd.VARIES  # shared in Tajikistan 2021 too, without intervention
    assert kinds["FRAMING"][0] == mssd.VARIES
    assert table.unjudged == 0 and table.contradictions == []
    assert all(cell.cited for row in table.rows if row.factor.code_id for cell in row.cells)
    page = comparison.qca_analysis(project=project, judge=researcher)
    parsimonious = page.analyses[0].minimisations[1]
    assert sorted(str(m) for m, _ in parsimonious.models) == ["MEMBERS", "RUSINT"]


# --- the primary coding (issue #16, build 4) -------------------------------------------------------

def test_a_second_coders_reliability_coding_changes_no_proposal(study, project, owner, coder, transcript,
                                                                   kazakhstan, client_for):
    """The proposals and evidence rest on the primary coding (the first owner's here);
    every coder's codings on request, in the selector, the page and the API."""
    coded(transcript, "Because Moscow wanted it to.", coder, kazakhstan, [(study["threat"].code, "absent")])
    primary = comparison.judgment_grid(project=project, judge=owner, excerpts_for=None)
    cell = primary.cell(study["threat"], kazakhstan)
    assert cell.proposal.summary == "present: E1 E2" and not primary.all_coders and primary.primary_coder == "olga"
    every = comparison.judgment_grid(project=project, judge=owner, excerpts_for=None, all_coders=True)
    assert every.cell(study["threat"], kazakhstan).proposal.summary == "present: E1 E2; absent: E1"
    assert len(every.cell(study["threat"], kazakhstan).excerpts) == len(cell.excerpts) + 1
    client = client_for(owner)
    page = client.get(reverse("judgment_grid", args=[project.slug]))
    assert page.status_code == 200 and "rest on the primary coding: olga" in page.content.decode()
    api = f"/api/projects/{project.slug}/comparison/judgments"
    assert client.get(api).json()["all_coders"] is False
    assert client.get(api + "?all_coders=1").json()["all_coders"] is True


def test_the_mssd_table_rests_on_the_primary_coding_unless_every_coder_is_asked(study, project, owner, coder,
                                                                                transcript, kazakhstan, client_for):
    coded(transcript, "Because Moscow wanted it to.", coder, kazakhstan, [(study["threat"].code, "absent")])
    primary = comparison.mssd_table(project=project, judge=owner, excerpts=True)
    every = comparison.mssd_table(project=project, judge=owner, excerpts=True, all_coders=True)
    assert (primary.grid.all_coders, every.grid.all_coders) == (False, True)
    assert (len(every.grid.cell(study["threat"], kazakhstan).excerpts)
            == len(primary.grid.cell(study["threat"], kazakhstan).excerpts) + 1)
    client = client_for(owner)
    page = client.get(reverse("mssd_table", args=[project.slug])).content.decode()
    assert "rest on the primary coding: olga" in page and 'all_coders=1" download' not in page
    page = client.get(reverse("mssd_table", args=[project.slug]), {"all_coders": "1"}).content.decode()
    assert "rest on every coder's codings" in page
    assert 'all_coders=1" download data-export="md"' in page  # the downloads keep the choice
