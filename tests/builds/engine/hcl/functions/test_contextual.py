"""Tests for env and the secret-store functions ImageHub refuses."""

import pytest

from builds.engine.hcl.functions import ENV, FunctionContext


def test_env_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEHUB_TEST_VALUE", "hello")
    monkeypatch.delenv("IMAGEHUB_TEST_UNSET", raising=False)
    ctx = FunctionContext(cwd=tmp_path)
    assert ENV.call(ctx, ["IMAGEHUB_TEST_VALUE"]) == "hello"
    assert ENV.call(ctx, ["IMAGEHUB_TEST_UNSET"]) == ""


@pytest.mark.parametrize(
    ("name", "args", "service"),
    [
        ("aws_secretsmanager", ("db", "password"), "AWS Secrets Manager"),
        ("aws_secretsmanager_raw", ("db",), "AWS Secrets Manager"),
        ("vault", ("/secret/data/hello", "foo"), "HashiCorp Vault"),
        ("consul_key", ("my/key",), "Consul"),
    ],
)
def test_secret_stores_are_refused_with_advice(call_error, name, args, service):
    detail, index = call_error(name, *args)
    assert detail.startswith(f'Call to function "{name}" failed: ImageHub does not read {service} from templates.')
    assert "variable" in detail
    assert detail.endswith(" instead.") or detail.endswith(" data source.")
    assert ".." not in detail
    assert index is None
