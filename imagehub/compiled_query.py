"""Querysets compiled to SQL once per process and run again with other values.

Building a queryset and compiling it to SQL costs Django about a
millisecond for a query with a few joins (the build page's build with its
template, versions and people), several times what the database takes to
answer it once its plan is prepared. A CompiledQuery builds its queryset
once per database, with stand-in values for the parameters, keeps the SQL,
and for each call runs that SQL with the real values and turns the rows into
model instances (with their select_related objects and annotations) the way
Django's own ModelIterable does.

Only scalar parameters that reach the SQL as parameters can be stood in for
(a primary key, a foreign key, a status, a slug, each item of an `__in`
list of a fixed length); a queryset whose SQL changes with the values (an
`__in` list of any length, a slice) cannot be compiled once.
"""

import threading
from collections.abc import Callable

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# Stand-ins for the parameters while the queryset is compiled: values no real row has (numbers, or texts).
MAX_PARAMETERS = 100
_STAND_INS = tuple(-918_273_645_001 - number for number in range(MAX_PARAMETERS))
_TEXT_STAND_INS = tuple(f"\x1fstand-in-{number + 1}\x1f" for number in range(MAX_PARAMETERS))


class CompiledQuery:
    """`make(*values)` (a queryset of one model) compiled once per database; call `all(*values)` or `first(...)`.

    `make` is called with stand-ins, one per parameter (integers, or texts
    when `text`), and must put each into the SQL once as a parameter.
    """

    def __init__(self, make: Callable[..., QuerySet], parameters: int = 1, *, text: bool = False):
        if not 1 <= parameters <= MAX_PARAMETERS:
            raise ValueError(f"a compiled query takes 1 to {MAX_PARAMETERS} parameters")
        self.make = make
        self.stand_ins = (_TEXT_STAND_INS if text else _STAND_INS)[:parameters]
        self._model = None
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def all(self, *values) -> list:
        """The model instances the queryset gives with `values` for its parameters, in its order."""
        if len(values) != len(self.stand_ins):
            raise TypeError(f"expected {len(self.stand_ins)} values, got {len(values)}")
        if self._model is None:
            self._model = self.make(*self.stand_ins).model
        compiled = self._for(router.db_for_read(self._model))
        return compiled.run(dict(zip(self.stand_ins, values, strict=True)))

    def first(self, *values):
        """The first instance the queryset gives with `values`, or None."""
        found = self.all(*values)
        return found[0] if found else None

    def _for(self, alias: str) -> "_Compiled":
        key = (alias, connections[alias].vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    compiled = _Compiled(self.make(*self.stand_ins), alias, self.stand_ins)
                    self._compiled[key] = compiled
        return compiled


class _Compiled:
    """One queryset's SQL on one database, with what turns its rows into instances (as ModelIterable does)."""

    def __init__(self, queryset: QuerySet, alias: str, stand_ins: tuple):
        compiler = queryset.query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        places = [index for index, value in enumerate(params) if value in stand_ins]
        if sorted(params[index] for index in places) != sorted(stand_ins):
            raise ValueError("each stand-in must reach the SQL exactly once, as a parameter")
        self.params = list(params)
        self.places = places
        self.alias = alias
        self.compiler = compiler
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in compiler.select[self.start:self.end]]
        self.populators = get_related_populators(klass_info, compiler.select, alias)
        self.annotations = list(compiler.annotation_col_map.items())
        # What results_iter would work out again for every run: each column's converters (dates, JSON, ...).
        columns = [column[0] for column in compiler.select[:compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError("a compiled query cannot select a composite primary key")
        self.converters = compiler.get_converters(columns)

    def run(self, values: dict) -> list:
        params = list(self.params)
        for index in self.places:
            params[index] = values[params[index]]
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        found = []
        for row in rows:
            instance = self.model.from_db(self.alias, self.init_list, row[self.start:self.end])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found
