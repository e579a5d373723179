"""Shared fixtures. Objects are built through the services, so tests exercise the real rules."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from apps.cases.models import Attribute
from apps.cases.services import attribute_create, case_create, case_value_set
from apps.coding.services import code_create
from apps.projects.models import Role
from apps.projects.services import membership_set, project_create
from apps.transcripts.services import expert_create, transcript_create

PASSWORD = "a-long-test-password-42"

SAMPLE_TEXT = (
    "Interviewer: Why did the alliance act in Kazakhstan?\n\n"
    "E1: Because Moscow wanted it to. The members feared the same crowds at home.\n\n"
    "Interviewer: And in Armenia?\n\n"
    "E1: Nobody wanted to fight Azerbaijan. Baku had too many friends in the room."
)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file, not memory: the task worker of
    tests/exports/test_worker.py is a second process that opens it, as the worker `make run`
    starts opens var/casecoder.sqlite3. Named after this process: two runs never share one."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(Path(django_settings.VAR_DIR) / f"test-{os.getpid()}.sqlite3")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 costs a noticeable fraction of a second per user; tests check logins, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Tasks run in the process that queues them, inside the test's transaction; the tests of
    tests/exports/test_worker.py queue them in the database for a real worker process instead."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Recordings are stored in the test's own folder, never under var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


def make_user(username: str):
    return get_user_model().objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.org")


@pytest.fixture
def owner(db):
    return make_user("olga")


@pytest.fixture
def coder(db):
    return make_user("cora")


@pytest.fixture
def reviewer(db):
    return make_user("rita")


@pytest.fixture
def outsider(db):
    """A member of another project only."""
    user = make_user("otto")
    project_create(name="Another study", owner=user)
    return user


@pytest.fixture
def project(owner, coder, reviewer):
    project = project_create(name="CSTO requests", owner=owner)
    membership_set(project=project, user=coder, role=Role.CODER, actor=owner)
    membership_set(project=project, user=reviewer, role=Role.REVIEWER, actor=owner)
    return project


@pytest.fixture
def other_project(outsider):
    return outsider.memberships.get().project


@pytest.fixture
def expert(project, owner):
    return expert_create(project=project, pseudonym="E1", actor=owner)


@pytest.fixture
def transcript(project, owner, expert):
    return transcript_create(project=project, title="Interview E1", text=SAMPLE_TEXT, expert=expert, created_by=owner)


@pytest.fixture
def threat(project, owner):
    return code_create(project=project, name="Threat perception", scale="presence", actor=owner)


@pytest.fixture
def russian_interest(project, owner):
    return code_create(project=project, name="Russian interest", scale="ordinal", levels=["low", "medium", "high"],
                       actor=owner)


@pytest.fixture
def other_project_code(other_project, outsider):
    return code_create(project=other_project, name="Threat perception", actor=outsider)


@pytest.fixture
def outcome(project, owner):
    return attribute_create(project=project, name="intervention granted", applies_to=Attribute.AppliesTo.CASE,
                            type=Attribute.Type.BOOLEAN, is_outcome=True, actor=owner)


@pytest.fixture
def kazakhstan(project, owner, outcome):
    case = case_create(project=project, name="Kazakhstan 2022", actor=owner)
    case_value_set(case=case, attribute=outcome, value=True, actor=owner)
    return case


@pytest.fixture
def armenia(project, owner, outcome):
    case = case_create(project=project, name="Armenia 2022", actor=owner)
    case_value_set(case=case, attribute=outcome, value=False, actor=owner)
    return case


def statement_text(sql: str) -> str:
    """A captured query's SQL, also where it ran prepared statements ("EXECUTE name(...)" on
    PostgreSQL, one or several, apps/projects/compiled.py): then with the texts that
    prepared them, each text once (statements prepared together share the text they came in)."""
    names = re.findall(r"EXECUTE (casecoder_\w+)", sql)
    if not names:
        return sql
    from django.db import connection

    texts = [sql]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [name])
            text = cursor.fetchone()[0]
            if text not in texts:
                texts.append(text)
    return "\n".join(texts)


def phrase_span(transcript, phrase: str) -> tuple[int, int]:
    start = transcript.text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
