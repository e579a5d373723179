"""Login throttling: guessing passwords is slowed down, without letting a stranger lock
someone out.

Failed sign-ins are counted per user name *and client address* ("pair:olga|192.0.2.7"),
per address ("ip:192.0.2.7", with a higher limit: one address trying many names), and, for
a browser that signed in as that user before, per browser ("device:olga|<token>"). A key
that reaches its limit within the window is paused, and each further pause of the same key
lasts twice as long as the one before (up to a day); a key that stays quiet for a day starts
again from the first pause. A pause refuses every sign-in under that key, even with the
right password (guessing must not go on during it).

What nobody else can do to you: failures from other addresses never pause your sign-in
(there is no counter per user name alone), and a browser you signed in with before (a
signed cookie, OWASP's "device cookie") is counted on its own, so a flood of failures from
a shared address (an office, a proxy) does not keep you out either. An administrator
clears a pause with `manage.py login_unlock`.

The address is REMOTE_ADDR, or the header named by CASECODER_CLIENT_IP_HEADER when a
trusted proxy sets one; forwarding headers are never trusted otherwise (clients can forge
them). IPv6 addresses count by their /64 network, which one client usually holds whole.

Why our own small table, not a library: django-axes 8.3 counts every lockout parameter
against one failure limit (an address rule would pause an office after five typos) and has
no growing pauses (its tiers are unreleased), and its cleanup forgets every attempt older
than the current request's cool-off; django-ratelimit keeps its counters in the cache, which
is per process here unless a shared cache is set up, and has nothing to clear a pause with.
The counters live in the database, so several application servers share them.
"""
from __future__ import annotations

import ipaddress
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import LoginThrottle

log = logging.getLogger(__name__)

DEVICE_SALT = "casecoder.login-device"


@dataclass(frozen=True)
class Policy:
    user_failures: int      # failures per user name from one address (or one known browser) before a pause
    address_failures: int   # failures per client address, whatever the names, before a pause
    window: timedelta       # failures older than this are forgotten
    pause: timedelta        # the first pause; each further one of the same key is twice as long
    longest_pause: timedelta
    forget: timedelta       # a key quiet this long starts again from the first pause


def policy() -> Policy:
    return Policy(
        user_failures=settings.CASECODER_LOGIN_USER_FAILURES,
        address_failures=settings.CASECODER_LOGIN_ADDRESS_FAILURES,
        window=timedelta(seconds=settings.CASECODER_LOGIN_WINDOW_SECONDS),
        pause=timedelta(seconds=settings.CASECODER_LOGIN_LOCK_SECONDS),
        longest_pause=timedelta(seconds=settings.CASECODER_LOGIN_MAX_LOCK_SECONDS),
        forget=timedelta(seconds=settings.CASECODER_LOGIN_FORGET_SECONDS),
    )


@dataclass(frozen=True)
class SignInAttempt:
    """Who is signing in, as the throttle counts them."""

    username: str   # lower-cased, as typed (also names that do not exist are counted)
    address: str    # the client's address (an IPv6 /64)
    device: str     # the token of a browser that signed in as this user before, or ""

    def keys(self) -> list[tuple[str, int]]:
        rules = policy()
        if self.device:
            return [(device_key(self.username, self.device), rules.user_failures)]
        keys = [(pair_key(self.username, self.address), rules.user_failures)] if self.username else []
        if self.address:
            keys.append((f"ip:{self.address}", rules.address_failures))
        return keys


def pair_key(username: str, address: str) -> str:
    return f"pair:{username[:140]}|{address}"


def device_key(username: str, device: str) -> str:
    return f"device:{username[:140]}|{device}"


def sign_in_attempt(request, username: str) -> SignInAttempt:
    username = (username or "").strip().lower()
    return SignInAttempt(username=username, address=client_address(request),
                         device=device_of(request, username) if username else "")


# --- the client's address --------------------------------------------------------------

_warned_about_proxy = False


def client_address(request) -> str:
    """The address the throttle counts: REMOTE_ADDR, or the header a trusted proxy sets
    (CASECODER_CLIENT_IP_HEADER; of a list such as X-Forwarded-For, the last entry, the
    one the nearest proxy added). IPv6 addresses count by their /64 network."""
    if request is None:
        return ""
    header = settings.CASECODER_CLIENT_IP_HEADER
    value = request.META.get(header, "").split(",")[-1].strip() if header else ""
    if not header:
        _warn_if_behind_a_proxy(request)
    return _counted(value) or _counted(request.META.get("REMOTE_ADDR", ""))


def _counted(value: str) -> str:
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return ""
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _warn_if_behind_a_proxy(request) -> None:
    global _warned_about_proxy
    if not _warned_about_proxy and ("HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META):
        _warned_about_proxy = True
        log.warning("Sign-ins come through a proxy (X-Forwarded-For or X-Real-IP is set) but "
                    "CASECODER_CLIENT_IP_HEADER is not: the login throttle counts every client under the "
                    "proxy's address. See docs/deploy.md.")


# --- browsers that signed in before ------------------------------------------------------

def device_of(request, username: str) -> str:
    """The token of the browser's device cookie if it was given to this user, else ""."""
    value = request.COOKIES.get(settings.CASECODER_LOGIN_DEVICE_COOKIE, "") if request is not None else ""
    if not value:
        return ""
    try:
        data = signing.loads(value, salt=DEVICE_SALT, max_age=settings.CASECODER_LOGIN_DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return ""
    if not isinstance(data, dict) or data.get("user") != username or not isinstance(data.get("device"), str):
        return ""
    return data["device"][:40]


def device_cookie(attempt: SignInAttempt) -> str:
    """The cookie value that marks this browser as one `attempt.username` signs in with."""
    return signing.dumps({"user": attempt.username, "device": attempt.device or secrets.token_urlsafe(16)},
                         salt=DEVICE_SALT)


# --- counting ----------------------------------------------------------------------------

def seconds_paused(attempt: SignInAttempt) -> int:
    """How long sign-ins for this attempt stay refused (0: not paused)."""
    now = timezone.now()
    keys = [key for key, _ in attempt.keys()]
    until = (LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now)
             .order_by("-locked_until").values_list("locked_until", flat=True).first())
    return 0 if until is None else max(1, int((until - now).total_seconds() + 0.999))


def login_failed(attempt: SignInAttempt) -> None:
    """Count a failed sign-in; pause each key that reaches its limit within the window."""
    rules = policy()
    now = timezone.now()
    for key, limit in attempt.keys():
        with transaction.atomic():
            row = _locked_row(key, now)
            if (row.locked_until or row.window_started_at) < now - rules.forget:
                row.strikes = 0
            if row.window_started_at < now - rules.window:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            if row.failures >= limit:
                row.strikes += 1
                row.locked_until = now + min(rules.pause * 2 ** min(row.strikes - 1, 20), rules.longest_pause)
                row.failures, row.window_started_at = 0, now
            row.save()


def login_succeeded(attempt: SignInAttempt) -> None:
    """The right password, outside a pause: the user's counts from this address and this
    browser start again (the address's count does not: one good account must not let a
    guesser go on trying others)."""
    LoginThrottle.objects.filter(key__in=[pair_key(attempt.username, attempt.address),
                                          device_key(attempt.username, attempt.device)]).delete()


def _locked_row(key: str, now) -> LoginThrottle:
    row = LoginThrottle.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return LoginThrottle.objects.create(key=key, failures=0, window_started_at=now)
    except IntegrityError:  # created by a concurrent request a moment ago
        return LoginThrottle.objects.select_for_update().get(key=key)


def throttle_clear(*, username: str = "", address: str = "") -> int:
    """Forget the counts and pauses of a user name (from every address and browser), of an
    address (for every name), or, with neither, all of them; returns how many."""
    rows = LoginThrottle.objects.all()
    if username or address:
        wanted = Q(pk__in=[])
        if username:
            name = username.strip().lower()[:140]
            wanted |= Q(key__startswith=f"pair:{name}|") | Q(key__startswith=f"device:{name}|")
        if address:
            counted = _counted(address) or address.strip()
            wanted |= Q(key=f"ip:{counted}") | (Q(key__startswith="pair:") & Q(key__endswith=f"|{counted}"))
        rows = rows.filter(wanted)
    deleted, _ = rows.delete()
    return deleted
