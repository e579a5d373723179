"""The in-app help: the Help page renders docs/guide.md for signed-in users, with raw HTML
shown as text; its screenshots are served from docs/screenshots/; the project home shows
"the method at work in two minutes" once a comparison cell is judged with evidence."""
from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.comparison.services import factor_add, judgment_set, outcome_choose
from apps.coding.services import segment_create, segment_delete, segment_restore, segment_update
from apps.home.help import GUIDE, SCREENSHOTS, render_guide
from apps.transcripts.services import transcript_create
from tests.conftest import SAMPLE_TEXT, phrase_span

pytestmark = pytest.mark.django_db

GUIDE_SECTIONS = ["Set up a project", "Import transcripts", "Build a codebook", "Code", "Mark case sections",
                  "Review", "Compare cases", "Export the appendix", "Move a project to or from another QDA tool"]


def test_help_page_renders_the_guide_for_a_signed_in_user(client_for, coder, django_assert_max_num_queries):
    client = client_for(coder)
    with django_assert_max_num_queries(3):
        response = client.get(reverse("help"))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<title>Help: Casecoder guide · Casecoder</title>", html)
    assert html.count("<h1") == 1 and '<h1 id="casecoder-guide">Casecoder guide</h1>' in html
    contents = html.split('aria-labelledby="h-help-toc"', 1)[1].split("</nav>", 1)[0]
    for section in GUIDE_SECTIONS:
        assert f">{section}</a>" in contents, section
    assert '<nav class="breadcrumbs" aria-label="Breadcrumbs">' in html
    assert 'src="/help/screenshots/' in html and 'src="screenshots/' not in html


def test_help_page_escapes_raw_html_and_drops_script_links():
    guide = render_guide("# Guide\n\n## Safe\n\nA <script>alert(1)</script> and <b>bold</b>.\n\n"
                         "<div onclick=\"steal()\">block</div>\n\n[click](javascript:alert(2)) [ok](/help/)\n")
    assert "<script>" not in guide.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in guide.html
    assert "&lt;b&gt;bold&lt;/b&gt;" in guide.html
    assert "<div" not in guide.html and "&lt;div onclick=" in guide.html
    assert "javascript:" not in guide.html and '<a href="/help/">ok</a>' in guide.html
    assert guide.title == "Guide" and [s["name"] for s in guide.toc] == ["Safe"]


def test_guide_has_no_raw_html_and_every_screenshot_it_shows_exists():
    text = GUIDE.read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```|`[^`\n]*`|<https?://[^>\s]+>", "", text, flags=re.S)  # code and autolinks
    assert re.findall(r"<[a-zA-Z/][^>]*>", prose) == [], "the guide is plain Markdown, without raw HTML"
    shown = set(re.findall(r"\]\(screenshots/([a-z0-9-]+\.png)\)", text))
    assert shown, "the guide is illustrated"
    assert sorted(name for name in shown if not (SCREENSHOTS / name).is_file()) == []


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (reverse("help"), reverse("help_screenshot", args=["project-home.png"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


def test_screenshot_is_served_to_a_signed_in_user(client_for, reviewer):
    name = sorted(p.name for p in SCREENSHOTS.glob("*.png"))[0]
    response = client_for(reviewer).get(reverse("help_screenshot", args=[name]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["missing.png", "..%2Fguide.md", "guide.md", ".hidden.png", "UPPER.PNG"])
def test_unknown_screenshot_names_are_not_found(client_for, coder, name):
    response = client_for(coder).get(f"/help/screenshots/{name}")
    assert response.status_code == 404


def test_help_page_accepts_only_get(client_for, coder):
    assert client_for(coder).post(reverse("help")).status_code == 405


# --- the method at work in two minutes (project home) ------------------------------------

def _judged(project, owner, transcript, russian_interest, kazakhstan, armenia, outcome):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    kaz = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[russian_interest],
                         values={russian_interest.pk: "high"}, cases=[kazakhstan])
    outcome_choose(project=project, attribute=outcome, actor=owner)
    factor = factor_add(project=project, actor=owner, code=russian_interest, label="RUSINT")
    judgment_set(factor=factor, case=armenia, judge=owner, value="low")  # no evidence: not the tour's cell
    judgment_set(factor=factor, case=kazakhstan, judge=owner, value="high", evidence=[kaz])
    return factor, kaz


def test_project_home_walks_from_an_excerpt_to_the_appendix(client_for, reviewer, owner, project, transcript,
                                                             russian_interest, kazakhstan, armenia, outcome):
    factor, segment = _judged(project, owner, transcript, russian_interest, kazakhstan, armenia, outcome)
    html = client_for(reviewer).get(reverse("project_home", args=[project.slug])).content.decode()
    tour = html.split("data-method-tour", 1)[1].split("</section>", 1)[0]
    slug = project.slug
    expected = [
        f'/projects/{slug}/transcripts/{transcript.pk}/?segment={segment.pk}',
        f'/projects/{slug}/analysis/matrix/?root={russian_interest.pk}',
        f'/projects/{slug}/comparison/judgments/{factor.pk}/{kazakhstan.pk}/?judge={owner.username}',
        f'/projects/{slug}/comparison/mssd/?judge={owner.username}',
        f'/projects/{slug}/exports/appendix/?format=docx',
    ]
    links = re.findall(r'<a href="([^"]+)">', tour)
    assert len(links) == 5
    for link, start in zip(links, expected):
        assert link.replace("&amp;", "&").startswith(start), (link, start)
    assert f"codes={russian_interest.pk}" in links[4] and f"cases={kazakhstan.pk}" in links[4]
    assert "E1, ¶2" in tour and "Russian interest in Kazakhstan 2022" in tour
    for link in links:  # every step opens for a reviewer
        assert client_for(reviewer).get(link.replace("&amp;", "&")).status_code == 200, link


def test_project_home_has_no_tour_before_a_judgment_cites_evidence(client_for, owner, project, transcript,
                                                                     russian_interest, kazakhstan, outcome):
    url = reverse("project_home", args=[project.slug])
    assert "data-method-tour" not in client_for(owner).get(url).content.decode()
    factor = factor_add(project=project, actor=owner, code=russian_interest)
    judgment_set(factor=factor, case=kazakhstan, judge=owner, value="high")
    assert "data-method-tour" not in client_for(owner).get(url).content.decode()


def test_tour_forgets_evidence_in_the_trash(client_for, owner, project, transcript, russian_interest, kazakhstan,
                                            armenia, outcome):
    _factor, segment = _judged(project, owner, transcript, russian_interest, kazakhstan, armenia, outcome)
    segment_delete(segment=segment, actor=owner)
    html = client_for(owner).get(reverse("project_home", args=[project.slug])).content.decode()
    assert "data-method-tour" not in html


def test_tour_follows_its_evidence_into_the_trash_and_back(client_for, owner, project, transcript, russian_interest,
                                                           kazakhstan, armenia, outcome):
    _factor, segment = _judged(project, owner, transcript, russian_interest, kazakhstan, armenia, outcome)
    client, url = client_for(owner), reverse("project_home", args=[project.slug])
    assert "data-method-tour" in client.get(url).content.decode()
    segment_delete(segment=segment, actor=owner)
    assert "data-method-tour" not in client.get(url).content.decode()
    segment_restore(segment=segment, actor=owner)
    assert "data-method-tour" in client.get(url).content.decode()


def test_tour_shows_an_edit_of_its_evidence(client_for, owner, project, transcript, russian_interest, kazakhstan,
                                            armenia, outcome):
    _factor, segment = _judged(project, owner, transcript, russian_interest, kazakhstan, armenia, outcome)
    client, url = client_for(owner), reverse("project_home", args=[project.slug])
    assert "<q>Because Moscow wanted it to.</q>" in client.get(url).content.decode()
    start, end = phrase_span(transcript, "Because Moscow wanted it")
    segment_update(segment=segment, version=segment.version, actor=owner, start=start, end=end)
    assert "<q>Because Moscow wanted it</q>" in client.get(url).content.decode()


def test_coding_a_passage_no_judgment_cites_keeps_the_tour(client_for, owner, project, transcript, russian_interest,
                                                          threat, kazakhstan, armenia, outcome,
                                                          django_assert_max_num_queries):
    _judged(project, owner, transcript, russian_interest, kazakhstan, armenia, outcome)
    client, url = client_for(owner), reverse("project_home", args=[project.slug])
    client.get(url)
    start, end = phrase_span(transcript, "Nobody wanted to fight Azerbaijan.")
    other = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])
    segment_delete(segment=other, actor=owner)
    # session, user, membership, the project's state, the numbers of segments: not the tour
    with django_assert_max_num_queries(5):
        assert "data-method-tour" in client.get(url).content.decode()


def test_tour_quotes_are_escaped(client_for, owner, project, russian_interest, kazakhstan, armenia, outcome):
    transcript = transcript_create(project=project, title="Hostile", created_by=owner,
                                   text=SAMPLE_TEXT.replace("Because Moscow", "<script>x()</script> Because Moscow"))
    start, _ = phrase_span(transcript, "<script>")
    segment = segment_create(transcript=transcript, start=start, end=start + 30, coder=owner,
                             codes=[russian_interest], values={russian_interest.pk: "high"}, cases=[kazakhstan])
    factor = factor_add(project=project, actor=owner, code=russian_interest)
    judgment_set(factor=factor, case=kazakhstan, judge=owner, value="high", evidence=[segment])
    html = client_for(owner).get(reverse("project_home", args=[project.slug])).content.decode()
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html


def test_project_home_runs_as_many_queries_with_a_tour_for_one_or_many_judgments(
        client_for, owner, project, transcript, russian_interest, threat, kazakhstan, armenia, outcome,
        django_assert_max_num_queries):
    factor, kaz = _judged(project, owner, transcript, russian_interest, kazakhstan, armenia, outcome)
    client = client_for(owner)
    url = reverse("project_home", args=[project.slug])
    client.get(url)
    cache.clear()  # both counts are of a first view after a change: the tour is worked out
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    start, end = phrase_span(transcript, "Nobody wanted to fight Azerbaijan.")
    arm = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat, russian_interest],
                         values={threat.pk: "absent", russian_interest.pk: "low"}, cases=[armenia])
    start, end = phrase_span(transcript, "The members feared the same crowds at home.")
    kaz2 = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat],
                          values={threat.pk: "present"}, cases=[kazakhstan])
    more = factor_add(project=project, actor=owner, code=threat)
    judgment_set(factor=more, case=kazakhstan, judge=owner, value="present", evidence=[kaz2])
    judgment_set(factor=more, case=armenia, judge=owner, value="absent", evidence=[arm])
    judgment_set(factor=factor, case=armenia, judge=owner, value="low", evidence=[arm], version=1)
    judgment_set(factor=factor, case=kazakhstan, judge=owner, value="high", evidence=[kaz, kaz2], version=1)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "data-method-tour" in client.get(url).content.decode()
