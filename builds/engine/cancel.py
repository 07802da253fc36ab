"""Cancellation: one token per build run, set by a signal handler or the dashboard, watched by every step."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """Raised by a step (or a blocking call inside one) when its build has been cancelled."""


class CancelToken:
    """A flag that can be set once, with callbacks run when it is (to kill a remote command, say).

    Thread-safe: a signal handler or another thread calls :meth:`cancel`; the
    build's threads poll :attr:`cancelled`, wait on :meth:`wait`, or register
    a callback for the duration of a blocking call with :meth:`on_cancel`.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._next_id = 0
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "Build cancelled") -> None:
        """Set the token (idempotent) and run the registered callbacks once."""
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks = list(self._callbacks.values())
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a failing kill must not stop the other callbacks
                continue

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep up to ``timeout`` seconds or until cancelled; return whether the token is set."""
        return self._event.wait(timeout)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled(self.reason or "Build cancelled")

    def on_cancel(self, callback: Callable[[], None]) -> _Registration:
        """Run ``callback`` if the token is set while the returned registration is open (a context manager)."""
        with self._lock:
            key = self._next_id
            self._next_id += 1
            self._callbacks[key] = callback
            already = self._event.is_set()
        if already:
            callback()
        return _Registration(self, key)

    def _remove(self, key: int) -> None:
        with self._lock:
            self._callbacks.pop(key, None)


class _Registration:
    def __init__(self, token: CancelToken, key: int):
        self._token = token
        self._key = key

    def close(self) -> None:
        self._token._remove(self._key)

    def __enter__(self) -> _Registration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
