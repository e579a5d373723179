"""Offsets a turn's meta holds into its own text (a transcription's word times) go through
an edit with the diff: an unchanged word keeps its value at its new offset, a changed word
loses it, and the length is the new one so that the rest are used again. Pure: no DB."""
from __future__ import annotations

from apps.transcripts.anchors import anchors_through
from apps.transcripts.diff import TextDiff

TURN = "the army did not send any soldiers"


def words_of(text: str, second: float = 10.0) -> list[list]:
    """[offset, second] per word, one second apart, as the transcription writes them."""
    found, at = [], 0
    for i, word in enumerate(text.split(" ")):
        found.append([at, second + i])
        at += len(word) + 1
    return found


def carried(old_text: str, new_text: str, old: tuple[int, int], new: tuple[int, int], meta: dict) -> dict:
    return anchors_through(meta, TextDiff(old_text, new_text), old, new)


def by_word(text: str, start: int, meta: dict) -> dict[str, float]:
    """{word at its offset: value}, to read what went where."""
    return {text[start + o:].split(" ")[0].split("\n")[0]: v for o, v in meta["words"]}


def test_a_same_length_fix_drops_the_fixed_word_only():
    meta = {"start": 10.0, "end": 17.0, "length": len(TURN), "words": words_of(TURN)}
    new = TURN.replace("send", "sent")
    moved = carried(TURN, new, (0, len(TURN)), (0, len(new)), meta)
    assert by_word(new, 0, moved) == {"the": 10.0, "army": 11.0, "did": 12.0, "not": 13.0, "any": 15.0,
                                      "soldiers": 16.0}
    assert moved["length"] == len(new) and moved["start"] == 10.0 and moved["end"] == 17.0


def test_a_longer_word_drops_its_time_and_moves_the_words_after_it():
    meta = {"start": 10.0, "length": len(TURN), "words": words_of(TURN)}
    new = TURN.replace("army", "armed forces")
    moved = carried(TURN, new, (0, len(TURN)), (0, len(new)), meta)
    assert by_word(new, 0, moved) == {"the": 10.0, "did": 12.0, "not": 13.0, "send": 14.0, "any": 15.0,
                                      "soldiers": 16.0}
    assert [new.index("soldiers"), 16.0] in moved["words"]
    assert moved["length"] == len(new)


def test_letters_typed_against_a_word_change_it():
    meta = {"start": 10.0, "length": len(TURN), "words": words_of(TURN)}
    for new, gone in (("xthe army did not send any soldiers", "the"), ("the army did not send any soldiers!",
                      "soldiers"), ("the army did not send any soldier", "soldiers")):
        moved = carried(TURN, new, (0, len(TURN)), (0, len(new)), meta)
        assert len(moved["words"]) == 6 and TURN.index(gone) not in [o for o, _ in moved["words"]], new
    joined = "the army did not send anysoldiers"  # two words made one: neither is what was said
    moved = carried(TURN, joined, (0, len(TURN)), (0, len(joined)), meta)
    assert by_word(joined, 0, moved) == {"the": 10.0, "army": 11.0, "did": 12.0, "not": 13.0, "send": 14.0}


def test_text_before_the_turn_moves_its_words_and_keeps_their_times():
    old = "Intro.\n\n" + TURN
    new = "A longer introduction, then a pause.\n\n" + TURN
    meta = {"start": 10.0, "length": len(TURN), "words": words_of(TURN)}
    start = new.index(TURN)
    moved = carried(old, new, (8, len(old)), (start, len(new)), meta)
    assert moved == meta


def test_a_deleted_word_goes_and_its_neighbours_stay():
    new = TURN.replace(" not", "")
    meta = {"start": 10.0, "length": len(TURN), "words": words_of(TURN)}
    moved = carried(TURN, new, (0, len(TURN)), (0, len(new)), meta)
    assert by_word(new, 0, moved) == {"the": 10.0, "army": 11.0, "did": 12.0, "send": 14.0, "any": 15.0,
                                      "soldiers": 16.0}


def test_words_split_off_into_a_new_turn_are_not_carried_into_it():
    new = "the army did not\n\nsend any soldiers"
    meta = {"start": 10.0, "length": len(TURN), "words": words_of(TURN)}
    moved = carried(TURN, new, (0, len(TURN)), (0, new.index("\n")), meta)
    assert by_word(new, 0, moved) == {"the": 10.0, "army": 11.0, "did": 12.0, "not": 13.0}  # the edge bounds it
    assert moved["length"] == new.index("\n")


def test_anchors_that_no_longer_fit_their_turn_are_dropped_and_other_meta_stays():
    meta = {"start": 10.0, "end": 17.0, "length": len(TURN) + 3, "words": words_of(TURN)}
    assert carried(TURN, TURN + " x", (0, len(TURN)), (0, len(TURN) + 2), meta) == {"start": 10.0, "end": 17.0}
    bad = {"start": 1.0, "length": len(TURN), "words": [[5, 1.0], [2, 2.0]]}
    assert carried(TURN, TURN + " x", (0, len(TURN)), (0, len(TURN) + 2), bad) == {"start": 1.0}
    floats = {"length": len(TURN), "words": [[float(o), v] for o, v in words_of(TURN)]}  # as a JSON reader may give
    assert len(carried(TURN, TURN + " x", (0, len(TURN)), (0, len(TURN) + 2), floats)["words"]) == 7
    plain = {"time": "00:01:02"}
    assert carried(TURN, TURN + " x", (0, len(TURN)), (0, len(TURN) + 2), plain) is plain


def test_unchanged_says_whether_a_stretch_is_kept_whole():
    diff = TextDiff("one two three", "one twxo three")
    assert diff.unchanged(0, 3) and diff.unchanged(8, 13) and diff.unchanged(4, 6)
    assert not diff.unchanged(4, 7)       # an "x" typed inside "two"
    assert not diff.unchanged(0, 13)
    assert TextDiff("one two", "one twos").unchanged(4, 7)  # typed after it: the neighbours tell
