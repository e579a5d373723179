"""The primary coder: whose codings the appendix, the matrix and the comparison use by
default. The first owner until an owner names a member who can code, on the team page or
through the API; settled codings count as primary whoever coded them."""
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.agreement.services import KEEP, passage_settle
from apps.coding.models import Coding
from apps.coding.selectors import primary_codings
from apps.coding.services import segment_create
from apps.projects.models import Activity, Role
from apps.projects.selectors import primary_coder
from apps.projects.services import membership_set, project_create, project_primary_coder_set
from tests.conftest import make_user, phrase_span


def api(project):
    return f"/api/projects/{project.slug}/primary-coder"


def put(client, project, user_id):
    return client.put(api(project), data=json.dumps({"user_id": user_id}), content_type="application/json")


# --- the rule ----------------------------------------------------------------------------

def test_the_first_owner_is_the_primary_coder_until_one_is_named(project, owner, coder, django_assert_num_queries):
    second_owner = make_user("otto")
    membership_set(project=project, user=second_owner, role=Role.OWNER, actor=owner)
    with django_assert_num_queries(1):
        assert primary_coder(project=project) == (owner.pk, owner.username)
    project_primary_coder_set(project=project, user=coder, actor=owner)
    with django_assert_num_queries(1):
        assert primary_coder(project=project) == (coder.pk, coder.username)


def test_a_primary_coder_who_can_no_longer_code_gives_way_to_the_first_owner(project, owner, coder):
    project_primary_coder_set(project=project, user=coder, actor=owner)
    membership_set(project=project, user=coder, role=Role.REVIEWER, actor=owner)
    assert primary_coder(project=project) == (owner.pk, owner.username)


def test_only_an_owner_or_coder_of_the_project_can_be_primary(project, owner, reviewer, outsider):
    for user in (reviewer, outsider):
        with pytest.raises(ValidationError, match="not an owner or coder"):
            project_primary_coder_set(project=project, user=user, actor=owner)
    project.refresh_from_db()
    assert project.primary_coder_id is None


def test_naming_the_primary_coder_is_recorded_in_the_history(project, owner, coder):
    project_primary_coder_set(project=project, user=coder, actor=owner)
    activity = Activity.objects.filter(project=project, verb="changed settings").latest("id")
    assert activity.after == {"primary_coder": coder.pk} and "cora" in activity.summary


def test_primary_codings_are_the_primary_coders_and_the_settled_ones(project, owner, coder, transcript, threat):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    mine = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    theirs = segment_create(transcript=transcript, start=start, end=end - 1, codes=[threat], coder=coder)
    counted = Coding.objects.filter(primary_codings(project=project), content_object__deleted_at__isnull=True)
    assert [c.content_object_id for c in counted] == [mine.pk]
    passage_settle(action=KEEP, code=threat, segments=[mine, theirs], keep=theirs,
                   versions={mine.pk: mine.version, theirs.pk: theirs.version}, actor=owner)
    counted = Coding.objects.filter(primary_codings(project=project), content_object__deleted_at__isnull=True)
    assert [c.content_object_id for c in counted] == [theirs.pk]


def test_a_project_keeps_its_primary_coder_to_itself(project, owner, coder, outsider):
    elsewhere = project_create(name="Elsewhere", owner=outsider)
    project_primary_coder_set(project=project, user=coder, actor=owner)
    assert primary_coder(project=elsewhere) == (outsider.pk, outsider.username)


def test_each_project_reads_its_own_primary_coder_from_the_one_compiled_read(project, owner, coder, outsider):
    """The read is compiled once per shape (a coder named or not) and run with each
    project's ids: alternating projects of both shapes never mixes them up."""
    elsewhere = project_create(name="Elsewhere", owner=outsider)
    helper = make_user("hana")
    membership_set(project=elsewhere, user=helper, role=Role.CODER, actor=outsider)
    for _ in range(2):
        assert primary_coder(project=project) == (owner.pk, owner.username)
        assert primary_coder(project=elsewhere) == (outsider.pk, outsider.username)
    project_primary_coder_set(project=project, user=coder, actor=owner)
    project_primary_coder_set(project=elsewhere, user=helper, actor=outsider)
    project.refresh_from_db()
    elsewhere.refresh_from_db()
    for _ in range(2):
        assert primary_coder(project=project) == (coder.pk, coder.username)
        assert primary_coder(project=elsewhere) == (helper.pk, helper.username)


# --- the team page -----------------------------------------------------------------------

def test_an_owner_names_the_primary_coder_on_the_team_page(client_for, project, owner, coder):
    client = client_for(owner)
    page = client.get(reverse("project_members", args=[project.slug])).content.decode()
    assert 'name="primary_coder"' in page and f'<option value="{coder.pk}">cora</option>' in page
    response = client.post(reverse("project_primary_coder", args=[project.slug]), {"primary_coder": coder.pk})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.primary_coder == coder
    client.post(reverse("project_primary_coder", args=[project.slug]), {"primary_coder": ""})
    project.refresh_from_db()
    assert project.primary_coder is None


def test_the_team_page_refuses_a_reviewer_as_primary_coder(client_for, project, owner, reviewer):
    response = client_for(owner).post(reverse("project_primary_coder", args=[project.slug]),
                                      {"primary_coder": reviewer.pk})
    assert response.status_code == 400 and "Choose an owner or coder" in response.content.decode()
    project.refresh_from_db()
    assert project.primary_coder is None


@pytest.mark.parametrize("who, status", [("coder", 403), ("reviewer", 403), ("outsider", 404)])
def test_only_owners_name_the_primary_coder(client_for, project, coder, request, who, status):
    response = client_for(request.getfixturevalue(who)).post(
        reverse("project_primary_coder", args=[project.slug]), {"primary_coder": coder.pk})
    assert response.status_code == status
    project.refresh_from_db()
    assert project.primary_coder is None


def test_every_member_reads_who_the_primary_coder_is(client_for, project, reviewer):
    page = client_for(reviewer).get(reverse("project_members", args=[project.slug])).content.decode()
    assert "Primary coder: olga" in page


# --- the API -----------------------------------------------------------------------------

def test_the_api_reads_and_names_the_primary_coder(client_for, project, owner, coder, django_assert_max_num_queries):
    client = client_for(owner)
    with django_assert_max_num_queries(4):  # session, user, membership, primary coder
        assert client.get(api(project)).json() == {"user_id": owner.pk, "username": "olga", "chosen": False}
    response = put(client, project, coder.pk)
    assert response.status_code == 200 and response.json() == {"user_id": coder.pk, "username": "cora",
                                                               "chosen": True}
    assert put(client, project, None).json()["user_id"] == owner.pk


def test_the_api_refuses_a_reviewer_or_a_stranger_as_primary_coder(client_for, project, owner, reviewer, outsider):
    client = client_for(owner)
    response = put(client, project, reviewer.pk)
    assert response.status_code == 422 and "not an owner or coder" in response.json()["detail"]
    response = put(client, project, outsider.pk)
    assert response.status_code == 422 and "No such user" in response.json()["detail"]
    project.refresh_from_db()
    assert project.primary_coder is None


def test_the_api_lets_only_owners_name_the_primary_coder(client_for, project, coder, reviewer, outsider):
    assert put(client_for(coder), project, coder.pk).status_code == 403
    assert client_for(outsider).get(api(project)).status_code == 404
    assert client_for(reviewer).get(api(project)).status_code == 200
