"""Running a build's provisioners when its builder reaches the provisioning step.

Each provisioner is wrapped with the options the template language gives
every provisioner — ``pause_before``, ``max_retries``, ``timeout``,
``only``/``except`` (already applied when the build was prepared) — as
Packer's core does around its provisioner hooks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.durations import format_duration
from builds.engine.plugins import Provisioner, ProvisionError

if TYPE_CHECKING:
    from builds.engine.state import BuildState


@dataclass
class PreparedProvisioner:
    """A provisioner plugin ready to run, with the language-level options of its block."""

    type_name: str
    plugin: Provisioner
    name: str = ""
    pause_before: float = 0.0
    max_retries: int = 0
    timeout: float = 0.0
    continue_on_error: bool = False

    @property
    def label(self) -> str:
        return self.name or self.type_name


@dataclass
class Hook:
    """The provisioning hook handed to a builder: it runs the provisioners, in order, on the machine."""

    provisioners: list[PreparedProvisioner] = field(default_factory=list)
    error_cleanup: PreparedProvisioner | None = None

    def provision(self, state: BuildState) -> None:
        """Run every provisioner through ``state.communicator``; raise StepError on the first failure."""
        # Imported here: preparing a build (validate) makes a Hook but never runs it.
        from builds.engine.steps import StepError
        from builds.engine.ui import CANCELLED, FAILED, OK, PROVISION

        for prov in self.provisioners:
            state.cancel.raise_if_cancelled()
            name = f"provisioner {prov.label}"
            state.ui.step = name
            state.ui.step_event(name, PROVISION)
            try:
                self._run(prov, state)
            except Cancelled:
                state.ui.step_event(name, PROVISION, CANCELLED)
                raise
            except ProvisionError as exc:
                state.ui.step_event(name, PROVISION, FAILED)
                if prov.continue_on_error:
                    state.ui.error(f"Provisioner {prov.label} failed, continuing (continue_on_error): {exc}")
                    continue
                raise StepError(str(exc)) from exc
            state.ui.step_event(name, PROVISION, OK)
        state.ui.step = "StepProvision"

    def run_error_cleanup(self, state: BuildState) -> None:
        """Run the ``error-cleanup-provisioner`` after a failure (``-on-error=run-cleanup-provisioner``)."""
        if self.error_cleanup is None or state.communicator is None:
            return
        state.ui.say(f"Provisioning with error-cleanup-provisioner {self.error_cleanup.label}...")
        try:
            self._run(self.error_cleanup, state, cancel=CancelToken())
        except (ProvisionError, Cancelled) as exc:
            state.ui.error(f"error-cleanup-provisioner failed: {exc}")

    def _run(self, prov: PreparedProvisioner, state: BuildState, cancel: CancelToken | None = None) -> None:
        cancel = cancel or state.cancel
        if prov.pause_before > 0:
            state.ui.say(f"Pausing {format_duration(prov.pause_before)} before the next provisioner...")
            if cancel.wait(prov.pause_before):
                raise Cancelled(cancel.reason)
        attempts = prov.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                self._run_once(prov, state, cancel)
                return
            except ProvisionError as exc:
                if attempt == attempts or cancel.cancelled:
                    raise
                state.ui.error(f"Provisioner failed with \"{exc}\", retrying with {attempts - attempt} trie(s) "
                               "left")
                if cancel.wait(min(2 ** attempt, 30)):
                    raise Cancelled(cancel.reason) from None

    def _run_once(self, prov: PreparedProvisioner, state: BuildState, cancel: CancelToken) -> None:
        if state.communicator is None:
            raise ProvisionError("the build has no communicator to provision through")
        generated: dict[str, Any] = dict(state.generated)
        if prov.timeout <= 0:
            prov.plugin.provision(state.ui, state.communicator, generated, cancel)
            return
        # A timeout is a cancellation of this provisioner only: a child token the parent also cancels.
        child = CancelToken()
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            child.cancel(f"Provisioner {prov.label} timed out after {format_duration(prov.timeout)}")

        timer = threading.Timer(prov.timeout, expire)
        timer.daemon = True
        with cancel.on_cancel(lambda: child.cancel(cancel.reason)):
            timer.start()
            try:
                prov.plugin.provision(state.ui, state.communicator, generated, child)
            except Cancelled:
                if timed_out.is_set():
                    raise ProvisionError(f"timed out after {format_duration(prov.timeout)}") from None
                raise
            finally:
                timer.cancel()
