"""Settings for the test suite: ImageHub's own settings over a throwaway data directory."""

import atexit
import os
import shutil
import tempfile

_data_dir = tempfile.mkdtemp(prefix="imagehub-tests-")
atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
os.environ["IMAGEHUB_DATA_DIR"] = _data_dir

from imagehub.settings import *  # noqa: E402,F403

# The production hasher is slow on purpose; the suite hashes many passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test database is a file, so that a worker or server started as a subprocess by a test
# (with DATABASE_URL=sqlite:///<this file>) sees what the test wrote.
DATABASES["default"]["TEST"] = {"NAME": os.path.join(_data_dir, "test.sqlite3")}  # noqa: F405

# The suite's own process serves the ASGI application to tests without reaping on a thread of its own
# (a test's builds are its to mark lost); servers the tests start as subprocesses reap as deployed.
IMAGEHUB["WEB_REAPS_LOST_BUILDS"] = False  # noqa: F405
