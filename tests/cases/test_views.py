"""The Cases page: every member reads cases x attributes and experts x attributes; coders
and owners add cases and attributes, set values and link transcripts through the services;
bad input is answered with 400 and its reason, and changes nothing."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.cases.models import Attribute, Case, CaseValue, ExpertValue
from apps.cases.services import (
    attribute_create,
    case_create,
    case_transcripts_set,
    case_value_set,
    expert_value_set,
)
from apps.projects.models import Activity
from apps.transcripts.services import transcript_create
from tests.conftest import SAMPLE_TEXT


def url(project, name="case_list"):
    return reverse(name, args=[project.slug])


@pytest.fixture
def region(project, owner):
    return attribute_create(project=project, name="region", applies_to="case", type="categorical",
                            choices=["Central Asia", "Caucasus"], actor=owner)


@pytest.fixture
def seniority(project, owner):
    return attribute_create(project=project, name="seniority", applies_to="expert", type="text", actor=owner)


def snapshot(project):
    return (list(Case.objects.filter(project=project).values_list("name", flat=True)),
            list(Attribute.objects.filter(project=project).values_list("name", flat=True)),
            list(CaseValue.objects.filter(case__project=project).values_list("case_id", "attribute_id", "value")),
            list(ExpertValue.objects.values_list("expert_id", "attribute_id", "value")),
            sorted(Case.transcripts.through.objects.values_list("case_id", "transcript_id")),
            Activity.objects.count())


# --- reading ----------------------------------------------------------------------------

def test_a_member_sees_cases_their_values_the_outcome_and_linked_transcripts(client_for, reviewer, project,
                                                                                kazakhstan, armenia, transcript,
                                                                                expert, seniority, owner):
    kazakhstan.transcripts.add(transcript)
    expert_value_set(expert=expert, attribute=seniority, value="senior diplomat", actor=owner)
    response = client_for(reviewer).get(url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kazakhstan 2022" in html and "Armenia 2022" in html
    assert "intervention granted" in html and "outcome" in html
    assert ">yes<" in html and ">no<" in html
    assert reverse("transcript_detail", args=[project.slug, transcript.pk]) in html
    assert "senior diplomat" in html and "E1" in html
    assert "Add a case" not in html, "reviewers see no forms"


def test_a_coder_sees_the_forms_with_labelled_fields(client_for, coder, project, kazakhstan):
    html = client_for(coder).get(url(project)).content.decode()
    for title in ("Add a case", "Add an attribute", "Set a case's value", "Set an expert's value",
                  "Link transcripts to a case"):
        assert title in html
    assert '<label for="id_case-name">' in html and '<label for="id_link-transcripts">' in html
    assert "<script>" not in html


def test_user_text_is_escaped(client_for, owner, project):
    case_create(project=project, name="<b>Bold</b> case", actor=owner)
    html = client_for(owner).get(url(project)).content.decode()
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; case" in html


def test_a_member_of_another_project_gets_404(client_for, outsider, project, kazakhstan):
    assert client_for(outsider).get(url(project)).status_code == 404
    assert client_for(outsider).post(url(project, "case_add"), {"case-name": "X"}).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, project):
    response = client.get(url(project))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("n", [2, 20])
def test_the_page_reads_a_bounded_number_of_queries(client_for, owner, project, outcome, seniority, expert,
                                                    transcript, django_assert_max_num_queries, n):
    for i in range(n):
        case = case_create(project=project, name=f"Case {i}", actor=owner)
        case_value_set(case=case, attribute=outcome, value=i % 2 == 0, actor=owner)
        case.transcripts.add(transcript)
    client = client_for(owner)
    with django_assert_max_num_queries(10):
        response = client.get(url(project))
    assert response.status_code == 200 and f"Case {n - 1}" in response.content.decode()


# --- writing ------------------------------------------------------------------------------

def test_a_reviewer_may_not_write_and_nothing_changes(client_for, reviewer, project, kazakhstan, outcome,
                                                     transcript):
    client = client_for(reviewer)
    before = snapshot(project)
    posts = {
        "case_add": {"case-name": "Belarus 2020"},
        "attribute_add": {"attribute-name": "year", "attribute-applies_to": "case", "attribute-type": "integer"},
        "case_value_set": {"case-value-case": kazakhstan.pk, "case-value-attribute": outcome.pk,
                           "case-value-value": "no"},
        "case_transcripts_set": {"link-case": kazakhstan.pk, "link-transcripts": [transcript.pk]},
    }
    for name, data in posts.items():
        assert client.post(url(project, name), data).status_code == 403, name
    assert snapshot(project) == before


def test_a_coder_adds_a_case(client_for, coder, project):
    response = client_for(coder).post(url(project, "case_add"),
                                      {"case-name": "Belarus 2020", "case-description": "Protests"}, follow=True)
    assert response.redirect_chain[-1][0] == url(project)
    case = project.cases.get(name="Belarus 2020")
    assert case.description == "Protests"
    assert "Case &#x27;Belarus 2020&#x27; added." in response.content.decode()


def test_a_coder_adds_a_categorical_outcome_attribute(client_for, coder, project, outcome):
    response = client_for(coder).post(url(project, "attribute_add"), {
        "attribute-name": "response", "attribute-applies_to": "case", "attribute-type": "categorical",
        "attribute-choices": "troops, aid ,none", "attribute-is_outcome": "on"})
    assert response.status_code == 302
    attribute = project.attributes.get(name="response")
    assert attribute.choices == ["troops", "aid", "none"] and attribute.is_outcome
    outcome.refresh_from_db()
    assert not outcome.is_outcome, "one outcome per project"


def test_a_coder_sets_boolean_and_categorical_values(client_for, coder, project, kazakhstan, outcome, region):
    client = client_for(coder)
    assert client.post(url(project, "case_value_set"), {"case-value-case": kazakhstan.pk,
                       "case-value-attribute": outcome.pk, "case-value-value": "no"}).status_code == 302
    assert client.post(url(project, "case_value_set"), {"case-value-case": kazakhstan.pk,
                       "case-value-attribute": region.pk, "case-value-value": "Central Asia"}).status_code == 302
    values = dict(kazakhstan.values.values_list("attribute__name", "value"))
    assert values == {"intervention granted": False, "region": "Central Asia"}


def test_a_coder_sets_an_experts_value(client_for, coder, project, expert, seniority):
    response = client_for(coder).post(url(project, "expert_value_set"), {
        "expert-value-expert": expert.pk, "expert-value-attribute": seniority.pk, "expert-value-value": "junior"})
    assert response.status_code == 302
    assert expert.values.get().value == "junior"


def test_a_coder_links_transcripts_to_a_case(client_for, coder, owner, project, kazakhstan, transcript):
    second = transcript_create(project=project, title="Interview E2", text="E2: Other words.", created_by=owner)
    client = client_for(coder)
    response = client.post(url(project, "case_transcripts_set"),
                           {"link-case": kazakhstan.pk, "link-transcripts": [transcript.pk, second.pk]})
    assert response.status_code == 302
    assert set(kazakhstan.transcripts.all()) == {transcript, second}
    client.post(url(project, "case_transcripts_set"), {"link-case": kazakhstan.pk, "link-transcripts": [second.pk]})
    assert list(kazakhstan.transcripts.all()) == [second]


# --- bad input ----------------------------------------------------------------------------

def test_a_duplicate_case_name_is_refused_with_400_and_the_reason(client_for, coder, project, kazakhstan):
    before = snapshot(project)
    response = client_for(coder).post(url(project, "case_add"), {"case-name": "Kazakhstan 2022"})
    assert response.status_code == 400
    assert "A case called &#x27;Kazakhstan 2022&#x27; exists already." in response.content.decode()
    assert snapshot(project) == before


def test_a_value_outside_the_categories_is_refused(client_for, coder, project, kazakhstan, region):
    before = snapshot(project)
    response = client_for(coder).post(url(project, "case_value_set"), {
        "case-value-case": kazakhstan.pk, "case-value-attribute": region.pk, "case-value-value": "Europe"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a category of region" in html and 'role="alert"' in html
    assert snapshot(project) == before


def test_a_value_not_of_the_attributes_type_is_refused(client_for, coder, project, kazakhstan, outcome):
    before = snapshot(project)
    response = client_for(coder).post(url(project, "case_value_set"), {
        "case-value-case": kazakhstan.pk, "case-value-attribute": outcome.pk, "case-value-value": "maybe"})
    assert response.status_code == 400 and "give yes or no" in response.content.decode()
    assert snapshot(project) == before


def test_another_projects_transcript_or_case_cannot_be_picked(client_for, coder, outsider, project, kazakhstan,
                                                              other_project):
    theirs = transcript_create(project=other_project, title="Their interview", text=SAMPLE_TEXT, created_by=outsider)
    their_case = case_create(project=other_project, name="Their case", actor=outsider)
    client = client_for(coder)
    before = snapshot(project)
    response = client.post(url(project, "case_transcripts_set"),
                           {"link-case": kazakhstan.pk, "link-transcripts": [theirs.pk]})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(url(project, "case_transcripts_set"), {"link-case": their_case.pk})
    assert response.status_code == 400
    assert "Their case" not in response.content.decode()
    assert snapshot(project) == before


def test_an_empty_attribute_form_says_what_is_missing(client_for, coder, project):
    response = client_for(coder).post(url(project, "attribute_add"), {})
    assert response.status_code == 400 and "This field is required." in response.content.decode()


def test_the_case_transcripts_service_refuses_another_projects_transcripts(project, owner, outsider, kazakhstan,
                                                                           other_project):
    theirs = transcript_create(project=other_project, title="Their interview", text=SAMPLE_TEXT, created_by=outsider)
    with pytest.raises(ValidationError, match="another project"):
        case_transcripts_set(case=kazakhstan, transcripts=[theirs], actor=owner)
    assert not kazakhstan.transcripts.exists()
