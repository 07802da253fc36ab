"""How to reach AWS: a template's access arguments (AwsAccess), their checks, and the region to use.

:class:`AwsAccess` is what builders, data sources and the sweeper hold: they
build one from their arguments with :meth:`AwsAccess.from_arguments`, check
it with :meth:`AwsAccess.prepare`, then ask it for clients, which it makes
through the factory it inherits (``sessions.py``).

Importing this module loads none of the SDK but botocore's package (through
``models.py``, for the region list): ``imagehub validate`` checks amazon
templates, regions included, without botocore's exceptions, sessions,
clients and HTTP stack; they load when the first session is made or an
error of the SDK has to be told apart.

Behaviour follows the amazon plugin (github.com/hashicorp/amazon v1.8.2):

* Region: ``region``, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else
  the profile's ``region`` in the shared config file.
* ``custom_endpoint_ec2`` is the endpoint of EC2 clients only, in every
  region, as in the plugin (a bare host means ``https://``).
* ``max_retries`` is 10 when unset, as in the plugin.

Secret values (keys, tokens, the MFA code, the credentials finally used) are
listed by :meth:`AwsAccess.secrets` for masking.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from builds.engine.builders.amazon.regions import unknown_regions
from builds.engine.builders.amazon.sessions import AwsSessions
from builds.engine.hcl.values import is_unknown
from builds.engine.plugins import Problem

if TYPE_CHECKING:
    import botocore.session

DEFAULT_MAX_RETRIES = 10  # the plugin's default; the SDKs' own (3) is tripped by throttling too easily


@dataclass
class AssumeRole:
    """The ``assume_role { }`` block."""

    role_arn: str = ""
    session_name: str = ""
    external_id: str = ""
    duration_seconds: int = 0
    policy: str = ""
    policy_arns: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    transitive_tag_keys: list[str] = field(default_factory=list)

    def request_arguments(self) -> dict[str, Any]:
        """The STS ``AssumeRole`` arguments other than the role ARN, as botocore names them."""
        args: dict[str, Any] = {}
        if self.session_name:
            args["RoleSessionName"] = self.session_name
        if self.external_id:
            args["ExternalId"] = self.external_id
        if self.duration_seconds > 0:
            args["DurationSeconds"] = self.duration_seconds
        if self.policy:
            args["Policy"] = self.policy
        if self.policy_arns:
            args["PolicyArns"] = [{"arn": arn} for arn in self.policy_arns]
        if self.tags:
            args["Tags"] = [{"Key": k, "Value": v} for k, v in self.tags.items()]
        if self.transitive_tag_keys:
            args["TransitiveTagKeys"] = list(self.transitive_tag_keys)
        return args


@dataclass
class Polling:
    """The ``aws_polling { }`` block: how waiters poll (unset fields fall back to the environment)."""

    delay_seconds: float | None = None
    max_attempts: int | None = None

    def waiter_config(self, default_delay: float, default_max_attempts: int,
                      env: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Return a botocore ``WaiterConfig`` (``{"Delay": ..., "MaxAttempts": ...}``).

        As in the plugin: the block's values win, then ``AWS_POLL_DELAY_SECONDS`` and
        ``AWS_MAX_ATTEMPTS``; without a maximum, ``AWS_TIMEOUT_SECONDS`` divided by the delay (2 s
        when no delay is set either) gives one; otherwise the waiter's defaults apply.
        """
        env = os.environ if env is None else env
        delay = self.delay_seconds if self.delay_seconds else _env_number(env, "AWS_POLL_DELAY_SECONDS")
        attempts = self.max_attempts if self.max_attempts else _env_number(env, "AWS_MAX_ATTEMPTS")
        timeout = _env_number(env, "AWS_TIMEOUT_SECONDS")
        if not attempts and timeout:
            attempts = max(1, int(timeout / (delay or 2)))
            delay = delay or 2
        return {"Delay": delay or default_delay, "MaxAttempts": int(attempts or default_max_attempts)}


def _env_number(env: Mapping[str, str], name: str) -> float | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _text(value: Any) -> str:
    if value is None or is_unknown(value):
        return ""
    return str(value)


def _number(value: Any) -> float:
    if value is None or is_unknown(value) or isinstance(value, bool):
        return 0
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0


def _flag(value: Any) -> bool:
    return value is True


@dataclass
class AwsAccess(AwsSessions):
    """How to reach AWS: the plugin's access arguments, and the sessions and clients made from them.

    Build one with :meth:`from_arguments`, check it with :meth:`prepare`, then ask for clients;
    sessions and clients are made once and shared (they are safe to use from several threads).
    """

    access_key: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    profile: str = ""
    region: str = ""
    custom_endpoint_ec2: str = ""
    shared_credentials_file: str = ""
    decode_authorization_messages: bool = False
    insecure_skip_tls_verify: bool = False
    max_retries: int = DEFAULT_MAX_RETRIES
    mfa_code: str = field(default="", repr=False)
    skip_credential_validation: bool = False
    skip_metadata_api_check: bool = False
    skip_region_validation: bool = False
    assume_role: AssumeRole | None = None
    polling: Polling = field(default_factory=Polling)
    vault_aws_engine: dict[str, Any] | None = None
    # argument names whose value is not known until build time (validate skips their checks)
    unknown: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._session: botocore.session.Session | None = None
        self._clients: dict[tuple[str, ...], Any] = {}

    @classmethod
    def from_arguments(cls, args: Mapping[str, Any]) -> AwsAccess:
        """Read the access arguments out of a plugin's decoded arguments (other keys are ignored).

        ``skip_region_validation`` is read too when present (builders have it in their AMI arguments).
        """
        unknown = frozenset(name for name, value in args.items() if is_unknown(value))
        role = args.get("assume_role")
        assume_role = None
        if isinstance(role, Mapping) and _text(role.get("role_arn")):
            assume_role = AssumeRole(
                role_arn=_text(role.get("role_arn")),
                session_name=_text(role.get("session_name")),
                external_id=_text(role.get("external_id")),
                duration_seconds=int(_number(role.get("duration_seconds"))),
                policy=_text(role.get("policy")),
                policy_arns=[_text(a) for a in role.get("policy_arns") or []],
                tags={str(k): _text(v) for k, v in (role.get("tags") or {}).items()},
                transitive_tag_keys=[_text(k) for k in role.get("transitive_tag_keys") or []],
            )
        polling_args = args.get("aws_polling")
        polling = Polling()
        if isinstance(polling_args, Mapping):
            polling = Polling(delay_seconds=_number(polling_args.get("delay_seconds")) or None,
                              max_attempts=int(_number(polling_args.get("max_attempts"))) or None)
        vault = args.get("vault_aws_engine")
        return cls(
            access_key=_text(args.get("access_key")),
            secret_key=_text(args.get("secret_key")),
            token=_text(args.get("token")),
            profile=_text(args.get("profile")),
            region=_text(args.get("region")),
            custom_endpoint_ec2=_text(args.get("custom_endpoint_ec2")),
            shared_credentials_file=_text(args.get("shared_credentials_file")),
            decode_authorization_messages=_flag(args.get("decode_authorization_messages")),
            insecure_skip_tls_verify=_flag(args.get("insecure_skip_tls_verify")),
            max_retries=int(_number(args.get("max_retries"))) or DEFAULT_MAX_RETRIES,
            mfa_code=_text(args.get("mfa_code")),
            skip_credential_validation=_flag(args.get("skip_credential_validation")),
            skip_metadata_api_check=_flag(args.get("skip_metadata_api_check")),
            skip_region_validation=_flag(args.get("skip_region_validation")),
            assume_role=assume_role,
            polling=polling,
            vault_aws_engine=dict(vault) if isinstance(vault, Mapping) and vault else None,
            unknown=unknown,
        )

    # -- checks -------------------------------------------------------------------------------

    def prepare(self) -> list[str]:
        """Check the arguments without calling AWS; return the problems found (empty when valid).

        Reads the environment and the shared config files to find the region and the profile.
        """
        problems: list[str] = []
        if self.vault_aws_engine is not None:
            if self.access_key or self.secret_key:
                problems.append("If you have set vault_aws_engine, you must not set the access_key or secret_key.")
            problems.append("vault_aws_engine is not supported by ImageHub: give the credentials with "
                            "access_key/secret_key, a profile or the environment instead.")
        if bool(self.access_key) != bool(self.secret_key) and not self.unknown & {"access_key", "secret_key"}:
            problems.append("`access_key` and `secret_key` must both be either set or not set.")
        if self.custom_endpoint_ec2 and "custom_endpoint_ec2" not in self.unknown:
            parts = urlsplit(self.ec2_endpoint or "")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(Problem(f"custom_endpoint_ec2 {self.custom_endpoint_ec2!r} is not a URL: write it "
                                        "as https://host[:port] or http://host[:port].", "custom_endpoint_ec2"))
        profile_ok = True
        if self.profile and "profile" not in self.unknown and self.profile not in self._available_profiles():
            profile_ok = False
            where = self.shared_credentials_file or "the shared credentials and config files"
            problems.append(Problem(f"The profile {self.profile!r} was not found in {where}.", "profile"))
        if "region" not in self.unknown and profile_ok:
            region = self.resolved_region()
            if not region:
                problems.append("No region: set region, the AWS_REGION environment variable, or a region "
                                "for the profile in the shared config file.")
            elif not self.skip_region_validation and unknown_regions([region]):
                # the argument when it gives the region, else the block (the environment or a profile does)
                problems.append(Problem(f"Invalid region {region!r}: it is not a known AWS region. Check its "
                                        "spelling, or set skip_region_validation = true to use it anyway.",
                                        "region" if self.region else ""))
        return problems

    def secrets(self) -> list[str]:
        """The secret values to mask in output: the configured keys, token and MFA code, and the
        credentials in use once a session exists."""
        values = [self.access_key, self.secret_key, self.token, self.mfa_code]
        with self._lock:
            session = self._session
        if session is not None:
            credentials = session.get_credentials()
            if credentials is not None:
                frozen = credentials.get_frozen_credentials()
                values += [frozen.secret_key, frozen.token or ""]
        return [value for value in values if value]

    # -- endpoint and region ------------------------------------------------------------------

    @property
    def ec2_endpoint(self) -> str | None:
        """``custom_endpoint_ec2`` as a URL (a bare host gets ``https://``), or None when unset."""
        endpoint = self.custom_endpoint_ec2.strip()
        if not endpoint:
            return None
        return endpoint if "://" in endpoint else f"https://{endpoint}"

    def resolved_region(self) -> str:
        """The region to use: ``region``, ``AWS_REGION``, ``AWS_DEFAULT_REGION`` or the profile's;
        "" when none is set anywhere."""
        if self.region:
            return self.region
        for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if os.environ.get(name):
                return os.environ[name]
        import botocore.exceptions

        try:
            return self._botocore_session().get_config_variable("region") or ""
        except botocore.exceptions.ProfileNotFound:
            return ""
