"""Login throttling: after a few failed sign-ins an account (and, after many, an address)
is locked for a while, so that passwords cannot be guessed by trying many.

Why our own small table instead of django-axes: we need two counters and a lock time;
axes brings its own authentication backend that refuses `authenticate()` calls without a
request (the test client's `login()` among them), its own middleware and admin, for the
same effect. The counters live in the database, so several application servers share them.

Failures are counted per user name ("user:<name>") and per client address ("ip:<addr>").
A lock refuses every sign-in for that key until it expires, even with the right password:
otherwise guessing could go on during the lock. A successful sign-in clears the user's
counter. The address is REMOTE_ADDR, or the header named by CASECODER_CLIENT_IP_HEADER when
a trusted proxy sets one (never X-Forwarded-For unconditionally: clients can forge it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import LoginThrottle


@dataclass(frozen=True)
class Policy:
    user_failures: int      # failed sign-ins per user name within `window` before a lock
    address_failures: int   # failed sign-ins per client address within `window` before a lock
    window: timedelta
    lock: timedelta


def policy() -> Policy:
    return Policy(
        user_failures=getattr(settings, "CASECODER_LOGIN_USER_FAILURES", 5),
        address_failures=getattr(settings, "CASECODER_LOGIN_ADDRESS_FAILURES", 50),
        window=timedelta(seconds=getattr(settings, "CASECODER_LOGIN_WINDOW_SECONDS", 15 * 60)),
        lock=timedelta(seconds=getattr(settings, "CASECODER_LOGIN_LOCK_SECONDS", 15 * 60)),
    )


def client_address(request) -> str:
    if request is None:
        return ""
    header = getattr(settings, "CASECODER_CLIENT_IP_HEADER", "")
    value = request.META.get(header, "") if header else ""
    value = value.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")
    return value[:100]


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    rules = policy()
    keys = [(f"user:{username.strip().lower()[:150]}", rules.user_failures)] if username.strip() else []
    if address:
        keys.append((f"ip:{address}", rules.address_failures))
    return keys


def seconds_locked(*, username: str, address: str) -> int:
    """How long sign-ins for this user name or address stay refused (0: not locked)."""
    now = timezone.now()
    keys = [key for key, _ in _keys(username, address)]
    until = (LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now)
             .order_by("-locked_until").values_list("locked_until", flat=True).first())
    return 0 if until is None else max(1, int((until - now).total_seconds() + 0.999))


def login_failed(*, username: str, address: str) -> None:
    """Count a failed sign-in; lock the key when it reaches its limit within the window."""
    rules = policy()
    now = timezone.now()
    for key, limit in _keys(username, address):
        with transaction.atomic():
            row = _locked_row(key, now)
            if row.window_started_at < now - rules.window:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            if row.failures >= limit:
                row.locked_until = now + rules.lock
                row.failures, row.window_started_at = 0, now
            row.save()


def login_succeeded(*, username: str) -> None:
    """A right password outside a lock clears the user's count (not the address's)."""
    key = f"user:{username.strip().lower()[:150]}"
    LoginThrottle.objects.filter(key=key).exclude(locked_until__gt=timezone.now()).delete()


def _locked_row(key: str, now) -> LoginThrottle:
    row = LoginThrottle.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return LoginThrottle.objects.create(key=key, failures=0, window_started_at=now)
    except IntegrityError:  # created by a concurrent request a moment ago
        return LoginThrottle.objects.select_for_update().get(key=key)


def throttle_clear(*, key_prefix: str = "") -> int:
    """Forget counters (for an administrator unlocking someone); returns how many."""
    deleted, _ = LoginThrottle.objects.filter(key__startswith=key_prefix).delete()
    return deleted

