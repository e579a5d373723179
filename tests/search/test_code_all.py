"""Coding every hit of a search: the preview's counts are what is stored, a hit coded
already is skipped, a hit in a segment of another code gets an overlapping segment, the
batch is one entry of the history and one undo that removes exactly the batch."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.coding.models import CaseMembership, Coding, Segment
from apps.coding.selectors import membership_drift
from apps.coding.services import segment_create
from apps.projects.models import Activity
from apps.projects.services import project_settings_update
from apps.search.models import CodingBatch
from apps.search.selectors import SearchParams, code_all_plan, search_hits
from apps.search.services import code_all, code_all_undo
from tests.conftest import phrase_span

KANT = SearchParams(q="Kant air base")


def quotes(segments) -> list[str]:
    return [s.quote for s in sorted(segments, key=lambda s: (s.transcript.title, s.start))]


def test_the_preview_counts_are_what_is_stored(project, study, coder, russian_interest, kazakhstan):
    plan = code_all_plan(project=project, params=KANT, code=russian_interest, extend="sentence", coder=coder)
    # 11 hits: E3 ¶1 (3), E3 ¶2 (4), E5 ¶2 (4). "Russia wanted the base kept" has the code already.
    assert plan.counts() == {"hits": 11, "new_segments": 4, "skipped": 1, "merged": 6, "overlaps": 0}
    segments_before, activities_before = Segment.objects.count(), Activity.objects.count()

    batch, stored = code_all(project=project, params=KANT, code=russian_interest, extend="sentence", coder=coder,
                             value="high", cases=[kazakhstan])

    assert stored.counts() == plan.counts()
    new = list(batch.segments.select_related("transcript"))
    assert len(new) == Segment.objects.count() - segments_before == plan.new_segments
    assert quotes(new) == [
        "Why did Russia keep the Kant air base after 2010?",
        "The air base at Kant mattered to Moscow.",
        "Russia had its air base at Kant, and no wish to police Osh.",
        "The base was enough.",
    ]
    assert set(Coding.objects.filter(content_object__in=new).values_list("tag_id", "value")) == \
        {(russian_interest.pk, "high")}
    assert all([c.pk for c in s.cases.all()] == [kazakhstan.pk] for s in new)
    assert all(s.coder_id == coder.pk for s in new)
    # one entry of the history for the whole batch
    assert Activity.objects.count() == activities_before + 1
    entry = Activity.objects.get(pk=batch.activity_id)
    assert entry.verb == "coded hits" and entry.target_id == russian_interest.pk
    assert entry.after["new_segments"] == 4 and entry.after["skipped"] == 1
    assert "4 passages coded with 'Russian interest'" in entry.summary
    # the stored case memberships were refreshed with the batch
    assert set(CaseMembership.objects.filter(segment__in=new).values_list("case_id", flat=True)) >= {kazakhstan.pk}
    assert membership_drift(project=project) == (0, 0)


def test_a_second_run_skips_every_hit_coded_by_the_first(project, study, coder, russian_interest):
    code_all(project=project, params=KANT, code=russian_interest, extend="hit", coder=coder)
    again = code_all_plan(project=project, params=KANT, code=russian_interest, extend="hit", coder=coder)
    assert again.counts() == {"hits": 11, "new_segments": 0, "skipped": 11, "merged": 0, "overlaps": 0}


def test_a_hit_in_a_segment_of_another_code_gets_a_new_overlapping_segment(project, study, coder, threat,
                                                                          russian_interest):
    e5 = study["e5"]
    start, end = phrase_span(e5, "Russia had its air base at Kant")
    other = segment_create(transcript=e5, start=start, end=end, coder=coder, codes=[threat])
    params = SearchParams(q='"air base"', transcripts=(e5.pk,))
    plan = code_all_plan(project=project, params=params, code=russian_interest, extend="word", coder=coder)
    assert plan.counts() == {"hits": 1, "new_segments": 1, "skipped": 0, "merged": 0, "overlaps": 1}
    batch, _ = code_all(project=project, params=params, code=russian_interest, extend="word", coder=coder)
    new = batch.segments.get()
    assert new.quote == "air base" and other.start < new.start < new.end < other.end
    assert Segment.objects.filter(pk=other.pk).exists()
    assert list(Segment.objects.get(pk=other.pk).codings.values_list("tag_id", flat=True)) == [threat.pk]


def test_a_hit_coded_already_is_skipped_and_nothing_else(project, study, coder, russian_interest):
    e3 = study["e3"]
    plan = code_all_plan(project=project, params=SearchParams(q="Russia", transcripts=(e3.pk,)), code=russian_interest,
                         extend="paragraph", coder=coder)
    # ¶1 once; ¶2 twice: its first Russia lies in the segment of Russian interest (skipped),
    # the second makes a segment of the paragraph.
    assert plan.counts() == {"hits": 3, "new_segments": 2, "skipped": 1, "merged": 0, "overlaps": 1}
    assert [e3.text[s:e] for _, s, e in plan.spans] == [
        "Why did Russia keep the Kant air base after 2010?",
        "The air base at Kant mattered to Moscow. Russia wanted the base kept, and Otunbaeva asked Russia for help "
        "in June."]


def test_under_independent_coding_only_the_coders_own_segments_count_as_coded(project, study, owner, coder,
                                                                              russian_interest):
    project_settings_update(project=project, actor=owner, independent_coding=True)
    project.refresh_from_db()
    params = SearchParams(q="Russia", transcripts=(study["e3"].pk,))
    mine = code_all_plan(project=project, params=params, code=russian_interest, extend="hit", coder=coder)
    theirs = code_all_plan(project=project, params=params, code=russian_interest, extend="hit", coder=owner)
    assert (mine.skipped, theirs.skipped) == (1, 0)


def test_only_the_chosen_hits_are_coded(project, study, coder, russian_interest):
    hits = search_hits(project=project, params=KANT).hits
    chosen = [hits[0].key, hits[-1].key]
    batch, plan = code_all(project=project, params=KANT, code=russian_interest, extend="hit", coder=coder,
                           selected=chosen)
    assert plan.hits == 2 and sorted(f"{s.transcript_id}:{s.start}:{s.end}" for s in batch.segments.all()) == \
        sorted(chosen)


def test_a_chosen_hit_that_is_no_hit_any_more_is_refused(project, study, coder, russian_interest):
    segments_before = Segment.objects.count()
    with pytest.raises(ValidationError, match="not hits of this search any more"):
        code_all(project=project, params=KANT, code=russian_interest, extend="hit", coder=coder,
                 selected=[f"{study['e3'].pk}:0:3"])
    with pytest.raises(ValidationError, match="Not a hit"):
        code_all(project=project, params=KANT, code=russian_interest, extend="hit", coder=coder, selected=["x"])
    assert Segment.objects.count() == segments_before


def test_a_value_off_the_scale_or_a_code_of_another_project_changes_nothing(project, study, coder, russian_interest,
                                                                          other_project_code):
    segments_before, activities_before = Segment.objects.count(), Activity.objects.count()
    with pytest.raises(ValidationError, match="not on the scale"):
        code_all(project=project, params=KANT, code=russian_interest, extend="hit", coder=coder, value="huge")
    with pytest.raises(ValidationError, match="codes from another project"):
        code_all(project=project, params=KANT, code=other_project_code, extend="hit", coder=coder)
    with pytest.raises(ValidationError, match="not one of"):
        code_all(project=project, params=KANT, code=russian_interest, extend="chapter", coder=coder)
    assert (Segment.objects.count(), Activity.objects.count()) == (segments_before, activities_before)


@pytest.mark.parametrize("extend, expected", [
    ("hit", ["Kant", "air", "base"]),
    ("word", ["Kant", "air", "base"]),
    ("sentence", ["Why did Russia keep the Kant air base after 2010?"]),
    ("paragraph", ["Why did Russia keep the Kant air base after 2010?"]),
])
def test_each_hit_extends_to_the_word_sentence_or_paragraph(project, study, coder, threat, extend, expected):
    plan = code_all_plan(project=project, params=SearchParams(q="Kant air base", speaker="interviewer"),
                         code=threat, extend=extend, coder=coder)
    text = study["e3"].text
    assert [text[s:e] for _, s, e in plan.spans] == expected


def test_a_regex_hit_extends_to_whole_words_and_a_speakers_turn_spans_their_paragraphs(project, study, coder,
                                                                                     threat):
    e3 = study["e3"]
    word = code_all_plan(project=project, params=SearchParams(q="/tunba/"), code=threat, extend="word", coder=coder)
    assert [e3.text[s:e] for _, s, e in word.spans] == ["Otunbaeva"]
    turn = code_all_plan(project=project, params=SearchParams(q="Nobody"), code=threat, extend="speaker", coder=coder)
    # ¶4 and ¶5 are both E3's: the speaker's turn runs from the start of ¶4 to the end of ¶5
    [(_, start, end)] = turn.spans
    assert e3.text[start:end].startswith("Токаев попросил помощи.") and e3.text[start:end].endswith("was plain.")


def test_undo_removes_exactly_the_batch_as_one_entry(project, study, coder, owner, russian_interest, threat):
    before = set(Segment.objects.values_list("pk", flat=True))
    batch, plan = code_all(project=project, params=KANT, code=russian_interest, extend="sentence", coder=coder)
    later = segment_create(transcript=study["e5"], start=0, end=5, coder=coder, codes=[threat])  # after the batch
    batch_ids = set(batch.segments.values_list("pk", flat=True))
    activities = Activity.objects.count()

    assert code_all_undo(project=project, activity=batch.activity, actor=coder) == plan.new_segments

    assert set(Segment.objects.values_list("pk", flat=True)) == before | {later.pk}
    assert set(Segment.all_objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)) == batch_ids
    assert Activity.objects.count() == activities + 1
    assert Activity.objects.latest("id").verb == "undid coding hits"
    assert CodingBatch.objects.get(pk=batch.pk).undone_at is not None
    assert membership_drift(project=project) == (0, 0)
    with pytest.raises(ValidationError, match="undone already"):
        code_all_undo(project=project, activity=batch.activity, actor=coder)


def test_undo_of_a_history_entry_that_is_no_batch_is_refused(project, study, coder):
    entry = Activity.objects.filter(project=project).latest("id")
    with pytest.raises(ValidationError, match="not a coding of search hits"):
        code_all_undo(project=project, activity=entry, actor=coder)


def test_under_independent_coding_another_coder_cannot_undo_the_batch(project, study, owner, coder, reviewer,
                                                                      russian_interest):
    from apps.projects.models import Role
    from apps.projects.services import membership_set

    project_settings_update(project=project, actor=owner, independent_coding=True)
    project.refresh_from_db()
    batch, _ = code_all(project=project, params=KANT, code=russian_interest, extend="hit", coder=owner)
    membership_set(project=project, user=reviewer, role=Role.CODER, actor=owner)
    with pytest.raises(PermissionDenied):
        code_all_undo(project=project, activity=batch.activity, actor=reviewer)
    assert not Segment.all_objects.filter(deleted_at__isnull=False).exists()
