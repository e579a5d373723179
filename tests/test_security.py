"""Hardening: the Content-Security-Policy and the other headers, templates without inline
script, login throttling, Argon2, upload limits, production settings (`check --deploy`
clean, secure cookies, HSTS), and no secret in the repository."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.projects.models import LoginThrottle
from tests.conftest import PASSWORD, make_user

ROOT = Path(settings.BASE_DIR)
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-" + "k" * 60,
    "ALLOWED_HOSTS": "casecoder.example.org",
}


def policy(response) -> dict[str, str]:
    return {d.split()[0]: " ".join(d.split()[1:]) for d in response["Content-Security-Policy"].split(";") if d.strip()}


def run_python(code: str, env: dict, *args) -> subprocess.CompletedProcess:
    unset = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env)
    environment.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return subprocess.run([sys.executable, *args] if not code else [sys.executable, "-c", code], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)


# --- headers -------------------------------------------------------------------------------

@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_sends_a_content_security_policy_without_inline_script(client, owner, signed_in):
    if signed_in:
        client.force_login(owner)
    response = client.get(LOGIN if not signed_in else reverse("project_list"))
    csp = policy(response)
    assert csp["script-src"] == "'self'"                     # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert csp["default-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["style-src-elem"] == "'self'"                 # inline <style> elements stay forbidden
    assert csp["style-src-attr"] == "'unsafe-inline'"        # style="--swatch: #..." attributes work


def test_the_api_answers_carry_the_policy_too(client_for, project, owner):
    response = client_for(owner).get(f"/api/projects/{project.slug}/codes")
    assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]


def test_the_other_security_headers(client_for, owner):
    response = client_for(owner).get(reverse("project_list"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_of_signed_in_users_are_not_cached(client, client_for, owner):
    assert client_for(owner).get(reverse("project_list"))["Cache-Control"] == "private, no-store"


def test_the_api_docs_load_their_scripts_from_our_static_files(client):
    page = client.get("/api/docs").content.decode()
    assert "cdn.jsdelivr" not in page and "unpkg" not in page
    assert re.search(r"<script[^>]*src=\"/static/ninja/", page)


# --- templates and scripts -----------------------------------------------------------------

TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_templates_hold_no_inline_script(template):
    text = template.read_text(encoding="utf-8")
    for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.DOTALL | re.IGNORECASE):
        attributes, body = match.groups()
        if 'type="application/json"' in attributes:   # data, never run
            continue
        assert "src=" in attributes and not body.strip(), f"inline script in {template.name}: {match.group(0)[:80]}"
    assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), f"an inline event handler in {template.name}"
    assert "javascript:" not in text.lower(), f"a javascript: URL in {template.name}"


def test_scripts_do_not_evaluate_strings():
    for script in (ROOT / "static" / "js").rglob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\beval\s*\(|new\s+Function\s*\(|document\.write\s*\(", text), script.name


# --- login throttling ----------------------------------------------------------------------

OLGA_HERE = "pair:olga|127.0.0.1"  # olga's count from the test client's address


def sign_in(client, username, password, url=LOGIN):
    return client.post(url, {"username": username, "password": password})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def sign_out_keeping_cookies(client):
    """Sign out as a browser does: the test client's logout() forgets every cookie, a
    browser keeps those other than the session's."""
    kept = client.cookies.get(settings.CASECODER_LOGIN_DEVICE_COOKIE)
    client.logout()
    if kept is not None:
        client.cookies[settings.CASECODER_LOGIN_DEVICE_COOKIE] = kept.value


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, owner):
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        assert sign_in(client, "olga", "wrong password").status_code == 200
    response = sign_in(client, "olga", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.content.decode()
    assert not signed_in_as(client)


def test_the_lock_ignores_the_case_of_the_user_name(client, owner):
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        sign_in(client, "OLGA", "wrong password")
    assert sign_in(client, "olga", PASSWORD).status_code == 429


def test_a_locked_account_does_not_lock_the_others(client, owner, coder):
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        sign_in(client, "olga", "wrong password")
    assert sign_in(client, "cora", PASSWORD).status_code == 302
    assert signed_in_as(client) == str(coder.pk)


def test_the_lock_ends_and_a_right_password_then_clears_the_count(client, owner):
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        sign_in(client, "olga", "wrong password")
    LoginThrottle.objects.filter(key=OLGA_HERE).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, "olga", PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(key=OLGA_HERE).exists()


def test_a_right_password_before_the_limit_starts_the_count_again(client, owner):
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES - 1):
        sign_in(client, "olga", "wrong password")
    assert sign_in(client, "olga", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES - 1):
        sign_in(client, "olga", "wrong password")
    assert sign_in(client, "olga", PASSWORD).status_code == 302


def test_failures_older_than_the_window_are_forgotten(client, owner):
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES - 1):
        sign_in(client, "olga", "wrong password")
    LoginThrottle.objects.filter(key=OLGA_HERE).update(window_started_at=timezone.now() - timedelta(hours=1))
    sign_in(client, "olga", "wrong password")
    assert LoginThrottle.objects.get(key=OLGA_HERE).failures == 1
    assert sign_in(client, "olga", PASSWORD).status_code == 302


def test_unknown_user_names_are_counted_like_known_ones(client, db):
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        sign_in(client, "nobody", "guess")
    assert sign_in(client, "nobody", "guess").status_code == 429


@override_settings(CASECODER_LOGIN_ADDRESS_FAILURES=3)
def test_many_failures_from_one_address_lock_the_address(client, owner, coder):
    for name in ("a", "b", "c"):
        sign_in(client, name, "guess")
    assert sign_in(client, "cora", PASSWORD).status_code == 429
    other = client.__class__(REMOTE_ADDR="192.0.2.7")
    assert sign_in(other, "cora", PASSWORD).status_code == 302


def test_failures_from_another_address_do_not_pause_the_right_password(client, owner):
    """Issue 17: five wrong sign-ins for a user name from anywhere locked that account for
    everyone; now they pause only that name from that address."""
    stranger = client.__class__(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        sign_in(stranger, "olga", "wrong password")
    assert sign_in(stranger, "olga", PASSWORD).status_code == 429
    assert sign_in(client, "olga", PASSWORD).status_code == 302
    assert signed_in_as(client) == str(owner.pk)


@override_settings(CASECODER_LOGIN_ADDRESS_FAILURES=3)
def test_a_browser_that_signed_in_before_is_not_paused_by_failures_at_its_address(client, owner, coder):
    """Issue 17: behind a proxy (one address for everyone) many failures paused every user;
    a browser that signed in before is counted on its own."""
    assert sign_in(client, "cora", PASSWORD).status_code == 302
    assert settings.CASECODER_LOGIN_DEVICE_COOKIE in client.cookies
    sign_out_keeping_cookies(client)
    guesser = client.__class__()  # the same address
    for name in ("a", "b", "c"):
        sign_in(guesser, name, "guess")
    assert sign_in(guesser, "olga", PASSWORD).status_code == 429   # a new browser at that address waits
    assert sign_in(client, "cora", PASSWORD).status_code == 302     # cora's browser does not
    assert signed_in_as(client) == str(coder.pk)


def test_a_device_cookie_counts_only_for_its_own_user_and_can_be_paused(client, owner, coder):
    assert sign_in(client, "cora", PASSWORD).status_code == 302
    sign_out_keeping_cookies(client)
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):  # guessing from a known browser is counted too
        sign_in(client, "cora", "wrong password")
    assert sign_in(client, "cora", PASSWORD).status_code == 429
    assert LoginThrottle.objects.filter(key__startswith="device:cora|").exists()
    assert sign_in(client, "olga", PASSWORD).status_code == 302  # the cookie is cora's: olga is counted by address
    forged = client.__class__()
    forged.cookies[settings.CASECODER_LOGIN_DEVICE_COOKIE] = "cora:forged"
    assert sign_in(forged, "cora", PASSWORD).status_code == 302  # an unsigned cookie is no device: the pair counts


def test_the_pauses_grow_for_a_guesser(client, owner):
    def guess_until_paused():
        for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
            sign_in(client, "olga", "wrong password")
        return sign_in(client, "olga", "another guess")

    assert "Try again in 15 minutes." in guess_until_paused().content.decode()
    LoginThrottle.objects.filter(key=OLGA_HERE).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert "Try again in 30 minutes." in guess_until_paused().content.decode()
    LoginThrottle.objects.filter(key=OLGA_HERE).update(locked_until=timezone.now() - timedelta(seconds=1))
    response = guess_until_paused()
    assert response.status_code == 429 and "Try again in 60 minutes." in response.content.decode()
    assert LoginThrottle.objects.get(key=OLGA_HERE).strikes == 3


def test_an_administrator_lifts_a_pause_with_login_unlock(client, owner):
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        sign_in(client, "olga", "wrong password")
    assert sign_in(client, "olga", PASSWORD).status_code == 429
    out = io.StringIO()
    call_command("login_unlock", "OLGA", stdout=out)
    assert "Cleared 1 count" in out.getvalue()
    assert sign_in(client, "olga", PASSWORD).status_code == 302


@override_settings(CASECODER_LOGIN_ADDRESS_FAILURES=3)
def test_login_unlock_lifts_an_address(client, owner):
    for name in ("a", "b", "c"):
        sign_in(client, name, "guess")
    assert sign_in(client, "olga", PASSWORD).status_code == 429
    call_command("login_unlock", "--address", "127.0.0.1", stdout=io.StringIO())
    assert sign_in(client, "olga", PASSWORD).status_code == 302


def test_forwarding_headers_are_ignored_unless_a_proxy_header_is_configured(client, owner):
    """Without CASECODER_CLIENT_IP_HEADER a guesser cannot pose as a new address each time."""
    for n in range(settings.CASECODER_LOGIN_USER_FAILURES):
        client.post(LOGIN, {"username": "olga", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
                    HTTP_X_REAL_IP=f"198.51.100.{n}")
    assert client.post(LOGIN, {"username": "olga", "password": PASSWORD}, HTTP_X_REAL_IP="198.51.100.99",
                       HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


@override_settings(CASECODER_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR")
def test_behind_a_proxy_the_configured_header_tells_clients_apart(client, owner):
    """All requests come from the proxy's address; the proxy appends the client's to
    X-Forwarded-For, whose last entry counts (earlier ones are whatever the client sent)."""
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        client.post(LOGIN, {"username": "olga", "password": "wrong"}, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5")
    assert client.post(LOGIN, {"username": "olga", "password": PASSWORD},
                       HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    assert client.post(LOGIN, {"username": "olga", "password": PASSWORD},
                       HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7").status_code == 302


def test_ipv6_clients_count_by_their_64_network(client, owner):
    for n in range(settings.CASECODER_LOGIN_USER_FAILURES):
        sign_in(client.__class__(REMOTE_ADDR=f"2001:db8:1:2::{n + 1}"), "olga", "wrong")
    assert sign_in(client.__class__(REMOTE_ADDR="2001:db8:1:2:ffff::9"), "olga", PASSWORD).status_code == 429
    assert sign_in(client.__class__(REMOTE_ADDR="2001:db8:1:3::1"), "olga", PASSWORD).status_code == 302


def test_the_admin_sign_in_is_throttled_too(client, db):
    admin = make_user("ada")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    for _ in range(settings.CASECODER_LOGIN_USER_FAILURES):
        sign_in(client, "ada", "wrong password", ADMIN_LOGIN)
    response = sign_in(client, "ada", PASSWORD, ADMIN_LOGIN)
    assert "Too many failed sign-ins" in response.content.decode()
    assert not signed_in_as(client)


# --- passwords, cookies, uploads ------------------------------------------------------------

def test_passwords_are_hashed_with_argon2():
    """The settings choose Argon2 (the tests swap in a fast hasher: tests/conftest.py)."""
    from django.contrib.auth.hashers import check_password, make_password

    import config.settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=configured.PASSWORD_HASHERS):
        hashed = make_password("a long enough password 123")
        assert hashed.startswith("argon2$argon2id$")
        assert check_password("a long enough password 123", hashed)


def test_the_session_cookie_is_http_only_and_same_site(client, owner):
    response = client.post(LOGIN, {"username": "olga", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_upload_limits_are_set():
    assert settings.CASECODER_MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.CASECODER_MAX_UPLOAD_BYTES + 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.CASECODER_MAX_UPLOAD_BYTES + 1024 * 1024


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_request_body_over_the_limit_is_refused(client_for, project, owner):
    response = client_for(owner).post(reverse("project_members", args=[project.slug]),
                                      {"login": "x" * 2000, "role": "coder"})
    assert response.status_code == 400


# --- production settings --------------------------------------------------------------------

def test_check_deploy_is_clean_with_production_settings():
    result = run_python("", PRODUCTION, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_make_cookies_secure_and_send_hsts():
    code = ("import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
            "'debug': s.DEBUG, 'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE, "
            "'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'ssl': s.SECURE_SSL_REDIRECT, "
            "'hasher': s.PASSWORD_HASHERS[0]}))")
    result = run_python(code, PRODUCTION)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {"debug": False, "session": True, "csrf": True, "hsts": 31536000, "sub": True, "ssl": True,
                      "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher"}


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python("import django; django.setup()", {"DEBUG": "0", "ALLOWED_HOSTS": "casecoder.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),
    "Slack token": re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),
    "a secret key in code": re.compile(r"""SECRET_KEY\s*=\s*["'][^"']{20,}["']"""),
}
SKIP_DIRS = {".git", ".venv", "var", ".hypothesis", "node_modules", "__pycache__", "test-results"}


def test_no_secret_is_in_the_repository():
    found = []
    for path in ROOT.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix not in {".py", ".toml", ".cfg", ".ini", ".env", ".json", ".yml", ".yaml", ".txt", ".md", ""}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for name, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                if re.search(r"dev-only-insecure|not-a-real-secret|\$\(", match.group(0)):
                    continue  # the development key (refused when DEBUG is off) and CI's generated one
                found.append(f"{path.relative_to(ROOT)}: {name}")
    assert not found, "\n".join(found)
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()
