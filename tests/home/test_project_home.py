"""The project home: kept for the project's state, so an unchanged project costs a few
queries, a passage coded or trashed costs one more, and every write shows at once."""
from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from apps.cases.models import Attribute
from apps.cases.services import attribute_create, case_create, case_update, case_value_set
from apps.coding.models import Segment
from apps.home.selectors import _recounted_since, _segment_counts, _transcript_counts
from apps.projects.models import Activity
from apps.projects.state import project_state
from apps.coding.services import (code_create, code_delete, code_update, comment_create, comment_resolve,
                                  segment_create, segment_delete, segment_restore)
from apps.transcripts.services import expert_create, transcript_create, transcript_speakers_update
from tests.conftest import SAMPLE_TEXT, phrase_span, statement_text

# Tables the home reads only when a write other than a segment's changed them.
LISTING_TABLES = ("transcripts_transcript", "coding_code", "coding_comment", "cases_case")


def test_an_unchanged_project_home_reads_its_state_only(client_for, owner, project, transcript, kazakhstan,
                                                         django_assert_max_num_queries):
    client = client_for(owner)
    home = reverse("project_home", args=[project.slug])
    assert client.get(home).status_code == 200
    # session, user, membership, the project's state (with its recent activities)
    with django_assert_max_num_queries(4) as queries:
        page = client.get(home).content.decode()
    assert "Kazakhstan 2022" in page and "Interview E1" in page
    # Nothing whose cost grows with the coding: segments are counted in the state's query only (#19),
    # and only those of transcripts written since the last read: none here.
    assert [q["sql"] for q in queries.captured_queries if "coding_segment" in statement_text(q["sql"])] == [
        q["sql"] for q in queries.captured_queries if "projects_activity" in statement_text(q["sql"])]
    latest = Activity.objects.filter(project=project).latest("id").pk
    assert project_state(project, kinds={}, along={"counts": _recounted_since(project.pk, latest)}).along == {
        "counts": ""}


def test_a_home_read_after_a_passage_is_coded_or_trashed_counts_again_and_keeps_the_rest(
        client_for, owner, project, transcript, threat, kazakhstan, django_assert_max_num_queries):
    client = client_for(owner)
    home = reverse("project_home", args=[project.slug])
    client.get(home)
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    # session, user, membership, the project's state with the numbers of the coded transcript
    with django_assert_max_num_queries(4) as queries:
        page = client.get(home).content.decode()
    assert "1 coded segment" in page and "coded segment: Threat perception: Because Moscow" in page
    assert '<td class="num">1</td>' in page and 'Threat perception <span class="count">1</span>' in page
    assert not [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in LISTING_TABLES)]

    segment_delete(segment=segment, actor=owner)
    with django_assert_max_num_queries(4):
        page = client.get(home).content.decode()
    assert "0 coded segments" in page and "deleted segment: Because Moscow" in page
    assert 'Threat perception <span class="count">0</span>' in page
    assert "Kazakhstan 2022" in page and "Interview E1" in page

    segment_restore(segment=segment, actor=owner)
    assert "1 coded segment" in client.get(home).content.decode()


def test_coding_in_one_transcript_counts_that_transcripts_segments_again_and_keeps_the_others(
        client_for, owner, project, transcript, threat, expert):
    """Each transcript's numbers are kept under the writes of its own segments and the
    writes that are not a segment's: a home read after coding in one interview counts that
    interview again, whatever the size of the others (#19)."""
    client = client_for(owner)
    home = reverse("project_home", args=[project.slug])
    second = transcript_create(project=project, title="Second interview", text=SAMPLE_TEXT, expert=expert,
                               allow_duplicate=True,
                               created_by=owner)
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    first_segment = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    assert 'Threat perception <span class="count">1</span>' in client.get(home).content.decode()
    # Changed behind the services' back (no Activity): only a recount of the first interview would show it.
    Segment.objects.filter(pk=first_segment.pk).update(deleted_at=timezone.now())

    segment_create(transcript=second, start=start, end=end, codes=[threat], coder=owner)
    page = client.get(home).content.decode()
    assert "2 coded segments" in page and 'Threat perception <span class="count">2</span>' in page  # kept

    code_create(project=project, name="Alliance credibility", actor=owner)  # not a segment's write: all anew
    page = client.get(home).content.decode()
    assert "1 coded segment" in page and 'Threat perception <span class="count">1</span>' in page


def test_the_numbers_read_with_the_state_are_those_of_the_transcript_written_last(
        client_for, owner, project, transcript, threat, russian_interest, expert):
    """The transcript of the latest segment's write since the last read is counted in the
    state's query; one written before it, by a query of its own: the home shows both."""
    client = client_for(owner)
    home = reverse("project_home", args=[project.slug])
    second = transcript_create(project=project, title="Second interview", text=SAMPLE_TEXT, expert=expert,
                               allow_duplicate=True, created_by=owner)
    client.get(home)
    seen = Activity.objects.filter(project=project).latest("id").pk
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    segment_create(transcript=second, start=start, end=end, codes=[threat, russian_interest], coder=owner)
    start, end = phrase_span(second, "The members feared the same crowds at home.")
    trashed = segment_create(transcript=second, start=start, end=end, codes=[threat], coder=owner)
    segment_delete(segment=trashed, actor=owner)

    text = project_state(project, kinds={}, along={"counts": _recounted_since(project.pk, seen)}).along["counts"]
    recounted = _transcript_counts(text)
    assert recounted == _segment_counts(project.pk, [second.pk])
    assert recounted[second.pk].segments == 1
    assert recounted[second.pk].codes == {threat.pk: 1, russian_interest.pk: 1}
    page = client.get(home).content.decode()
    assert "2 coded segments" in page and 'Threat perception <span class="count">2</span>' in page
    assert 'Russian interest <span class="count">1</span>' in page


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


def test_each_write_that_is_not_a_segments_shows_on_the_next_read(client_for, owner, project, transcript, threat):
    """One write at a time, each read right after it: the codebook, the transcripts, the
    comments and the cases are kept while only segments are coded, never past a write of
    their own."""
    client = client_for(owner)
    home = reverse("project_home", args=[project.slug])
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")

    def shown(*texts, hidden=()):  # above the recent activity, which names every write
        page = client.get(home).content.decode().split('aria-labelledby="h-activity"')[0]
        for text in texts:
            assert text in page, text
        for text in hidden:
            assert text not in page, text

    shown("Threat perception")
    segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    shown('Threat perception <span class="count">1</span>')
    code = code_create(project=project, name="Alliance credibility", actor=owner)
    shown("Alliance credibility")
    code_update(code=code, actor=owner, name="Credibility of the alliance", colour="#aa3300")
    shown("Credibility of the alliance", "--swatch: #aa3300", hidden=["Alliance credibility"])
    code_delete(code=code, actor=owner)
    shown(hidden=["Credibility of the alliance"])
    second = transcript_create(project=project, title="Second interview", text="E2: A second text.",
                               created_by=owner)
    shown("Second interview", "2 transcripts")
    expert_create(project=project, pseudonym="E7", actor=owner)
    transcript_speakers_update(transcript=second, actor=owner, expert="E7")
    shown("<td>E7</td>")
    comment = comment_create(project=project, author=owner, text="Check the second interview")
    shown("1 open comment")
    comment_resolve(comment=comment, actor=owner)
    shown(hidden=["open comment"])
    case = case_create(project=project, name="Armenia 2022", actor=owner)
    shown("Armenia 2022", "1 case")
    case_update(case=case, actor=owner, name="Armenia, September 2022")
    shown("Armenia, September 2022")
    region = attribute_create(project=project, name="Region", applies_to=Attribute.AppliesTo.CASE, actor=owner)
    case_value_set(case=case, attribute=region, value="South Caucasus", actor=owner)
    shown("<dt>Region</dt><dd>South Caucasus</dd>")
    case_value_set(case=case, attribute=region, value="Caucasus", actor=owner)
    shown("<dt>Region</dt><dd>Caucasus</dd>")


def test_the_lists_are_rendered_once_for_what_they_show(client_for, owner, project, transcript, threat):
    """A write that leaves the lists as they were (a passage coded, then deleted again) reads
    the counts anew and finds the same lists rendered; a change renders them again."""
    client = client_for(owner)
    home = reverse("project_home", args=[project.slug])

    def rendered_lists() -> bool:  # the method tour is included inside the rendered lists
        return "comparison/_method_tour.html" in [t.name for t in client.get(home).templates]

    assert rendered_lists()
    assert not rendered_lists()
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    segment = segment_create(transcript=transcript, start=start, end=end, codes=[threat], coder=owner)
    assert rendered_lists()
    segment_delete(segment=segment, actor=owner)
    page = client.get(home)
    assert "comparison/_method_tour.html" not in [t.name for t in page.templates]
    assert "0 coded segments" in page.content.decode() and "deleted segment: Because Moscow" in page.content.decode()
