"""Tests of the catalog's records: file names, labels, content hashes and immutable versions."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from imagehub.models import (
    PackerTemplate,
    TemplateFile,
    TemplateVersion,
    content_hash,
    validate_file_name,
    validate_label,
)


@pytest.mark.parametrize(
    "name", ["main.pkr.hcl", "prod.pkrvars.hcl", "a.auto.pkrvars.hcl", "legacy.pkr.json", "_x-1.pkr.hcl"]
)
def test_template_file_names_are_accepted(name):
    validate_file_name(name)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "needs a name"),
        ("sub/main.pkr.hcl", "without folders"),
        ("..\\main.pkr.hcl", "without folders"),
        ("main.tf", "not a template file name"),
        (".pkr.hcl", "not a template file name"),
        ("main.pkr.hcl.bak", "not a template file name"),
        ("my main.pkr.hcl", "characters a file name may not have"),
        (".hidden.pkr.hcl", "characters a file name may not have"),
        ("a..b.pkr.hcl", "characters a file name may not have"),
        ("x" * 100 + ".pkr.hcl", "at most 100 characters"),
    ],
)
def test_bad_file_names_are_refused_with_a_reason(name, says):
    with pytest.raises(ValidationError) as caught:
        validate_file_name(name)
    assert says in caught.value.messages[0]


def test_labels_are_short_lower_case_words():
    validate_label("ubuntu-22.04")
    for bad in ("Ubuntu", "-x", "two words", "x" * 51, ""):
        with pytest.raises(ValidationError):
            validate_label(bad)


def test_content_hash_depends_on_names_and_texts_not_order():
    one = content_hash({"a.pkr.hcl": "x", "b.pkr.hcl": "y"})
    assert one == content_hash({"b.pkr.hcl": "y", "a.pkr.hcl": "x"})
    assert one != content_hash({"a.pkr.hcl": "y", "b.pkr.hcl": "x"})
    assert one != content_hash({"a.pkr.hcl": "xb.pkr.hcly"})
    assert len(one) == 64


@pytest.fixture
def version(db):
    template = PackerTemplate.objects.create(name="Base", slug="base")
    version = TemplateVersion.objects.create(template=template, number=1, content_hash="0" * 64, is_valid=True)
    TemplateFile.objects.create(version=version, name="main.pkr.hcl", content="build {}\n")
    return version


def test_a_saved_version_cannot_be_changed(version):
    version.message = "rewritten history"
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_a_saved_file_cannot_be_changed(version):
    file = version.files.get()
    file.content = "changed"
    with pytest.raises(ValueError, match="immutable"):
        file.save()


def test_version_numbers_are_unique_per_template(version):
    with pytest.raises(IntegrityError):
        TemplateVersion.objects.create(template=version.template, number=1, content_hash="1" * 64, is_valid=True)


def test_file_texts_map_names_to_contents(version):
    assert version.file_texts() == {"main.pkr.hcl": "build {}\n"}
