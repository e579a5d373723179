"""Offsets to seconds: the turns' timings, interpolated by character position inside a turn."""
from types import SimpleNamespace as Turn

from apps.media.timings import Timeline, clock, seconds


def test_a_passage_inside_a_turn_is_placed_by_its_character_position():
    line = Timeline([Turn(number=1, start=10, end=110, meta={"start": 60.0, "end": 80.0}),
                     Turn(number=2, start=120, end=220, meta={"time": "00:01:30"})], duration=100.0)
    assert line.at(10) == 60.0
    assert line.at(60) == 70.0           # half-way through ¶1: half-way through its 20 s
    assert line.at(115) == 80.0          # between turns: where the one before ended
    assert line.at(170) == 95.0          # ¶2 runs from 1:30 to the recording's end at 100 s
    assert line.at(0) == 60.0            # before every timed turn: the first one's start
    assert line.rows() == [[1, 10, 110, 60.0, 80.0], [2, 120, 220, 90.0, 100.0]]


def test_a_transcript_without_timings_has_an_empty_timeline():
    line = Timeline([Turn(number=1, start=0, end=10, meta={})])
    assert not line and line.at(5) is None


def test_clocks():
    assert seconds("00:12:04") == 724 and seconds("12:04") == 724 and seconds("1:02:03.5") == 3723.5
    assert seconds("12") is None and seconds("a:b") is None
    assert clock(724.9) == "12:04" and clock(3723) == "1:02:03" and clock(5) == "0:05"
