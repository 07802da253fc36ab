"""StepVerifyCleanup: once every other cleanup has run, check that each temporary resource is really gone.

Packer trusts its cleanups; a failed delete prints "please delete manually"
and is forgotten. This step comes first in the recipe, so its cleanup runs
last: it looks up every resource the build recorded in its ledger (deleted or
not) and reports, by id, each one that still exists, so the operator or
``imagehub sweep`` can finish the job: a survivor marked deleted is recorded
again. Resources found gone are marked deleted. The lookups are independent,
so they are made at the same time.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

from builds.engine.builders.amazon.common.resources import AWS_ERRORS, forget, still_exists
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.ledger import LedgerEntry
from builds.engine.steps import Action, CleanupFailure

MAX_LOOKUPS_AT_ONCE = 8


class StepVerifyCleanup:
    """Reports the temporary resources that survived cleanup (its ``run`` does nothing)."""

    def run(self, state: AmazonState) -> Action:
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        if state.ledger is None or not state.build_id:
            return
        entries = [entry for entry in state.ledger.entries(state.build_id, include_deleted=True)
                   if entry.id not in state.kept_images]
        if not entries:
            return
        with ThreadPoolExecutor(min(len(entries), MAX_LOOKUPS_AT_ONCE)) as pool:
            answers = list(pool.map(lambda entry: _lookup(state, entry), entries))
        survivors = []
        for entry, exists in zip(entries, answers, strict=True):
            if isinstance(exists, BaseException):
                survivors.append(f"{entry.kind} {entry.id} in {entry.region} (could not check: "
                                 f"{state.describe_error(exists)})")
                continue
            if exists:
                survivors.append(f"{entry.kind} {entry.id} in {entry.region}")
                if entry.deleted is not None:  # a delete that did not take: the sweeper must see it again
                    state.ledger.record(dataclasses.replace(entry, deleted=None))
            elif entry.deleted is None:
                forget(state, entry.kind, entry.id)
        if not survivors:
            return
        listing = "; ".join(survivors)
        state.ui.error(f"These temporary resources still exist after cleanup: {listing}. Delete them by hand, "
                       "or run imagehub sweep.")
        state.cleanup_failures.append(CleanupFailure("StepVerifyCleanup", f"left behind: {listing}"))


def _lookup(state: AmazonState, entry: LedgerEntry) -> bool | BaseException:
    """Whether ``entry``'s resource still exists, or the error that kept the question unanswered."""
    try:
        return still_exists(state, entry)
    except AWS_ERRORS as exc:
        return exc
