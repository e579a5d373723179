"""The project home: kept for the project's state, so an unchanged project costs a few
queries, and every write shows at once."""
from __future__ import annotations

from django.urls import reverse

from apps.cases.services import case_create
from apps.coding.services import code_create, comment_create, segment_create
from apps.transcripts.services import transcript_create
from tests.conftest import phrase_span


def test_an_unchanged_project_home_reads_its_state_and_its_cases_only(client_for, owner, project, transcript,
                                                                         django_assert_max_num_queries):
    client = client_for(owner)
    home = reverse("project_home", args=[project.slug])
    assert client.get(home).status_code == 200
    # session, user, membership, the project's state, the cases (and their values)
    with django_assert_max_num_queries(7) as queries:
        assert client.get(home).status_code == 200
    # Nothing whose cost grows with the coding: no segment is read (#19).
    assert not [q["sql"] for q in queries.captured_queries if "coding_segment" in q["sql"]]


def test_every_write_shows_on_the_project_home_at_once(client_for, owner, project, transcript, expert):
    client = client_for(owner)
    home = reverse("project_home", args=[project.slug])
    client.get(home)
    code = code_create(project=project, name="Alliance credibility", actor=owner)
    transcript_create(project=project, title="Second interview", text="E1: A second text.", expert=expert,
                      created_by=owner)
    start, end = phrase_span(transcript, transcript.text.split()[1])
    segment_create(transcript=transcript, start=start, end=end, codes=[code], coder=owner)
    comment_create(project=project, author=owner, text="Check the second interview")
    case_create(project=project, name="Armenia 2022", actor=owner)
    page = client.get(home).content.decode()
    for shown in ("Alliance credibility", "Second interview", "1 coded segment", "1 open comment", "Armenia 2022"):
        assert shown in page
