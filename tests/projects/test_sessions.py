"""Who is signed in is read in one query (apps/projects/sessions.py), and every check Django
makes still holds: the session's expiry, the user's is_active, the password hash, the user
the session names."""
from datetime import timedelta

from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.projects.models import Role, Session
from apps.projects.sessions import SessionStore, membership_read_with_session

from ..conftest import PASSWORD, make_user, statement_text

LOGIN = reverse("login")


def home(project):
    return reverse("project_home", args=[project.slug])


def sign_in_reads(queries) -> list[str]:
    """The statements that read the session, the user's row or a membership by the user."""
    statements = [statement_text(q["sql"]) for q in queries.captured_queries]
    return [sql for sql in statements if '"projects_session"' in sql or sql.startswith('SELECT "auth_user"')]


def test_a_project_page_reads_the_session_its_user_and_the_membership_in_one_query(client_for, project, owner):
    client = client_for(owner)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(home(project))
    assert response.status_code == 200
    [read] = sign_in_reads(queries)
    assert '"projects_membership"' in read and '"auth_user"' in read and '"projects_project"' in read
    assert not [q for q in queries.captured_queries if '"projects_project"."slug" =' in q["sql"] and q["sql"] != read]
    assert response.wsgi_request.user == owner
    assert response.context["project"].membership.role == Role.OWNER


def test_a_page_outside_projects_reads_the_session_with_its_user(client_for, project, owner):
    client = client_for(owner)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("project_list")).status_code == 200
    [read] = sign_in_reads(queries)
    assert '"auth_user"' in read


def test_the_api_reads_them_in_one_query_too(client_for, project, coder):
    client = client_for(coder)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/projects/{project.slug}/codes")
    assert response.status_code == 200
    [read] = sign_in_reads(queries)
    assert '"projects_membership"' in read


def test_signing_in_names_the_user_on_the_session_row_and_signing_out_deletes_it(client, project, owner):
    response = client.post(LOGIN, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302
    row = Session.objects.get()
    assert row.user == owner
    assert SessionStore().decode(row.session_data)[SESSION_KEY] == str(owner.pk)
    client.post(reverse("logout"))
    assert not Session.objects.exists()


def test_a_changed_password_signs_the_other_sessions_out(client_for, project, owner):
    client = client_for(owner)
    assert client.get(home(project)).status_code == 200
    owner.set_password("another-password-4711")
    owner.save()
    response = client.get(home(project))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_deactivated_user_is_signed_out(client_for, project, coder):
    client = client_for(coder)
    coder.is_active = False
    coder.save()
    for url in (home(project), reverse("project_list")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_an_expired_session_signs_nobody_in(client_for, project, owner):
    client = client_for(owner)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(home(project))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_non_member_with_a_live_session_learns_nothing(client_for, project, outsider):
    assert client_for(outsider).get(home(project)).status_code == 404


def test_the_session_names_the_user_not_its_row(client_for, project, owner, coder):
    """A row whose user column says another user than the session's data (a forged or stale
    row) signs in the user the session names, with that user's role."""
    client = client_for(coder)
    Session.objects.update(user=owner)
    response = client.get(home(project))
    assert response.status_code == 200
    assert response.wsgi_request.user == coder
    assert response.context["project"].membership.role == Role.CODER


def test_deleting_a_user_ends_their_sessions(client_for, project):
    someone = make_user("sam")
    client_for(someone)
    assert Session.objects.filter(user=someone).exists()
    someone.delete()
    assert not Session.objects.exists()


def test_the_membership_read_with_the_session_serves_one_access_check(client_for, project, owner):
    client = client_for(owner)
    store = SessionStore(client.session.session_key)
    store.load_with_membership(project.slug)
    user = store.user_row
    assert user == owner
    assert membership_read_with_session(user, project.slug).role == Role.OWNER
    assert membership_read_with_session(user, project.slug) is None  # read anew after that


def test_the_objects_read_with_the_session_are_those_the_orm_builds(client_for, project, owner):
    """The one query is written SQL: each field comes back with the ORM's type and value
    (SQLite hands dates back as text, for one)."""
    client = client_for(owner)
    store = SessionStore(client.session.session_key)
    store.load_with_membership(project.slug)
    read = membership_read_with_session(store.user_row, project.slug)
    expected = type(read).objects.select_related("project", "user").get(pk=read.pk)
    for got, want in ((read, expected), (read.project, expected.project), (read.user, expected.user)):
        fields = [f.attname for f in type(want)._meta.concrete_fields]
        assert [(getattr(got, f), type(getattr(got, f))) for f in fields] == \
               [(getattr(want, f), type(getattr(want, f))) for f in fields]
        assert not got._state.adding and got._state.db == want._state.db
