"""Reads compiled to SQL once per process.

For the hottest reads of the product — a task completion's locked read of the task with its step,
process, application, agency and rule set; a page of an official's queue; an API token with its
user — Django spends longer building and compiling the query than the database spends planning
and running it. A compiled read builds the queryset once, with stand-in values for its parameters,
keeps the SQL and what Django needs to turn a row into values or model instances, and afterwards
only executes: the same SQL, the same objects (``from_db``, related objects cached, annotations set)
or the same value rows as the queryset.

    read = CompiledRead(lambda pk: Task.objects.select_related("process").filter(pk=pk), "pk")
    task = read.get(pk=7)   # or None

    rows = CompiledRows()   # value rows of querysets whose shape is named by a key
    rows.fetch(("queue", 21), lambda permissions: Step.objects.filter(permission__in=permissions)
               .values_list("id", "node")[:21], permissions=("approvals.accept_application",))

A parameter is an integer, a string, a date or a tuple of those (an ``IN`` list: its length is part
of the shape). The stand-ins are values no query of ours takes (negative ids, strings with a control
character, dates in the year 1), and each must reach the SQL as itself, so a parameter that Django
transforms (``__contains`` wraps it in ``%``) is refused when the read is first compiled, not
answered wrongly.
"""

import itertools
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

import prepared

_STAND_IN = itertools.count(-2_000_000_011, -7)  # integers no id, key or count of ours takes


def _kind(value: Any) -> type:
    """A value's type as the SQL sees it: a choice of a ``TextChoices`` (a ``str``) is a string."""
    return str if isinstance(value, str) else type(value)


def _stand_in(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_stand_in(element) for element in value)
    n = -next(_STAND_IN)
    if type(value) is int:
        return -n
    if _kind(value) is str:
        return f"\x1fstand-in {n}"
    if type(value) is date:
        return date(1, 1, 1) + timedelta(days=n % 365)  # year 1: no due date or day of ours
    raise TypeError(f"a compiled read takes integers, strings, dates or tuples of them, not {type(value).__name__}")


@dataclass(frozen=True)
class _Slot:
    position: int  # in the compiled query's parameters
    name: str
    index: int | None  # the element of a tuple parameter
    adapt: Callable[[Any], Any] | None  # as the backend took the stand-in: a date as text on SQLite, an Int8


def _slots(params: list[Any], stand_ins: dict[str, Any]) -> tuple[_Slot, ...]:
    """Where each stand-in landed in the compiled parameters; every one must land somewhere."""
    wanted: dict[tuple[type, Any], tuple[str, int | None, Callable | None]] = {}
    for name, value in stand_ins.items():
        for index, element in enumerate(value) if isinstance(value, tuple) else [(None, value)]:
            wanted[(type(element), element)] = (name, index, None)
            if type(element) is date:  # SQLite takes dates as ISO text
                wanted[(str, element.isoformat())] = (name, index, date.isoformat)
    slots, seen = [], set()
    for position, param in enumerate(params):
        kind = type(param)
        # psycopg's typed integers (a Value with an output field is compiled to Int8(...)) are ints
        base = int if isinstance(param, int) and kind is not bool else kind
        found = wanted.get((base, param))
        if found is not None:
            name, index, adapt = found
            slots.append(_Slot(position, name, index, adapt or (kind if kind is not base else None)))
            seen.add((name, index))
    if seen != {(name, index) for name, index, _adapt in wanted.values()}:
        raise ValueError(f"every parameter must reach the SQL once or more, as itself: {sorted(stand_ins)}")
    return tuple(slots)


def _params(template: tuple[Any, ...], slots: tuple[_Slot, ...], values: dict[str, Any]) -> list[Any]:
    params = list(template)
    for slot in slots:
        value = values[slot.name] if slot.index is None else values[slot.name][slot.index]
        params[slot.position] = slot.adapt(value) if slot.adapt else value
    return params


def _run(cache: dict, key: tuple, compile: Callable, using: str, values: dict[str, Any], fetch: Callable):
    """The compiled query under ``key`` (compiled on first use) run with ``values``: it and what
    ``fetch`` took from the cursor."""
    compiled = cache.get(key)
    if compiled is None:
        compiled = cache[key] = compile()
    with connections[using].cursor() as cursor:
        prepared.execute(cursor, compiled.sql, _params(compiled.params, compiled.slots, values))
        return compiled, fetch(cursor)


def _convert(row, converters, connection):
    row = list(row)
    for position, (functions, expression) in converters.items():
        for function in functions:
            row[position] = function(row[position], expression, connection)
    return row


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[_Slot, ...]
    model: type
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    annotations: dict[str, int]
    converters: dict[int, tuple[list[Callable], Any]]


class CompiledRead:
    """A queryset of one model's objects (with ``select_related`` ones) over parameters, compiled on
    first use per database alias: ``get()`` answers its first object, or None."""

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self.build, self.names = build, names
        self._compiled: dict[tuple, _Compiled] = {}

    def _compile(self, alias: str, values: dict[str, Any]) -> _Compiled:
        stand_ins = {name: _stand_in(values[name]) for name in self.names}
        compiler = self.build(**stand_ins).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql, params=tuple(params), slots=_slots(list(params), stand_ins), model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]], start=start, end=end,
            populators=get_related_populators(klass_info, select, alias),
            annotations=dict(compiler.annotation_col_map or {}),
            converters=compiler.get_converters([column[0] for column in select[:compiler.col_count]]),
        )

    def _execute(self, using: str, values: dict[str, Any], fetch: Callable) -> tuple[_Compiled, Any]:
        return _run(self._compiled, (using, _signature(values)), lambda: self._compile(using, values), using, values,
                    fetch)

    def _object(self, compiled: _Compiled, using: str, row, known: list[tuple[Any, Any]]) -> Any:
        if compiled.converters:
            row = _convert(row, compiled.converters, connections[using])
        obj = compiled.model.from_db(using, compiled.init_list, row[compiled.start:compiled.end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations.items():
            setattr(obj, name, row[position])
        for field, value in known:
            field.set_cached_value(obj, value)
        return obj

    def get(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Any:
        """The first object, or None."""
        compiled, row = self._execute(using, values, lambda cursor: cursor.fetchone())
        return None if row is None else self._object(compiled, using, row, [])

    def all(self, *, using: str = DEFAULT_DB_ALIAS, known: dict[str, Any] | None = None, **values: Any) -> list:
        """Every object, as ``list(queryset)``. ``known`` does what a related manager does for
        ``application.steps.all()``: each object's foreign key named there is set to the object
        given (the one it was read through), not read again."""
        compiled, rows = self._execute(using, values, lambda cursor: cursor.fetchall())
        fields = [(compiled.model._meta.get_field(name), value) for name, value in (known or {}).items()]
        return [self._object(compiled, using, row, fields) for row in rows]


class CompiledIdRows:
    """``list(build(ids))`` for the ids of up to a page of rows (``size``), compiled once per process: the
    ids are padded with repeats of the last one (the same rows: ``IN`` ignores repeats), so one query
    serves every page length. More ids, or none, run ``build`` as it is."""

    def __init__(self, build: Callable[[list[int]], QuerySet], size: int):
        self.build = build
        self.names = tuple(f"id{n}" for n in range(size))
        self.read = CompiledRead(lambda **ids: build(list(ids.values())), *self.names)

    def all(self, ids: list[int]) -> list:
        if not 0 < len(ids) <= len(self.names):
            return list(self.build(ids))
        padded = ids + ids[-1:] * (len(self.names) - len(ids))
        return self.read.all(**dict(zip(self.names, padded, strict=True)))


def _signature(values: dict[str, Any]) -> tuple:
    """What of the values shapes the SQL: their names, types and the length of a tuple."""
    return tuple((name, _kind(value), len(value) if isinstance(value, tuple) else None)
                 for name, value in sorted(values.items()))


@dataclass(frozen=True)
class _CompiledRows:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[_Slot, ...]
    converters: dict[int, tuple[list[Callable], Any]]


class CompiledRows:
    """Value rows (``values_list``) of querysets compiled once per shape and database alias.

    ``fetch(key, build, **values)``: ``key`` names everything about the query that its parameters do
    not (which filters, the order, the LIMIT); ``build(**values)`` builds it. The rows are tuples in
    the order of the ``values_list`` fields, as the queryset gives them.
    """

    def __init__(self):
        self._compiled: dict[tuple, _CompiledRows] = {}

    def _compile(self, alias: str, build: Callable[..., QuerySet], values: dict[str, Any]) -> _CompiledRows:
        stand_ins = {name: _stand_in(value) for name, value in values.items()}
        queryset = build(**stand_ins)
        query = queryset.query
        if not queryset._fields or query.extra_select:
            raise ValueError("a compiled values read is a values_list of fields and expressions")
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # The rows are the SQL's columns: they must be the values_list's, in its order (as Django
        # selects them), for the rows to be the queryset's.
        names = [column[2] for column in compiler.select[:compiler.col_count]]
        if names != list(queryset._fields):
            raise ValueError(f"the SQL selects {names}, not the values_list's {list(queryset._fields)}")
        return _CompiledRows(
            sql=sql, params=tuple(params), slots=_slots(list(params), stand_ins),
            converters=compiler.get_converters([column[0] for column in compiler.select[:compiler.col_count]]),
        )

    def fetch(self, key: Hashable, build: Callable[..., QuerySet], *, using: str = DEFAULT_DB_ALIAS,
              **values: Any) -> list[tuple]:
        compiled, rows = _run(self._compiled, (using, key, _signature(values)),
                              lambda: self._compile(using, build, values), using, values, lambda cursor: cursor.fetchall())
        if compiled.converters:
            return [tuple(_convert(row, compiled.converters, connections[using])) for row in rows]
        return rows
