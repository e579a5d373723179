"""Who may do what in a project: apps/projects/access.py is the one place that decides.

A non-member learns nothing (404, as if the project did not exist); a member whose role
does not allow the action gets a 403; reviewers read and comment but do not code.
"""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from apps.coding.models import Code
from apps.projects.access import CODE, COMMENT, OWN, READ, can, in_project, project_for


@pytest.mark.parametrize("action", [READ, COMMENT, CODE, OWN])
def test_a_non_member_gets_404_for_every_action(project, outsider, action):
    with pytest.raises(Http404):
        project_for(outsider, project.slug, action)


def test_an_anonymous_user_gets_404(project):
    with pytest.raises(Http404):
        project_for(AnonymousUser(), project.slug)


def test_an_unknown_project_is_404_like_a_foreign_one(owner):
    with pytest.raises(Http404):
        project_for(owner, "no-such-project")


@pytest.mark.parametrize("action", [READ, COMMENT])
def test_a_reviewer_may_read_and_comment(project, reviewer, action):
    found = project_for(reviewer, project.slug, action)
    assert found == project
    assert found.membership.user == reviewer


@pytest.mark.parametrize("action", [CODE, OWN])
def test_a_reviewer_may_not_code_or_own(project, reviewer, action):
    with pytest.raises(PermissionDenied, match=f"reviewer.*may not {action}"):
        project_for(reviewer, project.slug, action)


@pytest.mark.parametrize("action", [READ, COMMENT, CODE])
def test_a_coder_may_code(project, coder, action):
    assert project_for(coder, project.slug, action) == project


def test_a_coder_may_not_own(project, coder):
    with pytest.raises(PermissionDenied):
        project_for(coder, project.slug, OWN)


@pytest.mark.parametrize("action", [READ, COMMENT, CODE, OWN])
def test_an_owner_may_do_everything(project, owner, action):
    assert project_for(owner, project.slug, action) == project


def test_a_member_of_one_project_is_a_stranger_to_another(project, other_project, owner, outsider):
    with pytest.raises(Http404):
        project_for(owner, other_project.slug)
    assert project_for(outsider, other_project.slug, OWN) == other_project


def test_project_for_reads_the_project_and_membership_in_one_query(project, coder, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = project_for(coder, project.slug, CODE)
        assert found.membership.role == "coder"


def test_can_answers_without_raising(project, reviewer):
    membership = project_for(reviewer, project.slug).membership
    assert can(membership, READ) and can(membership, COMMENT)
    assert not can(membership, CODE) and not can(membership, OWN)
    assert not can(None, READ)


@pytest.mark.parametrize("strangers", [3, 400], ids=["by written SQL", "in batches"])
def test_ids_a_client_sends_are_read_in_the_given_order_and_strangers_are_unknown(
        project, other_project_code, threat, russian_interest, strangers):
    """A code of another project is as unknown as one that does not exist; few ids are read
    by written SQL, many in the ORM's batches, with the same answer."""
    assert in_project(Code, project=project, ids=[russian_interest.pk, threat.pk, russian_interest.pk],
                      field="code_ids", noun="codes") == [russian_interest, threat]
    unknown = [other_project_code.pk] + [10**9 + n for n in range(strangers - 1)]
    with pytest.raises(ValidationError) as refused:
        in_project(Code, project=project, ids=[threat.pk, *unknown], field="code_ids", noun="codes")
    assert f"unknown codes: {other_project_code.pk}," in str(refused.value)
    assert ("more" in str(refused.value)) == (strangers > 10)
