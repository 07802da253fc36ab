"""Tests of the readers that turn environment variables into settings values."""

import os
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from imagehub import config


@pytest.mark.parametrize("word", ["1", "true", "TRUE", "yes", "on", " On "])
def test_env_bool_reads_yes_words_as_true(word):
    assert config.env_bool({"DEBUG": word}, "DEBUG", default=False) is True


@pytest.mark.parametrize("word", ["0", "false", "no", "off", ""])
def test_env_bool_reads_no_words_as_false(word):
    assert config.env_bool({"DEBUG": word}, "DEBUG", default=True) is False


def test_env_bool_returns_the_default_when_unset():
    assert config.env_bool({}, "DEBUG", default=True) is True
    assert config.env_bool({}, "DEBUG", default=False) is False


def test_env_bool_rejects_other_words_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not a boolean"):
        config.env_bool({"DEBUG": "maybe"}, "DEBUG", default=False)


def test_env_list_splits_on_commas_and_drops_blanks():
    env = {"ALLOWED_HOSTS": " hub.example.com, ,10.0.0.5 ,"}
    assert config.env_list(env, "ALLOWED_HOSTS", default=["x"]) == ["hub.example.com", "10.0.0.5"]


def test_env_list_returns_a_copy_of_the_default_when_unset():
    default = ["localhost"]
    result = config.env_list({}, "ALLOWED_HOSTS", default=default)
    assert result == ["localhost"]
    assert result is not default


def test_data_dir_prefers_imagehub_data_dir_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"IMAGEHUB_DATA_DIR": "state", "XDG_DATA_HOME": "/elsewhere"}
    assert config.data_dir(env) == tmp_path.resolve() / "state"


def test_data_dir_expands_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.data_dir({"IMAGEHUB_DATA_DIR": "~/hub"}) == tmp_path.resolve() / "hub"


def test_data_dir_falls_back_to_xdg_data_home():
    assert config.data_dir({"XDG_DATA_HOME": "/srv/data"}) == Path("/srv/data/imagehub")


def test_data_dir_ignores_a_relative_xdg_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.data_dir({"XDG_DATA_HOME": "relative"}) == tmp_path / ".local/share/imagehub"


def test_data_dir_defaults_to_local_share_in_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.data_dir({}) == tmp_path / ".local/share/imagehub"


def test_ensure_data_dir_creates_an_owner_only_directory(tmp_path):
    directory = config.ensure_data_dir(tmp_path / "a" / "b")
    assert directory.is_dir()
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_ensure_data_dir_explains_a_path_that_cannot_be_a_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ImproperlyConfigured, match="Cannot create the data directory"):
        config.ensure_data_dir(blocker / "data")


def test_secret_key_from_the_environment_writes_nothing(tmp_path):
    assert config.secret_key({"SECRET_KEY": "from-env"}, tmp_path / "data") == "from-env"
    assert not (tmp_path / "data").exists()


def test_secret_key_is_generated_once_and_stored_owner_only(tmp_path):
    data_dir = tmp_path / "data"
    first = config.secret_key({}, data_dir)
    key_file = data_dir / config.SECRET_KEY_FILE
    assert len(first) >= 50
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert config.secret_key({}, data_dir) == first
    assert sorted(os.listdir(data_dir)) == [config.SECRET_KEY_FILE]


def test_secret_key_differs_between_data_directories(tmp_path):
    assert config.secret_key({}, tmp_path / "one") != config.secret_key({}, tmp_path / "two")


def test_secret_key_keeps_a_key_stored_by_another_process(tmp_path):
    (tmp_path / config.SECRET_KEY_FILE).write_text("stored-earlier\n")
    assert config.secret_key({}, tmp_path) == "stored-earlier"


def test_secret_key_rejects_an_empty_key_file(tmp_path):
    (tmp_path / config.SECRET_KEY_FILE).write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="is empty: delete it"):
        config.secret_key({}, tmp_path)


def test_database_defaults_to_sqlite_in_the_data_dir_with_wal(tmp_path):
    database = config.database({}, tmp_path)
    assert database["ENGINE"] == "imagehub.sqlite_pool"
    assert database["NAME"] == str(tmp_path / "db.sqlite3")
    assert "PRAGMA journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert database["OPTIONS"]["timeout"] == 20
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_sessions_are_read_from_a_cache_and_kept_in_the_database():
    assert config.session_engine({}) == "django.contrib.sessions.backends.cached_db"


def test_one_web_process_caches_sessions_in_its_own_memory():
    caches = config.caches({})
    assert caches[config.SESSION_CACHE_ALIAS]["BACKEND"] == "imagehub.cache_backends.LocalMemoryCache"


def test_several_web_processes_share_their_session_cache_in_redis():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": "hub1"}
    sessions = config.caches(env)[config.SESSION_CACHE_ALIAS]
    assert sessions["BACKEND"] == "imagehub.cache_backends.SharedClientRedisCache"
    assert (sessions["LOCATION"], sessions["KEY_PREFIX"]) == ("redis://127.0.0.1:6379/0", "hub1:sessions")


def test_the_default_cache_is_kept_in_the_process_and_in_redis_for_the_others():
    assert config.caches({})["default"]["BACKEND"] == "imagehub.cache_backends.LocalMemoryCache"
    caches = config.caches({"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": "hub1"})
    assert caches["default"]["BACKEND"] == "imagehub.cache_backends.TieredCache"
    assert (caches["default"]["LOCATION"], caches["default"]["KEY_PREFIX"]) == ("redis://127.0.0.1:6379/0",
                                                                                "hub1:cache")
    assert caches["default"]["OPTIONS"]["MAX_ENTRIES"] == config.LOCAL_CACHE_ENTRIES


@pytest.mark.parametrize("env", [{}, {"REDIS_URL": "redis://127.0.0.1:6379/0"}])
def test_the_process_cache_is_the_processs_memory_with_or_without_redis(env):
    caches = config.caches(env)
    assert caches[config.PROCESS_CACHE_ALIAS]["BACKEND"] == "imagehub.cache_backends.LocalMemoryCache"
    if not env:
        assert caches[config.PROCESS_CACHE_ALIAS] == caches["default"]  # one store


def test_the_process_cache_holds_more_than_the_pages_of_a_long_build_list():
    entries = config.caches({})["default"]["OPTIONS"]["MAX_ENTRIES"]
    assert entries == config.LOCAL_CACHE_ENTRIES and entries >= 10_000 // 25 * 3


def test_postgres_connections_are_pooled_enough_for_the_workers_builds(tmp_path):
    env = {"DATABASE_URL": "postgres://hub@db.internal/imagehub"}
    pool = config.database(env, tmp_path, worker_concurrency=8)["OPTIONS"]["pool"]
    assert pool["max_size"] == 18
    assert config.database(env, tmp_path)["OPTIONS"]["pool"]["max_size"] == config.POOL_DEFAULT_SIZE


def test_postgres_pool_size_comes_from_the_environment(tmp_path):
    env = {"DATABASE_URL": "postgres://hub@db.internal/imagehub", "IMAGEHUB_DB_POOL_SIZE": "40"}
    assert config.database(env, tmp_path)["OPTIONS"]["pool"]["max_size"] == 40


def test_a_postgres_pool_too_small_for_the_workers_builds_is_refused(tmp_path):
    env = {"DATABASE_URL": "postgres://hub@db.internal/imagehub", "IMAGEHUB_DB_POOL_SIZE": "5"}
    with pytest.raises(ImproperlyConfigured, match="IMAGEHUB_DB_POOL_SIZE='5' is too small: the least is 6"):
        config.database(env, tmp_path, worker_concurrency=2)


def test_postgres_binds_parameters_on_the_server_and_prepares_frequent_statements(tmp_path):
    options = config.database({"DATABASE_URL": "postgres://hub@db.internal/imagehub"}, tmp_path)["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == config.PREPARE_THRESHOLD


@pytest.mark.parametrize("word", ["0", "off", "no"])
def test_server_side_binding_can_be_turned_off(tmp_path, word):
    env = {"DATABASE_URL": "postgres://hub@db.internal/imagehub", "IMAGEHUB_DB_SERVER_SIDE_BINDING": word}
    options = config.database(env, tmp_path)["OPTIONS"]
    assert "server_side_binding" not in options
    assert "prepare_threshold" not in options
    assert "pool" in options


def test_sqlite_gets_no_server_side_binding(tmp_path):
    options = config.database({}, tmp_path)["OPTIONS"]
    assert "server_side_binding" not in options
    assert "prepare_threshold" not in options


def test_a_server_side_binding_switch_that_is_not_a_boolean_is_refused(tmp_path):
    env = {"DATABASE_URL": "postgres://hub@db.internal/imagehub", "IMAGEHUB_DB_SERVER_SIDE_BINDING": "maybe"}
    with pytest.raises(ImproperlyConfigured, match="IMAGEHUB_DB_SERVER_SIDE_BINDING='maybe' is not a boolean"):
        config.database(env, tmp_path)


PREPARED_STATEMENTS = """
from django.db import connection
from imagehub import config

with connection.cursor() as cursor:
    for _ in range(config.PREPARE_THRESHOLD + 1):  # prepared on the run after the threshold's
        cursor.execute("SELECT count(*) FROM pg_class WHERE oid > %s", [0])
    cursor.execute("SELECT statement FROM pg_prepared_statements")
    print("\\n".join(row[0] for row in cursor.fetchall()))
"""


@pytest.mark.parametrize(("switch", "prepared"), [("1", True), ("0", False)])
def test_a_postgres_connection_prepares_a_statement_it_runs_often_unless_switched_off(tmp_path, switch, prepared):
    """Against the PostgreSQL server on 127.0.0.1, with the settings a scaled deployment gets."""
    from tests.fixtures.scaled import ScaledSite

    with ScaledSite(tmp_path / "site", {"IMAGEHUB_DB_SERVER_SIDE_BINDING": switch}) as site:
        statements = site.python(PREPARED_STATEMENTS, name="prepared statements").splitlines()
    assert ("SELECT count(*) FROM pg_class WHERE oid > $1" in statements) is prepared


def test_database_url_for_postgres_is_parsed(tmp_path):
    env = {"DATABASE_URL": "postgres://hub:s3cret@db.internal:5433/imagehub"}
    database = config.database(env, tmp_path)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == (
        "imagehub",
        "hub",
        "s3cret",
    )
    assert (database["HOST"], database["PORT"]) == ("db.internal", 5433)
    assert "init_command" not in database.get("OPTIONS", {})


def test_database_url_for_sqlite_also_gets_wal(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/other.db"}
    database = config.database(env, tmp_path / "unused")
    assert database["NAME"] == f"{tmp_path}/other.db"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_url_with_an_unknown_scheme_is_explained(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not usable"):
        config.database({"DATABASE_URL": "nosuchdb://host/name"}, tmp_path)


def test_channel_layers_default_to_the_in_process_layer():
    layers = config.channel_layers({})
    assert layers["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"


def test_channel_layers_use_redis_when_redis_url_is_set(monkeypatch):
    monkeypatch.setattr(config, "find_spec", lambda name: object())
    layers = config.channel_layers({"REDIS_URL": "redis://127.0.0.1:6379/2"})
    assert layers["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    [host] = layers["default"]["CONFIG"]["hosts"]
    assert host["address"] == "redis://127.0.0.1:6379/2"
    assert layers["default"]["CONFIG"]["prefix"] == "asgi"


def test_channel_layers_name_their_redis_keys_with_redis_prefix(monkeypatch):
    monkeypatch.setattr(config, "find_spec", lambda name: object())
    layers = config.channel_layers({"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": "hub-a"})
    assert layers["default"]["CONFIG"]["prefix"] == "hub-a"


def test_channel_layers_refuse_redis_url_without_channels_redis(monkeypatch):
    monkeypatch.setattr(config, "find_spec", lambda name: None)
    with pytest.raises(ImproperlyConfigured, match="channels-redis is not installed"):
        config.channel_layers({"REDIS_URL": "redis://127.0.0.1:6379/0"})


def test_build_settings_have_safe_defaults_under_the_data_directory(tmp_path):
    knobs = config.build_settings({}, tmp_path)

    assert knobs["WORKER_CONCURRENCY"] == 2
    assert knobs["HEARTBEAT_SECONDS"] == 10.0 and knobs["LOST_AFTER_SECONDS"] == 60.0
    # A silent build is marked lost within the bound plus one round of the reaper: under two minutes.
    assert knobs["LOST_AFTER_SECONDS"] + knobs["HEARTBEAT_SECONDS"] <= 120
    assert knobs["ARTIFACTS_DIR"] == tmp_path / "artifacts"
    assert knobs["LEDGER_DIR"] == tmp_path / "ledger"
    assert knobs["SECRETS_KEYS"] == []
    assert knobs["TASK_RESULTS_MAX_AGE_DAYS"] == 14.0


def test_build_settings_come_from_the_environment(tmp_path):
    knobs = config.build_settings({"IMAGEHUB_WORKER_CONCURRENCY": "5", "IMAGEHUB_HEARTBEAT_SECONDS": "2",
                                   "IMAGEHUB_LOST_AFTER_SECONDS": "30", "IMAGEHUB_LEDGER_DIR": str(tmp_path / "l"),
                                   "IMAGEHUB_SECRETS_KEYS": "k1, k2"}, tmp_path)

    assert (knobs["WORKER_CONCURRENCY"], knobs["HEARTBEAT_SECONDS"], knobs["LOST_AFTER_SECONDS"]) == (5, 2.0, 30.0)
    assert knobs["LEDGER_DIR"] == tmp_path / "l"
    assert knobs["SECRETS_KEYS"] == ["k1", "k2"]


@pytest.mark.parametrize(("env", "message"), [
    ({"IMAGEHUB_WORKER_CONCURRENCY": "two"}, "is not a whole number"),
    ({"IMAGEHUB_WORKER_CONCURRENCY": "0"}, "too small"),
    ({"IMAGEHUB_HEARTBEAT_SECONDS": "10", "IMAGEHUB_LOST_AFTER_SECONDS": "15"}, "at least twice"),
])
def test_unusable_build_settings_say_what_is_wrong(tmp_path, env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        config.build_settings(env, tmp_path)


def test_webhook_settings_default_to_five_retries_and_relative_links():
    settings = config.webhook_settings({})

    assert settings["WEBHOOK_RETRY_SECONDS"] == [10.0, 30.0, 120.0, 600.0, 3600.0]
    assert settings["WEBHOOK_TIMEOUT_SECONDS"] == 5.0 and settings["PUBLIC_URL"] == ""
    assert settings["WEBHOOK_LOG_MAX_AGE_DAYS"] == 30.0


def test_webhook_settings_read_the_retry_delays_and_public_url():
    settings = config.webhook_settings({"IMAGEHUB_WEBHOOK_RETRY_SECONDS": "1, 2.5", "IMAGEHUB_PUBLIC_URL":
                                        "https://hub.example.com/"})

    assert settings["WEBHOOK_RETRY_SECONDS"] == [1.0, 2.5] and settings["PUBLIC_URL"] == "https://hub.example.com"


@pytest.mark.parametrize("value", ["10,soon", "10,-1"])
def test_webhook_retry_delays_that_are_not_seconds_are_refused_naming_the_variable(value):
    with pytest.raises(ImproperlyConfigured, match="IMAGEHUB_WEBHOOK_RETRY_SECONDS"):
        config.webhook_settings({"IMAGEHUB_WEBHOOK_RETRY_SECONDS": value})


def test_requests_run_four_at_once_with_sqlite_and_one_at_a_time_with_a_database_server():
    assert config.request_threads({}) == 4
    assert config.request_threads({"DATABASE_URL": "sqlite:////srv/hub.db"}) == 4
    assert config.request_threads({"DATABASE_URL": "postgres://hub@db/imagehub"}) == 1


def test_request_threads_come_from_the_environment():
    assert config.request_threads({"IMAGEHUB_REQUEST_THREADS": "8"}) == 8
    with pytest.raises(ImproperlyConfigured, match="IMAGEHUB_REQUEST_THREADS='-1' is too small"):
        config.request_threads({"IMAGEHUB_REQUEST_THREADS": "-1"})
