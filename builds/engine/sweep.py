"""The sweeper: finds the temporary cloud resources of builds that are over and deletes them, in dependency order.

A leftover is found two ways: in the resource ledger (entries not marked
deleted, of builds whose owner is no longer running), and by its tags
(``imagehub:build-id`` with ``imagehub:temporary = true``), which still find
it when the ledger is gone or a build died between creating a resource and
recording it. A resource known only by its tags may belong to a build running
on another machine, so unless told otherwise the sweeper leaves it alone until
it is an hour old, unless the ledger shows that its build is over.

Deletion follows the resources' dependencies: spot requests are cancelled
first (so that none launches an instance again), instances are terminated
(and waited for), then launch templates, AMIs the build meant to deregister
with their snapshots, snapshots, volumes, security groups (retried while
AWS still reports a dependency), key pairs, IAM instance profiles and roles.
Every action is reported as a line of text; what cannot be deleted is
reported with the reason, and its ledger entry stays for the next sweep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from builds.engine.builders.amazon import leftovers
from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.errors import AwsError, BotoCoreError, ClientError
from builds.engine.ledger import Ledger

# Deletion order; the names are the ledger's kinds.
ORDER = ("spot-request", "instance", "launch-template", "ami", "snapshot", "volume", "security-group", "key-pair",
         "iam-instance-profile", "iam-role")
LABELS = {"spot-request": "spot request", "instance": "instance", "launch-template": "launch template", "ami": "AMI", "snapshot": "snapshot",
          "volume": "volume", "security-group": "security group", "key-pair": "key pair",
          "iam-instance-profile": "IAM instance profile", "iam-role": "IAM role"}
VERBS = {"spot-request": "Cancelled", "ami": "Deregistered"}  # what a sweep says it did, when not "Deleted"
TAG_ONLY_MIN_AGE = 3600.0  # seconds a resource of a build only its tags show must exist before it is swept
IAM_REGION = leftovers.IAM_REGION
AWS_ERRORS = (ClientError, BotoCoreError, AwsError)


@dataclass
class Leftover:
    """A temporary resource that may need deleting."""

    kind: str  # one of ORDER
    id: str  # for key pairs, IAM profiles and roles: the name
    region: str  # "global" for IAM
    build_id: str
    created: float | None = None  # epoch seconds, when known
    endpoint: str = ""  # the EC2 endpoint it lives at ("" for AWS's own)
    in_ledger: bool = False
    tagged: bool = False

    @property
    def label(self) -> str:
        return f"{LABELS.get(self.kind, self.kind)} {self.id}"

    @property
    def where(self) -> str:
        return f"in {self.region} (build {self.build_id})"


@dataclass
class SweepOptions:
    """What to sweep: regions to search by tags, minimum age, whether to only report, where AWS is."""

    regions: list[str] = field(default_factory=list)  # empty: the ledger's places, or the default region
    older_than: float | None = None  # seconds; None: 0 for builds in the ledger, an hour for builds only tags show
    dry_run: bool = False
    profile: str = ""
    endpoint: str = ""  # EC2 endpoint for resources the ledger does not place
    retry_delay: float = 5.0  # between attempts at a security group AWS says is still in use
    retry_timeout: float = 300.0


@dataclass
class SweepResult:
    """What a sweep did."""

    deleted: list[Leftover] = field(default_factory=list)
    already_gone: list[Leftover] = field(default_factory=list)
    would_delete: list[Leftover] = field(default_factory=list)
    skipped_running: list[Leftover] = field(default_factory=list)
    failed: list[tuple[Leftover, str]] = field(default_factory=list)
    search_errors: list[str] = field(default_factory=list)  # searches that failed: more may be left


class Sweeper:
    """Finds and deletes leftovers; ``say`` receives one line per action."""

    def __init__(self, ledger: Ledger, options: SweepOptions, say: Callable[[str], None],
                 now: Callable[[], float] = time.time):
        self.ledger = ledger
        self.options = options
        self.say = say
        self.now = now
        self._accesses: dict[str, AwsAccess] = {}
        self._ledger_builds: set[str] = set()  # builds with resources in the ledger
        self.search_errors: list[str] = []

    def access(self, endpoint: str) -> AwsAccess:
        """The AWS access for resources at EC2 endpoint ``endpoint`` (one per endpoint)."""
        if endpoint not in self._accesses:
            self._accesses[endpoint] = AwsAccess(profile=self.options.profile, custom_endpoint_ec2=endpoint)
        return self._accesses[endpoint]

    # -- finding --------------------------------------------------------------------------------

    def find(self) -> list[Leftover]:
        """Every leftover from the ledger and the tags, each once, in no particular order.

        Tags are searched where the ledger's resources are, plus the regions of ``-region`` (or the default
        region when the ledger is empty) at ``-endpoint-ec2``; a search that fails is reported and noted in
        :attr:`search_errors`. Raises :class:`AwsError` when the ledger is empty and no region is known to
        search.
        """
        found: dict[tuple[str, str, str], Leftover] = {}
        for entry in self.ledger.entries():
            self._ledger_builds.add(entry.build_id)
            if entry.provider != "aws":
                continue
            region = IAM_REGION if entry.kind.startswith("iam-") else entry.region
            endpoint = str(entry.extra.get("endpoint") or self.options.endpoint)
            found[(entry.kind, entry.id, region)] = Leftover(entry.kind, entry.id, region, entry.build_id,
                                                           entry.created, endpoint, in_ledger=True)
        places = {(item.endpoint, item.region) for item in found.values() if item.region != IAM_REGION}
        if self.options.regions or self.options.endpoint or not places:
            # a ledger of IAM resources alone needs no region; with no ledger at all, tags need one
            places |= {(self.options.endpoint, region) for region in self._regions(places, required=not found)}
        for endpoint, region in sorted(places):
            access = self.access(endpoint)
            for tagged in self._search(f"{region} by tags", access, leftovers.tagged_ec2_resources, access, region):
                self._merge(found, tagged, endpoint)
        access = self.access(self.options.endpoint)
        for tagged in self._search("IAM by tags", access, leftovers.tagged_iam_resources, access):
            self._merge(found, tagged, self.options.endpoint)
        return list(found.values())

    def _regions(self, places: set[tuple[str, str]], required: bool) -> list[str]:
        if self.options.regions:
            return list(self.options.regions)
        regions = {region for _, region in places}
        default = self.access(self.options.endpoint).resolved_region()
        if default:
            regions.add(default)
        if not regions and required:
            raise AwsError("No region to search: give -region, or set AWS_REGION or a profile's region.")
        return sorted(regions)

    def _search(self, what: str, access: AwsAccess, search: Callable[..., list[leftovers.TaggedResource]],
                *args: Any) -> list[leftovers.TaggedResource]:
        try:
            return search(*args)
        except AWS_ERRORS as exc:
            reason = str(exc) if isinstance(exc, AwsError) else access.describe_error(exc)
            self.search_errors.append(f"Could not search {what}: {reason}")
            self.say(self.search_errors[-1])
            return []

    @staticmethod
    def _merge(found: dict[tuple[str, str, str], Leftover], tagged: leftovers.TaggedResource,
               endpoint: str) -> None:
        known = found.get((tagged.kind, tagged.id, tagged.region))
        if known is None:
            found[(tagged.kind, tagged.id, tagged.region)] = Leftover(
                tagged.kind, tagged.id, tagged.region, tagged.build_id, tagged.created, endpoint, tagged=True)
        else:
            known.tagged = True
            known.created = known.created if known.created is not None else tagged.created

    # -- choosing -------------------------------------------------------------------------------

    def select(self, found: list[Leftover], result: SweepResult) -> list[Leftover]:
        """The leftovers to delete now, in deletion order: not of a running build, and old enough.

        Those of running builds are added to ``result.skipped_running``.
        """
        running: dict[str, bool] = {}
        chosen = []
        for item in found:
            if item.build_id not in running:
                running[item.build_id] = self.ledger.is_running(item.build_id)
            if running[item.build_id]:
                result.skipped_running.append(item)
                continue
            min_age = self.options.older_than
            if min_age is None:
                min_age = 0.0 if item.build_id in self._ledger_builds else TAG_ONLY_MIN_AGE
            if min_age > 0 and item.created is not None and self.now() - item.created < min_age:
                continue
            chosen.append(item)
        rank = {kind: index for index, kind in enumerate(ORDER)}
        return sorted(chosen, key=lambda item: (rank.get(item.kind, len(ORDER)), item.region, item.id))

    # -- deleting -------------------------------------------------------------------------------

    def run(self) -> SweepResult:
        """Find, choose and delete (or, with ``dry_run``, list) the leftovers; return what happened.

        Raises :class:`AwsError` when the ledger is empty and no region is known to search.
        """
        result = SweepResult()
        chosen = self.select(self.find(), result)
        result.search_errors = list(self.search_errors)
        for build_id in sorted({item.build_id for item in result.skipped_running}):
            count = sum(1 for item in result.skipped_running if item.build_id == build_id)
            self.say(f"Skipping {count} resource(s) of build {build_id}: it is still running")
        if self.options.dry_run:
            for item in chosen:
                self.say(f"Would delete {item.label} {item.where}")
            result.would_delete = chosen
            return result
        for item in chosen:
            if item.kind == "spot-request":
                self._delete(item, result)
        self._terminate([item for item in chosen if item.kind == "instance"], result)
        for item in chosen:
            if item.kind not in ("spot-request", "instance"):
                self._delete(item, result)
        return result

    def _terminate(self, instances: list[Leftover], result: SweepResult) -> None:
        groups: dict[tuple[str, str], list[Leftover]] = {}
        for item in instances:
            groups.setdefault((item.endpoint, item.region), []).append(item)
        for (endpoint, region), items in groups.items():
            access = self.access(endpoint)
            try:
                outcome = leftovers.terminate_instances(access, region, [item.id for item in items])
            except AWS_ERRORS as exc:
                outcome = dict.fromkeys((item.id for item in items), exc)
            for item in items:
                error = outcome[item.id]
                if error is None:
                    self._done(item, "Terminated", result)
                else:
                    self._failed_or_gone(item, error, access, result)

    def _delete(self, item: Leftover, result: SweepResult) -> None:
        if item.kind not in ORDER:
            self._failed(item, f"the sweeper cannot delete resources of kind {item.kind!r}", result)
            return
        access = self.access(item.endpoint)
        deleter = leftovers.Deleter(access, self.say, self.options.retry_delay, self.options.retry_timeout)
        try:
            gone_already = deleter.delete(item.kind, item.id, item.region, item.build_id)
        except AWS_ERRORS as exc:
            self._failed_or_gone(item, exc, access, result)
            return
        if gone_already:
            self._gone(item, result)
        else:
            self._done(item, VERBS.get(item.kind, "Deleted"), result)

    def _failed_or_gone(self, item: Leftover, exc: BaseException, access: AwsAccess, result: SweepResult) -> None:
        if leftovers.is_not_found(exc):
            self._gone(item, result)
        else:
            reason = str(exc) if isinstance(exc, AwsError) else access.describe_error(exc)
            self._failed(item, reason, result)

    def _done(self, item: Leftover, verb: str, result: SweepResult) -> None:
        self.say(f"{verb} {item.label} {item.where}")
        result.deleted.append(item)
        self._forget(item)

    def _gone(self, item: Leftover, result: SweepResult) -> None:
        label = item.label[0].upper() + item.label[1:]
        self.say(f"{label} {item.where} was already gone")
        result.already_gone.append(item)
        self._forget(item)

    def _failed(self, item: Leftover, reason: str, result: SweepResult) -> None:
        self.say(f"Could not delete {item.label} {item.where}: {reason}")
        result.failed.append((item, reason))

    def _forget(self, item: Leftover) -> None:
        if item.in_ledger:
            self.ledger.mark_deleted(item.build_id, item.kind, item.id)
