"""Property-based fuzzing of the whole JSON API from its own OpenAPI description
(schemathesis), for an owner and for a reviewer.

Every operation of /api/openapi.json gets generated requests, valid and invalid (random
ids, huge numbers, odd text, wrong types, missing fields), sent through Django's real
WSGI handler: middleware, session authentication and the CSRF check included. Each
answer must be
- never a 5xx;
- JSON, and when its status is documented, shaped as the schema says;
- a 4xx with a reason (`detail`).

The owner's requests come from every phase of schemathesis (the schema's examples, the
boundary values and wrong types of its coverage phase, and random fuzzing); the
reviewer's from fuzzing only, as the role check refuses their writes before the input is
read. The slug is always the study's project (another project's slug is a 404 before anything
is read, which tests/test_access_matrix.py covers), and half of the generated ids are
turned into ids that exist, so that requests reach the services and not only the 404s.
Bounded so that the module stays fast: at most MAX_EXAMPLES generated requests per
operation, derandomized (the same requests on every run), no deadline.
"""
from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja import Schema
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from apps.comparison.services import factor_add, judgment_set, outcome_choose
from apps.coding.services import code_create, comment_create, segment_create
from config.api import api
from tests.conftest import phrase_span

MAX_EXAMPLES = 15
CSRF_TOKEN = "c" * 32
owner_schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
reviewer_schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
reviewer_schema.config.phases.coverage.enabled = False
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def wsgi_app(db):
    """Django's WSGI handler inside the test's transaction: like Django's test client, it
    must not close the database connection when a request starts or ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def study(project, owner, reviewer, transcript, threat, russian_interest, kazakhstan, armenia, outcome):
    """One of everything the API reads or writes, so that generated ids can hit real objects."""
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat],
                             values={threat.pk: "present"}, cases=[kazakhstan])
    child = code_create(project=project, name="Domestic threat", parent=threat, actor=owner)
    outcome_choose(project=project, attribute=outcome, actor=owner)
    factor = factor_add(project=project, actor=owner, code=threat, label="THREAT")
    judgment_set(factor=factor, case=kazakhstan, judge=owner, value="present", evidence=[segment.pk])
    comment = comment_create(project=project, author=reviewer, text="Why this passage?", segment=segment)
    ids = {"transcript": [transcript.pk], "segment": [segment.pk],
           "code": [threat.pk, russian_interest.pk, child.pk], "case": [kazakhstan.pk, armenia.pk],
           "factor": [factor.pk], "comment": [comment.pk], "attribute": [outcome.pk], "parent": [threat.pk],
           "target": [russian_interest.pk], "expert": [transcript.expert_id], "coder": [owner.pk]}
    return {"project": project, "ids": ids}


def signed_in(client, user) -> dict:
    """The cookies of a signed-in session and the header of Django's CSRF check."""
    client.force_login(user)
    return {"cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN},
            "headers": {"X-CSRFToken": CSRF_TOKEN}}


@pytest.fixture
def owner_session(client, owner):
    return signed_in(client, owner)


@pytest.fixture
def reviewer_session(client, reviewer):
    return signed_in(client, reviewer)


def _real_id(name: str, value, ids: dict[str, list[int]]):
    """Every other generated id becomes the id of an object that exists (by the name:
    `code_id`, `case`, `factor_ids`...); the others stay as generated."""
    kind = name.removesuffix("_ids").removesuffix("_id").removesuffix("s")
    if kind in ("move_codings_to", "other", "root"):
        kind = "code"
    if kind not in ids or not isinstance(value, int) or isinstance(value, bool) or value % 2:
        return value
    return ids[kind][value // 2 % len(ids[kind])]


def _aim(case, study) -> None:
    ids = study["ids"]
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = study["project"].slug
    for parameters in (case.path_parameters, case.query):
        for name, value in (parameters or {}).items():
            if isinstance(value, list):
                parameters[name] = [_real_id(name, v, ids) for v in value]
            else:
                parameters[name] = _real_id(name, value, ids)
    if isinstance(case.body, dict):
        for name, value in case.body.items():
            if isinstance(value, list):
                case.body[name] = [_real_id(name, v, ids) for v in value]
            else:
                case.body[name] = _real_id(name, value, ids)


def json_with_a_reason(ctx, response, case):
    """Every answer is JSON (but a 204), and every 4xx says why."""
    if response.status_code == 204:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), f"{response.status_code} answered as {content_type}"
    if 400 <= response.status_code < 500:
        body = json.loads(response.content)
        assert isinstance(body, dict) and body.get("detail"), f"{response.status_code} without a detail: {body}"
    return None


def no_server_error(ctx, response, case):
    assert response.status_code < 500, f"{response.status_code}: {response.content[:500]!r}"
    return None


def call_and_check(case, app, session) -> None:
    response = case.call(app=app, headers=session["headers"], cookies=session["cookies"])
    case.validate_response(response, checks=[no_server_error, json_with_a_reason, response_schema_conformance,
                                             content_type_conformance])


@owner_schema.parametrize()
@FUZZ
def test_every_request_of_an_owner_gets_a_documented_answer_and_never_a_5xx(case, wsgi_app, study, owner_session):
    _aim(case, study)
    call_and_check(case, wsgi_app, owner_session)


@reviewer_schema.parametrize()
@FUZZ
def test_every_request_of_a_reviewer_gets_a_documented_answer_and_never_a_5xx(case, wsgi_app, study,
                                                                              reviewer_session):
    _aim(case, study)
    call_and_check(case, wsgi_app, reviewer_session)


def _schema_classes(base=None):
    for cls in (base or Schema).__subclasses__():
        yield cls
        yield from _schema_classes(cls)


def test_no_two_schemas_of_the_api_share_a_name():
    """The OpenAPI description names each schema by its class name, so a second class of
    the same name silently replaces the first: answers then get checked against the other
    one's fields (the search's hits once documented the segments list)."""
    components = set(api.get_openapi_schema()["components"]["schemas"])
    named = {}
    for cls in _schema_classes():
        if cls.__module__.startswith("apps.") and cls.__name__ in components:
            named.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert named, "the API's schemas were not found"
    assert {name: homes for name, homes in named.items() if len(homes) > 1} == {}
