"""The ImageHub image registry as the engine asks it: a channel's image, and whether a build may start from an image.

The engine imports no Django, so it reaches the registry through an
:class:`ImageRegistry`, chosen once per process:

* run by the dashboard's worker, ``builds.engine.supervised`` installs one
  that asks the worker over the supervision pipes (the worker answers from
  its database and records which channel image the build took);
* ``imagehub build --record`` installs one that reads the database itself;
* otherwise (``imagehub build`` from a terminal) :func:`current` makes an
  :class:`HttpRegistry` from ``IMAGEHUB_URL`` and ``IMAGEHUB_TOKEN`` (a
  personal API token), or, without ``IMAGEHUB_URL``, a registry that knows no
  channels and lets every source image be used.

Every refusal is a :class:`RegistryRefusal` whose message is for the
template's author: the channel or template that does not exist, the region
without an image, the image that is revoked and why.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from typing import Any

URL_VARIABLE = "IMAGEHUB_URL"
TOKEN_VARIABLE = "IMAGEHUB_TOKEN"
API_PREFIX = "/api/v1"
TIMEOUT_SECONDS = 30.0


class RegistryRefusal(Exception):
    """The registry cannot give what was asked, or refuses an image; the message says why and what to do."""


class ImageRegistry(ABC):
    """Answers the ``imagehub-image`` data source and the builders' source image checks."""

    @abstractmethod
    def channel_image(self, template: str, channel: str, region: str) -> dict[str, Any]:
        """The image channel ``channel`` of ``template`` points at in ``region`` ("" for any single image):
        ``{"id", "region", "template", "channel", "build_id", "version", "source", "name", "created_at"}``;
        raises :class:`RegistryRefusal`."""

    @abstractmethod
    def check_source(self, image_id: str, region: str) -> None:
        """Return when a build may start from ``image_id`` in ``region``; raise :class:`RegistryRefusal` when
        the image is revoked."""


class NoRegistry(ImageRegistry):
    """No ImageHub server is configured: no channel can be read, and no image is known to be revoked."""

    def channel_image(self, template: str, channel: str, region: str) -> dict[str, Any]:
        raise RegistryRefusal(
            f'Reading channel "{channel}" of template "{template}" needs an ImageHub server: set {URL_VARIABLE} '
            f"to its address (e.g. https://imagehub.example.com) and {TOKEN_VARIABLE} to a personal API token "
            "(imagehub manage api_token USER NAME), or run the build from the dashboard.")

    def check_source(self, image_id: str, region: str) -> None:
        return None


class HttpRegistry(ImageRegistry):
    """An ImageHub server's JSON API, reached with a personal API token."""

    def __init__(self, url: str, token: str, timeout: float = TIMEOUT_SECONDS):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def channel_image(self, template: str, channel: str, region: str) -> dict[str, Any]:
        path = (f"/templates/{urllib.parse.quote(template, safe='')}/channels/"
                f"{urllib.parse.quote(channel, safe='')}/image")
        return self._get(path, {"region": region} if region else {})

    def check_source(self, image_id: str, region: str) -> None:
        self._get("/images/check", {"id": image_id, "region": region})

    def _get(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        address = f"{self.url}{API_PREFIX}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(address, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise RegistryRefusal(self._refusal(error)) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RegistryRefusal(f"ImageHub at {self.url} ({URL_VARIABLE}) could not be reached: {reason}") from None
        except ValueError:
            raise RegistryRefusal(f"ImageHub at {self.url} answered {path} with something other than JSON; is "
                                  f"{URL_VARIABLE} the dashboard's address?") from None

    def _refusal(self, error: urllib.error.HTTPError) -> str:
        try:
            message = json.loads(error.read().decode("utf-8")).get("error", "")
        except (ValueError, AttributeError, OSError):
            message = ""
        if error.code == 401:
            return (f"ImageHub at {self.url} did not accept the token in {TOKEN_VARIABLE}"
                    + ("" if self.token else " (it is not set)") + "; create one with imagehub manage api_token.")
        if error.code == 403:
            return message or f"The account of {TOKEN_VARIABLE} may not read ImageHub's images."
        return message or f"ImageHub at {self.url} answered HTTP {error.code} {error.reason}."


def from_environment(environment: dict[str, str] | None = None) -> ImageRegistry:
    """An :class:`HttpRegistry` when ``IMAGEHUB_URL`` is set, else :class:`NoRegistry`."""
    environment = os.environ if environment is None else environment
    url = environment.get(URL_VARIABLE, "").strip()
    if not url:
        return NoRegistry()
    return HttpRegistry(url, environment.get(TOKEN_VARIABLE, "").strip())


_installed: ImageRegistry | None = None


def install(registry: ImageRegistry | None) -> None:
    """Make ``registry`` the process's registry (None: back to the environment's)."""
    global _installed
    _installed = registry


def current() -> ImageRegistry:
    """The installed registry, else the environment's."""
    return _installed if _installed is not None else from_environment()
