"""What the AMI is made into (the plugin's ``AMIConfig``): typed, with Packer's defaults and checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from builds.engine.builders.amazon.common.arguments import Arguments
from builds.engine.builders.amazon.common.tags import clean_ami_name, render_text
from builds.engine.builders.amazon.regions import unknown_regions
from builds.engine.gotemplate import TemplateContext, TemplateError
from builds.engine.plugins import Problem

AMI_NAME_CHARACTERS_MESSAGE = (
    "AMIName should only contain alphanumeric characters, parentheses (()), square brackets ([]), spaces ( ), "
    "periods (.), slashes (/), dashes (-), single quotes ('), at-signs (@), or underscores(_). You can use the "
    "`clean_resource_name` template filter to automatically clean your ami name.")

_KMS_KEY_ID = r"[a-f0-9]+[a-f0-9-]+$"
_KMS_MRK_ID = r"mrk-[a-f0-9]+[a-f0-9-]+$"
_KMS_ALIAS = r"alias/[a-zA-Z0-9:/_-]+$"
_KMS_ARN = r"^arn:aws(-[a-z]{2}(-gov)?)?:kms:([a-z]{2}-(gov-)?[a-z]+-\d{1})?:(\d{12}):"
_KMS_PATTERNS = [re.compile(p) for p in (
    "^" + _KMS_KEY_ID, "^" + _KMS_MRK_ID, "^" + _KMS_ALIAS, _KMS_ARN + "key/" + _KMS_KEY_ID,
    _KMS_ARN + "key/" + _KMS_MRK_ID, _KMS_ARN + _KMS_ALIAS)]


def valid_kms_key(key: str) -> bool:
    """Whether ``key`` is a KMS key id, alias or ARN as the plugin accepts them."""
    return any(pattern.match(key) for pattern in _KMS_PATTERNS)


@dataclass
class AmiSettings:
    """What the steps that create, copy, share and tag the AMI read."""

    name: str = ""  # interpolated at prepare, as Packer does
    description: str = ""  # a template, interpolated once the source AMI is known
    virtualization_type: str = ""
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    org_arns: list[str] = field(default_factory=list)
    ou_arns: list[str] = field(default_factory=list)
    product_codes: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # copy targets, without the build region
    skip_region_validation: bool = False
    snapshot_copy_duration_minutes: int = 0
    tags: dict[str, str] = field(default_factory=dict)
    ena_support: bool | None = None
    sriov_support: bool = False
    force_deregister: bool = False
    force_delete_snapshot: bool = False
    encrypt_boot: bool | None = None
    kms_key_id: str = ""
    region_kms_key_ids: dict[str, str] = field(default_factory=dict)
    skip_build_region: bool = False
    imds_support: str = ""
    deprecate_at: str = ""
    snapshot_tags: dict[str, str] = field(default_factory=dict)
    snapshot_users: list[str] = field(default_factory=list)
    snapshot_groups: list[str] = field(default_factory=list)
    deregistration_protection: bool = False
    deregistration_protection_cooldown: bool = False


def read_ami_settings(raw: dict[str, Any], build_region: str, context: TemplateContext,
                      force: bool = False) -> tuple[AmiSettings, list[str]]:
    """Return the AMI settings of ``raw`` and the problems found, in Packer's words.

    ``ami_name`` is interpolated now, with ``context`` (so ``{{timestamp}}`` is the build's start);
    ``force`` (``-force``) implies ``force_deregister``.
    """
    args = Arguments(raw)
    problems: list[str] = []
    tags, tag_problems = args.tags("tags", "tag")
    snapshot_tags, snapshot_tag_problems = args.tags("snapshot_tags", "snapshot_tag")
    problems += tag_problems + snapshot_tag_problems
    protection = args.block("deregistration_protection") or Arguments({})
    settings = AmiSettings(
        description=args.text("ami_description"),
        virtualization_type=args.text("ami_virtualization_type"),
        users=args.strings("ami_users"),
        groups=args.strings("ami_groups"),
        org_arns=args.strings("ami_org_arns"),
        ou_arns=args.strings("ami_ou_arns"),
        product_codes=args.strings("ami_product_codes"),
        skip_region_validation=args.flag("skip_region_validation"),
        snapshot_copy_duration_minutes=args.integer("snapshot_copy_duration_minutes"),
        tags=tags,
        ena_support=args.trilean("ena_support"),
        sriov_support=args.flag("sriov_support"),
        force_deregister=args.flag("force_deregister") or force,
        force_delete_snapshot=args.flag("force_delete_snapshot"),
        encrypt_boot=args.trilean("encrypt_boot"),
        kms_key_id=args.text("kms_key_id"),
        region_kms_key_ids=args.mapping("region_kms_key_ids"),
        skip_build_region=args.flag("skip_save_build_region"),
        imds_support=args.text("imds_support"),
        deprecate_at=args.text("deprecate_at"),
        snapshot_tags=snapshot_tags,
        snapshot_users=args.strings("snapshot_users"),
        snapshot_groups=args.strings("snapshot_groups"),
        deregistration_protection=protection.flag("enabled") or protection.flag("with_cooldown"),
        deregistration_protection_cooldown=protection.flag("with_cooldown"),
    )
    problems += _name_problems(settings, args.text("ami_name"), context)
    problems += _region_problems(settings, args.strings("ami_regions"), build_region)
    problems += _encryption_problems(settings)
    if settings.imds_support and settings.imds_support != "v2.0":
        problems.append('The only valid imds_support values are "v2.0" or the empty string')
    if settings.deprecate_at and not _rfc3339(settings.deprecate_at):
        problems.append(f'deprecate_at is not a valid time: "{settings.deprecate_at}". Expect time format: '
                        "YYYY-MM-DDTHH:MM:SSZ")
    return settings, problems


def _name_problems(settings: AmiSettings, template: str, context: TemplateContext) -> list[str]:
    if not template:
        return ["ami_name must be specified"]
    try:
        settings.name = render_text(template, {}, context)
    except TemplateError as exc:
        return [Problem(f"ami_name: {exc}", "ami_name")]
    problems = []
    if not 3 <= len(settings.name) <= 128:
        problems.append(Problem("ami_name must be between 3 and 128 characters long", "ami_name"))
    if settings.name != clean_ami_name(settings.name):
        problems.append(Problem(AMI_NAME_CHARACTERS_MESSAGE, "ami_name"))
    return problems


def _region_problems(settings: AmiSettings, regions: list[str], build_region: str) -> list[str]:
    problems = []
    for region in settings.region_kms_key_ids:
        if region not in regions:
            problems.append(f"Region {region} is in region_kms_key_ids but not in ami_regions")
    seen: set[str] = set()
    for region in regions:
        if region in seen:
            continue
        seen.add(region)
        if settings.region_kms_key_ids and region not in settings.region_kms_key_ids:
            problems.append(f"Region {region} is in ami_regions but not in region_kms_key_ids")
        if region != build_region:  # the AMI is already there: no copy to the build region
            settings.regions.append(region)
    if not settings.skip_region_validation:
        bad = unknown_regions(settings.regions)
        if bad:
            problems.append(Problem(f"Invalid region(s) in ami_regions: {', '.join(bad)}: not known AWS regions. "
                                    "Check their spelling, or set skip_region_validation = true to use them "
                                    "anyway.", "ami_regions"))
    return problems


def _encryption_problems(settings: AmiSettings) -> list[str]:
    problems = []
    encrypted = settings.encrypt_boot is True
    if settings.users or settings.org_arns or settings.ou_arns:
        if not settings.kms_key_id and not settings.region_kms_key_ids and encrypted:
            problems.append("Cannot share AMI encrypted with default KMS key")
        if any(not key for key in settings.region_kms_key_ids.values()):
            problems.append("Cannot share AMI encrypted with default KMS key for other regions")
    keys = [settings.kms_key_id] if settings.kms_key_id else []
    keys += [key for key in settings.region_kms_key_ids.values() if key]
    if keys and not encrypted:
        problems.append("If you have set either region_kms_key_ids or kms_key_id, encrypt_boot must also be true.")
    problems += [f'"{key}" is not a valid KMS Key Id.' for key in keys if not valid_kms_key(key)]
    if settings.snapshot_users:
        if not settings.kms_key_id and not settings.region_kms_key_ids and encrypted:
            problems.append("Cannot share snapshot encrypted with default KMS key, see "
                            "https://www.packer.io/docs/builders/amazon-ebs#region_kms_key_ids for more information")
        if any(not key for key in settings.region_kms_key_ids.values()):
            problems.append("Cannot share snapshot encrypted with default KMS key")
    return problems


def _rfc3339(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
