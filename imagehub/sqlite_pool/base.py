"""Django's SQLite backend, keeping closed connections open in a pool for the next request to reuse.

Under ASGI every request runs its database work in a thread of its own, so
Django's persistent connections (CONN_MAX_AGE) cannot help: a connection
belongs to the thread that opened it. Opening one costs the connect, the
PRAGMAs and functions set up on it, and the parsing of the schema on its first
query (about 2 ms of CPU, a fifth of a list page). Here a connection that
Django closes goes back to a pool instead (its transaction, if one was left
open, rolled back), and the next connection to the same file is taken from
there. Django's SQLite backend already opens connections usable from any
thread (`check_same_thread=False`) and checks itself that one is not shared
by two threads at once. In-memory databases are never pooled.
"""

import threading

from django.db.backends.sqlite3 import base

# At most this many idle connections are kept per database file; more are closed.
POOL_SIZE = 8

_idle: dict[str, list] = {}
_lock = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        if not self.is_in_memory_db():
            with _lock:
                idle = _idle.get(self._pool_key())
                if idle:
                    return idle.pop()
        return super().get_new_connection(conn_params)

    def _close(self):
        if self.connection is None or self.is_in_memory_db():
            return super()._close()
        raw = self.connection
        try:
            if raw.in_transaction:
                raw.rollback()
        except base.Database.Error:
            return super()._close()
        with _lock:
            idle = _idle.setdefault(self._pool_key(), [])
            if len(idle) < POOL_SIZE:
                idle.append(raw)
                return None
        return super()._close()

    def _pool_key(self) -> str:
        return str(self.settings_dict["NAME"])

