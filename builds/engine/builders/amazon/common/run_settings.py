"""How the source instance is run (the plugin's ``RunConfig``): typed, with Packer's defaults and checks."""

from __future__ import annotations

import ipaddress
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from builds.engine.builders.amazon.common.arguments import Arguments
from builds.engine.builders.common.communicator_settings import communicator_problems
from builds.engine.communicators.ssh.config import SSHConfig
from builds.engine.plugins import Problem

SSH_INTERFACES = ("public_ip", "private_ip", "public_dns", "private_dns", "ipv6", "session_manager")
TEMPORARY_KEY_PAIR_TYPES = ("rsa", "ed25519")
SPOT_ALLOCATION_STRATEGIES = ("lowest-price", "diversified", "capacity-optimized",
                              "capacity-optimized-prioritized", "price-capacity-optimized")
BURSTABLE = re.compile(r"^t(:?2|3a?|4g)\.")


def time_ordered_id() -> str:
    """A unique id that sorts by creation time, shaped like a UUID (Packer's ``TimeOrderedUUID``)."""
    seconds = int(time.time()) & 0xFFFFFFFF
    rest = os.urandom(12).hex()
    return f"{seconds:08x}-{rest[0:4]}-{rest[4:8]}-{rest[8:12]}-{rest[12:24]}"


@dataclass
class NameFilter:
    """``vpc_filter``/``subnet_filter``/``security_group_filter``: filters and, for subnets, how to pick one."""

    filters: dict[str, str] = field(default_factory=dict)
    most_free: bool = False
    random: bool = False

    @property
    def empty(self) -> bool:
        return not self.filters


@dataclass
class AmiFilter:
    """``source_ami_filter``."""

    filters: dict[str, str] = field(default_factory=dict)
    owners: list[str] = field(default_factory=list)
    most_recent: bool = False
    include_deprecated: bool = False

    @property
    def empty(self) -> bool:
        return not self.owners and not self.filters


@dataclass
class MetadataOptions:
    """``metadata_options``, defaults applied."""

    http_endpoint: str = "enabled"
    http_tokens: str = "optional"
    http_put_response_hop_limit: int = 1
    instance_metadata_tags: str = "disabled"


@dataclass
class RunSettings:
    """What the steps that find the network and run the instance read."""

    source_ami: str = ""
    source_ami_filter: AmiFilter = field(default_factory=AmiFilter)
    instance_type: str = ""
    spot_price: str = ""
    spot_instance_types: list[str] = field(default_factory=list)
    spot_allocation_strategy: str = ""
    spot_tags: dict[str, str] = field(default_factory=dict)
    fleet_tags: dict[str, str] = field(default_factory=dict)
    block_duration_minutes: int = 0
    availability_zone: str = ""
    vpc_id: str = ""
    vpc_filter: NameFilter = field(default_factory=NameFilter)
    subnet_id: str = ""
    subnet_filter: NameFilter = field(default_factory=NameFilter)
    associate_public_ip_address: bool | None = None
    security_group_ids: list[str] = field(default_factory=list)
    security_group_filter: NameFilter = field(default_factory=NameFilter)
    temporary_security_group_source_cidrs: list[str] = field(default_factory=list)
    temporary_security_group_source_public_ip: bool = False
    iam_instance_profile: str = ""
    skip_profile_validation: bool = False
    temporary_iam_instance_profile_policy_document: dict[str, Any] | None = None
    run_tags: dict[str, str] = field(default_factory=dict)
    user_data: str = ""
    user_data_file: str = ""
    ebs_optimized: bool = False
    enable_unlimited_credits: bool = False
    enable_nitro_enclave: bool = False
    shutdown_behavior: str = "stop"
    disable_stop_instance: bool = False
    metadata: MetadataOptions = field(default_factory=MetadataOptions)
    capacity_reservation_preference: str = ""
    capacity_reservation_id: str = ""
    capacity_reservation_group_arn: str = ""
    tenancy: str = ""
    host_id: str = ""
    host_resource_group_arn: str = ""
    license_configuration_arns: list[str] = field(default_factory=list)
    ssh_interface: str = ""
    # the communicator
    communicator: str = "ssh"
    ssh: SSHConfig = field(default_factory=SSHConfig)
    ssh_keypair_name: str = ""
    temporary_key_pair_name: str = ""  # set when the build creates a key pair
    temporary_key_pair_type: str = "rsa"

    @property
    def is_spot(self) -> bool:
        return bool(self.spot_price) and self.spot_price != "0"

    @property
    def is_burstable(self) -> bool:
        return bool(BURSTABLE.match(self.instance_type))


def read_run_settings(raw: dict[str, Any]) -> tuple[RunSettings, list[str]]:
    """Return the run settings of the decoded arguments ``raw`` and the problems found, in Packer's words."""
    args = Arguments(raw)
    problems: list[str] = []
    run_tags, tag_problems = args.tags("run_tags", "run_tag")
    spot_tags, spot_problems = args.tags("spot_tags", "spot_tag")
    fleet_tags, fleet_problems = args.tags("fleet_tags", "fleet_tag")
    problems += tag_problems + spot_problems + fleet_problems
    settings = RunSettings(
        source_ami=args.text("source_ami"),
        source_ami_filter=_ami_filter(args.block("source_ami_filter")),
        instance_type=args.text("instance_type"),
        spot_price=args.text("spot_price"),
        spot_instance_types=args.strings("spot_instance_types"),
        spot_allocation_strategy=args.text("spot_allocation_strategy"),
        spot_tags=spot_tags,
        fleet_tags=fleet_tags,
        block_duration_minutes=args.integer("block_duration_minutes"),
        availability_zone=args.text("availability_zone"),
        vpc_id=args.text("vpc_id"),
        vpc_filter=_name_filter(args.block("vpc_filter")),
        subnet_id=args.text("subnet_id"),
        subnet_filter=_name_filter(args.block("subnet_filter")),
        associate_public_ip_address=args.trilean("associate_public_ip_address"),
        security_group_ids=args.strings("security_group_ids"),
        security_group_filter=_name_filter(args.block("security_group_filter")),
        temporary_security_group_source_cidrs=args.strings("temporary_security_group_source_cidrs"),
        temporary_security_group_source_public_ip=args.flag("temporary_security_group_source_public_ip"),
        iam_instance_profile=args.text("iam_instance_profile"),
        skip_profile_validation=args.flag("skip_profile_validation"),
        temporary_iam_instance_profile_policy_document=_policy_document(
            args.block("temporary_iam_instance_profile_policy_document")),
        run_tags=run_tags,
        user_data=args.text("user_data"),
        user_data_file=args.text("user_data_file"),
        ebs_optimized=args.flag("ebs_optimized"),
        enable_unlimited_credits=args.flag("enable_unlimited_credits") or args.flag("enable_t2_unlimited"),
        enable_nitro_enclave=args.flag("enable_nitro_enclave"),
        shutdown_behavior=args.text("shutdown_behavior") or "stop",
        disable_stop_instance=args.flag("disable_stop_instance"),
        capacity_reservation_preference=args.text("capacity_reservation_preference"),
        capacity_reservation_id=args.text("capacity_reservation_id"),
        capacity_reservation_group_arn=args.text("capacity_reservation_group_arn"),
        license_configuration_arns=[
            arn for spec in args.blocks("license_specifications")
            if (request := spec.block("license_configuration_request")) and (arn := request.text(
                "license_configuration_arn"))],
        ssh_interface=args.text("ssh_interface"),
        communicator=args.text("communicator") or "ssh",
        ssh=SSHConfig.from_arguments(raw),
        ssh_keypair_name=args.text("ssh_keypair_name"),
        temporary_key_pair_name=args.text("temporary_key_pair_name"),
        temporary_key_pair_type=args.text("temporary_key_pair_type") or "rsa",
    )
    problems += _communicator_problems(settings, raw)
    problems += _metadata_problems(settings, args.block("metadata_options"))
    problems += _placement_problems(settings, args)
    problems += _instance_problems(settings, args)
    problems += _network_problems(settings, args)
    return settings, problems


def _ami_filter(block: Arguments | None) -> AmiFilter:
    if block is None:
        return AmiFilter()
    return AmiFilter(filters=block.mapping("filters"), owners=block.strings("owners"),
                     most_recent=block.flag("most_recent"), include_deprecated=block.flag("include_deprecated"))


def _name_filter(block: Arguments | None) -> NameFilter:
    if block is None:
        return NameFilter()
    filters = block.mapping("filters")
    for item in block.blocks("filter"):
        if item.text("name"):
            filters[item.text("name")] = item.text("value")
    return NameFilter(filters=filters, most_free=block.flag("most_free"), random=block.flag("random"))


def _policy_document(block: Arguments | None) -> dict[str, Any] | None:
    if block is None:
        return None
    statements = [{"Effect": s.text("Effect"), "Action": s.strings("Action"), "Resource": s.strings("Resource")}
                  for s in block.blocks("Statement")]
    return {"Version": block.text("Version"), "Statement": statements}


def _communicator_problems(settings: RunSettings, raw: dict[str, Any]) -> list[str]:
    problems = [p for p in communicator_problems(raw, default="ssh") if "temporary_key_pair_type" not in p]
    if settings.temporary_key_pair_type not in TEMPORARY_KEY_PAIR_TYPES:
        problems.append("temporary_key_pair_type requires either rsa or ed25519 as its value")
    if settings.communicator != "ssh":
        return problems
    ssh = settings.ssh
    problems += [p for p in ssh.prepare() if p not in problems and "temporary_key_pair_type" not in p]
    if settings.ssh_keypair_name and not ssh.private_key_file and not ssh.agent_auth:
        problems.append("ssh_private_key_file must be provided or ssh_agent_auth enabled when ssh_keypair_name "
                        "is specified.")
    if not (settings.ssh_keypair_name or settings.temporary_key_pair_name or ssh.private_key_file
            or ssh.password):
        settings.temporary_key_pair_name = f"packer_{time_ordered_id()}"
    if settings.ssh_interface and settings.ssh_interface not in SSH_INTERFACES:
        problems.append(Problem(f"Unknown interface type: {settings.ssh_interface}", "ssh_interface"))
    elif settings.ssh_interface == "session_manager":
        if not (settings.iam_instance_profile or settings.temporary_iam_instance_profile_policy_document):
            problems.append("no iam_instance_profile defined; session_manager connectivity requires a valid "
                            "instance profile with AmazonSSMManagedInstanceCore permissions. Alternatively a "
                            "temporary_iam_instance_profile_policy_document can be used.")
        problems.append('ssh_interface "session_manager" is not supported by ImageHub: it cannot open '
                        "Session Manager tunnels. Use public_ip, private_ip, public_dns, private_dns or ipv6.")
    return problems


def _metadata_problems(settings: RunSettings, block: Arguments | None) -> list[str]:
    if block is not None:
        settings.metadata = MetadataOptions(
            http_endpoint=block.text("http_endpoint") or "enabled",
            http_tokens=block.text("http_tokens") or "optional",
            http_put_response_hop_limit=block.integer("http_put_response_hop_limit") or 1,
            instance_metadata_tags=block.text("instance_metadata_tags") or "disabled",
        )
    metadata = settings.metadata
    problems = []
    if metadata.http_endpoint not in ("enabled", "disabled"):
        problems.append("http_endpoint requires either disabled or enabled as its value")
    if metadata.http_tokens not in ("optional", "required"):
        problems.append("http_tokens requires either optional or required as its value")
    if not 1 <= metadata.http_put_response_hop_limit <= 64:
        problems.append("http_put_response_hop_limit requires a number between 1 and 64")
    if metadata.instance_metadata_tags not in ("enabled", "disabled"):
        problems.append("instance_metadata_tags requires either disabled or enabled as its value")
    return problems


def _placement_problems(settings: RunSettings, args: Arguments) -> list[str]:
    problems = []
    placement = args.block("placement") or Arguments({})
    settings.host_id = placement.text("host_id")
    settings.host_resource_group_arn = placement.text("host_resource_group_arn")
    tenancies = [t for t in (placement.text("tenancy"), args.text("tenancy")) if t]
    if len(tenancies) > 1:
        problems.append("Error: Please set only one of placement.tenancy and tenancy (deprecated)")
    settings.tenancy = tenancies[0] if tenancies else ""
    if settings.tenancy not in ("", "default", "dedicated", "host"):
        problems.append(f"Error: Unknown tenancy type {settings.tenancy}")
    if settings.host_id and settings.host_resource_group_arn:
        problems.append("The `host_id` and `host_resource_group_arn` settings cannot be specified at the same time.")
    if (settings.host_id or settings.host_resource_group_arn) and placement.text("tenancy") not in ("", "host"):
        problems.append("The tenancy should be `host` if either the `host_id` or `host_resource_group_arn` "
                        "attributes are specified.")
    return problems


def _instance_problems(settings: RunSettings, args: Arguments) -> list[str]:
    problems = []
    if not settings.source_ami and settings.source_ami_filter.empty:
        problems.append("A source_ami or source_ami_filter must be specified")
    if not settings.source_ami and not settings.source_ami_filter.empty and not settings.source_ami_filter.owners:
        problems.append(Problem("For security reasons, your source AMI filter must declare an owner.",
                                "source_ami_filter"))
    if not settings.instance_type and not settings.spot_instance_types:
        problems.append("either instance_type or spot_instance_types must be specified")
    if settings.instance_type and settings.spot_instance_types:
        problems.append("either instance_type or spot_instance_types must be specified, not both")
    if (args.has("fleet_tags") or args.has("fleet_tag")) and not settings.is_spot:
        problems.append("fleet_tags should not be set when not requesting a spot instance")
    if settings.block_duration_minutes % 60:
        problems.append("block_duration_minutes must be multiple of 60")
    if (args.has("spot_tags") or args.has("spot_tag")) and not settings.is_spot:
        problems.append("spot_tags should not be set when not requesting a spot instance")
    if settings.spot_allocation_strategy and settings.spot_allocation_strategy not in SPOT_ALLOCATION_STRATEGIES:
        problems.append(f"Unknown spot_allocation_strategy: {settings.spot_allocation_strategy}")
    if settings.user_data and settings.user_data_file:
        problems.append("Only one of user_data or user_data_file can be specified.")
    elif settings.user_data_file and not os.path.exists(settings.user_data_file):
        problems.append(f"user_data_file not found: {settings.user_data_file}")
    if settings.shutdown_behavior not in ("stop", "terminate"):
        problems.append("shutdown_behavior only accepts 'stop' or 'terminate' values.")
    if settings.enable_unlimited_credits:
        if not settings.is_burstable:
            problems.append(f"Error: Instance Type: {settings.instance_type} is not within the supported types for "
                            "Unlimited credits. Supported instance types are T2, T3, and T4g")
        if settings.spot_price and settings.instance_type.startswith("t2."):
            problems.append("Error: Unlimited credits cannot be used in conjunction with Spot Instances")
    target = settings.capacity_reservation_id or settings.capacity_reservation_group_arn
    if settings.capacity_reservation_id and settings.capacity_reservation_group_arn:
        problems.append("capacity_reservation_id and capacity_reservation_group_arn are mutually exclusive, only "
                        "one should be used")
    if target and settings.capacity_reservation_preference:
        problems.append("capacity_reservation_id, capacity_reservation_group_arn and "
                        "capacity_reservation_preference are mutually exclusive, only one should be set")
    if not target and not settings.capacity_reservation_preference:
        settings.capacity_reservation_preference = "none"
    if settings.capacity_reservation_preference not in ("", "none", "open"):
        problems.append("capacity_reservation_preference only accepts 'none' or 'open' values")
    if settings.enable_nitro_enclave:
        if settings.spot_price:
            problems.append("Error: Nitro Enclave cannot be used in conjunction with Spot Instances")
        if settings.instance_type.startswith("t"):
            problems.append("Error: Nitro Enclaves cannot be used in conjunction with burstable instance types: "
                            f"{settings.instance_type}")
    return problems


def _network_problems(settings: RunSettings, args: Arguments) -> list[str]:
    problems = []
    single = args.text("security_group_id")
    if single:
        if settings.security_group_ids:
            problems.append("Only one of security_group_id or security_group_ids can be specified.")
        else:
            settings.security_group_ids = [single]
    if not settings.temporary_security_group_source_cidrs and not settings.temporary_security_group_source_public_ip:
        settings.temporary_security_group_source_cidrs = ["::/0" if settings.ssh_interface == "ipv6" else "0.0.0.0/0"]
    else:
        for cidr in settings.temporary_security_group_source_cidrs:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                problems.append("Error parsing CIDR in temporary_security_group_source_cidrs: invalid CIDR "
                                f"address: {cidr}")
    return problems

