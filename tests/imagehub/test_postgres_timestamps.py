"""Tests of imagehub.postgres_timestamps: timestamps parsed by psycopg's compiled loader are Django's own values
(needs the PostgreSQL server)."""

import random
import types
import zoneinfo
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db.backends.postgresql.psycopg_any import get_adapters_template
from psycopg.pq import Format

from imagehub import postgres_timestamps
from tests.fixtures.scaled import POSTGRES_URL

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def moments(count: int) -> list[datetime]:
    """Random instants over three centuries, down to the microsecond, with the edges of daylight saving time."""
    chooser = random.Random(11)
    start = datetime(1900, 1, 1, tzinfo=UTC)
    found = [start + timedelta(seconds=chooser.uniform(0, 200 * 365 * 86400)) for _ in range(count)]
    found += [datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
              datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
              datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(1, 1, 1, 12, tzinfo=UTC),
              datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)]
    return [moment.replace(microsecond=chooser.randrange(1_000_000)) if index % 3 == 0 else moment
            for index, moment in enumerate(found)]


def read(zone, loader: type | None, values: list[datetime]) -> list[datetime]:
    """`values` sent to PostgreSQL and read back as Django reads them in `zone`, with `loader` if given."""
    context = psycopg.adapt.AdaptersMap(get_adapters_template(True, zone))
    if loader is not None:
        context.register_loader("timestamptz", loader)
    with psycopg.connect(POSTGRES_URL, context=context) as connection:
        connection.execute("SELECT set_config('TimeZone', %s, false)", [str(zone)])
        return [row[0] for row in connection.execute(
            "SELECT value FROM unnest(%s::timestamptz[]) AS value", [values]).fetchall()]


@pytest.mark.parametrize("zone", [UTC, PARIS])
def test_the_compiled_loader_reads_what_djangos_reads(zone):
    compiled = postgres_timestamps.compiled_loader_class()
    assert compiled is not None  # psycopg[binary] is what pyproject.toml installs
    values = moments(3000)
    djangos = read(zone, None, values)
    ours = read(zone, postgres_timestamps.loader_for(zone, compiled), values)
    # The same fields, fold (the second 02:30 of a night that turns the clocks back) and time zone object.
    assert [(moment, moment.fold, moment.tzinfo) for moment in ours] == [
        (moment, moment.fold, moment.tzinfo) for moment in djangos]
    assert [moment.timestamp() for moment in ours] == [moment.timestamp() for moment in values]


def test_a_new_connection_gets_it_once_with_djangos_time_zone():
    context = psycopg.adapt.AdaptersMap(get_adapters_template(True, UTC))
    with psycopg.connect(POSTGRES_URL, context=context) as raw:
        django_connection = types.SimpleNamespace(vendor="postgresql", connection=raw)
        postgres_timestamps.use_compiled_loader(sender=None, connection=django_connection)
        installed = raw.adapters.get_loader(postgres_timestamps.TIMESTAMPTZ_OID, Format.TEXT)
        assert issubclass(installed, postgres_timestamps._CompiledTzLoader) and installed.timezone is UTC
        postgres_timestamps.use_compiled_loader(sender=None, connection=django_connection)
        assert raw.adapters.get_loader(postgres_timestamps.TIMESTAMPTZ_OID, Format.TEXT) is installed
        [(now,)] = raw.execute("SELECT now()").fetchall()
        assert now.tzinfo is UTC


def test_other_databases_are_left_alone():
    postgres_timestamps.use_compiled_loader(sender=None, connection=types.SimpleNamespace(vendor="sqlite"))
