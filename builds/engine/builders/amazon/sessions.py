"""The one factory of AWS SDK objects: sessions and clients made from an AwsAccess's arguments.

Nothing else in the engine makes ``boto3`` or ``botocore`` objects: builders,
data sources and the sweeper hold an :class:`~builds.engine.builders.amazon.access.AwsAccess`,
which inherits :class:`AwsSessions`, ask it for clients, and catch the SDK's
errors through the names of ``errors.py``.

Clients come from botocore, the core of boto3, directly: boto3's own layer
adds resources and S3 transfers, which the engine does not use, and importing
it costs a tenth of a second at every start. Clients of EC2, IAM and SSM are
made from trimmed copies of their service models holding only the operations
the engine calls (``models.py``, served by ``loader.py``); an operation left
out is answered through a client of the full model, made when first asked
for. Models are read with the cyclic garbage collector paused.

Importing this module loads none of the SDK but botocore's package: its
exceptions, sessions, clients and HTTP stack (a third of a second to import)
load when the first session is made, so ``imagehub validate`` checks amazon
templates without them.

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
* ``custom_endpoint_ec2`` is the endpoint of EC2 clients only, in every
  region, as in the plugin. Other services (STS, IAM, SSM) use botocore's own
  endpoint resolution, which honours the standard ``AWS_ENDPOINT_URL`` and
  ``AWS_ENDPOINT_URL_<SERVICE>`` environment variables: tests that point a
  template at a local EC2-compatible server set ``AWS_ENDPOINT_URL`` to the
  same address for the other services.
* ``insecure_skip_tls_verify`` turns certificate checks off; ``max_retries``
  bounds retries of throttled or failed calls.

Secret values never appear in messages made here.
"""

from __future__ import annotations

import os
import threading
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from builds.engine.builders.amazon import models
from builds.engine.gcpause import paused_gc

if TYPE_CHECKING:
    import botocore.config
    import botocore.session

    from builds.engine.builders.amazon.access import AssumeRole
    from builds.engine.builders.amazon.loader import ModelLoader

USER_AGENT = "imagehub"


@cache
def _shared_loader() -> ModelLoader:
    """One loader of botocore's service models for every session (trimmed models, see ``models.py``): each
    session would otherwise read them again."""
    from builds.engine.builders.amazon.loader import ModelLoader

    return ModelLoader()


class _FullModelFallback:
    """Base of clients made from a trimmed service model: an operation the trimmed model left out is
    answered by a client of the full model, which the factory makes when such an operation is first asked
    for (``_full_client`` in the client's attributes)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)  # type: ignore[misc]
        except AttributeError:
            full = self.__dict__.get("_full_client")
            if full is None or name.startswith("_"):
                raise
            return getattr(full(), name)


def _add_fallback(base_classes: list[type], **_: Any) -> None:
    """botocore's ``creating-client-class`` handler: clients of trimmed models get :class:`_FullModelFallback`."""
    base_classes.insert(0, _FullModelFallback)


def _use_trimmed_models(session: botocore.session.Session) -> None:
    """Make ``session`` read models through the shared loader, its clients of trimmed models able to fall back."""
    session.register_component("data_loader", _shared_loader())
    for service in models.OPERATIONS:
        session.register(f"creating-client-class.{service}", _add_fallback)


def _fixed_credentials_provider(credentials: Any) -> Any:
    """Return a credential provider that hands out ``credentials`` (the assumed role's)."""
    import botocore.credentials

    class FixedCredentials(botocore.credentials.CredentialProvider):
        METHOD = "assume-role"
        CANONICAL_NAME = "imagehub-assume-role"

        def load(self) -> Any:
            return credentials

    return FixedCredentials()


class AwsSessions:
    """The sessions and clients of an :class:`~builds.engine.builders.amazon.access.AwsAccess`, made from
    its arguments (the fields below, with its ``resolved_region``, ``ec2_endpoint`` and ``secrets``) once and
    shared; safe to use from several threads."""

    access_key: str
    secret_key: str
    token: str
    profile: str
    shared_credentials_file: str
    decode_authorization_messages: bool
    insecure_skip_tls_verify: bool
    max_retries: int
    mfa_code: str
    skip_credential_validation: bool
    skip_metadata_api_check: bool
    assume_role: AssumeRole | None
    _lock: threading.RLock
    _session: botocore.session.Session | None
    _clients: dict[tuple[str, ...], Any]

    def session(self) -> botocore.session.Session:
        """Return the session (made on first use): credentials resolved, the role assumed.

        Raises :class:`AwsError` when no credentials are found, the profile does not exist or the
        role cannot be assumed.
        """
        with self._lock:
            if self._session is None:
                with paused_gc():  # importing the SDK makes hundreds of thousands of lasting objects, none cyclic
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
                client = self._create_client(service, region, endpoint_url)
                if _shared_loader().trims(service):
                    client._full_client = partial(self._full_client, service, region, endpoint_url)
                self._clients[key] = client
            return client

    def _create_client(self, service: str, region: str, endpoint_url: str | None) -> Any:
        session = self.session()
        with paused_gc():  # reading a service model makes many thousand objects, none cyclic
            return session.create_client(service, region_name=region or None, endpoint_url=endpoint_url,
                                         verify=not self.insecure_skip_tls_verify, config=self._client_config())

    def _full_client(self, service: str, region: str, endpoint_url: str | None) -> Any:
        """The client of ``service`` made from botocore's full model (for an operation the trimmed one lacks)."""
        key = (service, region, "full model")
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                with _shared_loader().full_models():
                    client = self._create_client(service, region, endpoint_url)
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
        from builds.engine.builders.amazon.errors import AwsError, BotoCoreError, ClientError

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
        from builds.engine.builders.amazon.errors import (
            BotoCoreError,
            ClientError,
            describe_error,
            encoded_authorization_message,
        )

        text = describe_error(exc, self.secrets())
        encoded = encoded_authorization_message(exc) if self.decode_authorization_messages else None
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
        _use_trimmed_models(session)
        if self.shared_credentials_file:
            session.set_config_variable("credentials_file", os.path.expanduser(self.shared_credentials_file))
        return session

    def _available_profiles(self) -> list[str]:
        return list(self._botocore_session().available_profiles)

    def _make_session(self) -> botocore.session.Session:
        import botocore.exceptions

        from builds.engine.builders.amazon.errors import (
            NO_CREDENTIALS,
            AwsError,
            ClientError,
            describe_error,
        )

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
            raise AwsError(NO_CREDENTIALS)
        if self.assume_role is None:
            return core
        return self._assumed_session(core, credentials, region)

    def _assumed_session(self, base: botocore.session.Session, credentials: Any,
                         region: str | None) -> botocore.session.Session:
        import botocore.credentials
        import botocore.session

        from builds.engine.builders.amazon.errors import (
            AwsError,
            BotoCoreError,
            ClientError,
            describe_error,
        )

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
        _use_trimmed_models(core)
        if region:
            core.set_config_variable("region", region)
        core.get_component("credential_provider").providers.insert(0, _fixed_credentials_provider(assumed))
        return core

