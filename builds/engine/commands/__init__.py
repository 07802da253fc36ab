"""The engine's command-line verbs, one module each, dispatched by :mod:`builds.engine.cli`."""
