"""Provisioners: the plugins that configure a machine under build (shell, file, ansible...).

The arguments every provisioner block accepts whatever its type (``name``,
``only``, ``except``, ``pause_before``, ``max_retries``, ``timeout``,
``continue_on_error``, ``override``) belong to the template language, not to
these schemas; see :mod:`builds.engine.registry`.
"""
