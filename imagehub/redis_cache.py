"""Django's Redis cache, with one client and pool of connections per process for each server and options.

Django keeps its cache objects in a context-local store, and under ASGI
every request runs in a context of its own, so each request would make a
new cache object, a new client and a new pool, and open a new connection to
Redis (a third of the time a session read takes). Here the cache objects
still come and go with the requests, but they share the process's client.
"""

import threading

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class SharedClientRedisCache(RedisCache):
    """RedisCache whose client (and so its connections) is made once per process and reused by every request."""

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
