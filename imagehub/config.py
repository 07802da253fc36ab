"""Readers that turn environment variables into ImageHub's settings values."""

import os
import tempfile
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

# How large a template's files may be together (imagehub.catalog's CATALOG_MAX_TOTAL_BYTES, unless IMAGEHUB
# sets it). It is here because the settings derive Django's form size limit from it.
CATALOG_MAX_TOTAL_BYTES = 2 * 1024 * 1024
# URL-encoding writes a byte as %XX at worst (every byte outside ASCII, and line breaks): three bytes for one.
FORM_ENCODING_FACTOR = 3
# Room for a form's other fields: file names, message, base version, CSRF token, field names and separators.
FORM_FIELDS_BYTES = 64 * 1024

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})

SESSION_CACHE_ALIAS = "sessions"
# The process's own memory, with or without Redis: what is cheap to read again and not worth sharing.
PROCESS_CACHE_ALIAS = "process"
REDIS_SOCKET_TIMEOUT = 30.0  # seconds; well above channels-redis's 5-second blocking receive

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "db.sqlite3"
SQLITE_ENGINE = "django.db.backends.sqlite3"
# Django's SQLite backend, but a closed connection is kept open for the next request (see its docstring).
POOLED_SQLITE_ENGINE = "imagehub.sqlite_pool"
POSTGRES_ENGINE = "django.db.backends.postgresql"

# A process's pool of PostgreSQL connections: kept open at least, opened at most unless configured, and
# how long a request waits for one when all are taken.
POOL_MIN_SIZE = 2
POOL_DEFAULT_SIZE = 10
POOL_TIMEOUT_SECONDS = 30.0
# A PostgreSQL connection prepares a statement once it has run it this many times (psycopg's own default;
# Django turns preparing off unless it is given), and then reuses its plan; see `postgres_binding`.
PREPARE_THRESHOLD = 5

# Every SQLite connection switches to write-ahead logging (readers never block
# the writer), waits up to this many seconds for a lock instead of failing, and
# takes the write lock when a transaction begins so that two writers queue up
# rather than deadlock on a lock upgrade.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
}


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Return the boolean in `env[name]`, or `default` when it is unset.

    Raises ImproperlyConfigured for a value that is not a recognised yes/no word.
    """
    if name not in env:
        return default
    word = env[name].strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={env[name]!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_list(env: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    """Return the comma-separated items of `env[name]` (blanks dropped), or `default` when unset."""
    if name not in env:
        return list(default)
    return [item.strip() for item in env[name].split(",") if item.strip()]


def data_dir(env: Mapping[str, str]) -> Path:
    """Return the absolute data directory: $IMAGEHUB_DATA_DIR, else $XDG_DATA_HOME/imagehub.

    $XDG_DATA_HOME defaults to ~/.local/share, as the XDG base directory
    specification says; a relative $XDG_DATA_HOME is ignored, as it requires.
    """
    configured = env.get("IMAGEHUB_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    xdg_data_home = env.get("XDG_DATA_HOME", "").strip()
    if xdg_data_home and Path(xdg_data_home).is_absolute():
        return Path(xdg_data_home) / "imagehub"
    return Path.home() / ".local" / "share" / "imagehub"


def ensure_data_dir(directory: Path) -> Path:
    """Create `directory` (owner-only access) if it is missing and return it.

    Raises ImproperlyConfigured when it cannot be created or is not a directory.
    """
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise ImproperlyConfigured(
            f"Cannot create the data directory {directory}: {error.strerror}. "
            "Set IMAGEHUB_DATA_DIR to a writable directory."
        )
    return directory


def secret_key(env: Mapping[str, str], directory: Path) -> str:
    """Return $SECRET_KEY, else the key stored in `directory`, generating it on first use.

    A generated key is written once, readable by its owner only (mode 0600);
    when several processes start together, all of them end up with the key
    that was stored first. Raises ImproperlyConfigured when the stored key
    file is empty or unreadable.
    """
    configured = env.get("SECRET_KEY", "").strip()
    if configured:
        return configured
    path = ensure_data_dir(directory) / SECRET_KEY_FILE
    if not path.exists():
        _store_new_secret_key(path)
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read the secret key file {path}: {error.strerror}.")
    if not key:
        raise ImproperlyConfigured(
            f"The secret key file {path} is empty: delete it and a new key will be generated."
        )
    return key


def _store_new_secret_key(path: Path) -> None:
    """Write a fresh key to `path` unless another process stored one first."""
    # mkstemp creates the file with mode 0600; linking it into place is atomic
    # and fails if the name exists, so a reader never sees a half-written key.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(get_random_secret_key() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
    finally:
        os.unlink(temporary)


def database(env: Mapping[str, str], directory: Path, worker_concurrency: int = 2) -> dict:
    """Return the `default` database settings: $DATABASE_URL, else SQLite in `directory`.

    SQLite databases, configured or default, get WAL journaling, a busy
    timeout and immediate transactions (see SQLITE_OPTIONS), and their
    connections are pooled (POOLED_SQLITE_ENGINE). PostgreSQL connections
    are pooled too (Django's pool, sized by `postgres_pool`), for
    `worker_concurrency` builds at a time, and bind their parameters on the
    server, preparing the statements they run often (`postgres_binding`).
    Raises ImproperlyConfigured for a URL whose scheme is not a known
    database.
    """
    url = env.get("DATABASE_URL", "").strip()
    if url:
        try:
            config = dj_database_url.parse(url)
        except ValueError as error:
            raise ImproperlyConfigured(f"DATABASE_URL is not usable: {error}")
    else:
        config = {
            "ENGINE": SQLITE_ENGINE,
            "NAME": str(directory / SQLITE_FILE),
        }
    if config["ENGINE"] == SQLITE_ENGINE:
        config["ENGINE"] = POOLED_SQLITE_ENGINE
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    elif config["ENGINE"] == POSTGRES_ENGINE:
        config["OPTIONS"] = {
            "pool": postgres_pool(env, worker_concurrency),
            **postgres_binding(env),
            **config.get("OPTIONS", {}),
        }
    return config


def postgres_binding(env: Mapping[str, str]) -> dict:
    """Return the PostgreSQL options that bind parameters on the server and prepare frequent statements.

    A page's queries are small: PostgreSQL takes several times longer to
    plan them than to run them. A statement a connection has run
    PREPARE_THRESHOLD times is prepared on it, and PostgreSQL then plans it
    once for any parameters (after a few executions that compare plans); a
    pooled connection lives long, so its plans are reused by many requests.
    Preparing needs the parameters bound by the server, not spliced into the
    SQL text; a statement so bound takes at most 65,535 parameters.
    $IMAGEHUB_DB_SERVER_SIDE_BINDING=0 turns both off (client-side binding,
    Django's default), e.g. behind a pooler such as PgBouncer in transaction
    mode, which cannot keep a statement prepared on one server connection for
    the client.
    """
    if not env_bool(env, "IMAGEHUB_DB_SERVER_SIDE_BINDING", default=True):
        return {}
    return {"server_side_binding": True, "prepare_threshold": PREPARE_THRESHOLD}


def postgres_pool(env: Mapping[str, str], worker_concurrency: int) -> dict:
    """Return the options of a process's PostgreSQL connection pool: at most $IMAGEHUB_DB_POOL_SIZE connections.

    Under ASGI each request runs in a thread of its own, so Django's
    persistent connections cannot be reused and every request would open
    one; from the pool a request takes an open connection and gives it back
    when it ends. A worker process holds two connections for each build it
    runs (the build's and its log writer's) and one for each of its own two
    threads, so the size is at least that many; a request that finds every
    connection taken waits up to POOL_TIMEOUT_SECONDS. Raises
    ImproperlyConfigured for a size too small for the worker's builds.
    """
    least = 2 * worker_concurrency + 2
    size = env_number(env, "IMAGEHUB_DB_POOL_SIZE", max(POOL_DEFAULT_SIZE, least), minimum=least, integer=True)
    return {"min_size": POOL_MIN_SIZE, "max_size": int(size), "timeout": POOL_TIMEOUT_SECONDS}


def channel_layers(env: Mapping[str, str]) -> dict:
    """Return CHANNEL_LAYERS: Redis at $REDIS_URL when set, else the in-process layer.

    $REDIS_PREFIX (default "asgi") starts the name of every Redis key the
    layer uses, so that installations sharing one Redis database stay apart.
    Reads from Redis may wait REDIS_SOCKET_TIMEOUT seconds: a consumer's
    receive blocks on the server for up to 5 seconds at a time, and with a
    socket timeout as short (redis-py's default) every websocket of a build
    that stays quiet that long would fail.

    Raises ImproperlyConfigured when REDIS_URL is set but channels-redis is not installed,
    because the in-process layer would silently not reach other processes.
    """
    url = env.get("REDIS_URL", "").strip()
    if not url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    if find_spec("channels_redis") is None:
        raise ImproperlyConfigured(
            "REDIS_URL is set but channels-redis is not installed: "
            "install it (pip install channels-redis) or unset REDIS_URL."
        )
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": url, "socket_timeout": REDIS_SOCKET_TIMEOUT}],
                "prefix": env.get("REDIS_PREFIX", "").strip() or "asgi",
            },
        }
    }


def session_engine(env: Mapping[str, str]) -> str:
    """Return SESSION_ENGINE: sessions kept in the database and, for reading, in a cache (see `caches`)."""
    return "django.contrib.sessions.backends.cached_db"


# Entries of a process's own cache: list results (10-20 kB each), counts, filter forms, step timelines, sessions.
LOCAL_CACHE_ENTRIES = 3000


def caches(env: Mapping[str, str]) -> dict:
    """Return CACHES: the process's own memory, and Redis at $REDIS_URL when set.

    Sessions are read from the SESSION_CACHE_ALIAS cache, so a request
    needs no query for its session. Without $REDIS_URL there is one web
    process (the in-process channel layer reaches no other), and its memory
    is that cache. With several web processes a copy in each one's memory
    could still accept a session signed out in another, so they share one
    in Redis, under keys that start with $REDIS_PREFIX. The default cache
    holds what pages keep (keyed by change tokens read from the database, so
    never out of date): in the process's memory, up to LOCAL_CACHE_ENTRIES
    entries (Django's default, 300, is less than the pages of one long build
    list); with Redis, in Redis too, so that what one web process renders
    the others find (imagehub.cache_backends.TieredCache). The
    PROCESS_CACHE_ALIAS cache is always the process's memory alone (the
    default one without Redis).
    """
    local = {"BACKEND": "imagehub.cache_backends.LocalMemoryCache",
             "OPTIONS": {"MAX_ENTRIES": LOCAL_CACHE_ENTRIES}}
    url = env.get("REDIS_URL", "").strip()
    if not url:
        # The default cache and the process's are one.
        return {"default": local, PROCESS_CACHE_ALIAS: local,
                SESSION_CACHE_ALIAS: {**local, "LOCATION": SESSION_CACHE_ALIAS}}
    prefix = env.get("REDIS_PREFIX", "").strip() or "asgi"
    return {
        PROCESS_CACHE_ALIAS: {**local, "LOCATION": PROCESS_CACHE_ALIAS},
        "default": {"BACKEND": "imagehub.cache_backends.TieredCache", "LOCATION": url, "KEY_PREFIX": f"{prefix}:cache",
                    "OPTIONS": {"MAX_ENTRIES": LOCAL_CACHE_ENTRIES}},
        SESSION_CACHE_ALIAS: {
            "BACKEND": "imagehub.cache_backends.SharedClientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"{prefix}:sessions",
        },
    }


def env_number(env: Mapping[str, str], name: str, default: float, *, minimum: float,
               integer: bool = False) -> float:
    """Return the number in `env[name]` (a whole number when `integer`), or `default` when unset.

    Raises ImproperlyConfigured for text that is not such a number or one below `minimum`.
    """
    if name not in env:
        return default
    text = env[name].strip()
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ImproperlyConfigured(f"{name}={env[name]!r} is not {kind}.")
    if not value >= minimum:
        raise ImproperlyConfigured(f"{name}={env[name]!r} is too small: the least is {minimum:g}.")
    return value


def build_settings(env: Mapping[str, str], directory: Path) -> dict:
    """Return the build runner's knobs (IMAGEHUB keys) from the environment, with their defaults.

    WORKER_CONCURRENCY builds run at once per worker; a running build's
    worker writes its heartbeat every HEARTBEAT_SECONDS and checks for cancel
    and continue requests every CONTROL_POLL_SECONDS; a build whose heartbeat
    is older than LOST_AFTER_SECONDS is lost (workers look every
    HEARTBEAT_SECONDS, so one is marked within their sum). Log lines are
    stored in batches of LOG_BATCH_LINES or every LOG_BATCH_SECONDS (250
    lines: a build printing as fast as it can fills a batch in about 10 ms,
    and smaller batches reach viewers sooner; BENCHMARKS.md). Workers
    delete the results of tasks that finished more than
    TASK_RESULTS_MAX_AGE_DAYS days ago (the builds stay).
    Raises ImproperlyConfigured when LOST_AFTER_SECONDS leaves no room for
    two missed heartbeats.
    """
    heartbeat = env_number(env, "IMAGEHUB_HEARTBEAT_SECONDS", 10.0, minimum=0.05)
    lost_after = env_number(env, "IMAGEHUB_LOST_AFTER_SECONDS", 60.0, minimum=0.1)
    if lost_after < 2 * heartbeat:
        raise ImproperlyConfigured(
            f"IMAGEHUB_LOST_AFTER_SECONDS ({lost_after:g}) must be at least twice "
            f"IMAGEHUB_HEARTBEAT_SECONDS ({heartbeat:g}), or running builds would be marked lost."
        )
    return {
        "WORKER_CONCURRENCY": int(env_number(env, "IMAGEHUB_WORKER_CONCURRENCY", 2, minimum=1, integer=True)),
        "HEARTBEAT_SECONDS": heartbeat,
        "LOST_AFTER_SECONDS": lost_after,
        "CONTROL_POLL_SECONDS": env_number(env, "IMAGEHUB_CONTROL_POLL_SECONDS", 1.0, minimum=0.01),
        "LOG_BATCH_LINES": int(env_number(env, "IMAGEHUB_LOG_BATCH_LINES", 250, minimum=1, integer=True)),
        "LOG_BATCH_SECONDS": env_number(env, "IMAGEHUB_LOG_BATCH_SECONDS", 0.05, minimum=0.001),
        "TASK_RESULTS_MAX_AGE_DAYS": env_number(env, "IMAGEHUB_TASK_RESULTS_MAX_AGE_DAYS", 14.0, minimum=0.0),
        "ARTIFACTS_DIR": _directory(env, "IMAGEHUB_ARTIFACTS_DIR", directory / "artifacts"),
        # The engine's own default (builds.engine.ledger.default_directory), so `imagehub sweep` finds it.
        "LEDGER_DIR": _directory(env, "IMAGEHUB_LEDGER_DIR", directory / "ledger"),
        "SECRETS_KEYS": env_list(env, "IMAGEHUB_SECRETS_KEYS", default=[]),
    }


def request_threads(env: Mapping[str, str]) -> int:
    """Return how many requests a web process runs at once: $IMAGEHUB_REQUEST_THREADS, 0 for no limit.

    By default 4 with SQLite: the one web process also runs the builds, and
    a slow page should not hold every other one. With a database server, 1:
    a scaled site runs about one web process per core, Python runs one
    thread of a process at a time, and requests that take turns on the
    interpreter lock all finish late, while requests served one after the
    other finish in the order they came (measured with 20 clients back to
    back: the same requests per second, p95 a fifth lower than without a
    limit; BENCHMARKS.md). Raises ImproperlyConfigured for a negative number.
    """
    url = env.get("DATABASE_URL", "").strip()
    default = 1 if url and not url.startswith("sqlite") else 4
    return int(env_number(env, "IMAGEHUB_REQUEST_THREADS", default, minimum=0, integer=True))


def _directory(env: Mapping[str, str], name: str, default: Path) -> Path:
    configured = env.get(name, "").strip()
    return Path(configured).expanduser().resolve() if configured else default



def webhook_settings(env: Mapping[str, str]) -> dict:
    """Return the webhooks' knobs (IMAGEHUB keys) from the environment, with their defaults.

    A failed delivery is tried again after each of WEBHOOK_RETRY_SECONDS in
    turn, so it gets one attempt more than the list is long; each attempt
    waits at most WEBHOOK_TIMEOUT_SECONDS for an answer. PUBLIC_URL (e.g.
    https://hub.example.com) makes the dashboard links in payloads absolute.
    Workers delete deliveries that ended more than WEBHOOK_LOG_MAX_AGE_DAYS
    days ago.
    Raises ImproperlyConfigured for a delay that is not a number of seconds.
    """
    delays = []
    for item in env_list(env, "IMAGEHUB_WEBHOOK_RETRY_SECONDS", default=["10", "30", "120", "600", "3600"]):
        try:
            delays.append(float(item))
        except ValueError:
            delays.append(-1.0)
        if delays[-1] < 0:
            raise ImproperlyConfigured(f"IMAGEHUB_WEBHOOK_RETRY_SECONDS must list seconds (e.g. 10,30,120), "
                                       f"not {item!r}.")
    return {
        "PUBLIC_URL": env.get("IMAGEHUB_PUBLIC_URL", "").strip().rstrip("/"),
        "WEBHOOK_RETRY_SECONDS": delays,
        "WEBHOOK_TIMEOUT_SECONDS": env_number(env, "IMAGEHUB_WEBHOOK_TIMEOUT_SECONDS", 5.0, minimum=0.1),
        # An open delivery whose time came this long ago lost its task (a worker stopped): it is queued again.
        "WEBHOOK_RESUME_AFTER_SECONDS": env_number(env, "IMAGEHUB_WEBHOOK_RESUME_AFTER_SECONDS", 60.0, minimum=0.0),
        "WEBHOOK_LOG_MAX_AGE_DAYS": env_number(env, "IMAGEHUB_WEBHOOK_LOG_MAX_AGE_DAYS", 30.0, minimum=0.0),
    }


def form_body_limit(total_bytes: int) -> int:
    """Return the largest form body to read for a file set of at most `total_bytes`, URL-encoded at worst."""
    return FORM_ENCODING_FACTOR * total_bytes + FORM_FIELDS_BYTES
