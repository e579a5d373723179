"""Who is signed in, read in one query.

Django reads a request's session, then its user, then `access.project_for` reads the
membership: three round trips before a view does any work, on every click. Here the session
row carries its user's id (`models.Session.user`), so the session and its user come in one
query; on a project's page (a view with a `slug`) the membership and the project come in that
same query. Every check Django makes still runs, in Django's own `get_user`: the session's
expiry, the backend, the user's `is_active`, and the password hash that ends the sessions
of a changed password. Only the user's row is not read a second time.

Settings: SESSION_ENGINE = "apps.projects.sessions", AUTHENTICATION_BACKENDS =
["apps.projects.sessions.SessionUserBackend"], and `SignedInMiddleware` in place of
Django's AuthenticationMiddleware.
"""
from __future__ import annotations

import functools
import logging
from contextvars import ContextVar

from django.contrib import auth
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .compiled import ModelColumns, RelatedRead, execute_prepared
from .models import Membership, Project, Session

# The user read with this request's session, while Django's get_user runs (see signed_in_user).
_read_with_session: ContextVar = ContextVar("the user read with the session", default=None)


def _user_id(data: dict) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


# A live session with its user, on a page without a project (one query, written once from
# the models: the ORM took longer to compile the join than to read it).
def _live_session(alias: str) -> str:
    """The SQL condition of Django's `_get_session_from_db` on a session table's `alias`:
    this key (first parameter), not expired by now (second; `_now_as_stored`)."""
    return f"{alias}.session_key = %s AND {alias}.expire_date > %s"


_SESSION_WITH_USER = RelatedRead(Session, "user", where=_live_session("t0"))


def _now_as_stored(connection):
    """Now, as the ORM sends a DateTimeField's value (SQLite stores naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


class SessionStore(DatabaseSessionStore):
    """Django's database sessions; the signed-in user's row comes with the session."""

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self.user_row = None  # the user read with the session: None for nobody, or not read yet

    @classmethod
    def get_model_class(cls):
        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data)
        return session

    def _get_session_from_db(self):
        try:
            connection = connections[router.db_for_read(Session)]
            session = _SESSION_WITH_USER.first(self.session_key, _now_as_stored(connection), using=connection.alias)
        except SuspiciousOperation as error:
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            session = None
        if session is None:
            self._session_key = None
            return None
        self.user_row = session.user
        return session

    def load_with_membership(self, slug: str) -> None:
        """Reads this session, its user, and the user's membership of project `slug` with the
        project, in one query. Finds nothing (and reads nothing) unless the session is alive
        and its user a member: then the session loads as usual, when it is first used."""
        if self.session_key is None or hasattr(self, "_session_cache"):
            return
        found = _MEMBERSHIP_READER.read(self.session_key, slug)
        if found is None:
            return
        session_data, membership = found
        data = self.decode(session_data)
        if _user_id(data) != membership.user_id:
            return  # the row's user is not the one the session names: read it the usual way
        self._session_cache = data
        self.user_row = membership.user
        self.user_row.memberships_read = {slug: membership}


class _MembershipReader:
    """The session's data and the membership (with its project and user) as written SQL.
    It runs on every project page and API call: the ORM took about 2 ms to compile this
    three-join query and build its objects, the database well under one. The columns come
    from the models, and each value goes through the converters the ORM would apply (SQLite
    gives dates as text), so the objects are the ones a queryset would build."""

    models = (Membership, Project, get_user_model())

    def read(self, session_key: str, slug: str) -> tuple[str, Membership] | None:
        connection = connections[router.db_for_read(Session)]
        sql, layout = self._compiled(connection.alias)
        with connection.cursor() as cursor:
            execute_prepared(cursor, sql, (session_key, _now_as_stored(connection), slug))
            row = cursor.fetchone()
        if row is None:
            return None
        objects, position = [], 1
        for model_columns in layout:
            values = row[position:position + len(model_columns.columns)]
            position += len(model_columns.columns)
            objects.append(model_columns.build(values, connection))
        membership, project, user = objects
        membership.project, membership.user = project, user
        return row[0], membership

    @functools.cache
    def _compiled(self, alias: str):
        """Once per database: the SQL, and each column's converters (which take the
        connection they run on as an argument)."""
        connection = connections[alias]
        quote = connection.ops.quote_name
        layout = [ModelColumns(model, table, connection) for table, model in zip(("m", "p", "u"), self.models)]
        columns = [column for model_columns in layout for column in model_columns.columns]
        membership, project, user = (quote(model._meta.db_table) for model in self.models)
        sql = (f"SELECT s.{quote('session_data')}, {', '.join(columns)} FROM {quote(Session._meta.db_table)} s "
               f"JOIN {user} u ON u.{quote('id')} = s.{quote('user_id')} "
               f"JOIN {membership} m ON m.{quote('user_id')} = u.{quote('id')} "
               f"JOIN {project} p ON p.{quote('id')} = m.{quote('project_id')} "
               f"WHERE {_live_session('s')} AND p.{quote('slug')} = %s")
        return sql, layout


_MEMBERSHIP_READER = _MembershipReader()


def membership_read_with_session(user, slug: str) -> Membership | None:
    """The membership of `slug` read with `user`'s session in this request, once: a second
    call (after a write, say) reads it anew."""
    return getattr(user, "memberships_read", {}).pop(slug, None)


class SessionUserBackend(ModelBackend):
    """Django's ModelBackend, taking the user already read with the request's session."""

    def get_user(self, user_id):
        user = _read_with_session.get()
        if user is not None and str(user.pk) == str(user_id):
            return user if self.user_can_authenticate(user) else None
        return super().get_user(user_id)


def signed_in_user(request):
    """Django's get_user (session hash, backend, is_active checks), handed the user that was
    read with the session."""
    session = request.session
    session.get(SESSION_KEY)  # reads the session, and its user, if nothing has yet
    token = _read_with_session.set(getattr(session, "user_row", None))
    try:
        return auth.get_user(request)
    finally:
        _read_with_session.reset(token)


class SignedInMiddleware(AuthenticationMiddleware):
    """request.user as Django's AuthenticationMiddleware sets it, read with the session; on a
    view with a project `slug`, the session, user and membership are read in one query."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: signed_in_user(request))

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("slug")
        if isinstance(slug, str) and isinstance(request.session, SessionStore):
            request.session.load_with_membership(slug)
