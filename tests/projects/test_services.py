"""Projects and memberships: the spec of project_create, membership_set and membership_remove."""
import pytest
from django.core.exceptions import ValidationError

from apps.projects.models import Activity, Membership, Project, Role
from apps.projects.services import membership_remove, membership_set, project_create, user_by_login
from tests.conftest import make_user
from tests.snapshot import rejected


def test_project_create_makes_the_creator_its_owner_and_records_it(owner):
    project = project_create(name="  CSTO requests  ", owner=owner, description="Four requests")

    assert (project.name, project.slug, project.description) == ("CSTO requests", "csto-requests", "Four requests")
    assert project.created_by == owner
    assert list(project.memberships.values_list("user__username", "role")) == [("olga", Role.OWNER)]
    assert Activity.objects.filter(project=project, verb="created", actor=owner).exists()


def test_project_create_takes_an_explicit_slug(owner):
    assert project_create(name="CSTO requests", slug="My Study", owner=owner).slug == "my-study"


def test_project_create_rejects_a_slug_that_is_taken(owner, coder):
    project_create(name="CSTO requests", owner=owner)
    with rejected("A project with the address 'csto-requests' exists already.", field="slug"):
        project_create(name="CSTO Requests!", owner=coder)


@pytest.mark.parametrize("name", ["", "   ", "\n\t"])
def test_project_create_rejects_an_empty_name(owner, name):
    with rejected("A project needs a name.", field="name"):
        project_create(name=name, owner=owner)
    assert not Project.objects.exists()


def test_project_create_rejects_a_name_without_letters_or_digits(owner):
    with rejected("must contain letters or digits", field="slug"):
        project_create(name="!!! ???", owner=owner)


def test_project_create_rejects_a_name_longer_than_the_column(owner):
    with rejected("at most 200 characters", field="name"):
        project_create(name="x" * 201, owner=owner)


def test_membership_set_adds_a_member_and_changes_their_role(project, owner):
    newcomer = make_user("nina")
    membership = membership_set(project=project, user=newcomer, role=Role.REVIEWER, actor=owner)
    assert membership.role == Role.REVIEWER

    membership_set(project=project, user=newcomer, role=Role.CODER, actor=owner)

    assert Membership.objects.get(project=project, user=newcomer).role == Role.CODER
    assert Membership.objects.filter(project=project, user=newcomer).count() == 1
    record = Activity.objects.filter(project=project, verb="set role").first()
    assert (record.before, record.after) == ({"role": "reviewer"}, {"role": "coder"})


def test_membership_set_rejects_an_unknown_role(project, owner, coder):
    with rejected("Unknown role 'admin'", field="role"):
        membership_set(project=project, user=coder, role="admin", actor=owner)


def test_membership_set_keeps_the_last_owner(project, owner):
    with rejected("A project needs at least one owner.", field="role"):
        membership_set(project=project, user=owner, role=Role.CODER, actor=owner)


def test_an_owner_may_step_down_once_there_is_another_owner(project, owner, coder):
    membership_set(project=project, user=coder, role=Role.OWNER, actor=owner)
    membership_set(project=project, user=owner, role=Role.REVIEWER, actor=coder)

    assert dict(project.memberships.values_list("user__username", "role")) == {
        "olga": Role.REVIEWER, "cora": Role.OWNER, "rita": Role.REVIEWER}


def test_membership_remove_removes_a_member(project, owner, reviewer):
    membership_remove(project=project, user=reviewer, actor=owner)

    assert not project.memberships.filter(user=reviewer).exists()
    assert Activity.objects.filter(project=project, verb="removed member", summary="rita").exists()


def test_membership_remove_keeps_the_last_owner(project, owner):
    with rejected("A project needs at least one owner.", field="user"):
        membership_remove(project=project, user=owner, actor=owner)


def test_membership_remove_rejects_someone_who_is_not_a_member(project, owner, outsider):
    with rejected("otto is not a member of this project.", field="user"):
        membership_remove(project=project, user=outsider, actor=owner)


def test_user_by_login_finds_a_user_by_name_or_email(owner):
    assert user_by_login(" olga ") == owner
    assert user_by_login("OLGA@example.org") == owner
    with pytest.raises(ValidationError, match="No user with the name or e-mail 'nobody'"):
        user_by_login("nobody")
