"""Integers as the edge accepts them, for the API (pydantic types for ninja's path, query
and body parameters) and for the page forms (a Django field): ASCII digits only and within
the range the database can store, so `①`, `١` or `99999999999999999999` is a 4xx with a
reason instead of a 500 ("bigint out of range"). Python's int() reads any Unicode digit,
so every id and number from a request is parsed here."""
from __future__ import annotations

import re
from typing import Annotated

from django import forms
from django.core.exceptions import ValidationError
from pydantic import BeforeValidator, Field

from .limits import MAX_ID, MAX_INT

_ASCII_INT = re.compile(r"[+-]?[0-9]{1,30}", re.ASCII)


def ascii_int(text: str) -> int | None:
    """The integer written in `text` in ASCII digits (an optional sign, no spaces, no
    separators), or None."""
    text = text.strip()
    return int(text) if _ASCII_INT.fullmatch(text) else None


def _integer_from_request(value):
    """Leaves numbers to pydantic; text must be ASCII digits; a boolean is not a number."""
    if isinstance(value, bool):
        raise ValueError("expected an integer, not true or false")
    if isinstance(value, str):
        number = ascii_int(value)
        if number is None:
            raise ValueError("expected an integer in the digits 0-9")
        return number
    return value


_strict = BeforeValidator(_integer_from_request)


def bounded_int(minimum: int = 0, maximum: int = MAX_INT):
    """The type of an integer from a request between `minimum` and `maximum` (give the
    bounds here, not in a Field default: pydantic would not merge them)."""
    return Annotated[int, Field(ge=minimum, le=maximum), _strict]


Id = bounded_int(1, MAX_ID)
"""A primary key in a path, a query or a body."""

Count = bounded_int(0, MAX_INT)
"""A version, an offset into a list: 0 to 2^31-1."""

Offset = bounded_int(-MAX_INT - 1, MAX_INT)
"""A code point offset into a text: any integer a column stores, so that the service
says which offsets are outside the text (0 <= start < end <= length)."""


class BoundedIntegerField(forms.IntegerField):
    """A form's integer: ASCII digits only, between min_value (default 0) and max_value
    (default 2^31-1, what an integer column stores on both databases)."""

    default_error_messages = {"invalid": "Enter a whole number in the digits 0-9."}

    def __init__(self, *, min_value: int = 0, max_value: int = MAX_INT, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = ascii_int(str(value))
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdField(BoundedIntegerField):
    """A form's id of an object: 1 to the largest primary key."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
