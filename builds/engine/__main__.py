"""``python -m builds.engine``: the engine's command line without the dashboard."""

import sys

from builds.engine.cli import main

sys.exit(main())
