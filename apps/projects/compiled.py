"""A read of fixed shape, compiled by the ORM once per process and database.

Compiling a filtered queryset costs 0.5-3 ms on a small machine, often more than the
database takes to answer it (#19). A read that runs on every click with the same shape,
where only some ids change, is built as a queryset once, with stand-in values for those
ids, and runs from then on as that SQL with the request's values. The queryset stays the
one statement of the rule; only its compiling is kept.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Stand-ins for the values of a read: ids no row has, and that no query of ours spells out.
_FIRST_STAND_IN = -7_300_000_001


class CompiledRead:
    """`build(**values)` returns the queryset for some integer `values` (ids), the same
    shape whatever they are: no list of ids, no condition that depends on a value. `rows`
    runs its SQL with the given values and returns the rows as the database gives them
    (ids and counts; no converters run)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple[str, tuple[str, ...]], tuple[str, list]] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: int) -> list[tuple]:
        sql, layout = self.sql(using=using, names=tuple(sorted(values)))
        params = [values[slot.name] if isinstance(slot, _Slot) else slot for slot in layout]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def sql(self, *, using: str, names: tuple[str, ...]) -> tuple[str, list]:
        """The SQL and, for each of its parameters, a constant or the `_Slot` of a value."""
        key = (using, names)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key) or self._compile(using, names)
                self._compiled[key] = found
        return found

    def _compile(self, using: str, names: tuple[str, ...]) -> tuple[str, list]:
        stand_ins = {name: _FIRST_STAND_IN - index for index, name in enumerate(names)}
        queryset = self.build(**stand_ins)
        sql, params = queryset.query.get_compiler(using=using).as_sql()
        by_value = {value: _Slot(name) for name, value in stand_ins.items()}
        layout = [by_value.get(param, param) if type(param) is int else param for param in params]
        missing = [name for name, value in stand_ins.items() if value not in params]
        if missing or any(str(value) in sql for value in stand_ins.values()):
            raise ValueError(f"{self.build.__qualname__}: the values {missing or names} must be parameters of "
                             "the query, each as itself")
        return sql, layout


class _Slot:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name
