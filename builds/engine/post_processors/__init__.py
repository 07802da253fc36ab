"""Post-processors: the plugins that turn a build's artifact into another (manifest, checksum, docker-tag...).

The arguments every post-processor block accepts whatever its type (``name``,
``only``, ``except``, ``keep_input_artifact``) belong to the template language,
not to these schemas; see :mod:`builds.engine.registry`.
"""
