"""The admin: every model is registered, every page opens on real data (the demo study),
and lists run the same number of queries for one row as for a full page."""
import os

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from apps.coding.models import CaseMembership, Segment
from apps.coding.services import code_create, segment_create, segment_delete
from apps.exports.models import ExportFile, PendingQdpxImport
from apps.media.models import Recording
from apps.projects.models import Activity, LoginThrottle, Session
from apps.projects.services import project_create
from apps.search.models import CodingBatch, Passage
from apps.transcripts.models import Transcript
from apps.transcripts.services import transcript_create
from tests.conftest import SAMPLE_TEXT

OUR_APPS = [config.label for config in apps.get_app_configs() if config.name.startswith("apps.")]  # every one of ours
# records of what happened, rows the case-membership rule derives, and uploads waiting for their
# user's choice, files of export jobs, recordings (checked on their page), the search index and the batches that coded search hits: nobody
# adds them by hand
READ_ONLY = {Activity, LoginThrottle, Session, CaseMembership, PendingQdpxImport, ExportFile, Passage, CodingBatch, Recording}


def our_models():
    return [m for label in OUR_APPS for m in apps.get_app_config(label).get_models()]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def seed_demo():
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)


@pytest.fixture
def pilot(admin_user):
    """A small project with one coded segment, built through the services."""
    project = project_create(name="Pilot", owner=admin_user)
    transcript = transcript_create(project=project, title="Pilot", text=SAMPLE_TEXT, created_by=admin_user)
    code = code_create(project=project, name="Threat", actor=admin_user)
    return segment_create(transcript=transcript, start=0, end=5, coder=admin_user, codes=[code])


def test_every_model_is_registered():
    missing = [m._meta.label for m in our_models() if not admin.site.is_registered(m)]
    assert missing == []


def test_every_admin_list_and_page_opens_on_the_demo(admin_client):
    seed_demo()
    failures = []
    for model in our_models():
        pages = [(admin_url(model, "changelist"), {}, 200), (admin_url(model, "changelist"), {"q": "Kazakhstan"}, 200),
                 (admin_url(model, "add"), {}, 403 if model in READ_ONLY else 200)]
        obj = model._base_manager.order_by("pk").first()
        if obj is not None:
            pages.append((admin_url(model, "change", obj.pk), {}, 200))
        for url, query, expected in pages:
            status = admin_client.get(url, query).status_code
            if status != expected:
                failures.append(f"{url}?{query}: {status}, expected {expected}")
    assert failures == []


def test_the_segment_list_shows_the_trash_and_filters_it(admin_client, pilot, admin_user):
    segment_delete(segment=pilot, actor=admin_user)

    everything = admin_client.get(admin_url(Segment, "changelist")).context["cl"]
    assert list(everything.result_list) == [Segment.all_objects.get(pk=pilot.pk)]
    assert admin_client.get(admin_url(Segment, "changelist"), {"trash": "no"}).context["cl"].result_count == 0
    trash = admin_client.get(admin_url(Segment, "changelist"), {"trash": "yes"}).context["cl"]
    assert list(trash.result_list) == [Segment.all_objects.get(pk=pilot.pk)]


def test_the_stored_text_and_offsets_are_read_only(admin_client, pilot):
    form = admin_client.get(admin_url(Segment, "change", pilot.pk)).context["adminform"].form
    assert not {"start", "end", "quote", "version", "codes", "transcript"} & set(form.fields)
    form = admin_client.get(admin_url(Transcript, "change", pilot.transcript_id)).context["adminform"].form
    assert not {"text", "checksum"} & set(form.fields)


def test_the_activity_record_is_read_only(admin_client, pilot):
    response = admin_client.post(admin_url(Activity, "change", Activity.objects.first().pk), {"summary": "rewritten"})
    assert response.status_code == 403


LISTS = ["coding.segment", "coding.coding", "coding.code", "transcripts.turn", "transcripts.transcript",
         "projects.activity", "projects.membership", "cases.casevalue", "cases.expertvalue"]


def test_admin_lists_run_the_same_number_of_queries_for_one_row_and_a_full_page(
        admin_client, pilot, django_assert_max_num_queries):
    small = {}
    for label in LISTS:
        url = admin_url(apps.get_model(label), "changelist")
        admin_client.get(url)  # warm the session and the content types
        with django_assert_max_num_queries(12) as queries:
            admin_client.get(url)
        small[label] = len(queries.captured_queries)

    seed_demo()
    for label in LISTS:
        with django_assert_max_num_queries(small[label]):
            response = admin_client.get(admin_url(apps.get_model(label), "changelist"))
        assert response.context["cl"].result_count > 1, label
