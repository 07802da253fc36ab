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

With several web processes, `TieredCache` keeps what one renders for the
others: each looks in its own memory, then in Redis.
"""

import re
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, "SharedRedisClient"] = {}
_tiers: dict[tuple, tuple["SharedClientRedisCache", "LocalMemoryCache"]] = {}
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


_MISSING = object()


class TieredCache(BaseCache):
    """The process's memory in front of a Redis cache that every process of the installation shares.

    What one web process computes and keeps (a page of the build list, a
    count, a history's chart) is found by the others in Redis, then in their
    own memory, so several processes behind a proxy each pay for it once
    between them rather than once each. A value read from Redis is kept in
    memory until the time it was set to expire (Redis holds it with that
    time beside it). Deleting a key reaches Redis and this process's memory,
    not another's: the keys kept here name their content (they hold a change
    token or a status), so nothing kept is ever deleted to be replaced.

    LOCATION and KEY_PREFIX are Redis's; OPTIONS["MAX_ENTRIES"] bounds the
    entries kept in memory, the other OPTIONS go to the Redis client.
    """

    def __init__(self, server, params):
        super().__init__(params)
        # Django makes a cache object per request (see above): the tiers are made once per process.
        key = (server, repr(sorted(params.items())))
        tiers = _tiers.get(key)
        if tiers is None:
            options = dict(params.get("OPTIONS", {}))
            local_options = {name: options.pop(name) for name in ("MAX_ENTRIES", "CULL_FREQUENCY")
                             if name in options}
            shared = SharedClientRedisCache(server, {**params, "OPTIONS": options})
            local = LocalMemoryCache(f"tiered:{server}:{self.key_prefix}",
                                     {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": local_options})
            with _lock:
                tiers = _tiers.setdefault(key, (shared, local))
        self._shared, self._local = tiers

    def _seconds(self, timeout) -> float | None:
        """`timeout` in seconds (DEFAULT_TIMEOUT made the cache's default); None for a value kept until evicted."""
        return self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout

    def get(self, key, default=None, version=None):
        value = self._local.get(key, _MISSING, version)
        if value is not _MISSING:
            return value
        kept = self._shared.get(key, _MISSING, version)
        if kept is _MISSING:
            return default
        expires, value = kept
        remaining = None if expires is None else expires - time.time()
        if remaining is None or remaining > 0:
            self._local.set(key, value, remaining, version)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        seconds = self._seconds(timeout)
        self._shared.set(key, (_expiry(seconds), value), seconds, version)
        self._local.set(key, value, seconds, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        seconds = self._seconds(timeout)
        if not self._shared.add(key, (_expiry(seconds), value), seconds, version):
            return False
        self._local.set(key, value, seconds, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        kept = self._shared.get(key, _MISSING, version)
        if kept is _MISSING:
            return False
        self.set(key, kept[1], timeout, version)
        return True

    def delete(self, key, version=None):
        kept_here = self._local.delete(key, version)
        return self._shared.delete(key, version) or kept_here

    def has_key(self, key, version=None):
        return self._local.has_key(key, version) or self._shared.has_key(key, version)

    def clear(self):
        """Forget every key of this cache, here and in Redis (only its own: the database also holds others')."""
        self._local.clear()
        client = self._shared._cache.get_client(write=True)
        # Django makes every key "<KEY_PREFIX>:<version>:<key>" (":1:..." without a prefix).
        prefix = re.sub(r"([*?\[\]\\])", r"\\\1", self._shared.key_prefix)  # the prefix as it is, not a pattern
        for keys in _batches(client.scan_iter(match=f"{prefix}:*", count=1000), 1000):
            client.delete(*keys)

    def validate_key(self, key: str) -> None:
        """Accept `key`: it is ImageHub's own, never meant for memcached."""


def _expiry(seconds: float | None) -> float | None:
    """The time a value kept for `seconds` (None: until evicted) expires."""
    return None if seconds is None else time.time() + seconds


def _batches(items, size: int):
    """Lists of up to `size` of `items`, in order."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
