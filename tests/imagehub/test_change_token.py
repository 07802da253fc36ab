"""Tests of imagehub.change_token: a new token for every change the lists show, the same one otherwise."""

import pytest

from builds.models import Build
from imagehub import catalog, change_token
from imagehub.models import PackerTemplate

pytestmark = pytest.mark.django_db


def record_build(template: PackerTemplate, status: str) -> Build:
    return Build.objects.create(template=template, template_version=template.latest_version, status=status)


def test_the_token_changes_with_every_new_build_and_change_of_status(template):
    seen = [change_token.current()]
    first = record_build(template, Build.Status.QUEUED)
    second = record_build(template, Build.Status.QUEUED)
    seen.append(change_token.current())
    for build, status in ((first, Build.Status.RUNNING), (second, Build.Status.CANCELLED),
                          (first, Build.Status.SUCCEEDED)):
        Build.objects.filter(pk=build.pk).update(status=status)
        seen.append(change_token.current())
    record_build(template, Build.Status.RUNNING)  # recorded from the command line: running from the start
    seen.append(change_token.current())
    assert len(set(seen)) == len(seen)


def test_the_token_changes_with_the_catalog_and_not_without_a_change(template, editor):
    seen = [change_token.current()]
    assert change_token.current() == seen[0]
    catalog.update_details(template, description="Described.", labels=[])
    seen.append(change_token.current())
    other = catalog.create_template(name="Other", description="", labels=[], owner=editor,
                                    files={"main.pkr.hcl": "build {}\n"})
    seen.append(change_token.current())
    PackerTemplate.objects.filter(pk=template.pk).delete()
    seen.append(change_token.current())
    assert len(set(seen)) == len(seen)
    # Deleting the newest template gives back the token the catalog had before it was made: the same
    # catalog (a template made later than another always has the newer `changed` time).
    PackerTemplate.objects.filter(pk=other.pk).delete()
    assert change_token.current() not in seen[2:]


def test_postgresql_plans_the_token_once_per_connection():
    """Prepared (as a pooled connection prepares what it runs often), the statement keeps one plan: it has no
    parameters for PostgreSQL to plan again for each value (needs the PostgreSQL server)."""
    import psycopg

    from tests.fixtures.scaled import POSTGRES_URL

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        # Tables of the same names in this session's own schema, looked up before any other.
        connection.execute("CREATE TEMPORARY TABLE imagehub_packertemplate (id serial PRIMARY KEY, changed timestamptz)")
        connection.execute("CREATE TEMPORARY TABLE builds_build (id bigserial PRIMARY KEY, status text NOT NULL)")
        connection.execute("CREATE INDEX ON builds_build (status)")
        connection.execute("INSERT INTO imagehub_packertemplate (changed) SELECT now() FROM generate_series(1, 40)")
        connection.execute("INSERT INTO builds_build (status) SELECT (ARRAY['succeeded', 'failed', 'queued'])[1 + n % 3]"
                           " FROM generate_series(1, 3000) AS n")
        connection.execute("ANALYZE imagehub_packertemplate, builds_build")
        sql = change_token._token_sql()
        assert "%s" not in sql
        for _ in range(12):
            assert connection.execute(sql, prepare=True).fetchone()[4] == 0
        [(generic, custom)] = connection.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s", [sql]).fetchall()
    assert generic == 12 and custom == 0
