"""Re-anchoring coded passages after a text edit: apps.coding.reanchoring, on the diff of
apps.transcripts.diff (no Django).

A passage is moved with its words, flagged when its words changed, and kept (flagged, at
the place of the deletion) when all its words were deleted; it is never dropped and never
moved onto other words.
"""
from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from apps.coding.reanchoring import CHANGED, DELETED, MOVED, UNCHANGED, Anchor, change_description, reanchor
from apps.transcripts.diff import TextDiff, diff_blocks

TEXT = (
    "Interviewer: Why did the alliance act in Kazakhstan?\n\n"
    "E1: Because Moscow wanted it to. The members feared the same crowds at home.\n\n"
    "Interviewer: And in Armenia?\n\n"
    "E1: Nobody wanted to fight Azerbaijan. Baku had too many friends in the room."
)


def span(text: str, phrase: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(phrase, start + 1)
    return start, start + len(phrase)


def one(old: str, new: str, phrase: str, occurrence: int = 1):
    start, end = span(old, phrase, occurrence)
    result = reanchor(old, new, [Anchor("s", start, end)])[0]
    assert 0 <= result.start < result.end <= len(new), "a passage always keeps a valid, non-empty range"
    assert result.quote == new[result.start : result.end]
    return result


# --- moved with its words ------------------------------------------------------------------


def test_an_edit_elsewhere_leaves_a_passage_unchanged():
    new = TEXT.replace("Baku had too many friends", "Baku had many friends")
    result = one(TEXT, new, "Moscow wanted it to")
    assert (result.status, result.reason) == (UNCHANGED, "")
    assert (result.start, result.end) == span(TEXT, "Moscow wanted it to")


def test_an_insertion_before_a_passage_moves_it_with_its_words():
    new = TEXT.replace("Why did", "Tell me: why did")
    result = one(TEXT, new, "feared the same crowds")
    assert result.status == MOVED and not result.flagged
    assert (result.start, result.end) == span(new, "feared the same crowds")


def test_a_deletion_before_a_passage_moves_it_with_its_words():
    new = TEXT.replace(" Why did the alliance act in Kazakhstan?", " Why Kazakhstan?")
    result = one(TEXT, new, "Nobody wanted to fight Azerbaijan")
    assert result.status == MOVED
    assert (result.start, result.end) == span(new, "Nobody wanted to fight Azerbaijan")


def test_a_deleted_paragraph_before_a_passage_moves_it():
    new = TEXT.replace("Interviewer: And in Armenia?\n\n", "")
    result = one(TEXT, new, "Baku had too many friends")
    assert result.status == MOVED
    assert (result.start, result.end) == span(new, "Baku had too many friends")


def test_words_typed_right_before_or_after_a_passage_do_not_join_it():
    new = TEXT.replace("Because Moscow wanted it to.", "Because, frankly, Moscow wanted it to, yes.")
    result = one(TEXT, new, "Moscow wanted it to")
    assert result.quote == "Moscow wanted it to" and result.status == MOVED


def test_an_edit_after_a_passage_leaves_it_where_it_was():
    new = TEXT + "\n\nInterviewer: Thank you."
    result = one(TEXT, new, "Why did the alliance")
    assert result.status == UNCHANGED


# --- changed: flagged with what changed ----------------------------------------------------


def test_an_insertion_inside_a_passage_flags_it_with_the_new_words():
    new = TEXT.replace("feared the same crowds", "feared exactly the same crowds")
    result = one(TEXT, new, "The members feared the same crowds at home")
    assert result.status == CHANGED and result.flagged
    assert result.quote == "The members feared exactly the same crowds at home"
    assert result.reason == "the words changed from '…feared the…' to '…feared exactly the…'"


def test_a_deletion_inside_a_passage_flags_it():
    new = TEXT.replace("Baku had too many friends", "Baku had friends")
    result = one(TEXT, new, "Baku had too many friends in the room")
    assert result.status == CHANGED
    assert result.quote == "Baku had friends in the room"
    assert "too many" in result.reason and result.reason.startswith("the words changed from '")


def test_a_corrected_typo_inside_a_passage_flags_it_and_names_both_spellings():
    old = TEXT.replace("Moscow wanted", "Mosow wanted")
    result = one(old, TEXT, "Because Mosow wanted it to")
    assert result.status == CHANGED
    assert result.quote == "Because Moscow wanted it to"
    assert result.reason == "the words changed from '…Mosow…' to '…Moscow…'"


def test_a_renamed_person_inside_a_passage_flags_it():
    old = "E1: Ivan Petrov told me that Moscow had decided."
    new = "E1: E7 told me that Moscow had decided."
    result = one(old, new, "Ivan Petrov told me")
    assert result.status == CHANGED and result.quote == "E7 told me"
    assert result.reason == "the words changed from 'Ivan Petrov told…' to 'E7 told…'"


def test_an_edit_across_the_start_of_a_passage_flags_it():
    new = TEXT.replace("Because Moscow", "Since the Kremlin")
    result = one(TEXT, new, "Moscow wanted it to")
    assert result.status == CHANGED
    assert result.quote.endswith("wanted it to") and "Moscow" not in result.quote


def test_the_reason_fits_the_needs_review_column():
    long_words = " ".join(["word"] * 400)
    old = f"E1: {long_words} end."
    new = f"E1: {long_words.replace('word', 'term')} end."
    result = one(old, new, long_words)
    assert result.status == CHANGED
    assert len(result.reason) <= 300


# --- deleted: flagged and kept ---------------------------------------------------------------


def test_a_passage_whose_words_were_all_deleted_is_flagged_not_dropped():
    new = TEXT.replace(" The members feared the same crowds at home.", "")
    result = one(TEXT, new, "The members feared the same crowds at home")
    assert result.status == DELETED and result.flagged
    assert result.reason == ("the words 'The members feared the same crowds at home' were deleted; "
                             "the segment marks the place where they were")
    # It keeps a non-empty range next to where the words were: the word before, at the line's end.
    assert result.quote == "to."
    assert result.end == new.index("\n\nInterviewer: And")


def test_a_passage_in_a_deleted_paragraph_is_kept_at_the_next_words():
    new = TEXT.replace("Interviewer: And in Armenia?\n\n", "")
    result = one(TEXT, new, "And in Armenia?")
    assert result.status == DELETED
    assert result.start == new.index("E1: Nobody") and result.quote == "E1:"


def test_a_passage_at_the_very_end_whose_words_were_deleted_keeps_the_last_word():
    new = TEXT.replace(" Baku had too many friends in the room.", "")
    result = one(TEXT, new, "Baku had too many friends in the room.")
    assert result.status == DELETED
    assert result.end == len(new) and result.quote == "Azerbaijan."


def test_a_passage_whose_words_became_blank_is_flagged_as_deleted():
    old = "E1: yes\n\nno"
    result = one(old, "E1: \n\nno".replace("E1: ", "E1:"), "yes")
    assert result.status == DELETED


def test_every_passage_comes_back_even_when_the_whole_text_is_replaced():
    new = "Completely different words."
    anchors = [Anchor(i, *span(TEXT, phrase)) for i, phrase in
               enumerate(["Why did", "Moscow wanted", "Armenia", "in the room."])]
    results = reanchor(TEXT, new, anchors)
    assert [r.key for r in results] == [0, 1, 2, 3]
    assert all(r.flagged and 0 <= r.start < r.end <= len(new) for r in results)


def test_reanchoring_needs_a_text_to_keep_passages_in():
    with pytest.raises(ValueError, match="empty"):
        reanchor("abc", "", [Anchor(1, 0, 3)])


# --- overlapping passages, equal words, characters outside the BMP ---------------------------


def test_overlapping_passages_are_each_re_anchored():
    new = TEXT.replace("Because Moscow", "Because, I think, Moscow").replace("at home", "in their capitals")
    section = span(TEXT, "Because Moscow wanted it to. The members feared the same crowds at home.")
    theme = span(TEXT, "Moscow wanted it to")
    inner = span(TEXT, "The members feared")
    results = {r.key: r for r in reanchor(TEXT, new, [Anchor("section", *section), Anchor("theme", *theme),
                                                       Anchor("inner", *inner)])}
    assert results["theme"].status == MOVED and results["theme"].quote == "Moscow wanted it to"
    assert results["inner"].status == MOVED and results["inner"].quote == "The members feared"
    assert results["section"].status == CHANGED
    assert results["section"].quote == ("Because, I think, Moscow wanted it to. The members feared the same crowds "
                                        "in their capitals.")
    assert results["section"].start < results["theme"].start < results["inner"].start < results["section"].end


def test_of_two_equal_passages_the_one_whose_words_stay_keeps_them():
    old = "E1: Yes. Yes. Then they came."
    # Deleting either "Yes. " gives the same text: the second passage keeps its words.
    new = "E1: Yes. Then they came."
    first, second = reanchor(old, new, [Anchor(1, *span(old, "Yes.")), Anchor(2, *span(old, "Yes.", 2))])
    assert second.quote == "Yes." and not second.flagged
    assert {first.status, second.status} <= {UNCHANGED, MOVED, DELETED}


def test_a_changed_word_is_not_moved_onto_the_same_word_nearby():
    old = "E1: no, no"
    new = "E1: no, yes"
    result = one(old, new, "no", 2)
    assert result.status == CHANGED and result.quote == "yes"
    assert result.reason == "the words changed from 'no' to 'yes'"


def test_offsets_count_characters_outside_the_bmp_as_one():
    old = "E1: 😀 The CSTO 𝔸 sent troops."
    new = "E1: 😀😀 𝔸 The CSTO 𝔸 sent troops."
    result = one(old, new, "sent troops")
    assert result.status == MOVED
    assert (result.start, result.end) == (old.index("sent") + 3, old.index("sent") + 3 + len("sent troops"))
    assert new[result.start : result.end] == "sent troops"


def test_a_passage_made_of_characters_outside_the_bmp_is_flagged_when_they_change():
    old = "E1: the sign 😀😀 means yes"
    new = "E1: the sign 😀🙂 means yes"
    result = one(old, new, "😀😀")
    assert result.status == CHANGED and result.quote == "😀🙂"


# --- the diff ------------------------------------------------------------------------------


def test_the_diff_covers_both_texts_without_gaps():
    new = TEXT.replace("Moscow", "the Kremlin").replace("Interviewer: And in Armenia?\n\n", "") + "\nEnd."
    blocks = diff_blocks(TEXT, new)
    assert (blocks[0].i1, blocks[0].j1, blocks[-1].i2, blocks[-1].j2) == (0, 0, len(TEXT), len(new))
    for before, after in zip(blocks, blocks[1:]):
        assert (before.i2, before.j2) == (after.i1, after.j1)
    for block in blocks:
        if block.tag == "equal":
            assert TEXT[block.i1 : block.i2] == new[block.j1 : block.j2]


def test_a_deleted_line_is_a_deleted_line():
    diff = TextDiff("one\ntwo\nthree", "one\nthree")
    assert [(b.tag, diff.old[b.i1 : b.i2]) for b in diff.changes] == [("delete", "two\n")]


def test_a_long_interview_with_a_few_corrections_is_compared_quickly():
    import time

    turns = [f"E1: Paragraph {i} says something about the alliance and the request number {i}." for i in range(3000)]
    old = "\n\n".join(turns)
    new = old.replace("Paragraph 10 says", "Paragraph ten says").replace("request number 2900", "request 2900")
    anchors = [Anchor(i, *span(old, f"Paragraph {i} says")) for i in range(0, 3000, 10)]
    started = time.perf_counter()
    results = reanchor(old, new, anchors)
    assert time.perf_counter() - started < 5
    assert sum(r.flagged for r in results) == 1


def test_in_a_long_interview_edits_elsewhere_keep_every_passage_on_its_words():
    import random

    rng = random.Random(4)
    turns = [f"{'Interviewer' if i % 2 else 'E1'}: Turn {i} says the alliance {rng.choice(['did', 'did not'])} act."
             for i in range(4000)]
    old = "\n\n".join(turns)
    coded = sorted(rng.sample(range(4000), 200))
    anchors = [Anchor(i, old.index(f"Turn {i} says"), old.index(f"Turn {i} says") + len(f"Turn {i} says"))
               for i in coded]
    # Edit 40 turns that are not coded: delete some, correct words in others, add new ones.
    paragraphs = list(turns)
    for i in sorted(rng.sample(sorted(set(range(4000)) - set(coded)), 40), reverse=True):
        action = rng.choice(["delete", "correct", "add"])
        if action == "delete":
            del paragraphs[i]
        elif action == "correct":
            paragraphs[i] = paragraphs[i].replace("alliance", "CSTO")
        else:
            paragraphs.insert(i, "Interviewer: A question added later?")
    new = "\n\n".join(paragraphs)
    results = reanchor(old, new, anchors)
    for anchor, result in zip(anchors, results):
        words = f"Turn {anchor.key} says"
        assert result.status in (UNCHANGED, MOVED) and (result.start, result.quote) == (new.index(words), words)


def test_change_description_of_a_deletion():
    assert change_description("one two three", "one three") == "the words changed from 'one two three' to 'one three'"
    assert change_description("one two", "   ") == "the words 'one two' were deleted"


# --- properties ----------------------------------------------------------------------------

ALPHABET = "ab \né😀"
# Typed words are new words: letters the old text does not have. Otherwise one pair of
# texts can be read more cheaply as an edit of the passage itself ("a a" -> "a ": the last
# "a" deleted, rather than the first "a" and the space after it, then a space typed), and
# then flagging the passage is right (see the test after the properties).
TYPED = "xy-🙂"


@st.composite
def edited_texts(draw, alphabet: str = ALPHABET, typed: str = TYPED, marker: str = ""):
    """(old text, passage start, passage end, new text, where the passage is in the new text),
    after random edits that never touch the passage's words: deletions of any stretch
    before or after it, and new words typed there."""
    before = draw(st.text(alphabet, max_size=30))
    words = draw(st.text(alphabet, min_size=1, max_size=8))
    if marker:
        cut = draw(st.integers(0, len(words)))
        words = words[:cut] + marker + words[cut:]
    after = draw(st.text(alphabet, max_size=30))
    text = before + words + after
    start, end = len(before), len(before) + len(words)
    old = text
    for _ in range(draw(st.integers(1, 4))):
        # Each edit replaces a stretch that lies wholly before or wholly after the passage.
        side = draw(st.sampled_from(["before", "after"]))
        lo, hi = (0, start) if side == "before" else (end, len(text))
        a = draw(st.integers(lo, hi))
        b = draw(st.integers(a, hi))
        new_words = draw(st.text(typed, max_size=6))
        text = text[:a] + new_words + text[b:]
        if side == "before":
            shift = len(new_words) - (b - a)
            start, end = start + shift, end + shift
    return old, len(before), len(before) + len(words), text, (start, end)


@settings(max_examples=300, deadline=None)
@given(edited_texts())
@example(("abcabc", 3, 6, "abc", (0, 3)))
@example(("aab", 1, 3, "ab", (0, 2)))
def test_edits_that_do_not_touch_a_passage_keep_its_words(case):
    old, start, end, new, _ = case
    result = reanchor(old, new, [Anchor(1, start, end)])[0]
    assert result.status in (UNCHANGED, MOVED), result
    assert result.quote == old[start:end] == new[result.start : result.end]
    assert result.reason == ""


@settings(max_examples=300, deadline=None)
@given(edited_texts(marker="Z"))
def test_edits_that_do_not_touch_a_passage_keep_it_on_the_same_words(case):
    """With words that occur once, "the same words" is one place: exactly where they went."""
    old, start, end, new, expected = case
    words = old[start:end]
    assume(sum(new.startswith(words, i) for i in range(len(new))) == 1)  # overlapping ones count too
    result = reanchor(old, new, [Anchor(1, start, end)])[0]
    assert (result.start, result.end) == expected
    assert result.status == (UNCHANGED if expected == (start, end) else MOVED)


@settings(max_examples=200, deadline=None)
@given(old=st.text(ALPHABET, min_size=1, max_size=40), new=st.text(ALPHABET, min_size=1, max_size=40),
       data=st.data())
def test_any_edit_keeps_every_passage_valid_and_explains_each_change(old, new, data):
    start = data.draw(st.integers(0, len(old) - 1))
    end = data.draw(st.integers(start + 1, len(old)))
    result = reanchor(old, new, [Anchor(1, start, end)])[0]
    assert 0 <= result.start < result.end <= len(new)
    assert result.quote == new[result.start : result.end]
    if result.quote == old[start:end]:
        assert result.status in (UNCHANGED, MOVED, DELETED)
    else:
        assert result.flagged and result.reason.startswith("the words ")


def test_when_the_cheaper_reading_of_an_edit_changes_a_passage_it_is_flagged():
    # "a a" -> "a ": either the last "a" was deleted, or the first "a" and its space were
    # deleted and a space typed after the last one. The first reading is one change, the
    # second three: the passage on the last "a" is flagged, not moved onto the first.
    result = reanchor("a a", "a ", [Anchor(1, 2, 3)])[0]
    assert result.status == DELETED and result.flagged


def test_edited_stretches_are_counted_as_a_reader_counts_them():
    assert TextDiff("an internal matter here", "an internal affair here").stretches == 1
    assert TextDiff("Mosow and Kyiv", "Moscow and Kiev").stretches == 2
    assert TextDiff("same", "same").stretches == 0
