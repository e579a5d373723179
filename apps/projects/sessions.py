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

import logging
from contextvars import ContextVar

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.db.models import F
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .models import Membership, Session

# The user read with this request's session, while Django's get_user runs (see signed_in_user).
_read_with_session: ContextVar = ContextVar("the user read with the session", default=None)


def _user_id(data: dict) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


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
            session = self.model.objects.select_related("user").get(
                session_key=self.session_key, expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
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
        membership = (
            Membership.objects.filter(project__slug=slug, user__sessions__session_key=self.session_key,
                                      user__sessions__expire_date__gt=timezone.now())
            .select_related("project", "user").annotate(session_data=F("user__sessions__session_data"))
            .order_by().first())
        if membership is None:
            return
        data = self.decode(membership.session_data)
        if _user_id(data) != membership.user_id:
            return  # the row's user is not the one the session names: read it the usual way
        self._session_cache = data
        self.user_row = membership.user
        self.user_row.memberships_read = {slug: membership}


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
