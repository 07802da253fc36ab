"""Timestamps read from PostgreSQL by psycopg's compiled loader rather than Django's Python one.

Django reads every `timestamptz` through a loader of its own, a Python
subclass of psycopg's that parses the text in Python and then sets the time
zone Django works in: about three microseconds a value, which is a tenth
of a list page (a hundred timestamps) and seconds for the million lines of
a long build's log. psycopg's compiled loader (the psycopg[binary]
package) parses the same text in C. `use_compiled_loader` gives a new
connection a loader that parses with it and sets the time zone as Django's
does, with the same `timezone` attribute (Django compares it when it opens
a cursor); the values are Django's own, equal and in the same time zone.
Without the compiled loader nothing changes.
"""

from functools import cache

import psycopg
from psycopg.postgres import types
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = types["timestamptz"].oid


@cache
def compiled_loader_class() -> type | None:
    """psycopg's compiled timestamptz loader, or None when only the Python one is installed."""
    found = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    return None if found is TimestamptzLoader or issubclass(found, TimestamptzLoader) else found


class _CompiledTzLoader(TimestamptzLoader):
    """Parses with psycopg's compiled loader, then sets `timezone` as Django's loader does."""

    timezone = None
    compiled: type

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._parse = self.compiled(oid, context).load

    def load(self, data):
        value = self._parse(data)
        return value if value.tzinfo is self.timezone else value.replace(tzinfo=self.timezone)


@cache
def loader_for(timezone, compiled: type) -> type:
    """The loader class for Django's `timezone`, parsing with `compiled`."""
    return type("CompiledTzLoader", (_CompiledTzLoader,), {"timezone": timezone, "compiled": compiled})


def use_compiled_loader(sender, connection, **kwargs) -> None:
    """connection_created receiver: read a PostgreSQL connection's timestamps with the compiled loader."""
    if connection.vendor != "postgresql":
        return
    compiled = compiled_loader_class()
    if compiled is None:
        return
    adapters = connection.connection.adapters
    current = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if issubclass(current, _CompiledTzLoader) or not hasattr(current, "timezone"):
        return  # ours already, or not Django's: left as it is
    adapters.register_loader("timestamptz", loader_for(current.timezone, compiled))
