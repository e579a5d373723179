"""Reads of fixed shape that run on every click, without the ORM's compiling each time.

Compiling a filtered queryset costs 0.5-3 ms on a small machine, often more than the
database takes to answer it (#19). Two ways around it, both built from the models:

- `CompiledRead`: a queryset built once, with stand-in values for the ids that change, and
  run from then on as that SQL with the request's ids. The queryset stays the one
  statement of the rule; only its compiling is kept. Rows come as the database gives them.
- `RelatedRead`: one row with its related objects, as `select_related` builds them, by SQL
  written from the models' fields (joins, columns and converters) once per database.

Both, and the written SQL of the other reads on every click (`execute_prepared`,
`objects_prepared`), are prepared on PostgreSQL: the server plans such a statement once per
connection instead of on each run, 0.3-0.9 ms of each of these reads here.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import QuerySet, signals

# Stand-ins for the values of a read: ids no row has, and that no query of ours spells out.
_FIRST_STAND_IN = -7_300_000_001


class CompiledRead:
    """`build(**values)` returns the queryset for some integer `values` (ids), the same
    shape whatever they are: no condition that depends on a value. A value may also be a
    list of ids (compiled once per length), and `shape` names what else the query's shape
    depends on (given to `build` as it is, and part of what is compiled once). `rows` runs
    the SQL with the given values and returns the rows as the database gives them (ids,
    counts and text; no converters run)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, tuple[str, list] | None] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, shape: tuple[tuple[str, Hashable], ...] = (),
             **values: int | list[int]) -> list[tuple]:
        lengths = tuple(sorted((name, len(v) if isinstance(v, (list, tuple)) else None) for name, v in values.items()))
        compiled = self.sql(using=using, lengths=lengths, shape=shape)
        if compiled is None:  # a list of no ids: the query finds nothing
            return []
        sql, layout = compiled
        params = [slot.value(values) if isinstance(slot, _Slot) else slot for slot in layout]
        with connections[using].cursor() as cursor:
            execute_prepared(cursor, sql, params)
            return cursor.fetchall()

    def sql(self, *, using: str, lengths: tuple, shape: tuple = ()) -> tuple[str, list] | None:
        """The SQL and, for each of its parameters, a constant or the `_Slot` of a value;
        None for a query that finds nothing whatever the values."""
        key = (using, lengths, shape)
        if key not in self._compiled:
            with self._lock:
                if key not in self._compiled:
                    self._compiled[key] = self._compile(using, lengths, shape)
        return self._compiled[key]

    def _compile(self, using: str, lengths: tuple, shape: tuple) -> tuple[str, list] | None:
        stand_ins: dict[str, int | list[int]] = {}
        slots: dict[int, _Slot] = {}
        for name, length in lengths:
            if length is None:
                stand_ins[name] = value = _FIRST_STAND_IN - len(slots)
                slots[value] = _Slot(name)
                continue
            stand_ins[name] = []
            for index in range(length):
                value = _FIRST_STAND_IN - len(slots)
                stand_ins[name].append(value)
                slots[value] = _Slot(name, index)
        queryset = self.build(**stand_ins, **dict(shape))
        try:
            sql, params = queryset.query.get_compiler(using=using).as_sql()
        except EmptyResultSet:
            return None
        layout = [slots.get(param, param) if type(param) is int else param for param in params]
        missing = [slot.name for value, slot in slots.items() if value not in params]
        if missing or any(str(value) in sql for value in slots):
            raise ValueError(f"{self.build.__qualname__}: the values {missing or list(stand_ins)} must be "
                             "parameters of the query, each as itself")
        return sql, layout


class _Slot:
    """Where a value (or the `index`-th id of a list of them) goes among the parameters."""
    __slots__ = ("name", "index")

    def __init__(self, name: str, index: int | None = None):
        self.name, self.index = name, index

    def value(self, values: dict):
        return values[self.name] if self.index is None else values[self.name][self.index]


class RelatedRead:
    """One `model` row with the related objects that `select_related(*paths)` would give,
    by SQL written from the models' fields once per database. Each column goes through the
    converters the ORM would apply, and the objects are built and linked as a queryset
    builds them (a missing related object is None; a missing reverse one-to-one raises
    DoesNotExist when read, as after select_related). `where` is SQL on the columns of the
    model's table as `t0` ("t0.id = %s AND t0.project_id = %s"): no manager's filter
    applies, so it must say all that the read needs.

    `defer`: fields of the model not read (loaded when first asked for, as after
    `.defer()`); `extra`: attribute name -> SQL on `t0`, set on the model's object as an
    annotation is. The parameters of `first` are those of `extra`, in order, then those of
    `where`."""

    def __init__(self, model: type[models.Model], *paths: str, where: str, defer: Sequence[str] = (),
                 extra: dict[str, str] | None = None):
        self.model, self.paths, self.where = model, paths, where
        self.defer, self.extra = tuple(defer), dict(extra or {})
        self._compiled: dict[str, tuple] = {}

    def first(self, *params, using: str = DEFAULT_DB_ALIAS) -> models.Model | None:
        sql, tables = self._compiled.get(using) or self._compile(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            execute_prepared(cursor, sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        built: dict[str, models.Model | None] = {}
        position = 0
        for table in tables:
            values = row[position:position + len(table.columns)]
            position += len(table.columns)
            built[table.path] = table.build(values, connection) if values[table.pk_index] is not None else None
            if table.link is not None and built[table.parent] is not None:
                table.link(built[table.parent], built[table.path])
        for name, value in zip(self.extra, row[position:]):
            setattr(built[""], name, value)
        return built[""]

    def _compile(self, using: str):
        connection = connections[using]
        quote = connection.ops.quote_name
        tables = [_Table("", None, self.model, "t0", None, connection, defer=self.defer)]
        joins = []
        for path in sorted({prefix for path in self.paths
                            for prefix in ("__".join(path.split("__")[:n + 1]) for n in range(path.count("__") + 1))},
                           key=lambda p: p.count("__")):
            parent_path, _, name = path.rpartition("__")
            parent = next(t for t in tables if t.path == parent_path)
            field = parent.model._meta.get_field(name)
            alias = f"t{len(tables)}"
            table = _Table(path, parent_path, field.related_model, alias, field, connection)
            rel_table = quote(field.related_model._meta.db_table)
            if field.concrete:  # a foreign key (or one-to-one) on the parent's row
                on = f"{alias}.{quote(field.target_field.column)} = {parent.alias}.{quote(field.column)}"
            else:  # a reverse one-to-one: the key is on the related row
                on = f"{alias}.{quote(field.field.column)} = {parent.alias}.{quote(field.field.target_field.column)}"
            joins.append(f"LEFT JOIN {rel_table} {alias} ON {on}")
            tables.append(table)
        columns = ", ".join([*(column for table in tables for column in table.columns), *self.extra.values()])
        sql = f"SELECT {columns} FROM {quote(self.model._meta.db_table)} t0 {' '.join(joins)} WHERE {self.where}"
        self._compiled[using] = (sql, tables)
        return sql, tables


class ModelColumns:
    """A model's columns in written SQL under a table alias (those not in `defer`, or those
    of `fields` in that order), and its objects built from a row's values as the ORM builds
    them: each value through the converters the ORM would apply (SQLite gives dates and JSON
    as text; they take the connection as an argument)."""

    def __init__(self, model: type[models.Model], alias: str, connection, defer: Sequence[str] = (),
                 fields: Sequence[str] | None = None):
        self.model, self.alias = model, alias
        quote = connection.ops.quote_name
        fields = [model._meta.get_field(name) for name in fields] if fields is not None else [
            f for f in model._meta.concrete_fields if f.name not in defer]
        self.columns = [f"{alias}.{quote(f.column)}" for f in fields]
        self.attnames = [f.attname for f in fields]
        self.pk_index = next(i for i, f in enumerate(fields) if f.primary_key)
        self.converters = []
        for f in fields:
            column = f.get_col(alias)
            self.converters.append((connection.ops.get_db_converters(column) + column.get_db_converters(connection),
                                    column))

    def build(self, values, connection) -> models.Model:
        values = list(values)
        for index, (convert, column) in enumerate(self.converters):
            for converter in convert:
                values[index] = converter(values[index], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


class _Table(ModelColumns):
    """One model of a RelatedRead: where it hangs (`path`, its `parent`'s path) and how it
    is cached on its parent."""

    def __init__(self, path: str, parent: str | None, model, alias: str, field, connection, defer=()):
        super().__init__(model, alias, connection, defer)
        self.path, self.parent = path, parent
        self.link = None
        if field is not None:
            def link(parent_object, child, field=field):
                field.set_cached_value(parent_object, child)  # as select_related caches it
                if child is not None and field.one_to_one:
                    (field.remote_field if field.concrete else field.field).set_cached_value(child, parent_object)
            self.link = link


# --- prepared statements on PostgreSQL --------------------------------------------------------

# The parameter types a statement is prepared with, by the Python type of its values (and
# an aware datetime as a timestamp with time zone); a read with a value of another type (or
# None) runs as it is.
_PARAMETER_TYPES = {bool: "boolean", int: "bigint", str: "text", float: "double precision"}
# and a list of ids as an array of them
_ARRAY_TYPES = {int: "bigint[]"}
_PLACEHOLDER = re.compile(r"%%|%s")


# A connection prepares at most this many statements (a read of a list of ids is one per
# length of the list); the reads beyond run as they are.
MOST_PREPARED = 500


class _Prepared:
    """The statements prepared on one connection to the server (they live as long as it)."""

    def __init__(self, server_connection):
        self.server_connection = server_connection
        self.names: dict[tuple, str] = {}
        self.attempt = 0  # after a failure, a statement is prepared again under another name


def execute_prepared(cursor, sql: str, params: Sequence = ()) -> None:
    """`cursor.execute(sql, params)`; on PostgreSQL as a statement the connection prepares
    the first time (PREPARE and EXECUTE in one round trip and one query) and executes from
    then on, so that the server plans it once. For reads of fixed shape that run on every
    click; CASECODER_PREPARED_STATEMENTS=0 turns it off (a pooler that shares a server
    connection between clients, docs/deploy.md)."""
    execute_prepared_together(cursor, [(sql, params)])


def execute_prepared_together(cursor, statements: Sequence[tuple[str, Sequence] | tuple[str, Sequence, tuple]]
                              ) -> None:
    """Several statements, each as `execute_prepared` runs one, in one round trip on
    PostgreSQL where the parameters are merged on the client (Django's default for
    psycopg 3); elsewhere one after the other. The cursor is left at the last one's rows.
    For writes that run on every click: planning their statements cost more than running
    them (#19). Each statement still reads with a snapshot of its own. A statement may
    declare its parameters' types as a third item (`insert_statements`); otherwise they are
    the values', and a statement with a value of no known type runs as it is."""
    connection = cursor.db  # one thread's: its statements need no lock
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("server_side_binding"):
        for sql, params, *_ in statements:
            cursor.execute(sql, params)
        return
    prepared = None
    if settings.CASECODER_PREPARED_STATEMENTS:
        connection.ensure_connection()
        prepared = getattr(connection, "casecoder_prepared", None)
        if prepared is None or prepared.server_connection is not connection.connection:  # a new connection
            prepared = connection.casecoder_prepared = _Prepared(connection.connection)
    parts, values, new = [], [], {}
    for sql, params, *declared in statements:
        values += params
        types = None if prepared is None else declared[0] if declared else _parameter_types(params)
        key = (sql, types)
        name = None if types is None else prepared.names.get(key) or new.get(key)
        if name is None and (types is None or len(prepared.names) + len(new) >= MOST_PREPARED):
            parts.append(sql)  # runs as it is
            continue
        arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
        if name is None:
            name = new[key] = f"casecoder_{hashlib.sha256(repr(key).encode()).hexdigest()[:20]}_{prepared.attempt}"
            numbered = iter(range(1, len(params) + 1))
            statement = _PLACEHOLDER.sub(lambda m: "%%" if m.group() == "%%" else f"${next(numbered)}", sql)
            declared = f"({', '.join(types)})" if types else ""
            parts.append(f"PREPARE {name} {declared} AS {statement}")
        parts.append(f"EXECUTE {name}{arguments}")
    try:
        cursor.execute("\n; ".join(parts), values)
    except Exception:
        if new:
            prepared.attempt += 1  # they may exist or not: the next try takes new names
        raise
    while cursor.nextset():  # to the last statement's rows
        pass
    if new:
        prepared.names.update(new)


_INSERT_PLANS: dict[tuple[type[models.Model], str], tuple[str, list[models.Field]]] = {}


def _insert_plan(model: type[models.Model], using: str) -> tuple[str, list[models.Field]]:
    """"INSERT INTO table (columns) VALUES" of a model and the fields it writes (the database
    gives the id), worked out once per model and database: compiling the ORM's INSERT took
    longer than the database took to run it, on every coding click (#19)."""
    key = (model, using)
    if key not in _INSERT_PLANS:
        opts = model._meta
        fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.auto_field]
        if any(hasattr(f, "get_placeholder") for f in fields):
            raise TypeError(f"{opts.label} has a field with a placeholder of its own: write it with the ORM")
        quote = connections[using].ops.quote_name
        _INSERT_PLANS[key] = (f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                              "VALUES", fields)
    return _INSERT_PLANS[key]


def _inserted_values(objs: Sequence[models.Model], fields: list[models.Field], connection) -> tuple[str, list]:
    """The rows' placeholders and values, each value as the ORM's INSERT prepares it (the
    automatic dates set on the objects, as a save sets them)."""
    row = f"({', '.join(['%s'] * len(fields))})"
    return ", ".join([row] * len(objs)), [field.get_db_prep_save(field.pre_save(obj, True), connection)
                                          for obj in objs for field in fields]


def insert_row(obj: models.Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """Store one new object as `obj.save()` does (its automatic dates set, its id read back,
    pre_save and post_save sent, so the model's receivers do their part), by the INSERT of
    `_insert_plan`."""
    connection = connections[using]
    model = type(obj)
    signals.pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    insert, fields = _insert_plan(model, using)
    rows, params = _inserted_values([obj], fields, connection)
    returning = connection.features.can_return_columns_from_insert
    pk = obj._meta.pk.column
    sql = f"{insert} {rows}" + (f" RETURNING {connection.ops.quote_name(pk)}" if returning else "")
    with connection.cursor() as cursor:
        execute_prepared_together(cursor, [(sql, params, _as_columns(params))])
        obj.pk = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(cursor, obj._meta.db_table, pk)
    obj._state.adding, obj._state.db = False, using
    signals.post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)


def insert_statements(objs: Sequence[models.Model], using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, list]]:
    """The INSERT of `objs` (of one model, their ids left to the database), reading nothing
    back: for rows nobody reads again in the transaction, sent with other statements in one
    round trip (`execute_prepared_together`). As with bulk_create, no signal is sent; the
    objects get their automatic dates, not their ids."""
    if not objs:
        return []
    insert, fields = _insert_plan(type(objs[0]), using)
    rows, params = _inserted_values(objs, fields, connections[using])
    return [(f"{insert} {rows}", params, _as_columns(params))]


def _as_columns(params: Sequence) -> tuple[str, ...]:
    """The declared types of an INSERT's values: each its column's, which PostgreSQL takes
    for a parameter declared `unknown`. So a row with an empty column (NULL) or a JSON one
    is prepared as well, and planned once per connection: the segment of a coding click
    and its history row ran unprepared (#19)."""
    return ("unknown",) * len(params)


def _parameter_types(params: Sequence) -> tuple[str, ...] | None:
    types = []
    for value in params:
        kind = _PARAMETER_TYPES.get(type(value))
        if kind is None and type(value) is list and value and len({type(v) for v in value}) == 1:
            kind = _ARRAY_TYPES.get(type(value[0]))
        if kind is None and type(value) is datetime and value.tzinfo is not None:
            kind = "timestamp with time zone"
        if kind is None:
            return None
        types.append(kind)
    return tuple(types)


def model_columns(model: type[models.Model], alias: str = "", fields: Sequence[str] | None = None) -> str:
    """The model's columns by name (or those of `fields`, the rest deferred), for the
    written SQL of a raw read: a prepared statement with `*` would fail on a server still
    running when a new release adds a column."""
    prefix = f"{alias}." if alias else ""
    chosen = model._meta.concrete_fields if fields is None else [model._meta.get_field(name) for name in fields]
    return ", ".join(f'{prefix}"{field.column}"' for field in chosen)


_OBJECT_COLUMNS: dict[tuple, ModelColumns] = {}


def objects_prepared(model: type[models.Model], sql: str, params: Sequence, *, fields: Sequence[str] | None = None,
                     extra: Sequence[str] = (), using: str = DEFAULT_DB_ALIAS) -> list[models.Model]:
    """The objects `model.objects.raw(sql, params)` gives, as a list, the SQL prepared on
    PostgreSQL (`execute_prepared`). Its columns are the model's (`model_columns(model,
    alias, fields)`: those of `fields` in that order, else all of them) and then `extra`,
    each set on the objects by that name, as a raw queryset sets an annotation. A raw
    queryset works out which column is which from the cursor on every run; on the reads of
    every click (the codes of a coding, the codebook, the latest changes) that took longer
    than building the objects (#19)."""
    connection = connections[using]
    key = (model, None if fields is None else tuple(fields), using)
    columns = _OBJECT_COLUMNS.get(key)
    if columns is None:
        columns = _OBJECT_COLUMNS[key] = ModelColumns(model, "", connection, fields=fields)
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, [connection.ops.adapt_unknown_value(value) for value in params])
        rows = cursor.fetchall()
    width = len(columns.columns)
    objects = []
    for row in rows:
        built = columns.build(row[:width], connection)
        for name, value in zip(extra, row[width:]):
            setattr(built, name, value)
        objects.append(built)
    return objects
