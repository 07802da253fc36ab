"""Tests of the cache backends: the Redis cache whose client every request of the process shares, the tiered cache
whose values every process shares (both need the Redis server), and keys taken as they are."""

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from imagehub.cache_backends import LocalMemoryCache, SharedClientRedisCache, TieredCache

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


def tiered(prefix: str) -> TieredCache:
    return TieredCache(REDIS_URL, {"KEY_PREFIX": prefix, "OPTIONS": {"MAX_ENTRIES": 50}})


def another_process(prefix: str) -> TieredCache:
    """The tiered cache as another web process has it: the same Redis, a memory of its own."""
    cache = tiered(prefix)
    cache._local = LocalMemoryCache(f"another-process-{uuid.uuid4().hex}", {"OPTIONS": {"MAX_ENTRIES": 50}})
    return cache


def test_the_tiers_are_made_once_and_shared_by_every_requests_cache_object(prefix):
    first, second = tiered(prefix), tiered(prefix)
    assert first._local is second._local and first._shared is second._shared
    assert first._local._max_entries == 50 and "MAX_ENTRIES" not in first._shared._options


def test_what_one_process_keeps_another_finds_and_then_keeps_in_its_own_memory(prefix):
    one, other = tiered(prefix), another_process(prefix)
    one.set("page", "<tr>rows</tr>", 60)
    assert other._local.get("page") is None
    assert other.get("page") == "<tr>rows</tr>"
    other._shared.delete("page")  # gone from Redis: the other process answers from its memory
    assert other.get("page") == "<tr>rows</tr>" and one.get("page") == "<tr>rows</tr>"
    assert another_process(prefix).get("page", "missing") == "missing"


def test_a_copy_taken_from_redis_expires_when_the_value_was_set_to(prefix):
    tiered(prefix).set("count", 10_000, 1)
    other = another_process(prefix)
    assert other.get("count") == 10_000
    time.sleep(1.1)
    assert other._local.get("count") is None and other.get("count") is None


def test_a_value_kept_without_a_timeout_is_shared_as_well(prefix):
    tiered(prefix).set("chart", {"svg": "<svg/>"}, None)
    assert another_process(prefix).get("chart") == {"svg": "<svg/>"}


def test_get_or_set_computes_a_value_once_between_processes(prefix):
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    assert tiered(prefix).get_or_set("count", compute, 60) == 1
    assert another_process(prefix).get_or_set("count", compute, 60) == 1
    assert computed == [1]
    assert another_process(prefix).add("count", 5, 60) is False


def test_delete_and_touch_reach_redis(prefix):
    one, other = tiered(prefix), another_process(prefix)
    one.set("page", "html", 60)
    assert other.touch("page", 1) is True and other.has_key("page")
    assert one.delete("page") is True
    assert not one.has_key("page") and another_process(prefix).get("page") is None
    assert other.touch("page") is False


def test_clear_forgets_the_caches_keys_and_nothing_else_in_redis(prefix):
    client = redis.Redis.from_url(REDIS_URL)
    client.set(f"{prefix}-channels:group", "kept", ex=60)
    cache = tiered(prefix)
    for number in range(1200):
        cache.set(f"key-{number}", number, 60)
    cache.clear()
    assert cache.get("key-5") is None and another_process(prefix).get("key-1100") is None
    assert client.get(f"{prefix}-channels:group") == b"kept"
    client.close()


def test_clear_takes_the_prefix_as_it_is_not_as_a_pattern(prefix):
    client = redis.Redis.from_url(REDIS_URL)
    client.set(f"{prefix}-x:1:kept", "other installation's", ex=60)
    cache = tiered(f"{prefix}-*")
    cache.set("page", "html", 60)
    cache.clear()
    assert cache.get("page") is None and client.get(f"{prefix}-x:1:kept") == b"other installation's"
    client.close()
