"""The Search page: for members only, the hits in context with their citation and link,
the parser's message for a bad query, saved searches with what is new, the batch just
coded with its undo, and a bounded number of queries."""
from __future__ import annotations

import pytest
from django.urls import reverse

from apps.search.selectors import SearchParams
from apps.search.services import code_all, saved_search_create
from apps.transcripts.services import transcript_create
from tests.search.conftest import E5_TEXT


def page(slug="csto-requests"):
    return reverse("search", args=[slug])


def test_the_page_is_in_the_project_nav_and_asks_for_a_query(client_for, reviewer, study):
    response = client_for(reviewer).get(page())
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{page()}" aria-current="page">Search</a>' in html
    assert "Type what to look for" in html
    assert "Code the hits" not in html


def test_hits_in_context_with_citation_speaker_codes_and_a_link_to_the_transcript(client_for, coder, study):
    response = client_for(coder).get(page(), {"q": "base", "speaker": "expert"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "5 hits in 2 transcripts" in html
    assert html.count('class="hit kwic-row') == 5
    assert "E3, ¶2</a>" in html and "E5, ¶2</a>" in html
    assert 'The air <mark>base</mark> at Kant mattered to Moscow.' in html
    assert 'Russian interest</li>' in html  # the code already on "Russia wanted the base kept"
    e3 = study["e3"]
    start = e3.text.index("base", e3.text.index("The air base"))
    assert f'/transcripts/{e3.pk}/?hits=q%3Dbase%26speaker%3Dexpert&amp;at={start}#p2"' in html
    assert "Code the hits" in html and 'data-hit-box value="' in html


def test_a_bad_query_is_a_400_with_the_parsers_message_and_no_hits(client_for, reviewer, study):
    response = client_for(reviewer).get(page(), {"q": "/Otunba[ey/"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The regular expression is not valid: unterminated character set" in html
    assert "kwic-row" not in html


def test_a_text_in_a_transcript_is_escaped(client_for, reviewer, project, owner):
    transcript_create(project=project, title="Script", text="E1: <script>alert(1)</script> Kant", created_by=owner)
    html = client_for(reviewer).get(page(), {"q": "Kant"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Kant</mark>" in html and "<script>alert" not in html


def test_members_of_other_projects_get_404_and_anonymous_users_sign_in(client, client_for, outsider, study):
    assert client_for(outsider).get(page(), {"q": "Kant"}).status_code == 404
    client.logout()
    response = client.get(page(), {"q": "Kant"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(outsider).post(page()).status_code in (404, 405)


def test_a_saved_search_shows_what_is_new_since_its_last_run(client_for, coder, owner, project, study):
    saved = saved_search_create(project=project, name="Osh", params=SearchParams(q="Osh"), actor=owner)
    transcript_create(project=project, title="Interview E9", text="Q: Where?\n\nE9: In Osh, at night.",
                      created_by=owner)
    response = client_for(coder).get(page(), {"saved": saved.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Osh"' in html  # the saved query fills the form
    assert "3 hits in 2 transcripts" in html
    assert "1 new hit</strong>, 0 gone since" in html
    assert html.count("is-new") == 1 and '<span class="badge ok">new</span>' in html
    assert "Remember this run" in html
    assert client_for(coder).get(page(), {"saved": 999999}).status_code == 404


def test_the_batch_just_coded_is_shown_with_its_undo(client_for, coder, project, study, russian_interest):
    batch, _ = code_all(project=project, params=SearchParams(q="Kant"), code=russian_interest, extend="hit",
                        coder=coder)
    html = client_for(coder).get(page(), {"q": "Kant", "batch": batch.activity_id}).content.decode()
    assert f'data-batch="{batch.activity_id}"' in html and "Undo this coding" in html
    assert "3 passages coded with &#x27;Russian interest&#x27;" in html


@pytest.mark.parametrize("n_transcripts", [2, 25])
def test_the_page_runs_a_bounded_number_of_queries(client_for, coder, owner, project, study, n_transcripts,
                                                   django_assert_max_num_queries):
    for i in range(n_transcripts - 2):
        transcript_create(project=project, title=f"More {i}", text=E5_TEXT + f" Kant {i}.", created_by=owner,
                          allow_duplicate=True)
    saved_search_create(project=project, name="Kant", params=SearchParams(q="Kant"), actor=owner)
    client = client_for(coder)
    # session, user, membership; the form's codes, cases, experts, transcripts; saved
    # searches; the passages, coded segments, the page's passages and codes
    with django_assert_max_num_queries(13):
        response = client.get(page(), {"q": "Kant OR base", "coded": "uncoded"})
    assert response.status_code == 200


def test_the_filters_chosen_stay_ticked(client_for, reviewer, study, kazakhstan):
    e5 = study["e5"]
    html = client_for(reviewer).get(page(), {"q": "Kant", "transcript": e5.pk, "case": kazakhstan.pk,
                                             "speaker": "expert"}).content.decode()
    assert f'name="transcript" value="{e5.pk}" checked>' in html
    assert f'name="case" value="{kazakhstan.pk}" checked>' in html
    assert f'name="transcript" value="{study["e3"].pk}">' in html
    assert "1 hit in 1 transcript" in html
