"""The transcript page renders the text of an interview once per state of the transcript
and serves it from the cache afterwards (`transcript_body_key`: the text's checksum and
the turns). Coding does not change the rendered text (the page's script draws the
segments from the page's JSON), so the cached text survives every segment write; a new
text or a renamed speaker gives a new key and is shown at once.
"""
from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from apps.coding.selectors import transcript_body_key
from apps.coding.services import segment_create, transcript_update_text
from apps.transcripts.services import transcript_create, transcript_speakers_update
from tests.conftest import phrase_span


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def view(client, project, transcript):
    response = client.get(reverse("transcript_detail", args=[project.slug, transcript.pk]))
    assert response.status_code == 200
    return response.content.decode()


def cached_text(transcript) -> str | None:
    transcript.refresh_from_db()
    key = transcript_body_key(transcript=transcript, turns=list(transcript.turns.order_by("number")))
    return cache.get(make_template_fragment_key("transcript-body", [transcript.pk, key]))


def page_segments(html: str) -> list[dict]:
    data = re.search(r'<script id="workspace-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(data.group(1))["segments"]


def test_the_rendered_text_is_kept_in_the_cache_and_served_from_it(client_for, coder, project, transcript):
    client = client_for(coder)
    view(client, project, transcript)
    fragment = cached_text(transcript)
    assert fragment and "Because Moscow wanted it to." in fragment

    key = make_template_fragment_key("transcript-body", [transcript.pk, transcript_body_key(
        transcript=transcript, turns=list(transcript.turns.order_by("number")))])
    cache.set(key, fragment + "<!-- served from the cache -->")
    assert "<!-- served from the cache -->" in view(client, project, transcript)


def test_coding_keeps_the_cached_text_and_the_page_shows_the_new_segment(client_for, coder, project, transcript,
                                                                          threat):
    client = client_for(coder)
    view(client, project, transcript)
    before = cached_text(transcript)
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat])

    html = view(client, project, transcript)
    assert cached_text(transcript) == before
    assert [s["id"] for s in page_segments(html)] == [segment.pk]


def test_a_renamed_speaker_is_shown_at_once(client_for, owner, coder, project, transcript):
    client = client_for(coder)
    assert '<span class="speaker" contenteditable="false">E1</span>' in view(client, project, transcript)
    transcript_speakers_update(transcript=transcript, actor=owner, renames={"E1": "Expert one"})

    html = view(client, project, transcript)
    assert '<span class="speaker" contenteditable="false">Expert one</span>' in html
    assert '<span class="speaker" contenteditable="false">E1</span>' not in html


def test_an_edited_text_is_shown_at_once(client_for, owner, coder, project, transcript):
    client = client_for(coder)
    view(client, project, transcript)
    transcript.refresh_from_db()
    transcript_update_text(transcript=transcript, text=transcript.text.replace("Moscow", "the Kremlin"),
                           version=transcript.version, actor=owner)

    html = view(client, project, transcript)
    assert "Because the Kremlin wanted it to." in html
    assert "Because Moscow wanted it to." not in html


def test_text_from_the_cache_is_still_escaped(client_for, owner, coder, project):
    transcript = transcript_create(project=project, title="Hostile", created_by=owner,
                                   text="E1: <script>alert('x')</script> is what they wrote.")
    client = client_for(coder)
    view(client, project, transcript)
    html = view(client, project, transcript)  # the second view reads the text from the cache
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert(" not in html


def test_a_view_from_the_cache_runs_no_more_queries_than_the_first(client_for, coder, project, transcript):
    client = client_for(coder)
    with CaptureQueriesContext(connection) as first:
        view(client, project, transcript)
    with CaptureQueriesContext(connection) as second:
        view(client, project, transcript)
    assert len(second) <= len(first)  # fewer: the workspace is kept for the project's state too
