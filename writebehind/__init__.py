"""Writes whose answer nobody reads, sent in the same round trip as the next statement.

A task completion is a couple of dozen short statements in one transaction, and on a database
across a network each costs a round trip, whatever it does. Many of them are writes that return
nothing the code reads (a task marked done, a step's finish, the outbox row, the lock statement
itself): inside ``write_behind()`` such a write is queued with ``later()`` and sent *in front of*
the next statement the connection runs, in one request (PostgreSQL's simple query protocol runs a
string of statements in order, each with its own snapshot); what is still queued when the block
ends is sent then.

Nothing changes for what the transaction sees: every later statement runs after the queued writes,
on the server, in the order they were made. What changes: a queued write's row count is not
checked (queue only writes to rows that exist), and its error is raised late. So that such an
error can never be caught as somebody else's (an ``except IntegrityError`` around a savepoint, or a
carrier whose own failure the code expects) and the write silently lost:

- only a statement at the block's own savepoint depth carries the queue; before a transaction-control
  statement (SAVEPOINT, RELEASE, ROLLBACK TO) or inside a savepoint opened since, the queue is sent
  alone first;
- a queue that fails alone raises ``QueuedWriteFailed``, which is not a database error: no code
  catches it by mistake, and the transaction rolls back whole;
- a request in which a carrier failed fails the block, even if the code around the carrier went on:
  a completion is all or nothing.

Outside the block, or on a database without this protocol (SQLite, server-side binding), ``later()``
runs the write at once: one code path, the same result.

The statements themselves (``insert_rows``, ``insert_row``, ``update_row``) are built once per model
and field set, as ``Model.save`` would write them: for the few writes every completion makes,
Django's compiler took longer to build the SQL than the database to run it. They send no save
signals; the models they are used for have no receivers.
"""

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db import DatabaseError, connection, models
from django.db.models import Model

import prepared

_local = threading.local()
_CARRIERS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "EXECUTE")  # EXECUTE: a prepared one of these


class QueuedWriteFailed(RuntimeError):
    """A queued write failed (its database error is the cause): the transaction must roll back."""


def _enabled() -> bool:
    return (connection.vendor == "postgresql"
            and connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is not True)


def _queue() -> list[tuple[str, Sequence[Any]]] | None:
    return getattr(_local, "queue", None)


def _savepoints() -> int:
    """Savepoints open on the connection (an inner ``atomic(savepoint=False)`` opens none)."""
    return sum(1 for sid in connection.savepoint_ids if sid is not None)


def later(sql: str, params: Sequence[Any] = ()) -> None:
    """Run a write whose result is not read: with the next statement inside ``write_behind()``, else now."""
    queue = _queue()
    if queue is None:
        with connection.cursor() as cursor:
            prepared.execute(cursor, sql, params)
        return
    queue.append((prepared.statement(connection, sql, params), list(params)))


def update_row(instance: Model, fields: Iterable[str], *, where: dict[str, Any] | None = None) -> tuple[str, list[Any]]:
    """The UPDATE of ``fields`` of ``instance``'s row, as ``save(update_fields=...)`` writes them, and
    its parameters; ``where`` adds columns the row must still hold (attname: value). The SQL is built
    once per model and field set (Django's compiler takes longer to build it than the database to run it)."""
    model = type(instance)
    names, guards = tuple(fields), tuple(where or ())
    key = (model, names, guards, connection.vendor)
    cached = _UPDATES.get(key)
    if cached is None:
        quote = connection.ops.quote_name
        concrete = [model._meta.get_field(name) for name in names]
        owner = concrete[0].model._meta  # a parent's fields (multi-table inheritance) live in its table
        if any(field.model._meta is not owner for field in concrete):
            raise ValueError(f"{names}: the fields of one table only")
        sql = (f"UPDATE {quote(owner.db_table)} SET "
               + ", ".join(f"{quote(field.column)} = %s" for field in concrete)
               + f" WHERE {quote(owner.pk.column)} = %s"
               + "".join(f" AND {quote(model._meta.get_field(name).column)} = %s" for name in guards))
        cached = _UPDATES[key] = (sql, _plain(concrete))
    sql, fields = cached
    return sql, [*_values(instance, fields, False), instance.pk, *(where or {}).values()]


def later_update(instance: Model, fields: Iterable[str]) -> None:
    """``instance.save(update_fields=fields)`` as a queued write (no save signals: the models this
    is used for have no receivers). The row must exist; its count is not checked."""
    later(*update_row(instance, fields))


def insert_rows(instances: Sequence[Model]) -> tuple[str, list[Any]]:
    """The INSERT of ``instances`` (one model, every concrete column but the id) and its parameters,
    as ``Model.save`` would write them; the SQL is built once per model and row count (Django's
    compiler takes longer to build it than the database to run it)."""
    model = type(instances[0])
    key = (model, len(instances), connection.vendor)
    cached = _INSERTS.get(key)
    if cached is None:
        head, concrete = _insert_into(model)
        row = f"({', '.join(['%s'] * len(concrete))})"
        cached = _INSERTS[key] = (f"{head} VALUES {', '.join([row] * len(instances))}", _plain(concrete))
    sql, fields = cached
    return sql, [value for instance in instances for value in _values(instance, fields, True)]


def insert_from(instance: Model, source: str) -> tuple[str, list[Any]]:
    """The INSERT of ``instance`` once for each row of ``source`` (a CTE of the same statement, say a
    guarded UPDATE's ``RETURNING``), returning its id, and its parameters: so a row that records a
    change is written in the change's own statement, and only if the change took. Each value is cast
    to its column's type (a parameter in a SELECT list has no type of its own). PostgreSQL only."""
    model = type(instance)
    key = (model, source, connection.vendor)
    cached = _INSERTS_FROM.get(key)
    if cached is None:
        head, concrete = _insert_into(model)
        sql = (f"{head} SELECT {', '.join(f'CAST(%s AS {f.cast_db_type(connection)})' for f in concrete)} "
               f"FROM {source} RETURNING {connection.ops.quote_name(model._meta.pk.column)}")
        cached = _INSERTS_FROM[key] = (sql, _plain(concrete))
    sql, fields = cached
    return sql, _values(instance, fields, True)


def _insert_into(model) -> tuple[str, list]:
    """``INSERT INTO table (columns)`` of every concrete column but the id, and those fields."""
    quote = connection.ops.quote_name
    concrete = [field for field in model._meta.concrete_fields if not field.primary_key]
    return f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in concrete)})", concrete


def insert_row(instance: Model) -> None:
    """``instance.save(force_insert=True)`` now, its new id set on it (no save signals)."""
    sql, params = insert_rows([instance])
    pk = instance._meta.pk
    with connection.cursor() as cursor:
        prepared.execute(cursor, f"{sql} RETURNING {connection.ops.quote_name(pk.column)}", params)
        setattr(instance, pk.attname, cursor.fetchone()[0])
    instance._state.adding, instance._state.db = False, connection.alias


def later_insert(instance: Model) -> None:
    """``instance.save(force_insert=True)`` as a queued write, for a row whose id nothing reads in
    the transaction (the instance keeps ``pk`` None). No save signals."""
    later(*insert_rows([instance]))


_UPDATES: dict[tuple, tuple[str, list]] = {}  # the SQL and _plain's fields
_INSERTS: dict[tuple, tuple[str, list]] = {}
_INSERTS_FROM: dict[tuple, tuple[str, list]] = {}

# Fields whose value of these exact types reaches the database as it is (``get_db_prep_save`` of it
# is the value, or the same number typed): written without Django's per-field preparation, which
# cost more than the rest of building a row. Anything else (a subclass, another type, a naive
# datetime, a field with auto_now) goes through ``pre_save`` and ``get_db_prep_save``.
_AS_IS = {
    **dict.fromkeys((models.CharField, models.TextField), (str,)),
    **dict.fromkeys((models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
                     models.PositiveBigIntegerField,
                     models.SmallIntegerField, models.BigIntegerField, models.ForeignKey, models.OneToOneField), (int,)),
    models.BooleanField: (bool,),
    models.DateField: (date,),
    models.DateTimeField: (datetime,),
}


def _plain(fields: list) -> list[tuple[Any, tuple[type, ...]]]:
    """Each field with the types of value it sends as they are (none for a field with auto_now)."""
    return [(field, () if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
             else _AS_IS.get(type(field), ())) for field in fields]


def _values(instance: Model, fields: list[tuple[Any, tuple[type, ...]]], add: bool) -> list[Any]:
    """The row's values as ``save()`` would send them (on PostgreSQL, whose driver takes these types as
    they are; SQLite's backend turns dates and datetimes into its own text). ``fields``: ``_plain``'s."""
    as_is = connection.vendor == "postgresql"
    values = []
    for field, kinds in fields:
        value = getattr(instance, field.attname)
        if as_is and (value is None and kinds or type(value) in kinds and (type(value) is not datetime or value.tzinfo)):
            values.append(value)
        else:
            values.append(field.get_db_prep_save(field.pre_save(instance, add), connection))
    return values


def flush() -> None:
    """Send what is queued now, on its own."""
    queue = _queue()
    if queue:
        sql, params = _joined(queue)
        queue.clear()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        except DatabaseError as error:
            raise QueuedWriteFailed(str(error)) from error


def _joined(pending, sql: str | None = None, params: Sequence[Any] | None = None) -> tuple[str, list[Any]]:
    """The queued writes, then ``sql``, as one string of statements with its parameters."""
    texts = [text for text, _values in pending]
    merged = [value for _text, values in pending for value in values]
    if sql is not None:
        texts.append(sql if params is not None else sql.replace("%", "%%"))  # unformatted text: escape
        merged.extend(params or ())
    return ";\n".join(texts), merged


def _carry(execute, sql, params, many, context):
    """The connection's execute wrapper: a statement carries the queue in front of it."""
    queue = _queue()
    if not queue:
        return execute(sql, params, many, context)
    if (many or isinstance(params, dict) or _savepoints() != _local.depth
            or not sql.lstrip()[:7].upper().startswith(_CARRIERS)):
        flush()  # transaction control, a savepoint since, or a form that cannot be joined: alone, first
        return execute(sql, params, many, context)
    count = len(queue)
    joined, merged = _joined(queue, sql, params)
    queue.clear()
    try:
        result = execute(joined, merged, many, context)
    except DatabaseError:
        _local.failed = True  # the queued writes or the carrier: either way, not this transaction
        raise
    for _ in range(count):  # leave the cursor on the carrier's own result
        context["cursor"].cursor.nextset()
    return result


@contextmanager
def write_behind() -> Iterator[None]:
    """Inside: ``later()`` writes travel with the next statement. Nested blocks share the outer one.
    On error the queue is dropped (the transaction around it rolls back)."""
    if _queue() is not None or not _enabled():
        yield
        return
    _local.queue, _local.depth, _local.failed = [], _savepoints(), False
    try:
        with connection.execute_wrapper(_carry):
            yield
            flush()
            if _local.failed:
                raise QueuedWriteFailed("a request carrying queued writes failed and the block went on")
    finally:
        _local.queue = None
