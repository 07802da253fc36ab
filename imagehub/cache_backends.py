"""The cache backends: Django's local-memory and Redis caches, without per-call work ImageHub's keys never need.

Django checks every key on every call for what memcached would refuse
(a loop over its characters, in Python). ImageHub's keys are its own: a
kind and a SHA-256 (imagehub.change_token.cache_key) or Django's session
keys, so neither backend checks them.

Django keeps its cache objects in a context-local store, and under ASGI
every request runs in a context of its own, so each request would make a
new Redis cache object, a new client and a new pool, and open a new
connection to Redis (a third of the time a session read takes); and even a
shared client makes a new redis-py client object on every call. Here the
cache objects still come and go with the requests, but they share the
process's client, and it makes one redis-py client for each of its pools.
"""

import threading

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, "SharedRedisClient"] = {}
_lock = threading.Lock()


class LocalMemoryCache(LocMemCache):
    """LocMemCache that takes its keys as they are."""

    def validate_key(self, key: str) -> None:
        """Accept `key`: it is ImageHub's own, never meant for memcached."""


class SharedRedisClient(RedisCacheClient):
    """Django's Redis cache client, with one redis-py client per connection pool rather than one per call.

    A redis-py client may be used by several threads at once: each command
    takes a connection from the pool for its own time.
    """

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._redis_clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._redis_clients.get(index)
        if client is None:
            with _lock:
                client = self._redis_clients.get(index)
                if client is None:
                    if index not in self._pools:
                        self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    client = self._redis_clients[index] = self._client(connection_pool=self._pools[index])
        return client


class SharedClientRedisCache(RedisCache):
    """RedisCache whose client (and so its connections) is made once per process and reused by every request."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedRedisClient

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

    def validate_key(self, key: str) -> None:
        """Accept `key`: it is ImageHub's own or Django's session key, never meant for memcached."""
