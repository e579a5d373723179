"""History: every recorded change, who made it and when, with what was before and after;
a segment or a code shows its own history."""
import pytest
from django.urls import reverse

from apps.coding.services import code_create, code_update, comment_create, memo_create, segment_create, \
    segment_delete, segment_update
from apps.projects.history import PAGE_SIZE, Change, activity_changes
from apps.projects.models import Activity
from tests.conftest import phrase_span


def history_url(project, **query):
    url = reverse("project_history", args=[project.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def target_url(project, target_type, target_id):
    return reverse("target_history", args=[project.slug, target_type, target_id])


@pytest.fixture
def segment(transcript, coder, threat, russian_interest):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    return segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat],
                          values={threat.pk: "present"})


# --- what changed, field by field ----------------------------------------------------------

def test_changes_list_the_fields_that_differ():
    assert activity_changes({"name": "Threat", "colour": "#ff0000"}, {"name": "Threat perception",
                                                                      "colour": "#ff0000"}) == [
        Change("name", "Threat", "Threat perception")]


def test_changes_compare_a_segments_codes_one_by_one():
    before = {"codes": {"Threat perception": "absent", "Legal basis": ""}, "start": 3}
    after = {"codes": {"Threat perception": "present", "Russian interest": "high"}, "start": 3}
    changes = activity_changes(before, after)
    assert changes == [
        Change("codes › Threat perception", "absent", "present"),
        Change("codes › Legal basis", "✓", ""),
        Change("codes › Russian interest", "", "high"),
    ]
    assert [c.kind for c in changes] == ["changed", "removed", "added"]


def test_changes_of_a_creation_and_a_deletion():
    assert activity_changes(None, {"memo": "why"}) == [Change("memo", "", "why")]
    assert activity_changes({"memo": "why", "cases": ["Armenia 2022"]}, None) == [
        Change("memo", "why", ""), Change("cases", "Armenia 2022", "")]
    assert activity_changes(None, None) == []


def test_changes_show_lists_booleans_and_plain_values_as_text():
    assert activity_changes({"cases": ["A"], "is_case_section": False, "role": None},
                            {"cases": ["A", "B"], "is_case_section": True, "role": "coder"}) == [
        Change("cases", "A", "A, B"), Change("is_case_section", "no", "yes"), Change("role", "", "coder")]
    assert activity_changes("old", "new") == [Change("value", "old", "new")]


# --- the project history page ------------------------------------------------------------

@pytest.mark.parametrize("who", ["owner", "coder", "reviewer"])
def test_every_member_reads_the_history(client_for, project, segment, request, who):
    response = client_for(request.getfixturevalue(who)).get(history_url(project))
    assert response.status_code == 200
    page = response.content.decode()
    assert "cora</strong> coded" in page
    assert reverse("target_history", args=[project.slug, "segment", segment.pk]) in page


def test_the_history_shows_before_and_after(client_for, project, owner, threat):
    code_update(code=threat, actor=owner, name="Shared threat")
    page = client_for(owner).get(history_url(project)).content.decode()
    assert "<del>Threat perception</del>" in page and "<ins>Shared threat</ins>" in page


def test_the_history_filters_by_kind_and_by_person(client_for, project, owner, coder, segment, threat):
    client = client_for(owner)
    entries = client.get(history_url(project, target_type="segment")).context["entries"]
    assert {e.activity.target_type for e in entries} == {"segment"}
    entries = client.get(history_url(project, actor="cora")).context["entries"]
    assert entries and {e.activity.actor.username for e in entries} == {"cora"}
    assert client.get(history_url(project, actor="nobody")).context["entries"] == []


def test_the_history_is_paged(client_for, project, owner):
    for i in range(PAGE_SIZE + 5):
        code_create(project=project, name=f"Code {i}", actor=owner)
    client = client_for(owner)
    first = client.get(history_url(project)).context
    assert len(first["entries"]) == PAGE_SIZE and first["page"].has_next()
    assert len(client.get(history_url(project, page=2)).context["entries"]) == Activity.objects.filter(
        project=project).count() - PAGE_SIZE
    assert client.get(history_url(project, page="x")).status_code == 200  # a bad page number shows page 1


def test_the_history_escapes_what_users_typed(client_for, project, owner, coder, segment):
    payload = "<img src=x onerror=alert(1)>"
    comment_create(project=project, author=coder, text=payload, segment=segment)
    memo_create(project=project, author=coder, text=payload, title=payload)
    segment_update(segment=segment, version=segment.version, actor=coder, memo=payload)
    page = client_for(owner).get(history_url(project)).content.decode()
    assert payload not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_history_shows_nothing_of_another_project(client_for, project, owner, other_project_code, outsider):
    page = client_for(owner).get(history_url(project)).content.decode()
    assert "otto" not in page and "Another study" not in page


def test_the_history_is_404_for_a_member_of_another_project(client_for, project, outsider):
    assert client_for(outsider).get(history_url(project)).status_code == 404


@pytest.mark.parametrize("extra", [0, 60])
def test_the_history_page_runs_a_fixed_number_of_queries(client_for, project, owner, extra,
                                                         django_assert_max_num_queries):
    for i in range(extra):
        code_create(project=project, name=f"Code {i}", actor=owner)
    client = client_for(owner)
    with django_assert_max_num_queries(7):
        assert client.get(history_url(project)).status_code == 200


# --- the history of one segment or code --------------------------------------------------

def test_a_segment_shows_its_history_with_every_change(client_for, project, owner, coder, segment, threat,
                                                       russian_interest):
    segment = segment_update(segment=segment, version=segment.version, actor=coder,
                             codes=[threat, russian_interest], values={threat.pk: "absent", russian_interest.pk: "high"})
    segment_delete(segment=segment, actor=owner)
    response = client_for(owner).get(target_url(project, "segment", segment.pk))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.activity.verb for e in entries] == ["coded", "edited", "deleted"]
    assert Change("codes › Threat perception", "present", "absent") in entries[1].changes
    assert Change("codes › Russian interest", "", "high") in entries[1].changes
    page = response.content.decode()
    assert "Because Moscow wanted it to." in page and "In the trash since" in page


def test_a_deleted_segment_offers_a_restore_to_coders_only(client_for, project, owner, reviewer, segment):
    segment_delete(segment=segment, actor=owner)
    restore = reverse("segment_restore", args=[project.slug, segment.pk])
    assert restore in client_for(owner).get(target_url(project, "segment", segment.pk)).content.decode()
    assert restore not in client_for(reviewer).get(target_url(project, "segment", segment.pk)).content.decode()


def test_a_code_shows_its_history(client_for, project, owner, threat):
    colour = threat.colour
    code_update(code=threat, actor=owner, colour="#123456", description="Shared by the members")
    response = client_for(owner).get(target_url(project, "code", threat.pk))
    assert response.status_code == 200
    assert [e.activity.verb for e in response.context["entries"]] == ["created", "updated"]
    assert Change("colour", colour, "#123456") in response.context["entries"][1].changes


def test_the_history_of_another_projects_object_is_404(client_for, project, owner, other_project_code):
    assert client_for(owner).get(target_url(project, "code", other_project_code.pk)).status_code == 404


def test_the_history_of_an_unknown_kind_or_object_is_404(client_for, project, owner, segment):
    client = client_for(owner)
    assert client.get(target_url(project, "password", segment.pk)).status_code == 404
    assert client.get(target_url(project, "segment", segment.pk + 1000)).status_code == 404


def test_a_segments_history_is_404_for_a_member_of_another_project(client_for, project, outsider, segment):
    assert client_for(outsider).get(target_url(project, "segment", segment.pk)).status_code == 404


@pytest.mark.parametrize("edits", [1, 30])
def test_a_segments_history_runs_a_fixed_number_of_queries(client_for, project, coder, owner, segment, edits,
                                                           django_assert_max_num_queries):
    for i in range(edits):
        segment = segment_update(segment=segment, version=segment.version, actor=coder, memo=f"memo {i}")
    client = client_for(owner)
    with django_assert_max_num_queries(8):
        assert client.get(target_url(project, "segment", segment.pk)).status_code == 200
