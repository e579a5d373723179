"""Citations with the time in the recording: "E1, ¶2, 12:04", in the appendix where asked for."""
from __future__ import annotations

import csv
import io

import pytest

from apps.coding.citations import Excerpt, cited_excerpts
from apps.coding.services import segment_create
from apps.exports.appendix import render_appendix
from apps.exports.selectors import AppendixSelection, appendix_data
from apps.media.services import recording_attach
from apps.transcripts.services import transcript_create
from tests.conftest import phrase_span
from tests.media.conftest import silent_wav_upload

TIMED_TEXT = ("[00:12:00] Interviewer: Why did the alliance act?\n\n"
              "[00:12:04] E1: Because Moscow wanted it to, and the members feared the same crowds at home.\n\n"
              "[00:12:24] Interviewer: Thank you.")


@pytest.fixture
def timed(project, owner, expert, threat, coder):
    transcript = transcript_create(project=project, title="Timed E1", text=TIMED_TEXT, expert=expert,
                                   created_by=owner)
    start, end = phrase_span(transcript, "the members feared")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])
    return transcript, segment


def test_a_citation_gives_the_time_only_with_a_recording_and_when_asked(timed, owner):
    transcript, segment = timed
    assert cited_excerpts([Excerpt.of(segment)], times=True)[0].citation == "E1, ¶2"  # no recording yet
    recording_attach(transcript=transcript, upload=silent_wav_upload(), actor=owner)
    assert cited_excerpts([Excerpt.of(segment)])[0].citation == "E1, ¶2"  # not asked
    cited = cited_excerpts([Excerpt.of(segment)], times=True)[0]
    # ¶2 runs from 12:04 to 12:24; the passage starts about 40% into its characters.
    assert 724 + 0.3 * 20 < cited.time < 724 + 0.5 * 20
    assert cited.citation == f"E1, ¶2, {cited.clock}" and cited.clock.startswith("12:1")


def test_the_appendix_includes_each_excerpts_time_as_an_option(timed, owner):
    transcript, _ = timed
    recording_attach(transcript=transcript, upload=silent_wav_upload(), actor=owner)
    plain = appendix_data(project=transcript.project, selection=AppendixSelection())
    assert all(", 12:" not in e.citation for e in plain.excerpts)
    timed_appendix = appendix_data(project=transcript.project, selection=AppendixSelection(include_times=True))
    assert [e.citation[:12] for e in timed_appendix.excerpts] == ["E1, ¶2, 12:1"]
    rows = list(csv.DictReader(io.StringIO(render_appendix(timed_appendix, "csv").decode("utf-8-sig"))))
    assert rows[0]["time"].startswith("12:1") and rows[0]["citation"].endswith(rows[0]["time"])
    assert b"12:1" in render_appendix(timed_appendix, "md")


def test_the_exports_page_offers_the_times(client_for, coder, project):
    from django.urls import reverse

    response = client_for(coder).get(reverse("exports", args=[project.slug]))
    assert b'name="times"' in response.content
