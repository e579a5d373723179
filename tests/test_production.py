"""Production serving: two gunicorn servers behind one (imagined) load balancer, sharing
one PostgreSQL, with production settings (DEBUG off, whitenoise's compressed manifest
storage after `collectstatic`).

A browser's requests may land on either server, so the application must keep nothing in
a worker's memory or on its local disk that the other server would miss: the session
lives in the database, a segment written through one server is read through the other,
an uploaded transcript is read in memory and stored in the database, and the static
files carry the same hashed names on both.

The servers' tests run on PostgreSQL only: two server processes need a database server
that both connect to; the SQLite database of a test run lives in memory or in a file that
only this process sees. The cache settings are checked on both.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from apps.coding.models import Segment
from tests.conftest import PASSWORD, phrase_span

postgres_only = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="two server processes need one shared database server: set DATABASE_URL to PostgreSQL"),
]


def on_postgres(test):
    for mark in postgres_only:
        test = mark(test)
    return test

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- two servers ----------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The test database (test_...), which this process has created and another process
    (a second server, the task worker) opens too: on SQLite a file (tests/conftest.py)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = urllib.parse.quote(db["USER"] or "postgres") + (f":{urllib.parse.quote(db['PASSWORD'])}"
                                                          if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(var_dir: Path, secret_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secret_key,            # the same on every server: it signs the session hash
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",          # plain HTTP on loopback; a proxy ends TLS in production
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "0",                 # no connection outlives a request: the test database is flushed
        "CASECODER_VAR_DIR": str(var_dir),
    })
    return env


def wait_until_up(server: Server, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn {server.name} stopped with exit code {server.process.returncode}")
        try:
            with urllib.request.urlopen(f"{server.base}/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn {server.name} did not answer within {seconds:.0f} s")


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory, django_db_setup) -> Path:
    """A var/ of its own with the static files collected as a deployment does (the manifest
    and the compressed copies). The admin's and the API docs' files are left out: no page
    visited here uses them, and compressing them takes minutes on a busy machine."""
    path = tmp_path_factory.mktemp("production") / "var"
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--ignore", "admin", "--ignore", "ninja"],
        cwd=BASE_DIR, env=production_env(path, secrets.token_urlsafe(50)), capture_output=True, text=True,
        timeout=600)
    assert result.returncode == 0, result.stderr
    assert (path / "static" / "staticfiles.json").exists()
    return path


@pytest.fixture(scope="module")
def servers(var_dir):
    """Servers A and B: gunicorn with config/gunicorn.conf.py, one worker each, on two
    loopback ports, with the same settings and the same database."""
    env = production_env(var_dir, secrets.token_urlsafe(50))
    started: list[Server] = []
    logs = var_dir.parent / "logs"
    logs.mkdir(exist_ok=True)
    try:
        for name in ("A", "B"):
            port = free_port()
            with (logs / f"gunicorn-{name}.log").open("w") as log:
                process = subprocess.Popen(
                    [str(GUNICORN), "-c", str(BASE_DIR / "config" / "gunicorn.conf.py"),
                     "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
                    cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            started.append(Server(name, f"http://127.0.0.1:{port}", process))
        for server in started:
            wait_until_up(server)
        yield started
    finally:
        for server in started:
            server.process.terminate()
        for server in started:
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=10)


# --- a browser -------------------------------------------------------------------------------

class LoopbackCookies(DefaultCookiePolicy):
    """Send the Secure cookies over plain HTTP to 127.0.0.1, as browsers do for loopback."""

    def return_ok_secure(self, cookie, request):
        return True


@dataclass
class Answer:
    status: int
    url: str
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self):
        return json.loads(self.body)


class Browser:
    """One cookie jar for every server, as a browser behind a load balancer has: cookies
    belong to the host name, not to the port."""

    def __init__(self):
        self.cookies = CookieJar(policy=LoopbackCookies())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, server: Server, method: str, path: str, *, form: dict | None = None, body=None,
                headers: dict | None = None) -> Answer:
        headers = dict(headers or {})
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif isinstance(body, bytes):
            data = body
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self.cookie("csrftoken")
        request = urllib.request.Request(server.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.url, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.url, dict(error.headers), error.read())

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def sign_in(self, server: Server, username: str, password: str) -> Answer:
        """Through the real sign-in form, with its CSRF token."""
        form = self.request(server, "GET", "/accounts/login/")
        token = CSRF_FIELD.search(form.text).group(1)
        return self.request(server, "POST", "/accounts/login/",
                            form={"username": username, "password": password, "csrfmiddlewaretoken": token})


def with_production_password(user) -> None:
    """The tests hash passwords with MD5 for speed; the servers accept only Argon2 and PBKDF2."""
    hasher = Argon2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])


@pytest.fixture
def signed_in(servers, transactional_db, coder, project):
    """A coder of the project, signed in through server A."""
    with_production_password(coder)
    browser = Browser()
    answer = browser.sign_in(servers[0], coder.username, PASSWORD)
    assert answer.status == 200 and urllib.parse.urlsplit(answer.url).path == "/projects/", answer.text[:500]
    return browser


# --- the behaviour ------------------------------------------------------------------------------

@on_postgres
def test_a_session_signed_in_on_one_server_is_valid_on_the_other(servers, signed_in, project):
    a, b = servers
    page = signed_in.request(b, "GET", f"/projects/{project.slug}/")
    assert page.status == 200
    assert urllib.parse.urlsplit(page.url).path == f"/projects/{project.slug}/"
    assert project.name in page.text

    signed_out = signed_in.request(b, "POST", "/accounts/logout/", form={})
    assert signed_out.status == 200 and "/accounts/login/" in signed_out.url

    again = signed_in.request(a, "GET", f"/projects/{project.slug}/")
    assert urllib.parse.urlsplit(again.url).path == "/accounts/login/", "signed out on B, still signed in on A"


@on_postgres
def test_a_segment_created_through_one_server_is_seen_and_edited_through_the_other(
        servers, signed_in, project, transcript, threat):
    a, b = servers
    api = f"/api/projects/{project.slug}"
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    created = signed_in.request(a, "POST", f"{api}/segments", body={
        "transcript_id": transcript.pk, "start": start, "end": end, "quote": "Because Moscow wanted it to.",
        "code_ids": [threat.pk]})
    assert created.status == 201, created.text
    segment = created.json()

    seen = signed_in.request(b, "GET", f"{api}/transcripts/{transcript.pk}/segments")
    assert seen.status == 200
    assert [(s["id"], s["quote"], [c["code"] for c in s["codings"]]) for s in seen.json()] == [
        (segment["id"], "Because Moscow wanted it to.", ["Threat perception"])]

    edited = signed_in.request(b, "PATCH", f"{api}/segments/{segment['id']}",
                               body={"version": segment["version"], "memo": "Edited through B."})
    assert edited.status == 200, edited.text
    stale = signed_in.request(a, "PATCH", f"{api}/segments/{segment['id']}",
                              body={"version": segment["version"], "memo": "A did not see B's edit."})
    assert stale.status == 409
    assert stale.json()["current"]["memo"] == "Edited through B."
    assert Segment.objects.get(pk=segment["id"]).memo == "Edited through B."


@on_postgres
def test_an_uploaded_transcript_is_stored_in_the_database_not_on_a_servers_disk(
        servers, signed_in, project, var_dir):
    a, b = servers
    api = f"/api/projects/{project.slug}"
    text = "Interviewer: Who asked first?\n\nE2: Kyrgyzstan, in June 2010, and nobody came.\n"
    boundary = secrets.token_hex(16)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"e2.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n{text}\r\n--{boundary}--\r\n").encode()
    imported = signed_in.request(a, "POST", f"{api}/transcripts/import", body=body,
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert imported.status == 200, imported.text
    [result] = imported.json()["results"]
    assert result["status"] == "stored", result

    read = signed_in.request(b, "GET", f"{api}/transcripts/{result['transcript_id']}/text")
    assert read.status == 200
    assert read.json()["text"] == text.rstrip("\n")  # normalised at import: no trailing line end
    assert sorted(p.name for p in var_dir.iterdir()) == ["static"], "a server wrote to its local disk"


@on_postgres
def test_both_servers_serve_the_same_compressed_static_files_with_hashed_names(servers):
    a, b = servers
    login = Browser().request(a, "GET", "/accounts/login/")
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.text)
    assert stylesheet, "the page does not link the hashed stylesheet of the manifest"
    css = Browser().request(b, "GET", stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["Content-Encoding"] == "gzip"
    assert "immutable" in css.headers["Cache-Control"]
    assert Browser().request(b, "GET", "/static/css/app.css").status == 200  # the unhashed name too


# --- the cache -----------------------------------------------------------------------------------

def fresh_python(code: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Run `code` with Django set up in a new interpreter (settings are read once per process)."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CASECODER_CACHE_URL", "CASECODER_RELEASE",
                                "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "CASECODER_VAR_DIR": str(tmp_path / "var"),
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}", **env})
    return subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=BASE_DIR,
                          env=environment, capture_output=True, text=True, timeout=120)


SHOW_CACHE = ("from django.conf import settings as s; c = s.CACHES['default']; "
              "print(c['BACKEND'].rsplit('.', 1)[1], c['LOCATION'])")


def test_the_cache_is_in_each_processs_memory_unless_a_shared_one_is_named(tmp_path):
    assert fresh_python(SHOW_CACHE, tmp_path).stdout.split() == ["LocMemCache", "casecoder"]
    shared = fresh_python(SHOW_CACHE, tmp_path, CASECODER_CACHE_URL="db://casecoder_cache")
    assert shared.stdout.split() == ["DatabaseCache", "casecoder_cache"]
    redis = fresh_python(SHOW_CACHE, tmp_path, CASECODER_CACHE_URL="redis://127.0.0.1:6379/0")
    assert redis.stdout.split() == ["RedisCache", "redis://127.0.0.1:6379/0"]


def test_an_unknown_cache_url_is_refused_with_the_forms_it_accepts(tmp_path):
    result = fresh_python("", tmp_path, CASECODER_CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0
    assert ("CASECODER_CACHE_URL: unknown cache 'memcached://127.0.0.1:11211'; "
            "use locmem://, db://TABLE or redis://HOST:PORT/DB.") in result.stderr


def test_the_database_cache_is_shared_by_two_processes_after_createcachetable(tmp_path):
    env = {"CASECODER_CACHE_URL": "db://casecoder_cache"}
    made = fresh_python("from django.core.management import call_command; call_command('createcachetable')",
                        tmp_path, **env)
    assert made.returncode == 0, made.stderr
    written = fresh_python("from django.core.cache import cache; cache.set('greeting', 'salam', 60)", tmp_path, **env)
    assert written.returncode == 0, written.stderr
    read = fresh_python("from django.core.cache import cache; print(cache.get('greeting'))", tmp_path, **env)
    assert read.stdout.strip() == "salam", read.stderr


def test_each_release_reads_only_the_cache_entries_it_wrote(tmp_path):
    show = "from django.conf import settings as s; print(s.CACHES['default']['KEY_PREFIX'])"
    assert fresh_python(show, tmp_path).stdout.strip() == "casecoder"
    assert fresh_python(show, tmp_path, CASECODER_RELEASE="4f1c2e9").stdout.strip() == "casecoder4f1c2e9"


# --- a worker's start -------------------------------------------------------------------------------

def test_a_worker_imports_every_view_as_it_starts_not_in_the_first_request_it_serves(tmp_path):
    """gunicorn loads config.wsgi in each new worker (and again after max_requests): the
    views and the API come with it, not 0.4 s into a user's request."""
    modules = ["apps.coding.api", "apps.exports.views", "apps.home.views", "config.api", "config.urls"]
    loaded = fresh_python(f"import sys, config.wsgi\nprint(*[m for m in {modules!r} if m in sys.modules])", tmp_path)
    assert loaded.stdout.split() == modules, loaded.stderr
