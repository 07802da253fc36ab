"""Tests of the settings module as a fresh process sees it under a given environment."""

import json
import os
import stat
import subprocess
import sys

# Variables the settings read; each test starts from an environment without them.
SETTINGS_VARIABLES = (
    "IMAGEHUB_DATA_DIR",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "STATIC_ROOT",
    "IMAGEHUB_LOG_LEVEL",
    "DJANGO_SETTINGS_MODULE",
)

REPORT = """
import json
from django.conf import settings
report = {
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SECRET_KEY": settings.SECRET_KEY,
    "DATABASE": {k: settings.DATABASES["default"].get(k) for k in ("ENGINE", "NAME", "HOST", "PORT")},
    "CHANNEL_LAYER": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "DATA_DIR": str(settings.IMAGEHUB["DATA_DIR"]),
}
if settings.DATABASES["default"]["ENGINE"] == "imagehub.sqlite_pool":
    import django
    django.setup()
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        report["journal_mode"] = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        report["busy_timeout"] = cursor.fetchone()[0]
print(json.dumps(report))
"""


def settings_report(tmp_path, **variables):
    """Return what a new process with only `variables` set sees in imagehub.settings."""
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.update(HOME=str(tmp_path / "home"), DJANGO_SETTINGS_MODULE="imagehub.settings")
    env.update(variables)
    result = subprocess.run(
        [sys.executable, "-c", REPORT],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_are_safe_and_self_contained(tmp_path):
    report = settings_report(tmp_path)
    data_dir = tmp_path / "home" / ".local" / "share" / "imagehub"
    assert report["DEBUG"] is False
    assert report["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert report["DATA_DIR"] == str(data_dir)
    assert report["DATABASE"]["ENGINE"] == "imagehub.sqlite_pool"
    assert report["DATABASE"]["NAME"] == str(data_dir / "db.sqlite3")
    assert report["CHANNEL_LAYER"] == "channels.layers.InMemoryChannelLayer"
    key_file = data_dir / "secret_key"
    assert key_file.read_text().strip() == report["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_sqlite_connections_use_wal_and_wait_for_locks(tmp_path):
    report = settings_report(tmp_path, IMAGEHUB_DATA_DIR=str(tmp_path / "data"))
    assert report["journal_mode"] == "wal"
    assert report["busy_timeout"] == 20000


def test_the_generated_secret_key_survives_a_restart(tmp_path):
    data_dir = str(tmp_path / "data")
    first = settings_report(tmp_path, IMAGEHUB_DATA_DIR=data_dir)["SECRET_KEY"]
    second = settings_report(tmp_path, IMAGEHUB_DATA_DIR=data_dir)["SECRET_KEY"]
    assert first == second


def test_environment_variables_override_the_defaults(tmp_path):
    report = settings_report(
        tmp_path,
        IMAGEHUB_DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY="a-key-from-the-environment",
        DEBUG="true",
        ALLOWED_HOSTS="hub.example.com,10.1.2.3",
        DATABASE_URL="postgres://hub:pw@db.example.com:5433/imagehub",
    )
    assert report["DEBUG"] is True
    assert report["ALLOWED_HOSTS"] == ["hub.example.com", "10.1.2.3"]
    assert report["SECRET_KEY"] == "a-key-from-the-environment"
    assert report["DATABASE"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "imagehub",
        "HOST": "db.example.com",
        "PORT": 5433,
    }
    assert not (tmp_path / "data" / "secret_key").exists()


def test_daphne_comes_first_and_both_apps_are_installed(settings):
    assert settings.INSTALLED_APPS[0] == "daphne"
    assert {"channels", "django_htmx", "template_partials", "imagehub", "builds"} <= set(
        settings.INSTALLED_APPS
    )
