"""Tests of imagehub.heap: long-lived objects frozen out of full collections, and the requests that settle them."""

import gc
import weakref

import pytest

from imagehub import heap


@pytest.fixture(autouse=True)
def unfrozen():
    yield
    gc.unfreeze()


def test_settle_leaves_the_objects_alive_now_out_of_collections():
    survivor = [object()]
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert not any(each is survivor for each in gc.get_objects())


def test_garbage_among_frozen_objects_is_freed_when_the_heap_settles_again():
    class Node:
        """One end of a reference cycle."""

    first, second = Node(), Node()
    first.other, second.other = second, first  # a cycle: only a collection frees it
    watched = weakref.ref(first)
    heap.settle()
    del first, second
    gc.collect()
    assert watched() is not None  # frozen: collections skip it
    heap.settle()
    assert watched() is None


def test_the_heap_settles_after_the_first_requests_and_then_every_so_many(monkeypatch):
    settled = []
    monkeypatch.setattr(heap, "settle", lambda: settled.append(settling.served))
    monkeypatch.setattr(heap, "WARM_REQUESTS", 5)
    monkeypatch.setattr(heap, "SETTLE_EVERY", 10)
    settling = heap.Settling()
    for _ in range(30):
        settling.served_one()
    assert settled == [5, 15, 25]
