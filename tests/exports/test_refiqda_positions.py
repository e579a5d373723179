"""The unit of REFI-QDA text positions (apps.exports.refiqda.positions): pure functions,
no database. Texts carry characters outside the BMP (emoji, one UTF-16 pair each) before
the selections, where code points and UTF-16 code units part ways."""
from __future__ import annotations

from apps.exports.refiqda.positions import (CODE_POINTS, NVIVO, STANDARD, UTF16, Reading, Selection, SourceText,
                                            decide_file, decide_source, describe, ends_a_word, name_matches,
                                            starts_a_word)

TEXT = ("Interviewer: How did it feel? 😀\n\n"
        "E1: Moscow wanted it 🙂🙂. The members feared the same crowds at home. 𝔄 new era began, "
        "and nobody wanted to fight Azerbaijan 🇦🇲. Baku had too many friends in the room.")
PHRASES = ["Moscow wanted it", "The members feared", "the same crowds at home", "new era began",
           "nobody wanted to fight Azerbaijan", "Baku had too many friends", "in the room"]


def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def written(phrases=PHRASES, *, unit=CODE_POINTS, inclusive=False, names=False, text=TEXT) -> list[Selection]:
    """Selections of `phrases` in `text` as a tool writing `unit` and end convention would."""
    selections = []
    for phrase in phrases:
        start, end = text.index(phrase), text.index(phrase) + len(phrase)
        if unit == UTF16:
            start, end = utf16(text, start), utf16(text, end)
        selections.append(Selection(start, end - 1 if inclusive else end, phrase if names else ""))
    return selections


def test_utf16_offsets_turn_into_code_points_and_never_split_a_pair():
    source = SourceText("a😀b")
    assert [source.code_point(u, UTF16) for u in range(5)] == [0, 1, None, 2, 3]
    assert source.code_point(5, UTF16) is None and source.code_point(4, CODE_POINTS) is None
    assert source.span(Selection(3, 4), NVIVO) == (2, 3)  # "b"
    assert source.span(Selection(0, 0), Reading(CODE_POINTS, True)) == (0, 1)


def test_word_boundaries():
    text = "the crowds, at home"
    assert starts_a_word(text, 4) and not starts_a_word(text, 5) and not starts_a_word(text, 3)
    assert ends_a_word(text, 10) and ends_a_word(text, 11) and not ends_a_word(text, 9) and not ends_a_word(text, 12)
    assert name_matches("the crowds…", "the crowds, at home") and not name_matches("crowds", "the crowds")


def test_positions_in_utf16_units_after_emoji_are_read_as_utf16():
    decision = decide_source(SourceText(TEXT), written(unit=UTF16))
    assert decision.reading == NVIVO and decision.unit_matters and decision.clear
    assert "7 of 7 selections start and 7 end at a word boundary" in decision.reason
    assert "the file does not say which software wrote it" in decision.reason


def test_positions_in_code_points_after_emoji_are_read_as_code_points():
    decision = decide_source(SourceText(TEXT), written(unit=CODE_POINTS))
    assert decision.reading == STANDARD and decision.clear
    assert "under UTF-16 code units" in decision.reason


def test_inclusive_ends_are_recognised_from_word_boundaries():
    decision = decide_source(SourceText(TEXT), written(inclusive=True))
    assert decision.reading == Reading(CODE_POINTS, True) and decision.clear
    assert "under exclusive ends" in decision.reason
    decision = decide_source(SourceText(TEXT), written(unit=UTF16, inclusive=True))
    assert decision.reading == Reading(UTF16, True)


def test_names_that_give_the_text_decide_before_word_boundaries():
    # Selections that start and end inside words: only the names can tell the readings apart.
    text = "xx😀 abcdefgh ijklmnop qrstuvwx"
    selections = [Selection(utf16(text, text.index(p)), utf16(text, text.index(p) + len(p)), p)
                  for p in ("bcdefg", "jklmno", "rstuvw")]
    decision = decide_source(SourceText(text), selections)
    assert decision.reading == NVIVO and "names give their text: 3 of 3 match" in decision.reason


def test_nvivo_origin_breaks_a_tie_and_says_the_evidence_is_thin():
    # 3-5 is "a)" in code points and "(a" in UTF-16 units: both start and end at a word boundary.
    text, tied = "😀 (a) x", [Selection(3, 5)]
    assert [text[slice(*SourceText(text).span(tied[0], r))] for r in (STANDARD, NVIVO)] == ["a)", "(a"]
    nvivo, _ = decide_file([(SourceText(text), tied)], origin="NVivo 12 (12.6.1.970)")
    assert nvivo.reading == NVIVO and not nvivo.clear
    assert "written by NVivo 12 (12.6.1.970), which writes UTF-16 code units" in nvivo.reason
    other, _ = decide_file([(SourceText(text), tied)], origin="MAXQDA 24")
    assert other.reading == STANDARD and not other.clear
    assert "although that software" not in other.reason


def test_evidence_beats_the_origin_and_the_report_says_so():
    decision = decide_file([(SourceText(TEXT), written(unit=CODE_POINTS))], origin="NVivo 14")[0]
    assert decision.reading == STANDARD
    assert "written by NVivo 14, although that software usually writes UTF-16 code units" in decision.reason


def test_without_characters_outside_the_bmp_the_unit_does_not_matter():
    text = TEXT.replace("😀", "").replace("🙂", "").replace("𝔄", "A").replace("🇦🇲", "")
    decision, per_source = decide_file([(SourceText(text), written(text=text))], origin="NVivo 12")
    assert not decision.unit_matters and decision.reading == STANDARD and per_source == [None]
    assert "code points and UTF-16 units agree" in describe(decision.reading, decision.unit_matters)


def test_a_source_whose_own_evidence_clearly_differs_is_read_its_own_way():
    other = "😀😀😀 Alpha beta gamma. Delta epsilon zeta."
    decision, per_source = decide_file([
        (SourceText(TEXT), written(unit=CODE_POINTS)),
        (SourceText(other), written(["Alpha beta", "gamma", "Delta epsilon", "zeta"], unit=UTF16, text=other)),
    ], origin="")
    assert decision.reading == STANDARD
    assert per_source[0] is None and per_source[1].reading == NVIVO


def test_no_selections_keep_the_standard():
    decision, _ = decide_file([(SourceText(TEXT), [])], origin="")
    assert decision.reading == STANDARD and "no selections" in decision.reason
