"""The coding pages: the transcript workspace, retrieval of segments, and the trash."""
from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from apps.coding.models import Segment
from apps.coding.services import segment_create, segment_delete
from apps.transcripts.services import transcript_create
from tests.coding.bulk import bulk_segments
from tests.conftest import phrase_span

PAGE_QUERY_BOUND = 16


def coded(transcript, phrase, codes, coder, **kwargs) -> Segment:
    start, end = phrase_span(transcript, phrase)
    return segment_create(transcript=transcript, start=start, end=end, codes=codes, coder=coder, **kwargs)


def workspace_data(response) -> dict:
    match = re.search(r'<script id="workspace-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert match, "the page carries its data as JSON"
    return json.loads(match.group(1))


# --- the transcript page -----------------------------------------------------------------

def test_transcript_page_shows_turns_with_paragraph_numbers_and_speakers(client_for, coder, project, transcript):
    response = client_for(coder).get(reverse("transcript_detail", args=[project.slug, transcript.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="turn" id="p2">' in html
    assert "¶4" in html
    assert '<span class="speaker" contenteditable="false">E1</span>' in html
    # Each turn's words are one text node holding exactly the stored text of its range.
    turn = transcript.turns.get(number=2)
    assert (f'<span class="tt" data-start="{turn.start}" data-end="{turn.end}">'
            f'{transcript.text[turn.start:turn.end]}</span>') in html


def test_transcript_page_carries_segments_codes_and_cases_for_the_script(client_for, coder, project, transcript,
                                                                         threat, kazakhstan):
    coded(transcript, "Because Moscow wanted it to. The members feared", [], coder, cases=[kazakhstan],
          is_case_section=True)
    inside = coded(transcript, "Moscow wanted it to", [threat], coder, memo="note")
    data = workspace_data(client_for(coder).get(reverse("transcript_detail", args=[project.slug, transcript.pk])))
    assert data["can_code"] is True
    assert data["api"] == f"/api/projects/{project.slug}"
    assert data["transcript"] == {"id": transcript.pk, "title": transcript.title, "length": len(transcript.text)}
    assert [c["name"] for c in data["codes"]] == ["Threat perception"]
    assert data["codes"][0]["n_here"] == 1
    assert data["cases"] == [{"id": kazakhstan.pk, "name": "Kazakhstan 2022"}]
    segment = next(s for s in data["segments"] if s["id"] == inside.pk)
    assert segment["member_case_ids"] == [kazakhstan.pk] and segment["memo"] == "note"


def test_transcript_page_names_the_primary_coder_and_the_user(client_for, owner, coder, project, transcript):
    response = client_for(coder).get(reverse("transcript_detail", args=[project.slug, transcript.pk]))
    assert response.context["primary_coder_id"] == owner.pk  # the owner, until a setting names another
    data = workspace_data(response)
    assert data["primary_coder"] == {"id": owner.pk, "username": owner.username}
    assert data["user"] == {"id": coder.pk, "username": coder.username}


def test_transcript_page_lets_coders_select_with_the_keyboard_and_reviewers_only_read(client_for, coder, reviewer,
                                                                                      project, transcript):
    path = reverse("transcript_detail", args=[project.slug, transcript.pk])
    assert 'contenteditable="true"' in client_for(coder).get(path).content.decode()
    response = client_for(reviewer).get(path)
    assert response.status_code == 200
    assert 'contenteditable="true"' not in response.content.decode()
    assert workspace_data(response)["can_code"] is False


def test_transcript_page_escapes_markup_in_the_text_title_and_memos(client_for, owner, coder, project, expert, threat):
    text = "Interviewer: Hello?\n\nE1: He wrote <script>alert(1)</script> & left."
    transcript = transcript_create(project=project, title="<b>Title</b>", text=text, expert=expert, created_by=owner)
    coded(transcript, "<script>alert(1)</script>", [threat], coder, memo="</script><script>alert(2)</script>")
    html = client_for(coder).get(reverse("transcript_detail", args=[project.slug, transcript.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "He wrote &lt;script&gt;alert(1)&lt;/script&gt; &amp; left." in html
    assert "<b>Title</b>" not in html and "&lt;b&gt;Title&lt;/b&gt;" in html
    assert "alert(2)</script>" not in html  # json_script escapes < > & inside the data


def test_transcript_page_of_another_project_is_not_found(client_for, outsider, coder, project, other_project,
                                                         transcript):
    assert client_for(outsider).get(reverse("transcript_detail", args=[project.slug, transcript.pk])
                                    ).status_code == 404
    # Nor through the outsider's own project.
    assert client_for(outsider).get(reverse("transcript_detail", args=[other_project.slug, transcript.pk])
                                    ).status_code == 404


def test_transcript_page_needs_a_sign_in(client, project, transcript):
    response = client.get(reverse("transcript_detail", args=[project.slug, transcript.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("n", [10, 1000])
def test_transcript_page_runs_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat,
                                                        russian_interest, kazakhstan, armenia,
                                                        django_assert_max_num_queries):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat, russian_interest], n=n,
                  cases=[kazakhstan, armenia])
    client = client_for(coder)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = client.get(reverse("transcript_detail", args=[project.slug, transcript.pk]))
    assert len(workspace_data(response)["segments"]) == n


def test_transcript_page_reads_the_codings_of_its_own_transcript_only(client_for, coder, owner, project,
                                                                      transcript, threat):
    """Its cost must not grow with the rest of the project (#19): every query that reads
    codings or segments is bounded by this transcript; the codebook's project-wide counts
    come from the codes API after the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = transcript_create(project=project, title="E2", text="Moscow wanted it to. " * 50, created_by=owner)
    for i in range(5):
        segment_create(transcript=other, start=21 * i, end=21 * i + 19, codes=[threat], coder=coder)
    coded(transcript, "Moscow wanted it to", [threat], coder)
    client = client_for(coder)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("transcript_detail", args=[project.slug, transcript.pk]))
    reading = [q["sql"] for q in queries.captured_queries if '"coding_coding"' in q["sql"] or
               ('FROM "coding_segment"' in q["sql"] and "INSERT" not in q["sql"])]
    assert reading, "the page reads the transcript's segments and codings"
    # Bounded in the query's WHERE (not only in an aggregate's FILTER (WHERE ...) beside
    # project-wide counts): by the transcript, or by the ids of its own segments.
    own = {str(pk) for pk in Segment.objects.filter(transcript=transcript).values_list("pk", flat=True)}
    for sql in reading:
        where = re.sub(r"FILTER \(WHERE [^)]*\)", "", sql)
        listed = re.search(r'"(?:content_object_id|segment_id)" IN \(([^)]*)\)', where)
        assert (f'"transcript_id" = {transcript.pk}' in where
                or (listed and {i.strip() for i in listed.group(1).split(",")} == own)), sql
    assert {c["name"]: (c["n_here"], c["n_all"]) for c in workspace_data(response)["codes"]} == {
        "Threat perception": (1, None)}
    listed = client.get(f"/api/projects/{project.slug}/codes?transcript={transcript.pk}").json()
    assert [(c["n_here"], c["n_all"]) for c in listed] == [(1, 6)]


# --- retrieval ---------------------------------------------------------------------------

def test_segment_list_shows_citations_codes_cases_and_the_turn_around(client_for, reviewer, coder, project,
                                                                      transcript, threat, kazakhstan):
    coded(transcript, "Because Moscow wanted it to. The members feared the same crowds at home.", [], coder,
          cases=[kazakhstan], is_case_section=True)
    segment = coded(transcript, "The members feared", [threat], coder, values={threat.pk: "present"})
    response = client_for(reviewer).get(reverse("segment_list", args=[project.slug]), {"code": threat.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "E1, ¶2" in html
    assert f"?segment={segment.pk}#p2" in html
    assert "Threat perception: present" in html
    assert "Kazakhstan 2022" in html  # counts for the case through the case section
    assert "Because Moscow wanted it to. <mark>The members feared</mark> the same crowds at home." in html
    assert "1 segment" in html


def test_segment_list_combines_filters(client_for, owner, coder, project, transcript, threat, russian_interest,
                                       armenia):
    coded(transcript, "Moscow wanted it to", [threat], coder)
    baku = coded(transcript, "Baku had too many friends", [threat], owner, cases=[armenia])
    response = client_for(coder).get(reverse("segment_list", args=[project.slug]),
                                     {"code": [threat.pk, russian_interest.pk], "case": armenia.pk,
                                      "coder": owner.pk, "q": "friends"})
    assert [hit.segment.pk for hit in response.context["hits"]] == [baku.pk]
    assert "Words: “friends”" in response.content.decode()


def test_segment_list_of_one_transcript(client_for, owner, coder, project, expert, transcript, threat):
    other = transcript_create(project=project, title="Second", text="E1: Moscow again and again.", expert=expert,
                              created_by=owner)
    mine = coded(transcript, "Moscow wanted it to", [threat], coder)
    coded(other, "Moscow again", [threat], coder)
    response = client_for(coder).get(reverse("segment_list", args=[project.slug]), {"transcript": transcript.pk})
    assert [hit.segment.pk for hit in response.context["hits"]] == [mine.pk]
    assert "Transcripts: Interview E1" in response.content.decode()


def test_segment_list_refuses_a_code_of_another_project(client_for, coder, project, transcript, threat,
                                                        other_project_code):
    coded(transcript, "Moscow wanted it to", [threat], coder)
    response = client_for(coder).get(reverse("segment_list", args=[project.slug]), {"code": other_project_code.pk})
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert response.context["hits"] == []


def test_segment_list_pages_by_cursor_forward_and_back(client_for, coder, owner, project, transcript, expert, threat):
    """100 a page, read by keyset: Next and Previous links carry the filters and a cursor,
    every segment is on one page only, and Previous leads back to the same page."""
    other = transcript_create(project=project, title="A first interview", text="E1: Moscow again and again. " * 20,
                              expert=expert, created_by=owner)
    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=140)
    bulk_segments(transcript=other, coder=coder, codes=[threat], n=90)
    client = client_for(coder)
    segments_url = reverse("segment_list", args=[project.slug])

    def page(query):
        response = client.get(segments_url, query)
        html = response.content.decode()
        links = dict(re.findall(r'<a href="\?([^"]*)" rel="(prev|next)"', html))
        links = {rel: dict(pair.split("=", 1) for pair in href.replace("&amp;", "&").split("&"))
                 for href, rel in links.items()}
        return [h.segment_id for h in response.context["hits"]], links, html

    first, links, html = page({"code": threat.pk})
    assert len(first) == 100 and "prev" not in links and "230 segments" in html
    assert links["next"]["code"] == str(threat.pk)  # the filters survive the page links
    second, links, _ = page(links["next"])
    third, last_links, _ = page(links["next"])
    assert (len(second), len(third)) == (100, 30) and "next" not in last_links
    walked = first + second + third
    assert len(set(walked)) == 230
    expected = list(Segment.objects.filter(transcript__project=project).order_by(
        "transcript__title", "transcript_id", "start", "end", "id").values_list("id", flat=True))
    assert walked == expected
    back, back_links, _ = page(last_links["prev"])
    assert back == second
    assert page(back_links["prev"])[0] == first and "prev" not in page(back_links["prev"])[1]


@pytest.mark.parametrize("cursor", [{"after": "1.2"}, {"before": "x.1.2.3"}, {"after": "999999.0.1.1"}])
def test_segment_list_with_a_cursor_it_did_not_give_shows_the_first_page(cursor, client_for, coder, project,
                                                                          transcript, threat):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=5)
    response = client_for(coder).get(reverse("segment_list", args=[project.slug]), cursor)
    assert response.status_code == 200 and len(response.context["hits"]) == 5


def test_segment_list_escapes_quotes_and_memos(client_for, owner, coder, project, expert, threat):
    transcript = transcript_create(project=project, title="T", text="E1: a <img src=x onerror=alert(1)> b",
                                   expert=expert, created_by=owner)
    coded(transcript, "<img src=x onerror=alert(1)>", [threat], coder, memo="<i>memo</i>")
    html = client_for(coder).get(reverse("segment_list", args=[project.slug])).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<i>memo</i>" not in html


def test_segment_list_of_another_project_is_not_found(client_for, outsider, project):
    assert client_for(outsider).get(reverse("segment_list", args=[project.slug])).status_code == 404


@pytest.mark.parametrize("n", [10, 1000])
def test_segment_list_runs_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat,
                                                     russian_interest, kazakhstan, django_assert_max_num_queries):
    bulk_segments(transcript=transcript, coder=coder, codes=[threat, russian_interest], n=n, cases=[kazakhstan])
    client = client_for(coder)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND + 2):
        response = client.get(reverse("segment_list", args=[project.slug]),
                              {"code": threat.pk, "case": kazakhstan.pk, "q": "e"})
    assert response.status_code == 200
    assert response.context["hits"]


# --- trash -------------------------------------------------------------------------------

def test_trash_lists_deleted_segments_and_a_coder_restores_one(client_for, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    segment_delete(segment=segment, actor=coder)
    client = client_for(coder)
    html = client.get(reverse("segment_trash", args=[project.slug])).content.decode()
    assert "Moscow wanted it to" in html and "by cora" in html
    response = client.post(reverse("segment_restore", args=[project.slug, segment.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("segment_trash", args=[project.slug])
    assert "Segment restored" in response.content.decode()
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_restoring_twice_says_why_it_cannot(client_for, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    response = client_for(coder).post(reverse("segment_restore", args=[project.slug, segment.pk]), follow=True)
    assert "not in the trash" in response.content.decode()


def test_a_reviewer_sees_the_trash_but_cannot_restore(client_for, reviewer, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    segment_delete(segment=segment, actor=coder)
    client = client_for(reviewer)
    html = client.get(reverse("segment_trash", args=[project.slug])).content.decode()
    assert "Moscow wanted it to" in html and "Restore</button>" not in html
    assert client.post(reverse("segment_restore", args=[project.slug, segment.pk])).status_code == 403
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_the_trash_of_another_project_is_not_found(client_for, outsider, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    segment_delete(segment=segment, actor=coder)
    client = client_for(outsider)
    assert client.get(reverse("segment_trash", args=[project.slug])).status_code == 404
    assert client.post(reverse("segment_restore", args=[project.slug, segment.pk])).status_code == 404


def test_restore_needs_a_post(client_for, coder, project, transcript, threat):
    segment = coded(transcript, "Moscow wanted it to", [threat], coder)
    assert client_for(coder).get(reverse("segment_restore", args=[project.slug, segment.pk])).status_code == 405


@pytest.mark.parametrize("n", [10, 1000])
def test_trash_page_runs_a_fixed_number_of_queries(n, client_for, coder, project, transcript, threat,
                                                   django_assert_max_num_queries):
    segments = bulk_segments(transcript=transcript, coder=coder, codes=[threat], n=n)
    Segment.objects.filter(pk__in=[s.pk for s in segments]).update(deleted_at="2024-01-01T00:00:00Z",
                                                                   deleted_by=coder)
    client = client_for(coder)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = client.get(reverse("segment_trash", args=[project.slug]))
    assert len(response.context["hits"]) == min(n, 25)


def test_the_coders_filter_lists_who_may_code_or_has_coded_not_plain_reviewers(client_for, owner, coder, reviewer,
                                                                                 project, transcript, threat):
    from apps.coding.forms import SegmentFilterForm

    assert [u for _, u in SegmentFilterForm(project=project).fields["coder"].choices] == sorted(
        [owner.username, coder.username])
    coded(transcript, "The members feared", [threat], reviewer)  # coded before becoming a reviewer
    assert reviewer.username in [u for _, u in SegmentFilterForm(project=project).fields["coder"].choices]


def test_an_uncoded_case_section_is_listed_by_its_opening_not_as_a_block_of_highlight(client_for, coder, project,
                                                                                       transcript, kazakhstan):
    section = coded(transcript, "Because Moscow wanted it to. The members feared the same crowds at home.", [],
                    coder, cases=[kazakhstan], is_case_section=True)
    html = client_for(coder).get(reverse("segment_list", args=[project.slug])).content.decode()
    assert f"Case section of {section.words} words:</span> Because Moscow wanted it to." in html
    assert "<mark>Because Moscow" not in html
