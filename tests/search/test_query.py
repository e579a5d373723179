"""The query language: the parser's trees, its messages, folding, and where a query
matches inside one passage. Pure Python: no database."""
from __future__ import annotations

import pytest

from apps.search.matching import Matcher, fuzzy_distance, merge, within_distance
from apps.search.query import And, Near, Not, Or, QueryError, Regex, Term, describe, parse, required_literals
from apps.search.text import fold, fold_text, index_words, words_as_written

# --- the parser ---------------------------------------------------------------------------------


def test_words_are_anded_and_a_phrase_is_one_term():
    assert parse("Kant air base") == And((Term(("Kant",)), Term(("air",)), Term(("base",))))
    assert parse('"air base"') == Term(("air", "base"))
    assert parse("Jalal-Abad") == Term(("Jalal", "Abad"))  # a hyphenated word is a phrase of its words


def test_prefix_fuzzy_and_regex_atoms():
    assert parse("Russ*") == Term(("Russ",), prefix=True)
    assert parse("Otunbayeva~") == Term(("Otunbayeva",), fuzzy=True)
    assert parse('"air ba"*') == Term(("air", "ba"), prefix=True)
    assert parse("/Otunba[ey]+va/") == Regex("Otunba[ey]+va")
    assert parse(r"/a\/b/") == Regex("a/b")


def test_and_binds_tighter_than_or_and_not_and_near_tighter_still():
    assert parse("a b OR c") == Or((And((Term(("a",)), Term(("b",)))), Term(("c",))))
    assert parse("Russia NOT Putin") == And((Term(("Russia",)), Not(Term(("Putin",)))))
    assert parse("Russia NEAR/5 base") == Near(Term(("Russia",)), Term(("base",)), 5)
    assert parse("Russia NEAR base") == Near(Term(("Russia",)), Term(("base",)), 10)
    assert parse("(Russia OR Moscow) NEAR/3 base") == Near(Or((Term(("Russia",)), Term(("Moscow",)))),
                                                           Term(("base",)), 3)
    assert parse("Russia AND base") == parse("Russia base")


def test_operators_in_small_letters_are_words():
    assert parse("war and peace") == And((Term(("war",)), Term(("and",)), Term(("peace",))))
    assert parse("near") == Term(("near",))


def test_the_global_fuzzy_option_makes_every_word_fuzzy_but_not_regexes():
    assert parse("Otunbayeva /x+/", fuzzy=True) == And((Term(("Otunbayeva",), fuzzy=True), Regex("x+")))


def test_describe_writes_the_tree_back():
    assert describe(parse('(Russia OR "air base") NEAR/3 Kant* NOT /x/')) == \
        '(((Russia OR "air base") NEAR/3 Kant*) AND NOT /x/)'


@pytest.mark.parametrize("query, message, position", [
    ("", "Type a word", 0),
    ('"air base', "phrase is not closed", 0),
    ("/Otunba[ey/", "not valid", 10),
    ("/abc", "not closed", 0),
    ("(Russia OR base", "bracket ( is not closed", 0),
    ("Russia)", "closing bracket ) has no opening", 6),
    ("AND Russia", "needs a word", 0),
    ("Russia OR", "ends where a word was expected", 9),
    ("Russia NEAR/500 base", "from 0 to 100", 7),
    ("NOT Russia", "not only what to leave out", 0),
    ("*stan", "goes at the end of a word", 0),
    ("R*", "at least 2 letters", 0),
    ("---", "no letters or digits", 0),
    ("//", "is empty", 0),
])
def test_mistakes_are_query_errors_that_say_what_and_where(query, message, position):
    with pytest.raises(QueryError) as info:
        parse(query)
    assert message in str(info.value)
    assert info.value.position == position


def test_an_invalid_regex_names_the_reason_of_the_regex_engine():
    with pytest.raises(QueryError, match=r"not valid: unterminated character set.*at character 18"):
        parse("Russia /Otunba[ey/")


def test_required_literals_of_a_regex():
    assert required_literals("Otunba[ey]+va") == ["Otunba", "va"]
    assert required_literals(r"air\s+base") == ["air", "base"]
    assert required_literals("(?:Kant|Bishkek) base") == [" base"]
    assert required_literals(r"\d{4}") == []
    assert required_literals("(abc)+d?") == ["abc"]
    assert required_literals(r"\p{L}+") == []  # the regex module's syntax that Python's re cannot read: no narrowing


# --- folding ----------------------------------------------------------------------------------


def test_folding_removes_case_and_diacritics_in_latin_and_cyrillic():
    assert fold_text("Tokaïev ÉLITE Straße") == "tokaiev elite strasse"
    assert fold_text("ЁЛКА ещё Ёж") == "елка еще еж"
    assert fold_text("Йод Ўзбек") == "йод ўзбек"  # й and ў are letters of their own
    assert fold_text("İstanbul ılık") == "istanbul ilik"


def test_folding_maps_offsets_back_when_it_changes_the_length():
    folded = fold("Straße und за\u0301мок")
    assert folded.text == "strasse und замок"
    assert folded.shifted
    assert folded.span(4, 6) == (4, 5)  # "ss" is "ß"
    start = folded.text.index("замок")
    assert folded.span(start, start + 5) == (11, 17)  # the accent belongs to its word
    assert not fold("plain Кириллица").shifted


def test_index_words_are_the_folded_words_separated_by_spaces():
    assert index_words(fold_text("Kant's air-base, 2010!")) == "kant s air base 2010"
    assert words_as_written("за\u0301мок Jalal-Abad") == ["за\u0301мок", "Jalal", "Abad"]


# --- matching in a passage ---------------------------------------------------------------------

TEXT = ("Russia kept its air base at Kant. The base, said Moscow, was never in question; "
        "Russian interest in the base grew after 2010.")


def hits(query: str, text: str = TEXT, *, exact: bool = False, fuzzy: bool = False) -> list[str]:
    view = text if exact else fold(text).text
    return [text[s:e] for s, e in Matcher(parse(query, fuzzy=fuzzy), exact=exact).hits(view)]


def test_a_word_matches_whole_words_only_and_each_occurrence_is_a_hit():
    assert hits("base") == ["base", "base", "base"]
    assert hits("Russia") == ["Russia"]  # not "Russian"


def test_a_phrase_ignores_punctuation_between_its_words():
    assert hits('"air base"') == ["air base"]
    assert hits('"Kant the base"') == ["Kant. The base"]


def test_prefix_boolean_near_and_regex():
    assert hits("Russ*") == ["Russia", "Russian"]
    assert hits("Kant Moscow") == ["Kant", "Moscow"]
    assert hits("Kant NOT Moscow") == []
    assert hits("Kant NOT Putin") == ["Kant"]
    assert hits("Putin OR Kant") == ["Kant"]
    assert hits("Russia NEAR/3 base") == ["Russia kept its air base"]
    assert hits("Russia NEAR/2 base") == []
    assert hits("/ba[sz]e,/") == ["base,"]


def test_overlapping_hits_are_merged():
    assert hits('"air base" OR base') == ["air base", "base", "base"]
    assert merge([(5, 9), (0, 3), (2, 4), (9, 12)]) == [(0, 4), (5, 9), (9, 12)]


def test_exact_matching_respects_case_and_accents():
    text = "Tokaïev met TOKAIEV and tokaiev."
    assert hits("tokaiev", text) == ["Tokaïev", "TOKAIEV", "tokaiev"]
    assert hits("tokaiev", text, exact=True) == ["tokaiev"]
    assert hits("Tokaïev", text, exact=True) == ["Tokaïev"]
    assert hits("/TOKA.EV/", text, exact=True) == ["TOKAIEV"]


def test_fuzzy_words_allow_edits_by_length():
    text = "Otunbaeva spoke; Otunbayeva did not; Otumbayeva neither; Otumbajeva never. Kirgizstanis, Kyrgyzstanis."
    assert hits("Otunbayeva", text) == ["Otunbayeva"]
    assert hits("Otunbayeva~", text) == ["Otunbaeva", "Otunbayeva", "Otumbayeva"]  # not Otumbajeva: two edits
    assert hits("Otunbayeva", text, fuzzy=True) == hits("Otunbayeva~", text)
    assert hits("Kyrgyzstanis~", text) == ["Kirgizstanis", "Kyrgyzstanis"]  # 12 letters: two edits
    assert hits("war~", "war, wars, was") == ["war"]
    assert fuzzy_distance("war") == 0 and fuzzy_distance("Kazakhstan") == 1 and fuzzy_distance("Kyrgyzstanis") == 2
    assert within_distance("kazahstan", "kazakhstan", 1) and not within_distance("kazan", "kazakhstan", 2)


def test_cyrillic_matches_without_case_and_with_yo_as_ye():
    text = "Токаев сказал: ещё раз ЕЩЕ РАЗ. Россия и российские базы."
    assert hits("токаев", text) == ["Токаев"]
    assert hits('"еще раз"', text) == ["ещё раз", "ЕЩЕ РАЗ"]
    assert hits("Росси*", text) == ["Россия", "российские"]
    assert hits("Россия", text) == ["Россия"]
