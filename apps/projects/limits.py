"""How much one write may carry, defined once. Generous for a thesis, small enough that
a 10 MB memo or a list of a million ids is refused at once instead of being stored and
then copied into every page.

Services refuse more with `check_limits` (a ValidationError naming the field and its
limit); the API's input schemas declare the same numbers (ninja `Field(max_length=...)`),
so the OpenAPI description documents them, and the page forms use them as max_length.
A name stored in a column of its own keeps its model's max_length where that is smaller
(a code's name: 100 characters)."""
from __future__ import annotations

from collections.abc import Sized

from django.core.exceptions import ValidationError

NAME = 200            # a project, case or transcript name, a memo title
LABEL = 100           # a code or attribute name, a coded value, a level, a factor label, a speaker
DESCRIPTION = 5_000   # a code's description, criteria and example; a case's or project's description; a review note
MEMO = 20_000         # a memo, a segment's memo
COMMENT = 20_000      # a comment or an answer
RATIONALE = 20_000    # the reasons of a judgment
QUERY = 500           # words to search for, and any other text in a query string
IDS = 1_000           # ids in one list: codes, cases, evidence, factors, filters
VALUES = 100          # entries in one list of names: levels, positive values, categories, speaker renames

MAX_INT = 2**31 - 1   # offsets, versions, pages, positions: an integer column on SQLite and PostgreSQL
MAX_ID = 2**63 - 1    # a primary key (BigAutoField)


def check_limits(**fields: tuple[Sized | None, int]) -> None:
    """Refuse every field longer than its limit: `check_limits(memo=(memo, MEMO))`.
    None (not given) passes; the error names each field, its limit and its length."""
    errors = {}
    for name, (value, limit) in fields.items():
        if value is not None and len(value) > limit:
            unit = "characters" if isinstance(value, str) else "items"
            errors[name] = f"{name} takes at most {limit:,} {unit}, not {len(value):,}."
    if errors:
        raise ValidationError(errors)
