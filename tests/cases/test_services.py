"""Cases and typed attributes: values are stored in the attribute's type, the outcome is a
single boolean or categorical case attribute, and nothing crosses project borders."""
import pytest

from apps.cases.models import Attribute, Case, CaseValue, ExpertValue
from apps.cases.services import (
    attribute_create,
    case_create,
    case_update,
    case_value_set,
    expert_value_set,
    outcome_set,
    transcript_cases_set,
)
from apps.transcripts.services import expert_create, transcript_create
from tests.conftest import SAMPLE_TEXT
from tests.snapshot import rejected

CASE, EXPERT = Attribute.AppliesTo.CASE, Attribute.AppliesTo.EXPERT
T = Attribute.Type


def attribute(project, owner, name, type, applies_to=CASE, **kwargs):
    return attribute_create(project=project, name=name, applies_to=applies_to, type=type, actor=owner, **kwargs)


# --- attributes ----------------------------------------------------------------------------


def test_attribute_create_stores_a_typed_attribute_in_order(project, owner):
    year = attribute(project, owner, " year ", T.INTEGER)
    threat = attribute(project, owner, "threat type", T.CATEGORICAL, choices=["internal", " external ", ""])

    assert (year.name, year.type, year.position) == ("year", "integer", 0)
    assert (threat.choices, threat.position) == (["internal", "external"], 1)


@pytest.mark.parametrize("kwargs, message, field", [
    ({"name": " "}, "An attribute needs a name.", "name"),
    ({"name": "x" * 101}, "at most 100 characters", "name"),
    ({"applies_to": "transcript"}, "Attributes apply to case or expert.", "applies_to"),
    ({"type": "colour"}, "Unknown type 'colour'", "type"),
    ({"type": "categorical", "choices": ["yes", "no", "yes"]}, "Categories must be distinct.", "choices"),
])
def test_attribute_create_rejects_bad_input(project, owner, kwargs, message, field):
    arguments = {"name": "year", "applies_to": CASE, "type": T.INTEGER, **kwargs}
    with rejected(message, field=field):
        attribute_create(project=project, actor=owner, **arguments)


def test_attribute_names_are_unique_per_project_and_kind(project, owner, other_project, outsider):
    attribute(project, owner, "country", T.TEXT)
    with rejected("An attribute called 'country' exists already.", field="name"):
        attribute(project, owner, "country", T.TEXT)
    assert attribute(project, owner, "country", T.TEXT, applies_to=EXPERT).applies_to == EXPERT
    assert attribute_create(project=other_project, name="country", applies_to=CASE, actor=outsider)


@pytest.mark.parametrize("type, applies_to", [(T.INTEGER, CASE), (T.TEXT, CASE), (T.BOOLEAN, EXPERT),
                                              (T.DATE, CASE)])
def test_the_outcome_must_be_a_boolean_or_categorical_case_attribute(project, owner, type, applies_to):
    with rejected("The outcome must be a boolean or categorical case attribute.", field="attribute"):
        attribute(project, owner, "outcome", type, applies_to=applies_to, is_outcome=True)


def test_a_categorical_case_attribute_may_be_the_outcome(project, owner):
    response = attribute(project, owner, "response", T.CATEGORICAL, choices=["none", "mission", "troops"],
                         is_outcome=True)
    assert response.is_outcome


def test_there_is_only_one_outcome(project, owner, outcome):
    response = attribute(project, owner, "response", T.CATEGORICAL, choices=["none", "troops"], is_outcome=True)

    assert list(project.attributes.filter(is_outcome=True)) == [response]
    outcome_set(project=project, attribute=outcome, actor=owner)
    assert list(project.attributes.filter(is_outcome=True)) == [outcome]
    outcome_set(project=project, attribute=None, actor=owner)
    assert not project.attributes.filter(is_outcome=True).exists()


def test_the_outcome_cannot_be_an_attribute_of_another_project(project, owner, other_project, outsider, outcome):
    foreign = attribute_create(project=other_project, name="granted", applies_to=CASE, type=T.BOOLEAN,
                               actor=outsider)
    with rejected("That attribute belongs to another project.", field="attribute"):
        outcome_set(project=project, attribute=foreign, actor=owner)


# --- cases ---------------------------------------------------------------------------------


def test_case_create_stores_cases_in_order(project, owner):
    first = case_create(project=project, name=" Kyrgyzstan 2010 ", description="Osh", actor=owner)
    second = case_create(project=project, name="Tajikistan 2021", actor=owner)
    assert (first.name, first.description, first.position, second.position) == ("Kyrgyzstan 2010", "Osh", 0, 1)


def test_case_create_rejects_an_empty_or_taken_name(project, owner, kazakhstan):
    with rejected("A case needs a name.", field="name"):
        case_create(project=project, name=" ", actor=owner)
    with rejected("A case called 'Kazakhstan 2022' exists already.", field="name"):
        case_create(project=project, name="Kazakhstan 2022", actor=owner)
    with rejected("at most 200 characters", field="name"):
        case_create(project=project, name="K" * 201, actor=owner)


def test_case_update_renames_unless_the_name_is_taken(project, owner, kazakhstan, armenia):
    case_update(case=kazakhstan, name="Kazakhstan, January 2022", description="Unrest", actor=owner)
    kazakhstan.refresh_from_db()
    assert (kazakhstan.name, kazakhstan.description) == ("Kazakhstan, January 2022", "Unrest")
    with rejected("A case called 'Armenia 2022' exists already.", field="name"):
        case_update(case=Case.objects.get(pk=kazakhstan.pk), name="Armenia 2022", actor=owner)


# --- typed values --------------------------------------------------------------------------


@pytest.mark.parametrize("type, raw, stored", [
    (T.BOOLEAN, True, True), (T.BOOLEAN, "yes", True), (T.BOOLEAN, " No ", False), (T.BOOLEAN, 0, False),
    (T.INTEGER, 2022, 2022), (T.INTEGER, " 2010 ", 2010),
    (T.DECIMAL, "2.50", "2.50"),
    (T.DATE, "2022-01-05", "2022-01-05"),
    (T.TEXT, "  Tokayev ", "Tokayev"),
    (T.CATEGORICAL, "external", "external"),
    (T.INTEGER, "", None), (T.BOOLEAN, None, None),
])
def test_case_value_set_stores_the_value_in_the_attributes_type(project, owner, kazakhstan, type, raw, stored):
    variable = attribute(project, owner, "v", type, choices=["internal", "external"] if type == T.CATEGORICAL else ())

    assert case_value_set(case=kazakhstan, attribute=variable, value=raw, actor=owner) == stored
    assert CaseValue.objects.get(case=kazakhstan, attribute=variable).value == stored


def test_case_value_set_replaces_the_previous_value(project, owner, kazakhstan, outcome):
    case_value_set(case=kazakhstan, attribute=outcome, value=False, actor=owner)
    assert list(CaseValue.objects.filter(case=kazakhstan, attribute=outcome).values_list("value", flat=True)) == [False]


def test_the_history_of_a_value_reads_yes_or_no_for_a_boolean(project, owner, kazakhstan, outcome):
    case_value_set(case=kazakhstan, attribute=outcome, value=False, actor=owner)
    case_value_set(case=kazakhstan, attribute=outcome, value=None, actor=owner)
    assert list(project.activities.filter(verb="set attribute").order_by("-id").values_list("summary", flat=True)[:2]) \
        == ["intervention granted = no value", "intervention granted = no"]


@pytest.mark.parametrize("type, raw, message", [
    (T.BOOLEAN, "maybe", "'maybe' is not a valid boolean for v; give yes or no."),
    (T.BOOLEAN, 2, "2 is not a valid boolean for v; give yes or no."),
    (T.INTEGER, "2022.5", "'2022.5' is not a valid integer for v; give a whole number."),
    (T.INTEGER, True, "True is not a valid integer for v; give a whole number."),
    (T.DECIMAL, "two", "'two' is not a valid decimal for v; give a number such as 2.5."),
    (T.DATE, "5 January 2022", "'5 January 2022' is not a valid date for v; give a date as YYYY-MM-DD."),
    (T.DATE, "2022-02-30", "'2022-02-30' is not a valid date for v; give a date as YYYY-MM-DD."),
    (T.CATEGORICAL, "hybrid", "'hybrid' is not a category of v: internal, external."),
])
def test_case_value_set_rejects_a_value_not_of_the_attributes_type(project, owner, kazakhstan, type, raw, message):
    variable = attribute(project, owner, "v", type, choices=["internal", "external"] if type == T.CATEGORICAL else ())
    case_value_set(case=kazakhstan, attribute=variable, value=None, actor=owner)
    with rejected(message, field="value"):
        case_value_set(case=kazakhstan, attribute=variable, value=raw, actor=owner)


def test_case_value_set_rejects_an_attribute_of_another_project(kazakhstan, owner, other_project, outsider):
    foreign = attribute_create(project=other_project, name="year", applies_to=CASE, type=T.INTEGER, actor=outsider)
    with rejected("That attribute belongs to another project.", field="attribute"):
        case_value_set(case=kazakhstan, attribute=foreign, value=2022, actor=owner)


def test_case_value_set_rejects_an_expert_attribute(project, owner, kazakhstan):
    field = attribute(project, owner, "field", T.TEXT, applies_to=EXPERT)
    with rejected("field is not an attribute of cases.", field="attribute"):
        case_value_set(case=kazakhstan, attribute=field, value="security", actor=owner)


def test_expert_value_set_stores_typed_values_of_experts(project, owner, expert):
    affiliation = attribute(project, owner, "affiliation", T.CATEGORICAL, applies_to=EXPERT,
                            choices=["academia", "government", "media"])
    years = attribute(project, owner, "years in the field", T.INTEGER, applies_to=EXPERT)

    expert_value_set(expert=expert, attribute=affiliation, value="media", actor=owner)
    expert_value_set(expert=expert, attribute=years, value="12", actor=owner)

    assert dict(ExpertValue.objects.filter(expert=expert).values_list("attribute__name", "value")) == {
        "affiliation": "media", "years in the field": 12}


def test_expert_value_set_rejects_bad_values_case_attributes_and_foreign_attributes(
        project, owner, expert, outcome, other_project, outsider):
    affiliation = attribute(project, owner, "affiliation", T.CATEGORICAL, applies_to=EXPERT, choices=["media"])
    foreign = attribute_create(project=other_project, name="field", applies_to=EXPERT, actor=outsider)
    with rejected("'army' is not a category of affiliation: media.", field="value"):
        expert_value_set(expert=expert, attribute=affiliation, value="army", actor=owner)
    with rejected("intervention granted is not an attribute of experts.", field="attribute"):
        expert_value_set(expert=expert, attribute=outcome, value=True, actor=owner)
    with rejected("That attribute belongs to another project.", field="attribute"):
        expert_value_set(expert=expert, attribute=foreign, value="x", actor=owner)


# --- whole transcripts linked to cases -----------------------------------------------------


def test_transcript_cases_set_links_and_unlinks_whole_transcripts(transcript, owner, kazakhstan, armenia):
    transcript_cases_set(transcript=transcript, cases=[kazakhstan, armenia], actor=owner)
    assert set(transcript.cases.all()) == {kazakhstan, armenia}

    transcript_cases_set(transcript=transcript, cases=[armenia], actor=owner)
    assert list(transcript.cases.all()) == [armenia]


def test_transcript_cases_set_rejects_a_case_of_another_project(transcript, owner, kazakhstan, other_project,
                                                                outsider):
    foreign = case_create(project=other_project, name="Belarus 2020", actor=outsider)
    with rejected("cases from another project: Belarus 2020", field="cases"):
        transcript_cases_set(transcript=transcript, cases=[kazakhstan, foreign], actor=owner)


def test_a_transcript_of_another_project_cannot_join_a_case(kazakhstan, other_project, outsider):
    foreign = transcript_create(project=other_project, title="T", text=SAMPLE_TEXT, created_by=outsider)
    with rejected("cases from another project: Kazakhstan 2022", field="cases"):
        transcript_cases_set(transcript=foreign, cases=[kazakhstan], actor=outsider)


def test_an_expert_attribute_value_needs_an_expert_of_the_same_project(project, owner, other_project, outsider):
    stranger = expert_create(project=other_project, pseudonym="E9", actor=outsider)
    years = attribute(project, owner, "years", T.INTEGER, applies_to=EXPERT)
    with rejected("That attribute belongs to another project.", field="attribute"):
        expert_value_set(expert=stranger, attribute=years, value=3, actor=outsider)
