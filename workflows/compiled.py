"""Reads compiled to SQL once per process.

For the hottest read of the product — a task completion's locked read of the task with its step,
process, application, agency and rule set — Django spends longer compiling the ``select_related``
query (about a hundred columns over seven tables) than the database spends planning and running
it. ``CompiledRead`` builds the queryset once, with stand-in values for its parameters, keeps the
SQL and what Django needs to turn a row into model instances, and afterwards only executes: the
same SQL, the same objects (``from_db``, related objects cached, annotations set) as the queryset.

    read = CompiledRead(lambda pk: Task.objects.select_related("process").filter(pk=pk), "pk")
    task = read.get(pk=7)   # or None
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

_STAND_IN = itertools.count(-2_000_000_011, -7)  # integers no id, key or count of ours takes


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


class CompiledRead:
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

    def get(self, *, using: str = DEFAULT_DB_ALIAS, **values: int) -> Any:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = list(row)
            for position, (converters, expression) in compiled.converters.items():
                for converter in converters:
                    row[position] = converter(row[position], expression, connection)
        obj = compiled.model.from_db(using, compiled.init_list, row[compiled.start:compiled.end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations.items():
            setattr(obj, name, row[position])
        return obj
