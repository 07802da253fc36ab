"""Tests for imagehub.sqlite_pool: closed SQLite connections are kept for reuse, clean."""

import pytest
from django.db.utils import ConnectionHandler

from imagehub.sqlite_pool import base


@pytest.fixture(autouse=True)
def own_databases(django_db_blocker):
    """These tests open their own database files, not the test database."""
    with django_db_blocker.unblock():
        yield


def wrapper(name):
    return ConnectionHandler({"default": {"ENGINE": "imagehub.sqlite_pool", "NAME": str(name)}})["default"]


def test_a_closed_connection_is_reused_by_the_next_one_to_the_same_file(tmp_path):
    first = wrapper(tmp_path / "pooled.sqlite3")
    first.ensure_connection()
    raw = first.connection
    first.close()
    second = wrapper(tmp_path / "pooled.sqlite3")
    second.ensure_connection()
    assert second.connection is raw
    with second.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    second.close()


def test_a_connection_to_another_file_is_not_taken_from_the_pool(tmp_path):
    first = wrapper(tmp_path / "one.sqlite3")
    first.ensure_connection()
    raw = first.connection
    first.close()
    other = wrapper(tmp_path / "two.sqlite3")
    other.ensure_connection()
    assert other.connection is not raw
    other.close()


def test_a_transaction_left_open_is_rolled_back_before_the_connection_is_reused(tmp_path):
    setup = wrapper(tmp_path / "rollback.sqlite3")
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE item (name TEXT)")
    setup.close()
    writer = wrapper(tmp_path / "rollback.sqlite3")
    writer.set_autocommit(False)
    with writer.cursor() as cursor:
        cursor.execute("INSERT INTO item VALUES ('lost')")
    writer.close()
    reader = wrapper(tmp_path / "rollback.sqlite3")
    with reader.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM item")
        assert cursor.fetchone() == (0,)
    assert not reader.connection.in_transaction
    reader.close()


def test_no_more_than_the_pool_size_of_idle_connections_are_kept(tmp_path):
    name = tmp_path / "full.sqlite3"
    wrappers = [wrapper(name) for _ in range(base.POOL_SIZE + 3)]
    for each in wrappers:
        each.ensure_connection()
    raws = [each.connection for each in wrappers]
    for each in wrappers:
        each.close()
    assert len(base._idle[str(name)]) == base.POOL_SIZE
    closed = raws[base.POOL_SIZE:]
    for raw in closed:
        try:
            raw.execute("SELECT 1")
        except base.base.Database.ProgrammingError:
            continue
        raise AssertionError("a connection beyond the pool size stayed open")


def test_an_in_memory_database_is_never_pooled():
    memory = wrapper(":memory:")
    memory.ensure_connection()
    memory._close()
    assert ":memory:" not in base._idle
