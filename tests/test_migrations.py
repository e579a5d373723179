"""The analysis app's split (issue 14) keeps every row.

A database is made by the commit before the split (`SPLIT_PARENT`): its own code runs
`migrate` and `seed_demo`, in a subprocess, against a fresh database of the suite's kind
(a temporary SQLite file, or a new PostgreSQL database when DATABASE_URL points at one).
Every table is read through a plain DB-API connection, then today's code migrates the
same database through the split's migrations and every table is read again. Each old
table must hold exactly the same rows afterwards, under its new name for the comparison's
tables; `django_content_type` differs only by the moved models' app label, and
`django_migrations` only by the split's two new rows. Finally today's code, with every
migration applied, must read the demo's comparison (judgments, cited evidence, the MSSD
table, the content type behind admin log entries) exactly as the old code did.

The split is compared after its own migrations (`migrate comparison 0001_initial`), not
after every later one, so that a later migration that adds a table or a column is not
mistaken for a loss here; the full `migrate` runs before the reading check.
"""
from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
SPLIT_PARENT = "b340668"
"""The commit before the split; the test needs main's history to export it."""

RENAMED_TABLES = {
    "analysis_factor": "comparison_factor",
    "analysis_judgment": "comparison_judgment",
    "analysis_judgment_evidence": "comparison_judgment_evidence",
    "analysis_outcomecalibration": "comparison_outcomecalibration",
}
MOVED_MODELS = {"factor", "judgment", "outcomecalibration"}
SPLIT_MIGRATIONS = {("analysis", "0004_comparison_app"), ("comparison", "0001_initial")}
SUBPROCESS_SECONDS = 300

ON_POSTGRES = connection.vendor == "postgresql"

Row = tuple[str | None, ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    """Sorted, every value as str (None stays None), so that two dumps compare as equal."""


@dataclass(frozen=True)
class Database:
    url: str
    connect: Callable[[], object]
    """A DB-API connection to it, for reading its tables without Django."""


@dataclass(frozen=True)
class Migrated:
    before: dict[str, Table] = field(repr=False)
    after_split: dict[str, Table] = field(repr=False)
    comparison_before: dict = field(repr=False)
    """The demo's comparison as the old code read it."""
    env: dict[str, str] = field(repr=False)
    """The subprocesses' environment, for today's code to carry on with."""


# --- the database the old code made -----------------------------------------------------

def export_split_parent(into: Path) -> Path:
    """`git archive SPLIT_PARENT | tar -x`: the code as it was before the split."""
    if shutil.which("git") is None:
        pytest.fail("git is not on PATH: this test exports the commit before the split from the git history")
    found = subprocess.run(["git", "-C", str(BASE_DIR), "cat-file", "-e", f"{SPLIT_PARENT}^{{commit}}"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        pytest.fail(f"commit {SPLIT_PARENT} (before the analysis app's split) is not in the git history of "
                    f"{BASE_DIR}: run the tests in a full clone of main (git fetch --unshallow). {found.stderr}")
    archive = subprocess.run(["git", "-C", str(BASE_DIR), "archive", "--format=tar", SPLIT_PARENT],
                             capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def environment(database: Database, var_dir: Path) -> dict[str, str]:
    """Settings for a subprocess that touch neither the developer's var/ nor a shared cache."""
    dropped = {"DJANGO_ALLOW_ASYNC_UNSAFE", "PYTHONPATH", "ALLOWED_HOSTS"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database.url,
        "CONN_MAX_AGE": "0",
        "DEBUG": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CASECODER_VAR_DIR": str(var_dir),
        "CASECODER_CACHE_URL": "locmem://",          # each process's own memory, never a shared cache
        "CASECODER_RELEASE": secrets.token_hex(8),
    })
    return env


def manage(code_dir: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=code_dir, env=env, capture_output=True,
                            text=True, timeout=SUBPROCESS_SECONDS)
    if result.returncode != 0:
        command = " ".join(arg if "\n" not in arg else "'...'" for arg in args)
        pytest.fail(f"manage.py {command} in {code_dir} failed ({result.returncode}):\n"
                    f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}", pytrace=False)
    return result.stdout


def sqlite_database(path: Path) -> Database:
    return Database(url=f"sqlite:///{path}", connect=lambda: sqlite3.connect(path))


def postgres_server() -> dict:
    db = settings.DATABASES["default"]
    return {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"] or "postgres",
            "password": db["PASSWORD"] or None}


def postgres_database(name: str) -> Database:
    import psycopg

    server = postgres_server()
    auth = urllib.parse.quote(server["user"]) + (f":{urllib.parse.quote(server['password'])}"
                                                 if server["password"] else "")
    return Database(url=f"postgres://{auth}@{server['host']}:{server['port']}/{name}",
                    connect=lambda: psycopg.connect(dbname=name, **server))


def postgres_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **postgres_server()) as admin:
        admin.execute(statement)


@pytest.fixture(scope="module")
def fresh_database(tmp_path_factory):
    """An empty database of the suite's kind, removed afterwards."""
    if not ON_POSTGRES:
        yield sqlite_database(tmp_path_factory.mktemp("split") / "casecoder.sqlite3")
        return
    name = f"cc_split_{os.getpid()}_{secrets.token_hex(4)}"
    postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_database(name)
    finally:
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- reading every table -----------------------------------------------------------------

def table_names(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return [name for (name,) in cursor.fetchall()]
    cursor.execute("SELECT table_schema, table_name FROM information_schema.tables "
                   "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')")
    return [name if schema == "public" else f"{schema}.{name}" for schema, name in cursor.fetchall()]


def as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, memoryview):
        value = bytes(value)
    return str(value)


def row_order(row: Row) -> tuple:
    return tuple((value is None, value or "") for value in row)


def dump(database: Database) -> dict[str, Table]:
    """Every table in the database with all its rows."""
    connection = database.connect()
    vendor = "sqlite" if isinstance(connection, sqlite3.Connection) else "postgresql"
    try:
        cursor = connection.cursor()
        tables = {}
        for name in table_names(cursor, vendor):
            quoted = ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))
            cursor.execute(f"SELECT * FROM {quoted}")
            columns = tuple(column[0] for column in cursor.description)
            rows = sorted((tuple(as_text(v) for v in row) for row in cursor.fetchall()), key=row_order)
            tables[name] = Table(columns=columns, rows=tuple(rows))
        return tables
    finally:
        connection.close()


# --- what the split should have done ------------------------------------------------------

def column(table: Table, name: str) -> int:
    return table.columns.index(name)


def expected_after_split(before: dict[str, Table]) -> dict[str, Table]:
    """The old tables under their new names, the moved models' content types relabelled;
    django_migrations is compared on its own."""
    expected = {}
    for name, table in before.items():
        if name == "django_migrations":
            continue
        rows = list(table.rows)
        if name == "django_content_type":
            app_label, model = column(table, "app_label"), column(table, "model")
            rows = [row[:app_label] + ("comparison",) + row[app_label + 1:]
                    if row[app_label] == "analysis" and row[model] in MOVED_MODELS else row for row in rows]
        if name == "sqlite_sequence":      # SQLite's id counters, one row per table
            table_name = column(table, "name")
            rows = [row[:table_name] + (RENAMED_TABLES.get(row[table_name], row[table_name]),) + row[table_name + 1:]
                    for row in rows if row[table_name] != "django_migrations"]
        expected[RENAMED_TABLES.get(name, name)] = Table(table.columns, tuple(sorted(rows, key=row_order)))
    return expected


def actual_after_split(after: dict[str, Table]) -> dict[str, Table]:
    actual = {name: table for name, table in after.items() if name != "django_migrations"}
    if "sqlite_sequence" in actual:
        table = actual["sqlite_sequence"]
        rows = tuple(row for row in table.rows if row[column(table, "name")] != "django_migrations")
        actual["sqlite_sequence"] = Table(table.columns, rows)
    return actual


def applied_migrations(tables: dict[str, Table]) -> set[tuple[str, str]]:
    table = tables["django_migrations"]
    app, name = column(table, "app"), column(table, "name")
    return {(row[app], row[name]) for row in table.rows}


def differences(expected: dict[str, Table], actual: dict[str, Table], shown: int = 5) -> list[str]:
    """What differs, table by table, in a few readable lines each."""
    found = []
    old_name = {new: old for old, new in RENAMED_TABLES.items()}
    for name in sorted(expected.keys() | actual.keys()):
        was = f" (was {old_name[name]})" if name in old_name else ""
        if name not in actual:
            found.append(f"{name}{was}: missing after the migration ({len(expected[name].rows)} rows before)")
            continue
        if name in RENAMED_TABLES:
            found.append(f"{name}: still under its old name ({len(actual[name].rows)} rows), "
                         f"expected as {RENAMED_TABLES[name]}")
            continue
        if name not in expected:
            found.append(f"{name}: a table that was not there before ({len(actual[name].rows)} rows)")
            continue
        if expected[name].columns != actual[name].columns:
            found.append(f"{name}{was}: columns {expected[name].columns} became {actual[name].columns}")
            continue
        gone = Counter(expected[name].rows) - Counter(actual[name].rows)
        new = Counter(actual[name].rows) - Counter(expected[name].rows)
        if gone or new:
            found.append(f"{name}{was}: {sum(gone.values())} expected rows missing, "
                         f"{sum(new.values())} unexpected rows; columns {expected[name].columns}")
            found += [f"  - {row}" for row in sorted(gone, key=row_order)[:shown]]
            found += [f"  + {row}" for row in sorted(new, key=row_order)[:shown]]
    return found


# --- reading the comparison with the code of the day ------------------------------------------

READ_THE_COMPARISON = """
import json
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from apps.projects.models import Project
from {models} import Judgment
from {selectors} import mssd_table

project = Project.objects.get(slug="csto-requests")
table = mssd_table(project=project, judge=get_user_model().objects.get(username="researcher"), excerpts=True)
print(json.dumps({{
    "judgments": Judgment.objects.count(),
    "cited_evidence": Judgment.evidence.through.objects.count(),
    "judgment_content_type": ContentType.objects.get_for_model(Judgment).pk,
    "outcome": [[case.name, shown] for case, shown, _present in table.grid.outcome_row],
    "mssd": [[row.factor.label, row.classification.kind, row.classification.exact,
              [[cell.case.name, cell.value, len(cell.cited), cell.check and cell.check.status]
               for cell in row.cells]]
             for row in table.rows],
}}))
"""


def read_the_comparison(code_dir: Path, env: dict[str, str], *, models: str, selectors: str) -> dict:
    out = manage(code_dir, env, "shell", "--verbosity", "0", "-c",
                 READ_THE_COMPARISON.format(models=models, selectors=selectors))
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def migrated(fresh_database, tmp_path_factory) -> Migrated:
    """The demo loaded by the old code, then taken through the split by today's code."""
    old_code = export_split_parent(tmp_path_factory.mktemp("split_parent"))
    env = environment(fresh_database, tmp_path_factory.mktemp("var"))
    manage(old_code, env, "migrate", "--noinput")
    manage(old_code, env, "seed_demo")
    before = dump(fresh_database)
    comparison_before = read_the_comparison(old_code, env, models="apps.analysis.models",
                                            selectors="apps.analysis.comparison")
    manage(BASE_DIR, env, "migrate", "--noinput", "comparison", "0001_initial")
    return Migrated(before=before, after_split=dump(fresh_database), comparison_before=comparison_before,
                    env=env)


# --- the tests ---------------------------------------------------------------------------------

def test_the_split_keeps_every_row_of_every_table(migrated):
    assert {"analysis_judgment", "analysis_judgment_evidence"} <= migrated.before.keys()
    assert len(migrated.before["analysis_judgment_evidence"].rows) > 0, "the demo cites evidence in its judgments"
    found = differences(expected_after_split(migrated.before), actual_after_split(migrated.after_split))
    assert not found, "the split changed these tables:\n" + "\n".join(found)


def test_the_split_records_only_its_own_migrations(migrated):
    before, after = applied_migrations(migrated.before), applied_migrations(migrated.after_split)
    assert before <= after
    assert after - before == SPLIT_MIGRATIONS


def test_todays_code_reads_the_demo_comparison_as_the_old_code_did(migrated):
    """With every migration applied, as a deployment runs them."""
    manage(BASE_DIR, migrated.env, "migrate", "--noinput")
    comparison_after = read_the_comparison(BASE_DIR, migrated.env, models="apps.comparison.models",
                                           selectors="apps.comparison.selectors")
    assert migrated.comparison_before["judgments"] > 0
    assert migrated.comparison_before["cited_evidence"] > 0
    assert len(migrated.comparison_before["mssd"]) > 0
    assert comparison_after == migrated.comparison_before
