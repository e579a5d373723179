"""Malformed input is refused at the edge with a reason, never a 500 (issue 17, finding 5):
NUL characters and lone surrogates in any text (config/middleware.py), Unicode and
oversized numbers (apps/projects/inputs.py), and every API error answered as JSON,
unknown routes, wrong methods and unexpected exceptions included (config/api.py)."""
from __future__ import annotations

import json
import logging

import pytest
from django.test import RequestFactory
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from apps.agreement.forms import SettleForm
from apps.cases.models import Case
from apps.coding.models import Code, Segment
from apps.projects.inputs import BoundedIntegerField, Count, Id, IdField, ascii_int
from apps.projects.limits import MAX_ID, MAX_INT
from config.api import on_unexpected_error
from tests.conftest import phrase_span

HUGE = "99999999999999999999"


def api(project, path: str) -> str:
    return f"/api/projects/{project.slug}/{path}"


def send_json(client, method: str, path: str, body: str):
    """`body` is JSON text as sent, so that it can carry escapes Python's json would not write."""
    return getattr(client, method)(path, data=body, content_type="application/json")


# --- text no database can store -----------------------------------------------------------

@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
def test_a_nul_or_a_lone_surrogate_in_json_is_a_422_with_the_field_and_nothing_is_stored(client_for, coder,
                                                                                          project, escape):
    body = '{"name": "Threat %s perception"}' % escape
    response = send_json(client_for(coder), "post", api(project, "codes"), body)
    assert response.status_code == 422 and response["Content-Type"].startswith("application/json")
    assert "JSON field 'name'" in response.json()["detail"]
    assert not Code.objects.exists()


def test_a_nul_deep_in_a_json_body_or_in_a_key_is_refused(client_for, coder, project, transcript, threat):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    body = json.dumps({"transcript_id": transcript.pk, "start": start, "end": end, "code_ids": [threat.pk],
                       "values": {str(threat.pk): "pres\x00ent"}})
    response = send_json(client_for(coder), "post", api(project, "segments"), body)
    assert response.status_code == 422 and "JSON field 'values." in response.json()["detail"]
    body = json.dumps({"transcript_id": transcript.pk, "start": start, "end": end, "code_ids": [threat.pk],
                       "values": {"\x00": "present"}})
    response = send_json(client_for(coder), "post", api(project, "segments"), body)
    assert response.status_code == 422 and "A JSON key contains a NUL character" in response.json()["detail"]
    assert not Segment.objects.exists()


def test_a_nul_in_a_query_parameter_is_a_422_from_the_api_and_a_400_from_a_page(client_for, reviewer, project):
    client = client_for(reviewer)
    response = client.get(api(project, "segments"), {"q": "Moscow\x00"})
    assert response.status_code == 422
    assert response.json() == {"detail": "Query parameter 'q' contains a NUL character, which cannot be stored."}
    page = client.get(f"/projects/{project.slug}/segments/", {"q": "Moscow\x00"})
    assert page.status_code == 400 and b"Query parameter 'q' contains a NUL character" in page.content


def test_a_nul_in_a_form_field_or_in_the_address_is_a_400_with_the_reason(client_for, owner, project):
    client = client_for(owner)
    response = client.post(f"/projects/{project.slug}/cases/", {"name": "Kazakhstan\x002022"})
    assert response.status_code == 400 and b"Form field 'name' contains a NUL character" in response.content
    assert not Case.objects.exists()
    response = client.get(f"/api/projects/{project.slug}%00/codes")
    assert response.status_code == 422 and "The address contains a NUL character" in response.json()["detail"]


# --- numbers ------------------------------------------------------------------------------

def test_ascii_int_reads_only_ascii_digits():
    assert ascii_int("42") == 42 and ascii_int(" 7 ") == 7 and ascii_int("-3") == -3
    for text in ("①", "١٢", "4²", "1_000", "1.0", "", "0x10", "1e3"):
        assert ascii_int(text) is None, text


def test_the_api_integer_types_refuse_unicode_digits_booleans_and_what_no_column_holds():
    ids, counts = TypeAdapter(Id), TypeAdapter(Count)
    assert ids.validate_python("12") == 12 and counts.validate_python(0) == 0
    for value in ("①", "١", True, "1.5", 0, MAX_ID + 1, HUGE):
        with pytest.raises(PydanticError):
            ids.validate_python(value)
    with pytest.raises(PydanticError):
        counts.validate_python(MAX_INT + 1)


def test_the_form_fields_refuse_unicode_digits_and_what_no_column_holds():
    field = BoundedIntegerField(required=False)
    assert field.clean("15") == 15 and field.clean("") is None
    for text in ("①", "١٢", HUGE, "-1"):
        with pytest.raises(Exception) as error:
            field.clean(text)
        assert error.type.__name__ == "ValidationError"
    assert IdField().clean(str(MAX_ID)) == MAX_ID
    with pytest.raises(Exception, match="greater than or equal to 1"):
        IdField().clean("0")


def test_a_unicode_digit_as_matrix_columns_is_a_422_from_the_api_and_a_400_from_the_page(client_for, reviewer,
                                                                                         project, threat):
    client = client_for(reviewer)
    response = client.get(api(project, "analysis/matrix"), {"columns": "①"})
    assert response.status_code == 422 and "attribute of this project" in response.json()["detail"]
    page = client.get(f"/projects/{project.slug}/analysis/matrix/", {"columns": "①"})
    assert page.status_code == 400


@pytest.mark.parametrize("query", [{"offset": HUGE}, {"offset": "-1"}, {"code": HUGE}, {"code": "①"}])
def test_an_offset_or_id_beyond_what_the_database_stores_is_a_422(client_for, reviewer, project, threat, query):
    params = {"code": threat.pk, "column": "1", **query}
    response = client_for(reviewer).get(api(project, "analysis/matrix/excerpts"), params)
    assert response.status_code == 422
    assert next(iter(query)) in response.json()["detail"]


def test_huge_ids_in_a_retrieval_filter_are_a_422(client_for, reviewer, project):
    response = client_for(reviewer).get(api(project, "segments"), {"coder": [HUGE, "-5"], "case": ["①"]})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"coder.0", "coder.1", "case.0"}


def test_a_non_numeric_segment_id_in_the_settle_form_is_a_form_error():
    form = SettleForm({"action": "keep", "code": "1", "segments": "①:1,2:1"})
    assert not form.is_valid() and "id:version" in form.errors["segments"][0]
    form = SettleForm({"action": "keep", "code": "1", "segments": f"{HUGE}:1"})
    assert not form.is_valid()


# --- every API error is JSON --------------------------------------------------------------

def test_an_unknown_api_route_is_a_json_404(client_for, reviewer, project):
    response = client_for(reviewer).get(api(project, "no-such-route"))
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert "no API route" in response.json()["detail"]


def test_a_method_a_route_does_not_take_is_a_json_405_that_names_the_allowed_ones(client_for, coder, project):
    response = client_for(coder).put(api(project, "codes"))
    assert response.status_code == 405
    assert response.json()["detail"] == f"PUT is not allowed here; use {response['Allow']}."
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_an_unexpected_exception_in_the_api_is_logged_and_answered_as_json(caplog):
    request = RequestFactory().get("/api/projects/x/codes")
    bug = RuntimeError("a bug")
    try:
        raise bug
    except RuntimeError:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            response = on_unexpected_error(request, bug)
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "Internal error: it was logged; please try again later."}
    record = next(r for r in caplog.records if r.name == "django.request")
    assert "Internal Server Error: /api/projects/x/codes" in record.getMessage() and record.exc_info[1] is bug
