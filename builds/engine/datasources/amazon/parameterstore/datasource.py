"""The ``amazon-parameterstore`` data source: a parameter's value from AWS Systems Manager Parameter Store."""

from __future__ import annotations

from typing import Any

from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.errors import AwsError, BotoCoreError, ClientError, error_code
from builds.engine.cancel import CancelToken
from builds.engine.plugins import DataSource


class AmazonParameterStoreDataSource(DataSource):
    """Reads the parameter ``name`` (decrypted with ``with_decryption``); its output is ``value``,
    ``version`` (as a string) and ``arn``."""

    type_name = "amazon-parameterstore"

    def prepare(self) -> list[str]:
        self.access = AwsAccess.from_arguments(self.raw)
        self.name = str(self.raw.get("name") or "")
        self.with_decryption = self.raw.get("with_decryption") is True
        problems = self.access.prepare()
        if not self.name:
            problems.append("a 'name' must be provided")
        return problems

    def execute(self, cancel: CancelToken) -> dict[str, Any]:
        """Return the parameter; raises :class:`AwsError` when it does not exist or cannot be read."""
        cancel.raise_if_cancelled()
        try:
            answer = self.access.ssm().get_parameter(Name=self.name, WithDecryption=self.with_decryption)
        except ClientError as exc:
            code = error_code(exc)
            if code == "ParameterNotFound":
                raise AwsError(f'The parameter name "{self.name}" not found') from exc
            if code == "ParameterVersionNotFound":
                raise AwsError(f'The parameter version "{self.name}" not found') from exc
            raise AwsError(f"error to get parameter value: {self.access.describe_error(exc)}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"error to get parameter value: {self.access.describe_error(exc)}") from exc
        parameter = answer["Parameter"]
        return {"value": parameter.get("Value", ""), "version": str(parameter.get("Version", "")),
                "arn": parameter.get("ARN", "")}
