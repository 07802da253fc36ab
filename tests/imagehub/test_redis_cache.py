"""Tests of the Redis cache whose client is shared by every request of the process (needs the Redis server)."""

import os
import uuid

import pytest
import redis

from imagehub.redis_cache import SharedClientRedisCache

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
