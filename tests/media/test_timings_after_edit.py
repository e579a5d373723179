"""A transcribed text corrected in the editor keeps the times of the words it did not touch:
the player and citations still place a passage by its words (Timeline.at), the changed
words lose their times, and coded passages are re-anchored as after any edit. The turns are
made here as a transcription makes them (text_and_turns), without a recording."""
from __future__ import annotations

import pytest

from apps.coding.services import segment_create, transcript_update_text
from apps.media.timings import Timeline
from apps.media.transcription import Word
from apps.media.transcription.turns import text_and_turns
from apps.transcripts.services import transcript_create, turns_replace
from apps.transcripts.text import TurnSpan

FIRST = "the president asked for help in january"
SECOND = "the army did not send any soldiers to the border"


def spoken(sentence: str, start: float) -> list[Word]:
    """One word every 0.5 s from `start`, each 0.4 s long."""
    return [Word(w, start + i * 0.5, start + i * 0.5 + 0.4) for i, w in enumerate(sentence.split())]


@pytest.fixture
def transcribed(project, coder, expert):
    text, turns = text_and_turns(spoken(FIRST, 1.0) + spoken(SECOND, 8.0))
    transcript = transcript_create(project=project, title="Interview E1", text="placeholder", expert=expert,
                                   created_by=coder)
    transcript_update_text(transcript=transcript, text=text, version=transcript.version, actor=coder)
    transcript.refresh_from_db()
    turns_replace(transcript=transcript, turns=[TurnSpan("", t.start, t.end, t.meta) for t in turns])
    return transcript


def edit(transcript, coder, new_text: str):
    transcript.refresh_from_db()
    transcript_update_text(transcript=transcript, text=new_text, version=transcript.version, actor=coder)
    transcript.refresh_from_db()


def times(transcript) -> dict[tuple[int, str], float]:
    """{(¶, word at its offset): second} from the stored turns; a word's second time in a turn
    is "word#2"."""
    found = {}
    for turn in transcript.turns.order_by("number").exclude(meta={}):
        assert turn.meta["length"] == turn.end - turn.start
        for offset, second in turn.meta["words"]:
            word = transcript.text[turn.start + offset:].split(" ")[0].split("\n")[0]
            n = 1 + sum(1 for number, w in found if number == turn.number and w.split("#")[0] == word)
            found[(turn.number, word if n == 1 else f"{word}#{n}")] = second
    return found


def timeline(transcript) -> Timeline:
    return Timeline(transcript.turns.all())


def word_at(transcript, word: str, occurrence: int = 1) -> int:
    at = -1
    for _ in range(occurrence):
        at = transcript.text.index(word, at + 1)
    return at


def test_the_transcribed_turns_place_words_by_their_times(transcribed):
    line = timeline(transcribed)
    assert line.at(word_at(transcribed, "soldiers")) == 11.0
    assert times(transcribed)[(2, "border")] == 12.5


def test_a_word_fixed_with_as_many_letters_loses_its_time_and_the_others_keep_theirs(transcribed, coder, threat):
    segment = segment_create(transcript=transcribed, start=word_at(transcribed, "any soldiers"),
                             end=word_at(transcribed, "any soldiers") + len("any soldiers"), codes=[threat],
                             coder=coder)
    before = times(transcribed)
    edit(transcribed, coder, transcribed.text.replace("send", "sent"))
    after = times(transcribed)
    assert (2, "sent") not in after and after == {k: v for k, v in before.items() if k != (2, "send")}
    assert timeline(transcribed).at(word_at(transcribed, "soldiers")) == 11.0
    segment.refresh_from_db()
    assert transcribed.text[segment.start:segment.end] == "any soldiers" and not segment.needs_review


def test_a_longer_correction_moves_the_words_after_it_with_their_times(transcribed, coder, threat):
    phrase = "to the border"
    segment = segment_create(transcript=transcribed, start=word_at(transcribed, phrase),
                             end=word_at(transcribed, phrase) + len(phrase), codes=[threat], coder=coder)
    edit(transcribed, coder, transcribed.text.replace("army", "armed forces"))
    after = times(transcribed)
    assert (2, "army") not in after and (2, "armed") not in after and (2, "forces") not in after
    assert after[(2, "the")] == 8.0 and after[(2, "did")] == 9.0 and after[(2, "the#2")] == 12.0
    line = timeline(transcribed)
    assert line.at(word_at(transcribed, "soldiers")) == 11.0
    assert line.at(word_at(transcribed, "border")) == 12.5
    assert line.at(word_at(transcribed, "president")) == 1.5  # the other turn, untouched
    segment.refresh_from_db()
    assert transcribed.text[segment.start:segment.end] == phrase and not segment.needs_review


def test_text_inserted_and_deleted_before_a_turn_leaves_its_times_as_they_were(transcribed, coder, threat):
    segment = segment_create(transcript=transcribed, start=word_at(transcribed, "soldiers"),
                             end=word_at(transcribed, "soldiers") + len("soldiers"), codes=[threat], coder=coder)
    second = transcribed.turns.get(number=2).meta
    edit(transcribed, coder, "[Recording starts.]\n\n" + transcribed.text.replace("asked for help", "asked"))
    turns = {t.number: t for t in transcribed.turns.all()}
    assert turns[1].meta == {} and turns[3].meta == second  # the new first paragraph has no times
    assert turns[2].meta["start"] == 1.0 and turns[2].meta["end"] == 4.4
    assert times(transcribed)[(2, "january")] == 4.0 and (2, "for") not in times(transcribed)
    line = timeline(transcribed)
    assert line.at(word_at(transcribed, "soldiers")) == 11.0
    assert line.at(word_at(transcribed, "january")) == 4.0
    segment.refresh_from_db()
    assert transcribed.text[segment.start:segment.end] == "soldiers"


def test_a_position_inside_a_changed_word_is_placed_between_the_words_around_it(transcribed, coder):
    edit(transcribed, coder, transcribed.text.replace("any", "any of its"))
    line = timeline(transcribed)
    send, soldiers = word_at(transcribed, "send"), word_at(transcribed, "soldiers")
    assert line.at(send) == 10.0 and line.at(soldiers) == 11.0
    assert 10.0 < line.at(word_at(transcribed, "of its")) < 11.0


def test_words_typed_at_a_turns_start_leave_it_its_times(transcribed, coder):
    second = transcribed.turns.get(number=2).meta
    edit(transcribed, coder, transcribed.text.replace("the army", "So, the army"))
    turn = transcribed.turns.get(number=2)
    assert transcribed.text[turn.start:].startswith("So, the army")
    assert turn.meta["start"] == second["start"] and turn.meta["end"] == second["end"]
    assert times(transcribed)[(2, "the")] == 8.0 and times(transcribed)[(2, "border")] == 12.5
    assert timeline(transcribed).at(word_at(transcribed, "army")) == 8.5
