"""Tests of the cache backends: the Redis cache whose client every request of the process shares (needs the Redis
server), and keys taken as they are."""

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from imagehub.cache_backends import LocalMemoryCache, SharedClientRedisCache

REDIS_URL = os.environ.get("IMAGEHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix():
    prefix = f"test-cache-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def make_cache(prefix: str, **options) -> SharedClientRedisCache:
    return SharedClientRedisCache(REDIS_URL, {"KEY_PREFIX": prefix, "OPTIONS": options})


def test_caches_made_for_different_requests_share_one_client(prefix):
    first, second = make_cache(prefix), make_cache(prefix)
    assert first._cache is second._cache


def test_a_value_set_through_one_cache_object_is_read_through_another(prefix):
    make_cache(prefix).set("session", {"user": 7}, 60)
    assert make_cache(prefix).get("session") == {"user": 7}


def test_a_deleted_value_is_gone_for_every_cache_object(prefix):
    make_cache(prefix).set("session", "here", 60)
    make_cache(prefix).delete("session")
    assert make_cache(prefix).get("session") is None


def test_caches_with_other_options_have_clients_of_their_own(prefix):
    assert make_cache(prefix)._cache is not make_cache(prefix, socket_timeout=3)._cache


def test_every_call_uses_one_redis_client_per_pool(prefix):
    cache = make_cache(prefix)
    assert cache._cache.get_client("a") is cache._cache.get_client("b")
    assert cache._cache.get_client("a", write=True) is cache._cache.get_client("a")


def test_a_client_shared_by_threads_answers_each_its_own_value(prefix):
    cache = make_cache(prefix)
    for number in range(20):
        cache.set(f"key-{number}", number, 60)
    asked = [number for _ in range(10) for number in range(20)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda number: make_cache(prefix).get(f"key-{number}"), asked))
    assert answers == asked


@pytest.mark.parametrize("key", ["with space", "x" * 300, "control\x01"])
def test_keys_are_taken_as_they_are_without_memcached_warnings(prefix, key, recwarn):
    local = LocalMemoryCache("test-keys", {})
    local.set(key, "kept", 60)
    make_cache(prefix).set(key, "kept", 60)
    assert local.get(key) == "kept" and make_cache(prefix).get(key) == "kept"
    assert not [warning for warning in recwarn if "memcached" in str(warning.message)]
