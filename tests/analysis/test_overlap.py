"""The co-occurrence count of apps.analysis.overlap against counting every pair by hand."""
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.analysis.overlap import cooccurrence_counts


def by_hand(segments, codings) -> dict[tuple[int, int], int]:
    codes: dict[int, set[int]] = {}
    for segment_id, code_id in codings:
        codes.setdefault(segment_id, set()).add(code_id)
    found: dict[tuple[int, int], set[int]] = {}
    for x, tx, sx, ex in segments:
        for y, ty, sy, ey in segments:
            if tx == ty and sy < ex and sx < ey:
                for a in codes.get(x, ()):
                    for b in codes.get(y, set()) - {a}:
                        found.setdefault((a, b), set()).add(x)
    return {pair: len(xs) for pair, xs in found.items()}


def test_touching_segments_do_not_overlap_and_a_segment_overlaps_itself():
    segments = [(1, 7, 0, 10, ), (2, 7, 10, 20), (3, 7, 5, 15), (4, 8, 0, 10)]
    codings = [(1, 100), (1, 101), (2, 102), (3, 103), (4, 102)]
    assert cooccurrence_counts(segments, codings) == {
        (100, 101): 1, (101, 100): 1,  # one segment with both codes
        (100, 103): 1, (101, 103): 1, (103, 100): 1, (103, 101): 1,  # 3 overlaps 1
        (102, 103): 1, (103, 102): 1,  # 3 overlaps 2; 1 and 2 only touch; 4 is in another transcript
    }


def test_uncoded_segments_and_codings_of_other_segments_count_for_nothing():
    segments = [(1, 7, 0, 100), (2, 7, 10, 20), (3, 7, 30, 40)]  # 1: a case section, not coded
    codings = [(2, 100), (3, 101), (99, 100), (99, 101)]  # 99: trashed, or in no case
    assert cooccurrence_counts(segments, codings) == {}
    assert cooccurrence_counts([], codings) == {} and cooccurrence_counts(segments, []) == {}


def test_large_ids_are_kept_whole():
    big = 2**40
    segments = [(big + 1, big, 0, 10), (big + 2, big, 5, 8), (big + 3, big + 1, 0, 10)]
    codings = [(big + 1, big + 10), (big + 2, big + 11), (big + 3, big + 11)]
    assert cooccurrence_counts(segments, codings) == {(big + 10, big + 11): 1, (big + 11, big + 10): 1}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 40), st.integers(1, 25),
                          st.sets(st.integers(0, 4), max_size=3)), max_size=40),
       st.integers(0, 2**20))
def test_agrees_with_counting_every_pair_by_hand(drawn, offset):
    """Equal starts and ends, nesting, touching, several transcripts, uncoded segments."""
    segments, codings = [], []
    for n, (transcript, start, length, codes) in enumerate(drawn):
        segment_id = offset + 3 * n + 1  # ids in no particular relation to the offsets
        segments.append((segment_id, 1000 + transcript, start, start + length))
        codings += [(segment_id, 50 + code) for code in codes]
    assert cooccurrence_counts(segments, codings) == by_hand(segments, codings)
