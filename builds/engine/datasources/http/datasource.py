"""Packer's own ``http`` data source: one HTTP request, its answer's body and headers as data.

As Packer's: the answer must have a 2xx status; redirects are followed; the
output is ``url`` (as given), ``body`` (the answer's body as text) and the
answer's headers under the name Packer gives them, ``request_headers``
(header names in their canonical form, ``Content-Type``; repeated headers
joined with ", "). A connection or read that stays silent for
TIMEOUT_SECONDS fails the request, where Packer would wait for ever.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from builds.engine.cancel import CancelToken
from builds.engine.plugins import DataSource

METHODS = ("HEAD", "GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
TIMEOUT_SECONDS = 60


class HttpDataSource(DataSource):
    type_name = "http"

    def prepare(self) -> list[str]:
        self.url = self.raw.get("url") or ""
        self.method = self.raw.get("method") or "GET"
        self.headers = dict(self.raw.get("request_headers") or {})
        self.body = self.raw.get("request_body") or ""
        problems = []
        if not self.url:
            problems.append("the `url` must be specified")
        if self.method not in METHODS:
            problems.append(f"the `method` must be one of [{' '.join(METHODS)}]")
        return problems

    def execute(self, cancel: CancelToken) -> dict[str, Any]:
        """Make the request; raises an error that says why when it fails or its status is not 2xx."""
        cancel.raise_if_cancelled()
        request = urllib.request.Request(self.url, data=self.body.encode() if self.body else None,
                                         headers=self.headers, method=self.method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"HTTP request error. Response code: {error.code}") from None
        except (OSError, ValueError) as error:  # URLError is an OSError; a malformed URL, a ValueError
            reason = getattr(error, "reason", error)
            if isinstance(reason, OSError) and reason.strerror:
                reason = reason.strerror  # "Connection refused", without the errno
            raise RuntimeError(f'{self.method} "{self.url}": {reason}') from None
        if not 200 <= status < 300:
            raise RuntimeError(f"HTTP request error. Response code: {status}")
        joined: dict[str, str] = {}
        for name, value in headers.items():
            key = _canonical(name)
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        charset = headers.get_content_charset() or "utf-8"
        try:
            text = body.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            text = body.decode("utf-8", errors="replace")
        return {"url": self.url, "body": text, "request_headers": joined}


def _canonical(name: str) -> str:
    """A header name as Go writes it: each word's first letter upper case, the rest lower (content-type →
    Content-Type)."""
    return "-".join(word[:1].upper() + word[1:].lower() for word in name.split("-"))
