"""botocore's data loader, serving the trimmed service models and endpoint data of ``models.py``.

The service models of :data:`~builds.engine.builders.amazon.models.OPERATIONS`'s
services come from their cached trimmed copies, the ``endpoints`` document from
the trimmed endpoint copy (reported as botocore's own file, as it is derived
from it, so that endpoint resolution behaves as with the full data); all other
data is botocore's. Whenever a copy cannot be had (no model for the service,
an operation missing from the installed botocore's model, any error reading or
deriving it) the full data is served instead. Inside :meth:`ModelLoader.full_models`
the full models are served on that thread: the client factory makes a client of
the full model there when an operation outside the trimmed one is called.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import botocore.loaders

from builds.engine.builders.amazon import models


class ModelLoader(botocore.loaders.Loader):
    """A botocore ``Loader`` serving trimmed models (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._full = threading.local()
        self._trimmed: dict[tuple[str, str | None], Any] = {}
        self._trimmed_lock = threading.Lock()

    @contextlib.contextmanager
    def full_models(self) -> Iterator[None]:
        """Serve botocore's full service models on this thread for the duration."""
        previous = getattr(self._full, "on", False)
        self._full.on = True
        try:
            yield
        finally:
            self._full.on = previous

    def trims(self, service: str) -> bool:
        """Whether clients of ``service`` are made from a trimmed model (outside :meth:`full_models`)."""
        return service in models.OPERATIONS and not getattr(self._full, "on", False)

    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        if type_name == "service-2" and self.trims(service_name):
            trimmed = self._trimmed_model(service_name, api_version)
            if trimmed is not None:
                return trimmed
        return super().load_service_model(service_name, type_name, api_version)

    def load_data_with_path(self, name: str) -> Any:
        if name != "endpoints":
            return super().load_data_with_path(name)
        try:
            data = models.endpoint_data()
        except Exception:  # whatever keeps the copy from being had, botocore's own data serves
            return super().load_data_with_path(name)
        return data, os.path.join(self.BUILTIN_DATA_PATH, name)

    def _trimmed_model(self, service: str, api_version: str | None) -> Any:
        key = (service, api_version)
        with self._trimmed_lock:
            if key not in self._trimmed:
                try:
                    self._trimmed[key] = self._read_trimmed(service, api_version)
                except Exception:  # whatever keeps the copy from being had, the full model serves
                    self._trimmed[key] = None
            return self._trimmed[key]

    def _read_trimmed(self, service: str, api_version: str | None) -> Any:
        version = api_version or self.determine_latest_version(service, "service-2")
        wanted = models.OPERATIONS[service]

        def derive() -> Any:
            full = super(ModelLoader, self).load_service_model(service, "service-2", version)
            return models.trim_service_model(full, wanted)

        def current(model: Any) -> bool:
            return isinstance(model, dict) and isinstance(model.get("shapes"), dict) and \
                wanted <= models.python_names(model)

        return models.cached_json(models.service_model_path(service, version), derive, current)
