"""The access matrix: every URL pattern and every API route, discovered from the URL conf
(so a new route cannot be forgotten), requested as anonymous, a member of another project,
reviewer, coder and owner.

Expectations come from rules, not from a list of routes:
- a page or API route of a project is for its members only: anonymous users are sent to
  sign in (pages) or get 401 (API); a member of another project gets 404 and the view
  reads nothing of the project before saying so (only the session, the user and the
  membership are queried: access is decided first, by apps.projects.access);
- members read everything (GET: 200);
- unsafe methods (POST, PUT, PATCH, DELETE) change coding: reviewers get 403 (or 405, or,
  from a page that ignores the method, the page: but nothing may be written); coders and
  owners get an answer of the route's own (2xx, 3xx, 400, 409, 422; never 403/404/500);
- nobody without the role writes anything: the queries of such a request hold no INSERT,
  UPDATE or DELETE (the session aside);
- the small table ACTION below names the routes that need another role than their
  method's default (comments: every member; team and settings: owners; review: reviewers);
- no response of the project shows another project's data, and a member of another
  project who asks for this project's objects under their own project's address gets 404
  or nothing of them.

Every request runs in a savepoint that is rolled back, so that one fixture serves all
routes and each route sees the same data.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from apps.comparison.services import factor_add, judgment_set
from apps.cases.services import attribute_create, case_create
from apps.coding.services import code_create, comment_create, memo_create, segment_create, transcript_update_text
from apps.media.services import recording_attach
from apps.projects.access import CODE, COMMENT, OWN, READ, REVIEW
from apps.projects.models import Role
from apps.projects.services import job_create, membership_set, project_create
from apps.search.selectors import SearchParams
from apps.search.services import saved_search_create
from apps.transcripts.services import expert_create, transcript_create
from tests.conftest import SAMPLE_TEXT, make_user, phrase_span, statement_text
from tests.media.conftest import silent_wav_upload

ROLES = ["anonymous", "outsider", "reviewer", "coder", "owner"]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ANSWERS = {200, 201, 204, 302, 400, 409, 422}      # a route's own answer to an allowed user
MARK_OURS = "Aardvark"                            # in every object of the project under test
MARK_THEIRS = "Zebra"                             # in every object of the other project

# Routes that need another role than their method's default (GET: read, others: code).
# Keys: the URL name, or "METHOD /api/path" for API routes; a value may depend on the method.
ACTION = {
    "project_members": {"GET": READ, "POST": OWN},
    "project_member_role": OWN,
    "project_member_remove": OWN,
    "project_settings": OWN,
    "project_primary_coder": OWN,
    "PUT /api/projects/{slug}/primary-coder": OWN,
    "transcript_import": CODE,     # the import form: for those who may import
    "transcript_edit": CODE,       # the text editor: for those who may edit
    "agreement_discuss": COMMENT,
    "agreement_engine": READ,      # asking for the engine's evaluation (a job) changes no coding
    "POST /api/projects/{slug}/review/comments": COMMENT,
    "POST /api/projects/{slug}/review/comments/{comment_id}/resolve": COMMENT,
    "POST /api/projects/{slug}/review/status": REVIEW,
    "review_status": REVIEW,
    "review_comment_add": COMMENT,
    "review_comment_resolve": COMMENT,
}
ROLE_MAY = {READ: {"reviewer", "coder", "owner"}, COMMENT: {"reviewer", "coder", "owner"},
            CODE: {"coder", "owner"}, OWN: {"owner"}, REVIEW: {"reviewer"}}

# A GET that answers other than 200 to a member, on purpose.
GET_STATUS: dict[str, int] = {
    "outcome_calibration": 404,   # the data choose no outcome: there is no outcome set to calibrate
    "transcription_job": 404,     # the data's job is an import, not a transcription of this project
}

# Required parameters, by route key: the query of a GET, the form of a POST. A value names
# an object of the data (its id is sent) or is sent as it is.
QUERY = {
    "GET /api/projects/{slug}/analysis/matrix/excerpts": {"code": "code", "column": "case"},
    "GET /api/projects/{slug}/analysis/cooccurrence/excerpts": {"code": "code", "other": "code2"},
    "GET /api/projects/{slug}/comparison/agreement": {"a": "olga", "b": "cora"},
    "analysis_matrix_excerpts": {"code": "code", "column": "case"},
    "analysis_cooccurrence_excerpts": {"code": "code", "other": "code2"},
    "exports_codebook": {"format": "csv"},
}
POST_DATA = {
    "judgment_adopt": {"source": "judgment"},
}

# Where a path parameter comes from: the object of DATA it names.
PARAMS = {
    "slug": "slug", "transcript_id": "transcript", "segment_id": "segment", "code_id": "code", "case_id": "case",
    "comment_id": "comment", "memo_id": "memo", "expert_id": "expert", "attribute_id": "attribute",
    "factor_id": "factor", "user_id": "coder", "target_id": "segment", "judge_id": "owner", "activity_id": "edit",
    "saved_search_id": "saved_search", "job_id": "job",
}
PK_AFTER = {"transcripts": "transcript", "segments": "segment", "codes": "code", "cases": "case",
            "comments": "comment", "memos": "memo", "experts": "expert", "attributes": "attribute",
            "factors": "factor", "members": "coder"}
LITERAL = {"target_type": "segment", "table": "frequencies", "fmt": "csv", "object_id": "1", "content_type_id": "1", "id": "1", "app_label": "auth",
           "url": "no-such-page/", "name": "project-home.png"}


@dataclass(frozen=True)
class Route:
    route: str                 # Django's pattern, with converters
    name: str                  # URL name, namespaced
    methods: tuple[str, ...]   # the methods it declares; () when it does not say
    api: bool

    @property
    def project(self) -> bool:
        return "<slug:slug>" in self.route or "<slug>" in self.route or "{slug}" in self.key("GET")

    def key(self, method: str) -> str:
        if self.api:
            return f"{method} /" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)
        return self.name


def _declared_methods(callback) -> tuple[str, ...]:
    """The methods a view declares: ninja's operations, or require_http_methods' list."""
    seen = callback
    while seen is not None:
        for cell, name in zip(getattr(seen, "__closure__", None) or (), getattr(getattr(seen, "__code__", None),
                                                                               "co_freevars", ())):
            value = cell.cell_contents
            if type(value).__name__ == "PathView":
                return tuple(sorted({m for op in value.operations for m in op.methods}))
            if name == "request_method_list":
                return tuple(sorted(set(value) - {"HEAD", "OPTIONS"}))
        seen = getattr(seen, "__wrapped__", None)
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return tuple(sorted(m.upper() for m in view_class.http_method_names
                            if hasattr(view_class, m) and m not in ("head", "options")))
    return ()


def discover() -> list[Route]:
    routes = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                walk(p.url_patterns, prefix + _text(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = ":".join(filter(None, [namespace, p.name or ""]))
                api = prefix.startswith("api/")
                routes.append(Route(prefix + _text(p.pattern), name, _declared_methods(p.callback), api))

    walk(get_resolver().url_patterns, "", "")
    return routes


def _text(pattern) -> str:
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return text
    return text.lstrip("^").rstrip("$")


ROUTES = discover()


# --- the data ---------------------------------------------------------------------------

@pytest.fixture
def data(db):
    owner, coder, reviewer, outsider = (make_user(n) for n in ("olga", "cora", "rita", "otto"))
    project = project_create(name=f"{MARK_OURS} study", owner=owner)
    membership_set(project=project, user=coder, role=Role.CODER, actor=owner)
    membership_set(project=project, user=reviewer, role=Role.REVIEWER, actor=owner)
    expert = expert_create(project=project, pseudonym=f"{MARK_OURS}-E1", actor=owner)
    transcript = transcript_create(project=project, title=f"{MARK_OURS} interview", created_by=owner, expert=expert,
                                   text=SAMPLE_TEXT + f"\n\nE1: {MARK_OURS} words.")
    code = code_create(project=project, name=f"{MARK_OURS} threat", scale="presence", actor=owner)
    code2 = code_create(project=project, name=f"{MARK_OURS} interest", actor=owner)
    attribute = attribute_create(project=project, name=f"{MARK_OURS} granted", applies_to="case", type="boolean",
                                 is_outcome=True, actor=owner)
    other_attribute = attribute_create(project=project, name=f"{MARK_OURS} year", applies_to="case",
                                       type="integer", actor=owner)
    case = case_create(project=project, name=f"{MARK_OURS} case", actor=owner)
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[code, code2],
                             values={code.pk: "present"}, cases=[case], memo=f"{MARK_OURS} memo")
    memo = memo_create(project=project, author=coder, text=f"{MARK_OURS} memo text", code=code)
    comment = comment_create(project=project, author=reviewer, text=f"{MARK_OURS} comment", segment=segment)
    factor = factor_add(project=project, actor=owner, code=code)
    judgment = judgment_set(factor=factor, case=case, judge=owner, value="present", rationale=f"{MARK_OURS} why")
    edit = transcript_update_text(transcript=transcript, text=transcript.text + " More words.",
                                  version=transcript.version, actor=owner)
    recording_attach(transcript=transcript, upload=silent_wav_upload(), actor=owner)  # its page, file and removal
    saved_search = saved_search_create(project=project, name=f"{MARK_OURS} search", actor=owner,
                                       params=SearchParams(q=f"{MARK_OURS} OR Moscow"))

    other = project_create(name=f"{MARK_THEIRS} study", owner=outsider)
    their_transcript = transcript_create(project=other, title=f"{MARK_THEIRS} interview", created_by=outsider,
                                         text=f"E9: {MARK_THEIRS} says something else entirely.")
    their_code = code_create(project=other, name=f"{MARK_THEIRS} code", scale="presence", actor=outsider)
    their_case = case_create(project=other, name=f"{MARK_THEIRS} case", actor=outsider)
    their_segment = segment_create(transcript=their_transcript, start=0, end=10, coder=outsider, codes=[their_code],
                                   cases=[their_case], memo=f"{MARK_THEIRS} memo")
    their_comment = comment_create(project=other, author=outsider, text=f"{MARK_THEIRS} comment", code=their_code)
    their_factor = factor_add(project=other, actor=outsider, code=their_code)
    theirs = {
        "transcript": their_transcript, "code": their_code, "code2": their_code, "case": their_case,
        "segment": their_segment, "comment": their_comment, "factor": their_factor,
        "expert": expert_create(project=other, pseudonym=f"{MARK_THEIRS}-E1", actor=outsider),
        "attribute": attribute_create(project=other, name=f"{MARK_THEIRS} year", applies_to="case", type="integer",
                                      actor=outsider),
        "outcome": attribute_create(project=other, name=f"{MARK_THEIRS} granted", applies_to="case",
                                    type="boolean", actor=outsider),
        "expert_attribute": attribute_create(project=other, name=f"{MARK_THEIRS} field", applies_to="expert",
                                             type="text", actor=outsider),
        "judgment": judgment_set(factor=their_factor, case=their_case, judge=outsider, value="present",
                                 rationale=f"{MARK_THEIRS} why"),
        "coder": outsider,  # a coder (the owner) of the other project only
    }
    return {
        "slug": project.slug, "other_slug": other.slug, "project": project, "transcript": transcript,
        "segment": segment, "code": code, "code2": code2, "case": case, "comment": comment, "memo": memo,
        "expert": expert, "attribute": other_attribute, "outcome": attribute, "factor": factor, "judgment": judgment,
        "edit": edit.activity, "saved_search": saved_search,
        "job": job_create(user=owner, kind="qdpx_import", label=f"{MARK_OURS} import"),
        "users": {"owner": owner, "coder": coder, "reviewer": reviewer, "outsider": outsider},
        "owner": owner, "coder": coder, "theirs": theirs,
    }


def _value(name: str, data: dict):
    obj = data.get(name, name)
    return obj if isinstance(obj, str) else obj.pk


def build_path(route: Route, data: dict, slug: str | None = None) -> str:
    """The route with its parameters filled from the data (the project's slug unless given)."""
    pieces = route.route

    def fill(match):
        param = match.group("name")
        if param == "slug":
            return slug or data["slug"]
        if param == "pk":
            before = pieces[:match.start()].rstrip("/").rsplit("/", 1)[-1]
            if before not in PK_AFTER:
                raise LookupError(f"{route.route}: no rule for <pk> after '{before}/'; add it to PK_AFTER")
            return str(_value(PK_AFTER[before], data))
        if param in PARAMS:
            return str(_value(PARAMS[param], data))
        if param in LITERAL:
            return LITERAL[param]
        raise LookupError(f"{route.route}: unknown path parameter <{param}>; add it to PARAMS in {__file__}")

    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, pieces)
    path = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", fill, path)
    return "/" + path


def _query(route: Route, method: str, data: dict) -> dict:
    table = QUERY if method == "GET" or route.api else POST_DATA
    return {k: _value(v, data) for k, v in table.get(route.key(method), {}).items()}


# --- request bodies for the API, from its OpenAPI description ------------------------------

def _openapi():
    from config.api import api

    return api.get_openapi_schema()


def object_named(name: str, schema_name: str = "") -> str | None:
    """The kind of object (a key of the data) that a field or parameter called `name` names
    by its id: code_ids, parent_id, target_id, evidence, move_codings_to ..."""
    if (schema_name, name) == ("CommentIn", "parent_id"):
        return "comment"     # a comment answers another comment
    base = re.sub(r"(_ids?|s)$", "", name)
    return {"codes": "code", "code": "code", "parent": "code", "target": "code", "move_codings_to": "code",
            "case": "case", "cases": "case", "segment": "segment", "evidence": "segment",
            "transcript": "transcript", "factor": "factor", "attribute": "attribute", "comment": "comment",
            "expert": "expert"}.get(base)


def sample(schema: dict, components: dict, data: dict, name: str = ""):
    """A value that passes the schema, with ids of the project's objects where the name says
    which (code_ids, segment, case ...), so that the route's own access check runs."""
    if "$ref" in schema:
        return sample(components[schema["$ref"].rsplit("/", 1)[-1]], components, data, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return sample(options[0], components, data, name)
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    obj = object_named(name)
    if kind == "object":
        props = schema.get("properties", {})
        return {k: sample(v, components, data, k) for k, v in props.items() if k in schema.get("required", [])}
    if kind == "array":
        item = sample(schema.get("items", {}), components, data, name)
        return [item] if obj else []
    if kind == "integer":
        if name == "version":
            return 1
        return _value(obj, data) if obj else 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "string":
        return "sample text"
    return None


def api_body(route: Route, method: str, data: dict):
    """("json", text) or ("multipart", fields) that pass the route's schema; None without a body."""
    schema = _openapi()
    path = route.key(method).split(" ", 1)[1]
    operation = schema["paths"].get(path, {}).get(method.lower(), {})
    body = operation.get("requestBody")
    if not body:
        return None
    components = schema.get("components", {}).get("schemas", {})
    if "application/json" in body["content"]:
        return "json", json.dumps(sample(body["content"]["application/json"]["schema"], components, data))
    if "multipart/form-data" in body["content"]:
        form = body["content"]["multipart/form-data"]["schema"]
        fields = {}
        for name in form.get("required", []):
            prop = form["properties"][name]
            binary = prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"
            fields[name] = (SimpleUploadedFile("sample.txt", b"E1: a sample interview.\n", "text/plain") if binary
                            else sample(prop, components, data, name))
        return "multipart", fields
    return None


# --- expectations ---------------------------------------------------------------------------

def needed(route: Route, method: str) -> str:
    rule = ACTION.get(route.key(method))
    if isinstance(rule, dict):
        rule = rule.get(method)
    if rule:
        return rule
    return CODE if method in UNSAFE else READ


def expected(route: Route, method: str, role: str) -> set[int]:
    declared = route.methods
    if declared and method not in declared:
        return {405} if route.api or role != "anonymous" else {302, 404, 405}
    if role == "anonymous":
        return {401} if route.api else {302, 404}
    if role == "outsider":
        return {404}
    if role not in ROLE_MAY[needed(route, method)]:
        return {403}
    if method in UNSAFE:
        return ANSWERS
    return {GET_STATUS.get(route.key(method), 200)}


def methods_to_try(route: Route) -> list[str]:
    if route.api:
        return list(route.methods)
    return ["GET", "POST"]


def request(client, route: Route, method: str, data: dict, slug: str | None = None):
    path = build_path(route, data, slug)
    query = _query(route, method, data)
    if route.api:
        body = api_body(route, method, data) if method in UNSAFE else None
        if method == "GET":
            return client.get(path, query)
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        if body and body[0] == "multipart" and method == "POST":
            return client.post(path, body[1])
        return client.generic(method, path, body[1] if body else "", content_type="application/json")
    if method == "GET":
        return client.get(path, query)
    return client.post(path, query)


# Tables a view may read before it has decided that the user is not a member.
ACCESS_TABLES = {"projects_session", "auth_user", "projects_membership", "projects_project"}


def tables(sql: str) -> set[str]:
    return {t.lower() for t in re.findall(r'(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?', sql, re.IGNORECASE)}


def _statements(sql: str) -> list[str]:
    """The statements a captured query ran: on PostgreSQL the writes of every click run as
    prepared statements (EXECUTE), whose SQL is the text that prepared them."""
    text = statement_text(sql)
    if text == sql:
        return [sql.lstrip()]
    parts = (part.lstrip() for part in text.split("\n; "))
    return [re.sub(r"^PREPARE \S+ (?:\(.*?\) )?AS ", "", part) for part in parts if not part.startswith("EXECUTE ")]


def writes(queries) -> list[str]:
    """The statements of a request that changed data (the session and the sign-in throttle aside)."""
    found = []
    for query in queries.captured_queries:
        for sql in _statements(query["sql"]):
            verb = sql.split(None, 1)[0].upper() if sql else ""
            if verb in {"INSERT", "UPDATE", "DELETE"} and not tables(sql) <= {"projects_session",
                                                                              "projects_loginthrottle"}:
                found.append(sql[:120])
    return found


PROJECT_ROUTES = [r for r in ROUTES if r.project]


def test_every_route_is_discovered_and_every_path_parameter_has_a_source(data):
    assert any(r.name == "project_home" for r in ROUTES)
    assert any(r.api for r in ROUTES), "the API's routes are part of the URL conf"
    problems = []
    for route in ROUTES:
        try:
            build_path(route, data)
        except LookupError as error:
            problems.append(str(error))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_the_access_matrix(client, data, role):
    """Every project route, every method it has, for one role: the status the rules expect."""
    user = data["users"].get(role)
    mismatches, leaks, early = [], [], []
    for route in PROJECT_ROUTES:
        for method in methods_to_try(route):
            if user is not None:
                client.force_login(user)
            else:
                client.logout()
            with transaction.atomic():
                with CaptureQueriesContext(connection) as queries:
                    response = request(client, route, method, data)
                transaction.set_rollback(True)
            want = expected(route, method, role)
            label = f"{method} {build_path(route, data)} ({route.key(method)})"
            changed = writes(queries)
            if want == {403} and method in UNSAFE and role == "reviewer" and response.status_code < 500 \
                    and not route.api and route.key(method) not in ACTION and not changed:
                want = {response.status_code}    # a page that ignores the method and changes nothing
            if changed and (role in ("anonymous", "outsider") or want == {403}):
                mismatches.append(f"{label}: {role} wrote {changed[0]}")
            if response.status_code not in want:
                detail = response.content[:200].decode(errors="replace").replace("\n", " ")
                mismatches.append(f"{label}: {response.status_code}, expected {sorted(want)}: {detail}")
            if response.status_code == 302 and role == "anonymous" and "/accounts/login/" not in response["Location"]:
                mismatches.append(f"{label}: redirects anonymous users to {response['Location']}, not to sign in")
            body = b"".join(response) if getattr(response, "streaming", False) else response.content
            if MARK_THEIRS.encode() in body:
                leaks.append(label)
            if role == "outsider":
                read = set().union(*(tables(q["sql"]) for q in queries.captured_queries)) - ACCESS_TABLES
                if read:
                    early.append(f"{label} read {sorted(read)} before refusing a non-member")
    assert not mismatches, f"{len(mismatches)} routes answer {role} unexpectedly:\n" + "\n".join(mismatches)
    assert not leaks, "another project's data appears in:\n" + "\n".join(leaks)
    assert not early, "\n".join(early)


def test_a_member_of_another_project_cannot_reach_this_projects_objects_through_their_own(client, data):
    """The outsider asks under their own project's address for this project's objects (ids in
    the path or the query): 404, or an answer without any of them; never a 5xx."""
    client.force_login(data["users"]["outsider"])
    problems = []
    for route in PROJECT_ROUTES:
        for method in methods_to_try(route):
            if route.methods and method not in route.methods:
                continue
            with transaction.atomic():
                response = request(client, route, method, data, slug=data["other_slug"])
                transaction.set_rollback(True)
            label = f"{method} {build_path(route, data, data['other_slug'])}"
            body = b"".join(response) if getattr(response, "streaming", False) else response.content
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code}")
            if MARK_OURS.encode() in body:
                problems.append(f"{label}: shows this project's data ({response.status_code})")
    assert not problems, "\n".join(problems)


# --- the routes outside projects --------------------------------------------------------------

# Status per role for the routes that belong to no project (None: every role the same).
OUTSIDE = {
    "": {None: 302},
    "login": {"anonymous": 200, None: 302},
    "logout": {None: 405},
    "project_list": {"anonymous": 302, None: 200},
    "api:openapi-json": {None: 200},
    "api:openapi-view": {None: 200},
    "admin:login": {None: 200},
    "admin:logout": {None: 302},
    "api:api-root": {None: 404},
    "qdpx_import": {"anonymous": 302, None: 200},
    "qdpx_confirm": {"anonymous": 302, None: 405},  # POST only: the choice for an upload waiting for it
    "qdpx_job": {"anonymous": 302, "owner": 200, None: 404},  # only the job's own user (the owner) sees it
    "api:job_detail": {"anonymous": 401, "owner": 200, None: 404},  # its progress, for its own user only
    "export_job": {"anonymous": 302, None: 404},  # an export's page, for its own user (the fixture's job imports)
    "export_job_file": {"anonymous": 302, None: 404},  # its file, for its own user while a member
    "help": {"anonymous": 302, None: 200},
    "help_screenshot": {"anonymous": 302, None: 200},
}


@pytest.mark.parametrize("role", ROLES)
def test_the_routes_outside_projects(client, data, role):
    """Sign-in, the project list, the API description; the admin is for staff only (nobody
    here is staff), so it sends every role to its sign-in."""
    user = data["users"].get(role)
    mismatches = []
    for route in [r for r in ROUTES if not r.project]:
        if user is not None:
            client.force_login(user)
        else:
            client.logout()
        rule = OUTSIDE.get(route.name)
        if rule is None and route.name.startswith("admin:") or route.route.startswith("admin/"):
            want = rule.get(role, rule.get(None)) if rule else 302
        elif rule is None:
            mismatches.append(f"{route.route} ({route.name}): not in OUTSIDE; say what each role gets")
            continue
        else:
            want = rule.get(role, rule.get(None))
        with transaction.atomic():
            response = client.get(build_path(route, data))
            transaction.set_rollback(True)
        if response.status_code != want:
            mismatches.append(f"GET {route.route} ({route.name}): {response.status_code}, expected {want}")
        if rule is None and "/admin/login/" not in response.get("Location", ""):
            mismatches.append(f"GET {route.route}: redirects to {response.get('Location')}, not the admin sign-in")
    assert not mismatches, "\n".join(mismatches)


# --- ids of another project inside payloads ---------------------------------------------------
#
# Every write that takes ids in its payload (codes, cases, a parent, a merge target, cited
# evidence, a comment's target, case links ...) is sent once with this project's object
# (the control: accepted) and once with the other project's object of the same kind: that
# must be refused with a 4xx, change nothing and name nothing of the other project, and it
# must read exactly like an id that does not exist. API fields come from the OpenAPI
# description (a field named after an object, holding integers); page forms are listed here.

MISSING_ID = 987654321

# Valid API bodies to add the id field to, by route ("@name" is the id of that object).
API_BASE = {
    "POST /api/projects/{slug}/segments": {"transcript_id": "@transcript", "start": 0, "end": 5,
                                           "code_ids": ["@code"]},
    "PATCH /api/projects/{slug}/segments/{segment_id}": {"version": 1},
    "POST /api/projects/{slug}/codes": {"name": f"{MARK_OURS} new code"},
    "POST /api/projects/{slug}/review/comments": {"text": "A remark"},
    "POST /api/projects/{slug}/review/status": {"status": "approved"},
    "PUT /api/projects/{slug}/comparison/judgments/{factor_id}/{case_id}": {"value": "present", "version": 1},
    "POST /api/projects/{slug}/codes/{code_id}/suggestions/accept": {"start": 0, "end": 5},
    "POST /api/projects/{slug}/codes/{code_id}/suggestions/reject": {"start": 0, "end": 5},
    "POST /api/projects/{slug}/search/code-all/preview": {"search": {"q": "Moscow"}, "code_id": "@code"},
    "POST /api/projects/{slug}/search/code-all": {"search": {"q": "Moscow"}, "code_id": "@code"},
}
# Writes' previews: the control is accepted without writing anything.
API_PREVIEWS = {"POST /api/projects/{slug}/search/code-all/preview"}
# This project's object for the control, where another than the field's kind is needed.
API_CONTROL = {
    ("POST /api/projects/{slug}/comparison/factors", "code_id"): "spare_code",        # a scaled code, no factor yet
    ("POST /api/projects/{slug}/comparison/factors", "attribute_id"): "spare_attribute",
    ("PUT /api/projects/{slug}/comparison/outcome", "attribute_id"): "outcome",
    ("POST /api/projects/{slug}/codes/{code_id}/move", "parent_id"): "code2",        # not under itself
}
# The object a path names instead of the usual one (`code` is a factor with coded values:
# merge `code2` into it instead).
API_PATH = {
    "DELETE /api/projects/{slug}/codes/{code_id}": {"code": "code2"},
    "POST /api/projects/{slug}/codes/{code_id}/merge": {"code": "code2"},
}

# Page forms that name objects: (the URL name, a valid form, {field: (kind, how the value is written)}).
PAGE_FORMS = [
    ("case_value_set", {"case-value-case": "@case", "case-value-attribute": "@attribute", "case-value-value": "2020"},
     {"case-value-case": ("case", "{}"), "case-value-attribute": ("attribute", "{}")}),
    ("expert_value_set", {"expert-value-expert": "@expert", "expert-value-attribute": "@expert_attribute",
                          "expert-value-value": "diplomat"},
     {"expert-value-expert": ("expert", "{}"), "expert-value-attribute": ("expert_attribute", "{}")}),
    ("case_transcripts_set", {"link-case": "@case", "link-transcripts": "@transcript"},
     {"link-case": ("case", "{}"), "link-transcripts": ("transcript", "{}")}),
    ("review_status", {"status": "approved"}, {"transcript": ("transcript", "{}")}),
    ("review_comment_add", {"text": "A remark"},
     {"code": ("code", "{}"), "case": ("case", "{}"), "segment": ("segment", "{}"),
      "transcript": ("transcript", "{}"), "parent": ("comment", "{}")}),
    ("comparison_setup", {"action": "outcome"}, {"attribute": ("outcome", "{}")}),
    ("comparison_setup", {"action": "add"}, {"source": ("spare_code", "code:{}")}),
    ("comparison_setup", {"action": "add"}, {"source": ("spare_attribute", "attribute:{}")}),
    ("comparison_setup", {"action": "update", "label": "NEWLABEL"}, {"factor": ("factor", "{}")}),
    ("judgment_cell", {"value": "present", "version": "1"}, {"evidence": ("segment", "{}")}),
    ("judgment_adopt", {}, {"source": ("judgment", "{}")}),
    ("factor_calibration", {"action": "membership", "score": "0.5", "case": "@case"},
     {"case": ("case", "{}"), "evidence": ("segment", "{}")}),
    ("agreement_settle", {"action": "discard", "code": "@code", "segments": "@segment:1"},
     {"code": ("code", "{}"), "segments": ("segment", "{}:1")}),
    ("agreement_discuss", {"text": "A remark"}, {"segment": ("segment", "{}")}),
    ("project_primary_coder", {}, {"primary_coder": ("coder", "{}")}),
]
# Pages that write but take no id in their form (names, files, text, or ids in the path only).
PAGE_POSTS_WITHOUT_IDS = {
    "project_members", "project_member_role", "project_member_remove", "project_settings",
    "transcript_import", "transcript_speakers", "transcript_edit", "case_add", "attribute_add", "segment_restore",
    "review_comment_resolve", "exports_codebook_import", "recording_page", "recording_remove", "agreement_engine",
    "recording_transcribe",
}
# A passage whose segments are gone sends the user back to it with a message (as when a
# segment was deleted meanwhile), so an unknown segment answers 302 there, writing nothing.
PAGE_REFUSES_BY_REDIRECT = {"agreement_settle"}


@pytest.fixture
def spare(data):
    """Objects of this project that a control needs besides the data: a scaled code and a
    boolean case attribute that are not factors yet, an attribute of experts."""
    project, owner = data["project"], data["owner"]
    return {
        "spare_code": code_create(project=project, name=f"{MARK_OURS} spare", scale="presence", actor=owner),
        "spare_attribute": attribute_create(project=project, name=f"{MARK_OURS} spare", applies_to="case",
                                            type="boolean", actor=owner),
        "expert_attribute": attribute_create(project=project, name=f"{MARK_OURS} field", applies_to="expert",
                                             type="text", actor=owner),
    }


def _filled(value, objects: dict):
    """`value` with "@name" replaced by the id of that object, in lists, dicts and strings."""
    if isinstance(value, list):
        return [_filled(v, objects) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, objects) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("@"):
        name, _, rest = value[1:].partition(":")
        pk = objects[name].pk
        return f"{pk}:{rest}" if rest else pk
    return value


def _resolved(schema: dict, components: dict) -> tuple[str, dict]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name, components[name]
    return "", schema


def _holds_integers(schema: dict, components: dict) -> bool:
    options = [_resolved(s, components)[1] for s in schema.get("anyOf", [schema])]
    return any(o.get("type") == "integer" or o.get("items", {}).get("type") == "integer" for o in options)


def api_id_fields(route: Route, method: str) -> list[tuple[str, str, str, bool]]:
    """(where, field, kind, is a list) of every id an API write takes in its body ("body")
    or query ("query"), and "values" keyed by code id."""
    schema = _openapi()
    components = schema.get("components", {}).get("schemas", {})
    operation = schema["paths"].get(route.key(method).split(" ", 1)[1], {}).get(method.lower(), {})
    fields = []
    for parameter in operation.get("parameters", []):
        kind = object_named(parameter["name"])
        if parameter["in"] == "query" and kind and _holds_integers(parameter["schema"], components):
            fields.append(("query", parameter["name"], kind, False))
    content = (operation.get("requestBody") or {}).get("content", {})
    if "application/json" in content:
        schema_name, body = _resolved(content["application/json"]["schema"], components)
        for name, prop in body.get("properties", {}).items():
            kind = object_named(name, schema_name)
            if name == "values":
                fields.append(("body", name, "code", False))
            elif kind and _holds_integers(prop, components):
                is_list = any(o.get("type") == "array" for o in prop.get("anyOf", [prop]))
                fields.append(("body", name, kind, is_list))
    return fields


def _role_for(route: Route, method: str) -> str:
    return "reviewer" if needed(route, method) == REVIEW else "owner"


def _api_request(client, route: Route, method: str, data: dict, where: str, field: str, value):
    objects = {**data, **data.get("spare", {})}
    path = build_path(route, {**data, **{name: objects[instead] for name, instead
                                         in API_PATH.get(route.key(method), {}).items()}})
    body = _filled(API_BASE.get(route.key(method), {}), objects) if method != "DELETE" else {}
    if where == "query":
        path += f"?{field}={value}"
    else:
        body = {**body, field: value}
    return client.generic(method, path, json.dumps(body) if body or method != "DELETE" else "",
                          content_type="application/json")


def _attempt(client, send):
    """Send in a rolled-back savepoint; the response and the statements that wrote."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = send()
        wrote = writes(queries)  # now: the log of queries is a bounded deque that later requests shift
        followed = client.get(response["Location"]) if response.status_code == 302 else None
        transaction.set_rollback(True)
    body = b"".join(response) if getattr(response, "streaming", False) else response.content
    if followed is not None:
        body += followed.content
    return response, body, wrote


def _judge_foreign(label, answers, problems, *, redirect_allowed=False, preview=False):
    """answers: (control, theirs, missing), each (response, body, writes)."""
    (ours, _, ours_wrote), (theirs, body, wrote), (missing, _, _) = answers
    if ours.status_code not in {200, 201, 204, 302} or not (ours_wrote or preview):
        problems.append(f"{label}: the control with this project's object was not accepted "
                        f"({ours.status_code}, {'wrote' if ours_wrote else 'wrote nothing'}): fix the tables above")
        return
    refused = 400 <= theirs.status_code < 500 or (redirect_allowed and theirs.status_code == 302)
    if not refused:
        problems.append(f"{label}: another project's object answered {theirs.status_code}, not a 4xx")
    if wrote:
        problems.append(f"{label}: another project's object was written: {wrote[0]}")
    if MARK_THEIRS.encode() in body:
        problems.append(f"{label}: the answer names another project's object")
    if theirs.status_code != missing.status_code:
        problems.append(f"{label}: another project's object answers {theirs.status_code}, "
                        f"a missing one {missing.status_code}")


def test_ids_of_another_project_in_api_payloads_are_unknown(client, data, spare):
    data["spare"] = spare
    problems, tried = [], 0
    for route in PROJECT_ROUTES:
        if not route.api:
            continue
        for method in sorted(set(route.methods) & UNSAFE):
            client.force_login(data["users"][_role_for(route, method)])
            for where, field, kind, is_list in api_id_fields(route, method):
                ours_name = API_CONTROL.get((route.key(method), field), kind)
                ours = spare.get(ours_name) or data[ours_name]

                def value(pk):
                    if field == "values":
                        return {str(pk): "present"}
                    return [pk] if is_list else pk

                answers = [_attempt(client, lambda pk=pk: _api_request(client, route, method, data, where, field,
                                                                        value(pk)))
                           for pk in (ours.pk, data["theirs"][kind].pk, MISSING_ID)]
                label = f"{route.key(method)} {field}"
                _judge_foreign(label, answers, problems, preview=route.key(method) in API_PREVIEWS)
                (_, _, _), (theirs, _, _), (missing, _, _) = answers
                if theirs.get("Content-Type", "").startswith("application/json") and theirs.status_code == 422:
                    said = theirs.json()["detail"].replace(str(data["theirs"][kind].pk), "<id>")
                    if said != missing.json()["detail"].replace(str(MISSING_ID), "<id>"):
                        problems.append(f"{label}: another project's object reads '{said}', a missing one "
                                        f"'{missing.json()['detail']}'")
                tried += 1
    assert tried >= 20, f"only {tried} id fields found in the API's writes"
    assert not problems, "\n".join(problems)


def test_ids_of_another_project_in_page_forms_are_unknown(client, data, spare):
    objects = {**data, **spare}
    problems = []
    names = {r.name: r for r in PROJECT_ROUTES if not r.api}
    for name, form, fields in PAGE_FORMS:
        route = names[name]
        client.force_login(data["users"][_role_for(route, "POST")])
        for field, (kind, written) in fields.items():
            theirs_kind = kind if kind in data["theirs"] else {"spare_code": "code",
                                                               "spare_attribute": "outcome"}.get(kind, kind)
            answers = []
            for pk in (objects[kind].pk, data["theirs"][theirs_kind].pk, MISSING_ID):
                sent = {**_filled(form, objects), field: written.format(pk)}
                answers.append(_attempt(client, lambda sent=sent: client.post(build_path(route, data), sent)))
            _judge_foreign(f"POST {name} {field}={written}", answers, problems,
                           redirect_allowed=name in PAGE_REFUSES_BY_REDIRECT)
    assert not problems, "\n".join(problems)


def test_every_page_that_writes_says_whether_its_form_names_objects():
    """A new page of a project that declares POST must be added to PAGE_FORMS or
    PAGE_POSTS_WITHOUT_IDS (pages that do not declare their methods are listed by hand)."""
    listed = {name for name, _, _ in PAGE_FORMS} | PAGE_POSTS_WITHOUT_IDS
    posting = {r.name for r in PROJECT_ROUTES if not r.api and "POST" in r.methods}
    assert posting - listed == set(), "say whether these pages' forms name objects by id"
    assert listed - {r.name for r in PROJECT_ROUTES} == set(), "no such pages"
