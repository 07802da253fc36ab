"""`imagehub serve`: prepare the data directory and database, then run the dashboard in daphne.

The same process runs builds: IMAGEHUB["WORKER_CONCURRENCY"] worker threads
claim queued builds (builds.worker), and the log sink hands their messages
to daphne's event loop, where the in-memory channel layer lives.
"""

import argparse
import asyncio
import io
import ipaddress
import os
import secrets
import string
import sys
from pathlib import Path

from imagehub import heap

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
ADMIN_USERNAME = "admin"
PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 20


def port_number(text: str) -> int:
    """Return `text` as a TCP port number; raises ArgumentTypeError outside 1..65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number")
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number between 1 and 65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of `imagehub serve`."""
    parser = argparse.ArgumentParser(
        prog="imagehub serve",
        description=(
            "Run the ImageHub dashboard. On each start the database is migrated; "
            "on the first start an administrator account is created and its "
            "one-time password printed: signing in with it asks for a new password."
        ),
        add_help=False,
    )
    parser.add_argument(
        "-h", "-help", "--help", action="help", help="show this help message and exit"
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST})",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"TCP port to listen on (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="directory for the database and secret key "
        "(default: $IMAGEHUB_DATA_DIR, else $XDG_DATA_HOME/imagehub)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboard until SIGINT or SIGTERM; return the exit status.

    Returns 0 after a clean stop, 1 when the configuration, the database or
    the listening address is unusable (with a message on stderr); exits 2 on
    bad arguments, as argparse does.
    """
    options = build_parser().parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Lines reach a pipe or a log collector as they are written.
        sys.stdout.reconfigure(line_buffering=True)
    if options.data_dir is not None:
        os.environ["IMAGEHUB_DATA_DIR"] = str(options.data_dir.expanduser().resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagehub.settings")

    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        data_dir = prepare()
        print(f"Data directory: {data_dir}")
        apply_migrations()
        password = create_first_admin()
    except ImproperlyConfigured as error:
        return fail(f"configuration error: {error}")
    except DatabaseError as error:
        return fail(f"database error: {error}")
    if password is not None:
        print(f"Created the first administrator: {ADMIN_USERNAME} / {password}")
        print("Sign in with it to choose a password of your own; until then it opens nothing else. "
              "It is not shown again.")
    warn_about_allowed_hosts(options.host)
    return run_server(options.host, options.port)


def fail(message: str) -> int:
    """Print `message` as an `imagehub serve` error on stderr and return exit status 1."""
    print(f"imagehub serve: {message}", file=sys.stderr)
    return 1


def prepare() -> Path:
    """Create the data directory, set Django up and return the directory.

    Raises ImproperlyConfigured for unusable settings.
    """
    import django

    from imagehub import config

    data_dir = config.ensure_data_dir(config.data_dir(os.environ))
    django.setup()
    return data_dir


def apply_migrations() -> None:
    """Bring the database schema up to date, saying so when there is anything to do."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        print(f"Applying {len(plan)} database migrations...")
        call_command("migrate", interactive=False, verbosity=0)


def create_first_admin() -> str | None:
    """Create the administrator `admin` if there are no accounts yet; return its one-time password.

    The password signs in only to choose another (imagehub.initial_password).

    Returns None when any account exists, including one created meanwhile by
    another process starting on the same database.
    """
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError, transaction

    from imagehub import initial_password

    user_model = get_user_model()
    if user_model.objects.exists():
        return None
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
    try:
        with transaction.atomic():
            admin = user_model.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
            initial_password.mark(admin)
    except IntegrityError:
        return None
    return password


def is_loopback(host: str) -> bool:
    """Return True when `host` names only this machine (localhost or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_about_allowed_hosts(host: str) -> None:
    """Tell the user to set ALLOWED_HOSTS when others may connect but only loopback names are allowed."""
    if is_loopback(host) or "ALLOWED_HOSTS" in os.environ:
        return
    print(
        f"Note: listening on {host}, but only requests for localhost are accepted; "
        "set ALLOWED_HOSTS to the names clients use to reach this server.",
        file=sys.stderr,
    )


def display_url(host: str, port: int) -> str:
    """Return the http URL of `host`:`port`, with IPv6 addresses in brackets."""
    bare = host.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    return f"http://{shown}:{port}/"


def run_server(host: str, port: int) -> int:
    """Run daphne with the ASGI application and the build workers on `host`:`port` until it is stopped.

    Returns 0 after a stop by SIGINT or SIGTERM, 1 when the address cannot be bound.
    Running builds are cancelled when the server stops; their cleanup goes on.
    """
    # Setting Django up imported the daphne app, which installed Twisted's
    # asyncio reactor before anything else could import another one.
    from daphne.access import AccessLogGenerator
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from twisted.internet import reactor

    from builds import broadcast
    from builds.worker import WorkerPool
    from imagehub.asgi import application

    pool = WorkerPool()

    def announce() -> None:
        # Once the reactor runs, the address is bound and Ctrl-C is handled.
        # Twisted's startup callbacks run before its loop does; daphne made that loop the current one.
        broadcast.use_server_loop(asyncio.get_event_loop())
        pool.start()
        heap.settle()  # what start-up made, workers included, lives as long as the process
        print(f"ImageHub is running at {display_url(host, port)} (press Ctrl-C to stop)")

    server = Server(
        application=application,
        endpoints=build_endpoint_description_strings(host=host, port=port),
        signal_handlers=True,
        action_logger=AccessLogGenerator(sys.stdout),
        ready_callable=lambda: reactor.callWhenRunning(announce),
    )
    server.run()
    broadcast.use_server_loop(None)
    if pool.threads and not pool.stop("Build was cancelled: the server is stopping."):
        print("Some builds are still cleaning up; their processes finish it on their own.", file=sys.stderr)
    if not server.listening_addresses:
        return fail(f"cannot listen on {host} port {port} (see the message above)")
    print("ImageHub stopped.")
    return 0
