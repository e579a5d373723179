"""The team page: owners invite by user name or e-mail, set roles and remove members;
everyone sees who is in the team; independent coding keeps each coder's segments theirs."""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.coding.models import Segment
from apps.coding.selectors import project_coders, segments_by_coders
from apps.coding.services import segment_create, segment_delete, segment_update
from apps.projects.models import Activity, Membership, Role
from apps.projects.services import membership_set, project_settings_update
from tests.conftest import make_user, phrase_span


def members_url(project):
    return reverse("project_members", args=[project.slug])


def role_url(project, user):
    return reverse("project_member_role", args=[project.slug, user.pk])


def remove_url(project, user):
    return reverse("project_member_remove", args=[project.slug, user.pk])


def settings_url(project):
    return reverse("project_settings", args=[project.slug])


# --- who sees the team -------------------------------------------------------------------

@pytest.mark.parametrize("who", ["owner", "coder", "reviewer"])
def test_every_member_sees_the_team_with_roles(client_for, project, request, who):
    response = client_for(request.getfixturevalue(who)).get(members_url(project))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("olga", "cora", "rita"):
        assert f'data-member="{name}"' in page


def test_only_owners_see_the_controls(client_for, project, owner, reviewer, coder):
    for user in (reviewer, coder):
        page = client_for(user).get(members_url(project)).content.decode()
        assert "Invite a member" not in page and "Set role" not in page and "Remove" not in page
    page = client_for(owner).get(members_url(project)).content.decode()
    assert "Invite a member" in page and "Set role" in page and "Independent coding" in page


def test_the_team_page_is_404_for_a_member_of_another_project(client_for, project, outsider):
    assert client_for(outsider).get(members_url(project)).status_code == 404


def test_the_team_page_sends_anonymous_users_to_sign_in(client, project):
    response = client.get(members_url(project))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_team_page_counts_each_members_segments(client_for, project, owner, coder, transcript, threat):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat])
    members = {m.user.username: m.n_segments
               for m in client_for(owner).get(members_url(project)).context["members"]}
    assert members == {"olga": 0, "cora": 1, "rita": 0}


@pytest.mark.parametrize("extra_members", [0, 12])
def test_the_team_page_runs_a_fixed_number_of_queries(client_for, project, owner, extra_members,
                                                      django_assert_max_num_queries):
    for i in range(extra_members):
        membership_set(project=project, user=make_user(f"member{i}"), role=Role.CODER, actor=owner)
    client = client_for(owner)
    with django_assert_max_num_queries(6):
        assert client.get(members_url(project)).status_code == 200


# --- inviting ----------------------------------------------------------------------------

@pytest.mark.parametrize("login", ["nina", "nina@example.org", " NINA@example.org "])
def test_an_owner_invites_by_user_name_or_email(client_for, project, owner, login):
    nina = make_user("nina")
    response = client_for(owner).post(members_url(project), {"login": login, "role": "reviewer"})
    assert response.status_code == 302
    assert Membership.objects.get(project=project, user=nina).role == Role.REVIEWER
    assert Activity.objects.filter(project=project, verb="set role", summary="nina: reviewer").exists()


def test_inviting_an_unknown_person_says_so_and_changes_nothing(client_for, project, owner):
    before = Membership.objects.count()
    response = client_for(owner).post(members_url(project), {"login": "nobody@example.org", "role": "coder"})
    assert response.status_code == 400
    assert "No user with the name or e-mail" in response.content.decode()
    assert Membership.objects.count() == before


def test_inviting_a_member_again_points_to_the_role(client_for, project, owner, coder):
    response = client_for(owner).post(members_url(project), {"login": "cora", "role": "owner"})
    assert response.status_code == 400
    assert "cora is a member already" in response.content.decode()
    assert Membership.objects.get(project=project, user=coder).role == Role.CODER


def test_inviting_with_an_unknown_role_is_refused(client_for, project, owner):
    make_user("nina")
    response = client_for(owner).post(members_url(project), {"login": "nina", "role": "admin"})
    assert response.status_code == 400
    assert not Membership.objects.filter(project=project, user__username="nina").exists()


@pytest.mark.parametrize("who", ["coder", "reviewer"])
def test_only_owners_invite(client_for, project, request, who):
    make_user("nina")
    response = client_for(request.getfixturevalue(who)).post(members_url(project), {"login": "nina", "role": "coder"})
    assert response.status_code == 403
    assert not Membership.objects.filter(project=project, user__username="nina").exists()


def test_a_member_of_another_project_cannot_invite(client_for, project, outsider):
    response = client_for(outsider).post(members_url(project), {"login": "otto", "role": "owner"})
    assert response.status_code == 404
    assert not Membership.objects.filter(project=project, user=outsider).exists()


# --- roles and removal -------------------------------------------------------------------

def test_an_owner_sets_a_role(client_for, project, owner, reviewer):
    response = client_for(owner).post(role_url(project, reviewer), {"role": "coder"})
    assert response.status_code == 302
    assert Membership.objects.get(project=project, user=reviewer).role == Role.CODER


def test_the_last_owner_cannot_step_down(client_for, project, owner):
    response = client_for(owner).post(role_url(project, owner), {"role": "coder"})
    assert response.status_code == 400
    assert "at least one owner" in response.content.decode()
    assert Membership.objects.get(project=project, user=owner).role == Role.OWNER


def test_setting_a_role_for_someone_outside_the_project_is_404(client_for, project, owner, outsider):
    assert client_for(owner).post(role_url(project, outsider), {"role": "coder"}).status_code == 404
    assert not Membership.objects.filter(project=project, user=outsider).exists()


@pytest.mark.parametrize("who", ["coder", "reviewer"])
def test_only_owners_set_roles_and_remove(client_for, project, request, reviewer, who):
    client = client_for(request.getfixturevalue(who))
    assert client.post(role_url(project, reviewer), {"role": "owner"}).status_code == 403
    assert client.post(remove_url(project, reviewer)).status_code == 403
    assert Membership.objects.get(project=project, user=reviewer).role == Role.REVIEWER


def test_an_owner_removes_a_member(client_for, project, owner, reviewer):
    response = client_for(owner).post(remove_url(project, reviewer))
    assert response.status_code == 302
    assert not Membership.objects.filter(project=project, user=reviewer).exists()
    # the removed reviewer no longer sees the project
    assert client_for(reviewer).get(reverse("project_home", args=[project.slug])).status_code == 404


def test_the_last_owner_cannot_be_removed(client_for, project, owner):
    response = client_for(owner).post(remove_url(project, owner))
    assert response.status_code == 400
    assert Membership.objects.filter(project=project, user=owner).exists()


def test_role_changes_need_a_post(client_for, project, owner, reviewer):
    assert client_for(owner).get(role_url(project, reviewer)).status_code == 405
    assert client_for(owner).get(remove_url(project, reviewer)).status_code == 405


# --- independent coding ------------------------------------------------------------------

@pytest.fixture
def coras_segment(transcript, coder, threat):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    return segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat])


@pytest.fixture
def second_coder(project, owner):
    user = make_user("cleo")
    membership_set(project=project, user=user, role=Role.CODER, actor=owner)
    return user


def test_an_owner_turns_independent_coding_on_and_off(client_for, project, owner):
    client = client_for(owner)
    assert client.post(settings_url(project), {"independent_coding": "on"}).status_code == 302
    project.refresh_from_db()
    assert project.independent_coding
    assert client.post(settings_url(project), {}).status_code == 302
    project.refresh_from_db()
    assert not project.independent_coding
    assert Activity.objects.filter(project=project, verb="changed settings").count() == 2


@pytest.mark.parametrize("who", ["coder", "reviewer"])
def test_only_owners_change_how_the_team_codes(client_for, project, request, who):
    response = client_for(request.getfixturevalue(who)).post(settings_url(project), {"independent_coding": "on"})
    assert response.status_code == 403
    project.refresh_from_db()
    assert not project.independent_coding


def test_without_independent_coding_coders_edit_each_others_segments(project, coras_segment, second_coder):
    segment_update(segment=coras_segment, version=coras_segment.version, actor=second_coder, memo="checked")
    assert Segment.objects.get(pk=coras_segment.pk).memo == "checked"


def test_under_independent_coding_a_coder_may_not_change_anothers_segment(project, owner, coras_segment,
                                                                           second_coder):
    project_settings_update(project=project, actor=owner, independent_coding=True)
    with pytest.raises(PermissionDenied, match="only cora \\(or a project owner\\) may change or delete"):
        segment_update(segment=coras_segment, version=coras_segment.version, actor=second_coder, memo="mine now")
    with pytest.raises(PermissionDenied, match="coded independently"):
        segment_delete(segment=coras_segment, actor=second_coder)
    fresh = Segment.objects.get(pk=coras_segment.pk)
    assert fresh.memo == "" and fresh.version == coras_segment.version


def test_under_independent_coding_coders_change_their_own_and_owners_settle(project, owner, coder, coras_segment):
    project_settings_update(project=project, actor=owner, independent_coding=True)
    segment = segment_update(segment=coras_segment, version=coras_segment.version, actor=coder, memo="mine")
    segment = segment_update(segment=segment, version=segment.version, actor=owner, memo="settled by the owner")
    segment_delete(segment=segment, actor=owner)
    assert Segment.all_objects.get(pk=segment.pk).deleted_at is not None


def test_the_api_refuses_anothers_segment_under_independent_coding(client_for, project, owner, coras_segment,
                                                                    second_coder):
    project_settings_update(project=project, actor=owner, independent_coding=True)
    url = f"/api/projects/{project.slug}/segments/{coras_segment.pk}"
    response = client_for(second_coder).patch(url, {"version": coras_segment.version, "memo": "mine now"},
                                              content_type="application/json")
    assert response.status_code == 403
    assert "coded independently" in response.json()["detail"]
    assert Segment.objects.get(pk=coras_segment.pk).memo == ""


# --- coders as a filter ------------------------------------------------------------------

def test_the_coders_of_a_project_and_a_filter_by_coder(project, owner, coder, coras_segment, transcript, threat,
                                                       second_coder):
    start, end = phrase_span(transcript, "Nobody wanted to fight Azerbaijan.")
    cleos = segment_create(transcript=transcript, start=start, end=end, coder=second_coder, codes=[threat])
    assert [(u.username, u.n_segments) for u in project_coders(project=project)] == [("cleo", 1), ("cora", 1)]
    every = Segment.objects.filter(project=project)
    assert list(segments_by_coders(every, [second_coder.pk])) == [cleos]
    assert set(segments_by_coders(every, [])) == {coras_segment, cleos}
    assert set(segments_by_coders(every, [coder.pk, second_coder.pk])) == {coras_segment, cleos}
