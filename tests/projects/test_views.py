"""Sign-in, sign-out, the project list and the project home page."""
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.demo.loader import DEMO_PASSWORD, demo_users
from apps.cases.services import transcript_cases_set
from apps.coding.services import code_create, comment_create, segment_create
from apps.projects.models import Project, Role
from apps.projects.services import membership_set, project_create
from apps.transcripts.services import expert_create, transcript_create
from tests.conftest import PASSWORD, SAMPLE_TEXT

LOGIN = reverse("login")
PROJECTS = reverse("project_list")

# The project home page: session, user, membership+project, then one query each for
# transcripts, cases, their attribute values (two prefetches), codes, segments, open
# comments, recent activity and members, and up to three for "the method at work in two
# minutes" (apps/comparison/tour.py: the project's state, and when the cache does not hold
# the tour for that state, the cited segment and its transcript's turns for the citation).
# The same bound holds whatever the data size.
HOME_MAX_QUERIES = 15


def home(project):
    return reverse("project_home", args=[project.slug])


# --- signing in and out ------------------------------------------------------------------

def test_the_sign_in_page_shows_the_form(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_a_demo_user_signs_in_and_lands_on_the_project_list(client, db):
    demo_users()
    response = client.post(LOGIN, {"username": "researcher", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.url == PROJECTS
    assert client.get(PROJECTS).context["user"].username == "researcher"


def test_sign_in_follows_next(client, project, owner):
    response = client.post(LOGIN, {"username": owner.username, "password": PASSWORD, "next": home(project)})
    assert response.url == home(project)


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(client, owner):
    response = client.post(LOGIN, {"username": owner.username, "password": "not-the-password"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_sign_out_is_a_post_and_ends_the_session(client_for, owner):
    client = client_for(owner)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == LOGIN
    assert client.get(PROJECTS).status_code == 302


def test_every_page_offers_sign_out_as_a_form(client_for, owner):
    content = client_for(owner).get(PROJECTS).content.decode()
    assert f'method="post" action="{reverse("logout")}"' in content


# --- the project list ----------------------------------------------------------------------

def test_the_project_list_needs_a_signed_in_user(client):
    response = client.get(PROJECTS)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_the_project_list_shows_only_the_users_projects(client_for, project, other_project, reviewer):
    response = client_for(reviewer).get(PROJECTS)
    content = response.content.decode()
    assert response.status_code == 200
    assert project.name in content and "Reviewer" in content
    assert other_project.name not in content


def test_the_project_list_of_a_newcomer_says_how_to_start(client_for, db):
    content = client_for(get_user_model().objects.create_user("newbie")).get(PROJECTS).content.decode()
    assert "You do not belong to any project yet" in content


def test_creating_a_project_from_the_list_makes_the_user_its_owner(client_for, coder):
    response = client_for(coder).post(PROJECTS, {"name": "Alliance burden sharing", "description": "NATO vs CSTO"},
                                      follow=True)
    project = Project.objects.get(slug="alliance-burden-sharing")
    assert response.redirect_chain == [(home(project), 302)]
    assert project.memberships.get(user=coder).role == Role.OWNER
    assert "Project &#x27;Alliance burden sharing&#x27; created." in response.content.decode()


@pytest.mark.parametrize("name, message", [
    ("", "This field is required."),
    ("   ", "This field is required."),
    ("!!!", "The name must contain letters or digits to make a web address."),
    ("CSTO requests", "A project with the address &#x27;csto-requests&#x27; exists already."),
])
def test_creating_a_project_with_bad_input_shows_why_and_creates_nothing(client_for, project, coder, name, message):
    before = Project.objects.count()
    response = client_for(coder).post(PROJECTS, {"name": name})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Project.objects.count() == before


def test_the_project_list_runs_a_fixed_number_of_queries(client_for, owner, django_assert_max_num_queries):
    for i in range(15):
        project_create(name=f"Study {i}", owner=owner)
    client = client_for(owner)
    with django_assert_max_num_queries(4):
        response = client.get(PROJECTS)
    assert len(response.context["memberships"]) == 15


# --- the project home page -----------------------------------------------------------------

def test_the_home_page_shows_transcripts_codes_and_cases(client_for, project, transcript, threat, russian_interest,
                                                         kazakhstan, reviewer):
    response = client_for(reviewer).get(home(project))
    content = response.content.decode()
    assert response.status_code == 200
    for text in ["Interview E1", "Threat perception", "Russian interest", "Kazakhstan 2022", "intervention granted",
                 reverse("transcript_detail", args=[project.slug, transcript.pk])]:
        assert text in content


def test_the_home_page_shows_boolean_case_values_as_yes_or_no(client_for, project, kazakhstan, armenia, reviewer):
    content = client_for(reviewer).get(home(project)).content.decode()
    assert "<dt>intervention granted</dt><dd>yes</dd>" in content
    assert "<dt>intervention granted</dt><dd>no</dd>" in content
    assert "True" not in content and "False" not in content


def test_the_home_page_of_an_empty_project_invites_a_coder_to_import(client_for, project, coder, reviewer):
    assert "Import your interviews" in client_for(coder).get(home(project)).content.decode()


def test_the_home_page_escapes_what_users_typed(client_for, project, owner):
    transcript_create(project=project, title="<script>alert(1)</script>", text=SAMPLE_TEXT, created_by=owner)
    content = client_for(owner).get(home(project)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_the_home_page_is_404_for_a_non_member(client_for, project, outsider):
    assert client_for(outsider).get(home(project)).status_code == 404


def test_the_home_page_is_404_for_an_unknown_project(client_for, owner):
    assert client_for(owner).get(reverse("project_home", args=["nothing-here"])).status_code == 404


def test_the_home_page_sends_anonymous_users_to_sign_in(client, project):
    response = client.get(home(project))
    assert response.status_code == 302 and response.url == f"{LOGIN}?next={home(project)}"


def build_study(project, owner, *, transcripts: int, segments_per_transcript: int):
    """A project with data everywhere the home page looks: transcripts with experts and
    segments, a codebook tree, cases with attribute values, comments, members."""
    from apps.cases.models import Attribute
    from apps.cases.services import attribute_create, case_create, case_value_set

    root = code_create(project=project, name="Member-state interests", actor=owner)
    codes = [root] + [code_create(project=project, name=f"Member {i}", parent=root, actor=owner) for i in range(5)]
    year = attribute_create(project=project, name="year", applies_to=Attribute.AppliesTo.CASE,
                            type=Attribute.Type.INTEGER, actor=owner)
    cases = []
    for i in range(4):
        case = case_create(project=project, name=f"Case {i}", actor=owner)
        case_value_set(case=case, attribute=year, value=2010 + i, actor=owner)
        cases.append(case)
    for i in range(3):
        membership_set(project=project, user=get_user_model().objects.create_user(f"member{i}"), role=Role.CODER,
                       actor=owner)
    for t in range(transcripts):
        expert = expert_create(project=project, pseudonym=f"X{t}", actor=owner)
        text = "\n\n".join(f"X{t}: Passage number {i} of the interview about the alliance."
                           for i in range(segments_per_transcript))
        transcript = transcript_create(project=project, title=f"Interview {t}", text=text, expert=expert,
                                       created_by=owner)
        transcript_cases_set(transcript=transcript, cases=[cases[t % 4]], actor=owner)
        for turn in transcript.turns.all():
            segment_create(transcript=transcript, start=turn.start, end=turn.end, coder=owner,
                           codes=[codes[turn.number % len(codes)]])
        comment_create(project=project, author=owner, text="Check this one", transcript=transcript)


@pytest.mark.parametrize("transcripts, segments_per_transcript", [(1, 1), (20, 50)])
def test_the_home_page_runs_the_same_bounded_number_of_queries_for_any_size(
        client_for, project, owner, transcripts, segments_per_transcript, django_assert_max_num_queries):
    build_study(project, owner, transcripts=transcripts, segments_per_transcript=segments_per_transcript)
    client = client_for(owner)
    with django_assert_max_num_queries(HOME_MAX_QUERIES):
        response = client.get(home(project))
    assert response.status_code == 200
    assert response.context["n_segments"] == transcripts * segments_per_transcript
    assert len(response.context["transcripts"]) == transcripts
