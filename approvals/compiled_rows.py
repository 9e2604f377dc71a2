"""Reads compiled to SQL once per process, for the pages' short reads: lists of rows, or one row.

The application page reads a handful of short lists of one application (its steps, notices, scope,
status changes, answer files, issued PDFs). Each is a few rows, and Django spent longer building and
compiling each queryset than the database spent running it. ``CompiledRows`` compiles the queryset
once with stand-in values for its integer parameters and afterwards only executes it: the same SQL,
the same model instances (related objects of ``select_related`` cached, annotations set) as
``list(queryset)``, or ``get`` for the first row or None.

This is ``workflows.compiled.CompiledRead`` (the task completion's read) for lists, on the approvals
floor so that approvals and documents may use it (tests/test_floors.py: they may not import
workflows); the compilation is the same. ``tests/approvals/test_compiled_rows.py`` holds each use to
its queryset.

    steps = CompiledRows(lambda application: Step.objects.filter(application_id=application), "application")
    steps.all(application=7)                                   # list(queryset)
    steps.all(application=7, known={"application": app})       # each row's .application is app

``known`` does what a related manager does for ``application.steps.all()``: the rows' foreign key to
the object they were read through is set to that object, not read again.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

_STAND_IN = itertools.count(-2_000_000_013, -7)  # integers no id, key or count of ours takes


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position in params, name of the value that goes there)
    model: type
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    annotations: dict[str, int]
    converters: dict[int, tuple[list[Callable], Any]]


class CompiledRows:
    """A queryset over integer parameters, compiled on first use per database alias."""

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self.build, self.names = build, names
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        stand_ins = {name: next(_STAND_IN) for name in self.names}
        compiler = self.build(**stand_ins).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in stand_ins.items()}
        slots = tuple((i, by_value[p]) for i, p in enumerate(params) if type(p) is int and p in by_value)
        if {name for _i, name in slots} != set(self.names):
            raise ValueError(f"every parameter must reach the SQL once or more: {self.names}")
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql, params=tuple(params), slots=slots, model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]], start=start, end=end,
            populators=get_related_populators(klass_info, select, alias),
            annotations=dict(compiler.annotation_col_map or {}),
            converters=compiler.get_converters([column[0] for column in select[:compiler.col_count]]),
        )

    def all(self, *, using: str = DEFAULT_DB_ALIAS, known: dict[str, Any] | None = None, **values: int) -> list:
        """``list(queryset)`` for these values."""
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        model = compiled.model
        fields = [model._meta.get_field(name) for name in known or ()]
        result = []
        for row in rows:
            if compiled.converters:
                row = list(row)
                for position, (converters, expression) in compiled.converters.items():
                    for converter in converters:
                        row[position] = converter(row[position], expression, connection)
            obj = model.from_db(using, compiled.init_list, row[compiled.start:compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations.items():
                setattr(obj, name, row[position])
            for field in fields:
                field.set_cached_value(obj, known[field.name])
            result.append(obj)
        return result

    def get(self, *, using: str = DEFAULT_DB_ALIAS, **values: int) -> Any:
        """The first row for these values, or None (for a queryset of one row at most)."""
        rows = self.all(using=using, **values)
        return rows[0] if rows else None


class CompiledIdRows:
    """``list(build(ids))`` for the ids of up to a page of rows (``size``), compiled once per process: the
    ids are padded with repeats of the last one (the same rows: ``IN`` ignores repeats). More ids, or
    none, run ``build`` as it is."""

    def __init__(self, build: Callable[[list[int]], QuerySet], size: int):
        self.build = build
        self.names = tuple(f"id{n}" for n in range(size))
        self.read = CompiledRows(lambda **ids: build(list(ids.values())), *self.names)

    def all(self, ids: list[int]) -> list:
        if not 0 < len(ids) <= len(self.names):
            return list(self.build(ids))
        padded = ids + ids[-1:] * (len(self.names) - len(ids))
        return self.read.all(**dict(zip(self.names, padded, strict=True)))
