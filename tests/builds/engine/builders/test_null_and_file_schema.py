"""Tests for the arguments of the null and file builders (Packer core v1.16.0)."""

from builds.engine.builders.file.config import SCHEMA as FILE_SCHEMA
from builds.engine.builders.null.config import SCHEMA as NULL_SCHEMA
from builds.engine.communicators.config import SCHEMA as COMMUNICATOR_SCHEMA


def test_the_null_builder_takes_exactly_the_communicator_arguments():
    assert NULL_SCHEMA == COMMUNICATOR_SCHEMA


def test_the_null_builder_requires_nothing_by_itself():
    assert not any(a.required for a in NULL_SCHEMA.attributes.values())


def test_the_file_builder_requires_a_target_and_takes_source_or_content():
    assert set(FILE_SCHEMA.attributes) == {"source", "content", "target"}
    assert {n for n, a in FILE_SCHEMA.attributes.items() if a.required} == {"target"}
    assert all(a.type == "string" for a in FILE_SCHEMA.attributes.values())
