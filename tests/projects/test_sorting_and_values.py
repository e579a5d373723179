"""The small shared rules of the projects floor: natural order, and how a stored value reads."""
from __future__ import annotations

from apps.projects.sorting import natural_key
from apps.projects.values import value_display


def test_natural_order_puts_e2_before_e10_whatever_the_case():
    labels = ["E10", "e3", "E2", "E1", "Kazakhstan 2022", "Kazakhstan 2010", "E", "Group B", "group a"]
    assert sorted(labels, key=natural_key) == ["E", "E1", "E2", "e3", "E10", "group a", "Group B",
                                               "Kazakhstan 2010", "Kazakhstan 2022"]


def test_natural_order_is_the_same_whatever_order_the_labels_come_in():
    labels = ["e1", "E1", "E01"]
    assert sorted(labels, key=natural_key) == sorted(reversed(labels), key=natural_key)


def test_natural_order_takes_digits_that_are_no_numbers_as_text():
    assert sorted(["²", "x²", "x2", "x10"], key=natural_key) == ["x2", "x10", "x²", "²"]


def test_a_stored_value_reads_yes_or_no_for_booleans():
    assert [value_display(v) for v in (True, False, None, 0, 3, "2022-01-05", "")] == \
        ["yes", "no", "", "0", "3", "2022-01-05", ""]
