"""Trimmed service models and endpoint data: the operation list matches the code, copies are cached, the full
model stays the fallback."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import botocore
import botocore.loaders
import botocore.regions
import pytest

from builds.engine.builders.amazon import models, regions
from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.loader import ModelLoader

REPO = Path(__file__).resolve().parents[5]
# Every module that asks AwsAccess for clients and calls them.
CALLERS = [
    *sorted((REPO / "builds/engine/builders/amazon").rglob("*.py")),
    *sorted((REPO / "builds/engine/datasources/amazon").rglob("*.py")),
    REPO / "builds/engine/sweep.py",
    REPO / "builds/engine/commands/sweep.py",
]


@pytest.fixture(scope="module")
def full_loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


@pytest.fixture
def cache(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "imagehub" / "botocore" / botocore.__version__


def _names_in_code() -> set[str]:
    """Attribute names and string constants of the callers: a call ``ec2.describe_images(...)``, a
    paginator ``"describe_instances"`` or a waiter ``"instance_terminated"`` each shows up as one."""
    names: set[str] = set()
    for path in CALLERS:
        if path.name == "models.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return names


@pytest.mark.parametrize("service", sorted(models.OPERATIONS))
def test_operation_list_holds_exactly_the_operations_and_waiters_the_code_uses(service, full_loader):
    model = full_loader.load_service_model(service, "service-2")
    operations = models.python_names(model)
    try:
        waiters = full_loader.load_service_model(service, "waiters-2")["waiters"]
    except botocore.exceptions.DataNotFoundError:
        waiters = {}
    names = _names_in_code()
    used = names & operations
    used |= {botocore.xform_name(waiter["operation"]) for name, waiter in waiters.items()
             if botocore.xform_name(name) in names}
    assert models.OPERATIONS[service] == used


def test_the_callers_exist_so_the_scan_sees_them():
    assert all(path.is_file() for path in CALLERS)
    assert len(CALLERS) > 40


def test_trimmed_model_keeps_the_operations_and_every_shape_they_reference_without_documentation(full_loader):
    full = full_loader.load_service_model("ec2", "service-2")
    trimmed = models.trim_service_model(full, {"describe_images", "create_tags"})
    assert sorted(trimmed["operations"]) == ["CreateTags", "DescribeImages"]
    assert trimmed["metadata"] == full["metadata"]
    assert {"DescribeImagesRequest", "DescribeImagesResult", "Image", "Filter", "Tag"} <= set(trimmed["shapes"])
    assert len(trimmed["shapes"]) < len(full["shapes"]) / 10
    text = json.dumps(trimmed)
    assert '"documentation"' not in text
    for shape in trimmed["shapes"].values():
        refs = [*shape.get("members", {}).values(), *(shape[k] for k in ("member", "key", "value") if k in shape)]
        assert all(ref["shape"] in trimmed["shapes"] for ref in refs)


def test_trimming_names_an_operation_the_model_lacks(full_loader):
    with pytest.raises(KeyError, match="launch_rockets"):
        models.trim_service_model(full_loader.load_service_model("ec2", "service-2"), {"launch_rockets"})


def test_loader_derives_the_copy_once_and_then_reads_it_from_the_cache(cache, full_loader):
    loader = ModelLoader()
    model = loader.load_service_model("ec2", "service-2")
    version = full_loader.determine_latest_version("ec2", "service-2")
    path = cache / "ec2" / version / "service-2.json"
    assert json.loads(path.read_text()) == model
    assert models.python_names(model) == models.OPERATIONS["ec2"]
    marked = {**model, "metadata": {**model["metadata"], "marker": "from the cache"}}
    path.write_text(json.dumps(marked))
    assert ModelLoader().load_service_model("ec2", "service-2")["metadata"]["marker"] == "from the cache"


def test_a_copy_missing_an_operation_or_unreadable_is_derived_again(cache, full_loader):
    ModelLoader().load_service_model("ec2", "service-2")
    path = next(cache.glob("ec2/*/service-2.json"))
    stale = json.loads(path.read_text())
    del stale["operations"]["DescribeImages"]
    path.write_text(json.dumps(stale))
    assert "DescribeImages" in ModelLoader().load_service_model("ec2", "service-2")["operations"]
    path.write_text("{not json")
    assert "DescribeImages" in ModelLoader().load_service_model("ec2", "service-2")["operations"]
    assert "DescribeImages" in json.loads(path.read_text())["operations"]


def test_an_unwritable_cache_still_gives_the_trimmed_model(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    model = ModelLoader().load_service_model("ec2", "service-2")
    assert models.python_names(model) == models.OPERATIONS["ec2"]


def test_the_full_model_and_data_are_served_when_no_cache_directory_can_be_found(monkeypatch):
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(models, "cache_root", no_home)
    loader = ModelLoader()
    assert len(loader.load_service_model("ec2", "service-2")["operations"]) > 500
    data, path = loader.load_data_with_path("endpoints")
    assert "s3" in data["partitions"][0]["services"]
    assert loader.is_builtin_path(path)


def test_the_full_model_is_served_when_the_installed_one_lacks_a_listed_operation(cache, monkeypatch):
    monkeypatch.setitem(models.OPERATIONS, "ec2", models.OPERATIONS["ec2"] | {"launch_rockets"})
    model = ModelLoader().load_service_model("ec2", "service-2")
    assert len(model["operations"]) > 500


def test_full_models_are_served_inside_full_models_and_for_other_services(cache):
    loader = ModelLoader()
    with loader.full_models():
        assert len(loader.load_service_model("ec2", "service-2")["operations"]) > 500
        assert not loader.trims("ec2")
    assert loader.trims("ec2")
    assert not loader.trims("sts")
    assert "AssumeRole" in loader.load_service_model("sts", "service-2")["operations"]


def test_endpoint_copy_keeps_every_region_and_resolves_as_the_full_data(cache, full_loader):
    full = full_loader.load_data("endpoints")
    trimmed = models.endpoint_data()
    assert [p["regions"] for p in trimmed["partitions"]] == [p["regions"] for p in full["partitions"]]
    assert (cache / "endpoints.json").is_file()
    full_resolver = botocore.regions.EndpointResolver(full, uses_builtin_data=True)
    trimmed_resolver = botocore.regions.EndpointResolver(trimmed, uses_builtin_data=True)
    for service in ("ec2", "iam", "sts", "ssm"):
        for region in ("us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1", "aws-global"):
            assert trimmed_resolver.construct_endpoint(service, region) == \
                full_resolver.construct_endpoint(service, region)


def test_loader_reports_the_endpoint_copy_as_botocore_data(cache):
    loader = ModelLoader()
    data, path = loader.load_data_with_path("endpoints")
    assert loader.is_builtin_path(path)
    assert set(data["partitions"][0]["services"]) <= models.ENDPOINT_SERVICES


def test_known_regions_are_those_of_the_full_endpoint_data(cache, full_loader):
    regions.known_regions.cache_clear()
    try:
        expected = {region for partition in full_loader.load_data("endpoints")["partitions"]
                    for region in partition["services"]["ec2"]["endpoints"] if region in partition["regions"]}
        assert regions.known_regions() == frozenset(expected)
    finally:
        regions.known_regions.cache_clear()


def test_client_of_the_trimmed_model_answers_other_operations_through_the_full_model(moto):
    access = AwsAccess.from_arguments(moto.arguments())
    ec2 = access.ec2()
    assert "describe_addresses" not in models.OPERATIONS["ec2"]
    assert not hasattr(type(ec2), "describe_addresses")
    moto.client("ec2").allocate_address(Domain="vpc")
    assert len(ec2.describe_addresses()["Addresses"]) == 1
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    with pytest.raises(AttributeError, match="no_such_operation"):
        ec2.no_such_operation()
