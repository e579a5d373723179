"""The project's settings and its health checks.

`manage.py check` is clean, the models match their migrations, and the settings refuse
to run in production without a secret key. Settings are read once per process, so the
environment-dependent cases run in a fresh Python.
"""
import os
import secrets
import sqlite3
import subprocess
import sys
from contextlib import closing
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

BASE_DIR = settings.BASE_DIR


def python(code: str, tmp_path, **env: str | None) -> subprocess.CompletedProcess:
    """Run `code` with Django set up in a fresh interpreter and the given environment
    (None removes a variable)."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' conftest for this process only.
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "CASECODER_VAR_DIR": str(tmp_path / "var")})
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True,
                          text=True, timeout=120)


def test_manage_py_check_is_clean():
    out = StringIO()
    call_command("check", stdout=out)
    assert "System check identified no issues (0 silenced)." in out.getvalue()


@pytest.mark.django_db
def test_the_models_match_their_migrations():
    out = StringIO()
    call_command("makemigrations", check=True, dry_run=True, stdout=out)  # exits non-zero on a missing migration
    assert "No changes detected" in out.getvalue()


def test_settings_refuse_to_load_with_debug_off_and_no_secret_key(tmp_path):
    result = python("import django; django.setup()", tmp_path, DEBUG="0", SECRET_KEY=None)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_debug_falls_back_to_a_development_key_and_local_hosts(tmp_path):
    result = python("import django; django.setup(); from django.conf import settings as s; "
                    "print(s.DEBUG, s.SECRET_KEY.startswith('dev-only'), '127.0.0.1' in s.ALLOWED_HOSTS)",
                    tmp_path, SECRET_KEY=None)
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = python("import sys; from django.core.management import execute_from_command_line; "
                    "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
                    tmp_path, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="casecoder.example.org")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_database_url_switches_from_sqlite_under_var_to_postgresql(tmp_path):
    show = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])")
    sqlite = python(show, tmp_path, DATABASE_URL=None)
    assert sqlite.stdout.split() == ["django.db.backends.sqlite3", str(tmp_path / "var" / "casecoder.sqlite3")]
    postgres = python(show, tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/casecoder")
    assert postgres.stdout.split() == ["config.postgresql", "casecoder"]  # Django's, its health check aside


def test_a_sqlite_file_keeps_a_write_ahead_log_and_writers_take_the_lock_when_they_begin(tmp_path):
    """Readers and the writer do not block each other, a commit is on disk when it returns
    (synchronous FULL), and a transaction never finds, after reading, that another wrote."""
    show = ("import django; django.setup(); from django.db import connection, transaction\n"
            "with transaction.atomic():\n"
            "    cursor = connection.cursor()\n"
            "    print(cursor.execute('PRAGMA journal_mode').fetchone()[0], "
            "cursor.execute('PRAGMA synchronous').fetchone()[0], connection.transaction_mode)")
    result = python(show, tmp_path, DATABASE_URL=None)
    assert result.stdout.split() == ["wal", "2", "IMMEDIATE"], result.stderr
    with closing(sqlite3.connect(tmp_path / "var" / "casecoder.sqlite3")) as plain:  # the mode is in the file
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
