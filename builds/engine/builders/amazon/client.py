"""The one factory of AWS SDK objects: sessions and clients made from a template's access arguments.

Nothing else in the engine imports ``boto3`` or ``botocore``: builders, data
sources and the sweeper build an :class:`AwsAccess` from their arguments and
ask it for clients, and catch the SDK's errors through the names re-exported
here (:data:`ClientError`, :data:`BotoCoreError`, :data:`WaiterError`).

Clients come from botocore, the core of boto3, directly: boto3's own layer
adds resources and S3 transfers, which the engine does not use, and importing
it costs a tenth of a second at every start. The SDK's service models are
large, so they are read with the cyclic garbage collector paused.

Importing this module loads only botocore's exceptions: ``imagehub validate``
checks amazon templates (regions included, from botocore's endpoint data)
without the SDK's sessions, clients and HTTP stack, which cost a third of a
second to import; they load when the first session is made.

Behaviour follows the amazon plugin (github.com/hashicorp/amazon v1.8.2):

* Credentials, first found wins: ``access_key``/``secret_key``/``token``;
  then ``profile`` when given (it then beats the environment); then the
  environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
  ``AWS_SESSION_TOKEN``); then the shared credentials and config files
  (``shared_credentials_file`` or ``AWS_SHARED_CREDENTIALS_FILE``, profile
  ``AWS_PROFILE`` or ``default``); then container and instance metadata
  (instance metadata is never asked when ``skip_metadata_api_check`` is set).
  With ``assume_role { role_arn = ... }`` those credentials only sign an STS
  ``AssumeRole`` call, and the role's credentials (refreshed before they
  expire) sign everything else.
* Region: ``region``, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else
  the profile's ``region`` in the shared config file.
* ``custom_endpoint_ec2`` is the endpoint of EC2 clients only, in every
  region, as in the plugin. Other services (STS, IAM, SSM) use botocore's own
  endpoint resolution, which honours the standard ``AWS_ENDPOINT_URL`` and
  ``AWS_ENDPOINT_URL_<SERVICE>`` environment variables: tests that point a
  template at a local EC2-compatible server set ``AWS_ENDPOINT_URL`` to the
  same address for the other services.
* ``insecure_skip_tls_verify`` turns certificate checks off; ``max_retries``
  (10 when unset, as in the plugin) bounds retries of throttled or failed
  calls.

Secret values (keys, tokens, the MFA code, the credentials finally used) are
listed by :meth:`AwsAccess.secrets` for masking and never appear in messages
made here.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import botocore
import botocore.exceptions

from builds.engine.gcpause import paused_gc
from builds.engine.hcl.values import is_unknown

if TYPE_CHECKING:
    import botocore.config
    import botocore.loaders
    import botocore.session
from builds.engine.plugins import Problem

# The SDK's errors, for callers that must tell them apart (see :func:`error_code`).
ClientError = botocore.exceptions.ClientError
BotoCoreError = botocore.exceptions.BotoCoreError
WaiterError = botocore.exceptions.WaiterError

DEFAULT_MAX_RETRIES = 10  # the plugin's default; the SDKs' own (3) is tripped by throttling too easily
USER_AGENT = "imagehub"


class AwsError(Exception):
    """AWS cannot be used as configured (no credentials, a role that cannot be assumed, invalid
    credentials); the message says what and what to do, and holds no secret."""


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


@cache
def _shared_loader() -> botocore.loaders.Loader:
    """One loader of botocore's service models for every session: reading the EC2 model takes most of the
    time a new client takes, and each session would otherwise read it again."""
    import botocore.loaders

    return botocore.loaders.create_loader()


@cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows EC2 in, across all partitions (aws, aws-cn, aws-us-gov, ...).

    Read from the endpoint data botocore ships (a region of a partition with an EC2 endpoint there), as
    ``Session.get_available_regions`` answers, without importing the SDK's loaders or reading the EC2
    service model as it does.
    """
    regions: set[str] = set()
    endpoints_file = Path(botocore.__file__).parent / "data" / "endpoints.json"
    for partition in json.loads(endpoints_file.read_text(encoding="utf-8")).get("partitions", []):
        endpoints = partition.get("services", {}).get("ec2", {}).get("endpoints", {})
        regions.update(name for name in endpoints if name in partition.get("regions", {}))
    return frozenset(regions)


def unknown_regions(regions: Iterable[str]) -> list[str]:
    """Return those of ``regions`` that are not known AWS regions (for ``ami_regions`` checks)."""
    known = known_regions()
    return [region for region in regions if region and region not in known]


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a failed call (``"InvalidGroup.NotFound"``), or None for other errors."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") or None
    return None


def describe_error(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """Return a one-line explanation of a failed AWS call: ``"<Code>: <message>"`` for API errors,
    the SDK's own sentence for others; any of ``secrets`` in it is replaced by ``<sensitive>``."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Error"
        message = (error.get("Message") or "").strip()
        operation = getattr(exc, "operation_name", "")
        text = f"{code}: {message}" if message else code
        if operation:
            text = f"{text} ({operation})"
    elif isinstance(exc, botocore.exceptions.NoCredentialsError):
        text = _NO_CREDENTIALS
    elif isinstance(exc, botocore.exceptions.EndpointConnectionError):
        text = f"Could not connect to the AWS endpoint {exc.kwargs.get('endpoint_url', '')}"
    elif isinstance(exc, WaiterError):
        last = exc.last_response if isinstance(exc.last_response, dict) else {}
        reason = last.get("Error", {}).get("Message") or exc.kwargs.get("reason") or ""
        text = f"Timed out or failed waiting ({exc.name}): {reason}".rstrip(": ")
    else:
        text = str(exc).strip() or type(exc).__name__
    text = " ".join(text.split())
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "<sensitive>")
    return text


_NO_CREDENTIALS = (
    "No valid credential sources found for AWS. Set access_key and secret_key, a profile, the "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, or a shared credentials file; "
    "see https://developer.hashicorp.com/packer/integrations/hashicorp/amazon#authentication"
)


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
class AwsAccess:
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
        self._clients: dict[tuple[str, str], Any] = {}

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

    # -- sessions and clients -----------------------------------------------------------------

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
        try:
            return self._botocore_session().get_config_variable("region") or ""
        except botocore.exceptions.ProfileNotFound:
            return ""

    def session(self) -> botocore.session.Session:
        """Return the session (made on first use): credentials resolved, the role assumed.

        Raises :class:`AwsError` when no credentials are found, the profile does not exist or the
        role cannot be assumed.
        """
        with self._lock:
            if self._session is None:
                self._session = self._make_session()
            return self._session

    def client(self, service: str, region: str | None = None, endpoint_url: str | None = None) -> Any:
        """Return a client of ``service`` in ``region`` (the build region by default), made once.

        ``endpoint_url`` overrides botocore's endpoint resolution; :meth:`ec2` passes
        ``custom_endpoint_ec2``. Raises :class:`AwsError` as :meth:`session` does.
        """
        region = region or self.resolved_region()
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = self.session()
                with paused_gc():  # reading a service model makes a few hundred thousand objects, none cyclic
                    client = session.create_client(
                        service, region_name=region or None, endpoint_url=endpoint_url,
                        verify=not self.insecure_skip_tls_verify, config=self._client_config())
                self._clients[key] = client
            return client

    def ec2(self, region: str | None = None) -> Any:
        """An EC2 client in ``region`` (default: the build region), at ``custom_endpoint_ec2`` if set."""
        return self.client("ec2", region, endpoint_url=self.ec2_endpoint)

    def ssm(self, region: str | None = None) -> Any:
        """An SSM client in ``region`` (default: the build region)."""
        return self.client("ssm", region)

    def iam(self) -> Any:
        """An IAM client (IAM is global; the build region signs the calls, us-east-1 when none is set)."""
        return self.client("iam", self.resolved_region() or "us-east-1")

    def sts(self) -> Any:
        """An STS client in the build region."""
        return self.client("sts")

    def validate_credentials(self) -> str:
        """Check that the credentials work with STS ``GetCallerIdentity`` and return the caller's
        ARN; return "" without calling anything when ``skip_credential_validation`` is set.

        Raises :class:`AwsError` when the credentials are missing or rejected.
        """
        if self.skip_credential_validation:
            return ""
        try:
            identity = self.sts().get_caller_identity()
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"The AWS credentials could not be validated: {self.describe_error(exc)}. "
                           "Check them, or set skip_credential_validation = true if the endpoint has no "
                           "STS.") from exc
        return identity.get("Arn", "")

    def describe_error(self, exc: BaseException) -> str:
        """:func:`describe_error` with this access's secrets masked and, with
        ``decode_authorization_messages``, an encoded authorization failure decoded through STS."""
        text = describe_error(exc, self.secrets())
        encoded = _encoded_authorization_message(exc) if self.decode_authorization_messages else None
        if encoded:
            try:
                decoded = self.sts().decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"]
            except (ClientError, BotoCoreError):
                return text
            text = describe_error(exc, self.secrets()).replace(encoded, decoded)
        return text

    # -- internals ----------------------------------------------------------------------------

    def _client_config(self) -> botocore.config.Config:
        import botocore.config

        return botocore.config.Config(
            retries={"total_max_attempts": self.max_retries + 1, "mode": "standard"},
            user_agent_extra=USER_AGENT,
        )

    def _botocore_session(self) -> botocore.session.Session:
        import botocore.session

        session = botocore.session.Session(profile=self.profile or None)
        session.register_component("data_loader", _shared_loader())
        if self.shared_credentials_file:
            session.set_config_variable("credentials_file", os.path.expanduser(self.shared_credentials_file))
        return session

    def _available_profiles(self) -> list[str]:
        return list(self._botocore_session().available_profiles)

    def _make_session(self) -> botocore.session.Session:
        try:
            core = self._botocore_session()
            resolver = core.get_component("credential_provider")
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsError(describe_error(exc)) from exc
        if self.skip_metadata_api_check and resolver.get_provider("iam-role") is not None:
            resolver.remove("iam-role")
        if self.mfa_code and resolver.get_provider("assume-role") is not None:
            # a profile that assumes a role with ``mfa_serial`` takes the code given instead of prompting
            resolver.get_provider("assume-role")._prompter = lambda _prompt: self.mfa_code
        region = self.resolved_region() or None
        if region:
            core.set_config_variable("region", region)
        if self.access_key and self.secret_key:
            core.set_credentials(self.access_key, self.secret_key, self.token or None)
        try:
            credentials = core.get_credentials()
        except (botocore.exceptions.BotoCoreError, ClientError) as exc:
            raise AwsError(f"Error loading AWS credentials: {describe_error(exc, self.secrets())}") from exc
        if credentials is None:
            raise AwsError(_NO_CREDENTIALS)
        if self.assume_role is None:
            return core
        return self._assumed_session(core, credentials, region)

    def _assumed_session(self, base: botocore.session.Session, credentials: Any,
                         region: str | None) -> botocore.session.Session:
        import botocore.credentials
        import botocore.session

        role = self.assume_role
        assert role is not None
        sts_config = self._client_config()

        def sts_client(service: str, **kwargs: Any) -> Any:
            kwargs.setdefault("region_name", region)
            return base.create_client(service, verify=not self.insecure_skip_tls_verify, config=sts_config, **kwargs)

        fetcher = botocore.credentials.AssumeRoleCredentialFetcher(
            sts_client, credentials, role.role_arn, extra_args=role.request_arguments())
        assumed = botocore.credentials.DeferredRefreshableCredentials(
            refresh_using=fetcher.fetch_credentials, method="assume-role")
        try:
            assumed.get_frozen_credentials()
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"The role {role.role_arn!r} cannot be assumed: "
                           f"{describe_error(exc, self.secrets())}. The credentials used to assume it may be "
                           "invalid or not allowed to assume it, or the role ARN may be wrong.") from exc
        core = botocore.session.Session()
        core.register_component("data_loader", _shared_loader())
        if region:
            core.set_config_variable("region", region)
        core.get_component("credential_provider").providers.insert(0, _fixed_credentials_provider(assumed))
        return core


def _fixed_credentials_provider(credentials: Any) -> Any:
    """Return a credential provider that hands out ``credentials`` (the assumed role's)."""
    import botocore.credentials

    class FixedCredentials(botocore.credentials.CredentialProvider):
        METHOD = "assume-role"
        CANONICAL_NAME = "imagehub-assume-role"

        def load(self) -> Any:
            return credentials

    return FixedCredentials()


def _encoded_authorization_message(exc: BaseException) -> str | None:
    if error_code(exc) not in ("UnauthorizedOperation", "AccessDenied"):
        return None
    message = exc.response.get("Error", {}).get("Message", "")  # type: ignore[attr-defined]
    marker = "Encoded authorization failure message:"
    if marker not in message:
        return None
    return message.split(marker, 1)[1].strip().split()[0] if message.split(marker, 1)[1].strip() else None
