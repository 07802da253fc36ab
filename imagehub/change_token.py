"""A token that changes whenever anything the template list or the build list shows changes, read in one query.

Pages and parts of pages that show only the catalog and the builds (the
template list's results, the build list's counts and filter choices) are
cached under it, in the process's own memory: a change made by any process
gives a new token, so nothing cached is ever served out of date, and an
unchanged site answers from memory.
"""

import hashlib

from django.db import connection

from builds.models import Build
from imagehub.models import PackerTemplate


def current() -> str:
    """Return the token: it changes with every template saved, changed or deleted, and every build added or
    moved on.

    The catalog's part is the number of templates (so that a deletion counts)
    and the newest `changed` time; labels renamed in the admin site are not
    seen. It comes back to an earlier value only when the newest template is
    deleted, and then the catalog is again the one that value stood for. The builds' part is the newest build's id and twice the number of
    queued builds plus the number of running ones: every change of status
    leaves queued or running, or goes from queued to running, so it lowers
    that sum by one or two, and only a new build raises it, which also
    raises the newest id. The token therefore never comes back to an
    earlier value while builds are only added and moved on (deleting one in
    the admin site may go unseen). Every part is read from an index or a
    table's count, whatever the number of versions or builds.
    """
    with connection.cursor() as cursor:
        cursor.execute(_token_sql())
        count, changed, newest, queued, running = cursor.fetchone()
    return f"{count}-{changed}-{newest}-{2 * queued + running}"


def _token_sql() -> str:
    """The token's query, without parameters.

    Written out rather than built with the ORM: compiling three aggregate
    queries took twenty times as long as running this one. The two statuses
    are written into the SQL rather than bound: PostgreSQL plans a prepared
    statement's parameters for any value, and a status taken at random
    matches an eighth of the builds, so it never settled on that plan and
    planned the statement again for every page (planning took about twice
    as long as running it); with the statuses in the text, it plans once per
    connection. Written once per database vendor: every list page runs it.
    """
    sql = _sql.get(connection.vendor)
    if sql is None:
        sql = _sql[connection.vendor] = _written_token_sql()
    return sql


_sql: dict[str, str] = {}


def _written_token_sql() -> str:
    quote = connection.ops.quote_name
    templates, builds = quote(PackerTemplate._meta.db_table), quote(Build._meta.db_table)
    changed = quote(PackerTemplate._meta.get_field("changed").column)
    status, build_id = quote(Build._meta.get_field("status").column), quote(Build._meta.pk.column)
    queued, running = (_literal(value) for value in (Build.Status.QUEUED, Build.Status.RUNNING))
    return (f"SELECT (SELECT COUNT(*) FROM {templates}), (SELECT MAX({changed}) FROM {templates}),"
            f" (SELECT MAX({build_id}) FROM {builds}), (SELECT COUNT(*) FROM {builds} WHERE {status} = {queued}),"
            f" (SELECT COUNT(*) FROM {builds} WHERE {status} = {running})")


def _literal(value: str) -> str:
    """`value`, one of ImageHub's own status names, as an SQL string literal."""
    if not value.isidentifier():
        raise ValueError(f"not a status name: {value!r}")
    return f"'{value}'"


def cache_key(kind: str, *parts: object) -> str:
    """The cache key of `kind` for `parts` (a token, a path, a query...), hashed: they may hold characters
    that cache backends refuse in keys."""
    return f"{kind}:" + hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()
