"""Error answers, the same in every app (apps/projects/responses.py): pages render one
template with the reason and a way back; the API answers {"detail": reason, ...}."""
import json

import pytest
from django.urls import path, reverse

from apps.coding.services import segment_create
from config.urls import urlpatterns as app_urlpatterns
from tests.conftest import phrase_span


def test_a_page_refused_to_a_role_says_why_on_the_error_page(client_for, project, reviewer):
    response = client_for(reviewer).post(reverse("comparison_setup", args=[project.slug]), {"action": "add"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Not allowed</h1>" in page
    assert "Your role (reviewer) may not code in this project." in page


def test_a_project_of_others_is_not_found_and_nothing_of_it_shows(client_for, project, outsider):
    response = client_for(outsider).get(reverse("analysis_matrix", args=[project.slug]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Not found</h1>" in page and "No such project." in page
    assert project.name not in page


def test_an_unknown_address_is_not_found_without_the_resolvers_details(client_for, coder):
    response = client_for(coder).get("/projects/no/such/page/here/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no page at this address." in page and "tried" not in page


@pytest.mark.parametrize("name, query, reason", [
    ("analysis_matrix", {"columns": "weather"}, "Column"),
    ("exports_codebook", {"format": "pdf"}, "Choose a codebook format"),
])
def test_bad_input_to_a_page_gets_the_error_page_with_the_reason_and_a_way_back(client_for, project, reviewer, name,
                                                                               query, reason):
    response = client_for(reviewer).get(reverse(name, args=[project.slug]), query)
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page
    assert f'href="{reverse("project_home", args=[project.slug])}"' in page


def test_bad_settle_input_gets_the_error_page_with_every_reason(client_for, project, coder):
    response = client_for(coder).post(reverse("agreement_settle", args=[project.slug]), {"action": "burn"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Cannot do this</h1>" in page and "Nothing was changed" in page and "action" in page


def send(client, method, path, body):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def test_every_api_error_is_a_detail_with_the_reason(client_for, project, coder, reviewer, transcript, threat):
    """Invalid input, a role that may not write, an object of no project of the user, and a
    stale version: each answers JSON with `detail`, whichever app's route it is."""
    api = f"/api/projects/{project.slug}"
    start, end = phrase_span(transcript, "Moscow wanted it to")
    segment = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=coder)
    answers = {
        422: [send(client_for(coder), "post", f"{api}/codes", {"name": " "}),
              send(client_for(coder), "put", f"{api}/transcripts/{transcript.pk}/text", {"text": " ", "version": 1}),
              send(client_for(coder), "post", f"{api}/comparison/factors", {}),
              client_for(reviewer).get(f"{api}/analysis/matrix", {"columns": "weather"}),
              client_for(reviewer).get(f"{api}/exports/appendix/preview", {"format": "pdf"})],
        403: [send(client_for(reviewer), "post", f"{api}/codes", {"name": "Mine"}),
              send(client_for(reviewer), "post", f"{api}/comparison/factors", {"code_id": threat.pk})],
        404: [client_for(coder).get(f"{api}/segments/987654"),
              client_for(coder).get(f"{api}/comparison/judgments/987654/987654")],
        409: [send(client_for(coder), "patch", f"{api}/segments/{segment.pk}", {"version": 7, "memo": "m"}),
              send(client_for(coder), "put", f"{api}/transcripts/{transcript.pk}/text",
                   {"text": "E1: x", "version": 7})],
    }
    for status, responses in answers.items():
        for response in responses:
            assert response.status_code == status, (response.request["PATH_INFO"], response.content)
            body = response.json()
            assert isinstance(body["detail"], str) and body["detail"], body


# --- the same pages under DEBUG (make run), and the 500 ---------------------------------------

@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_under_debug_a_project_of_others_gets_the_apps_404_page_with_the_reason(debug, client_for, project,
                                                                                outsider):
    """Issue 16: under `make run` Django's technical 404 page answered, unstyled because
    the Content-Security-Policy blocks its inline styles."""
    response = client_for(outsider).get(reverse("analysis_matrix", args=[project.slug]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in page and "No such project." in page
    assert "/static/css/app.css" in page and "<style" not in page and "URLconf" not in page


def test_under_debug_an_unknown_address_gets_the_apps_404_page(debug, client_for, coder):
    response = client_for(coder).get("/projects/no/such/page/here/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "There is no page at this address." in page and "<style" not in page and "tried" not in page


def test_under_debug_a_missing_slash_still_redirects_and_the_api_keeps_its_json(debug, client_for, coder):
    client = client_for(coder)
    assert client.get("/projects").status_code == 301
    response = client.get("/api/projects/no-such-project/segments")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *app_urlpatterns]  # this module is the URLconf of the test below


@pytest.mark.urls(__name__)
def test_a_server_error_gets_the_apps_page_without_the_request_or_the_trace(client):
    """Django's default 500 was a bare "Server Error (500)"; the app's page needs nothing
    that may have failed (no database, no session)."""
    client.raise_request_exception = False
    response = client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in page and "/static/css/app.css" in page
    assert "a bug" not in page and "RuntimeError" not in page
