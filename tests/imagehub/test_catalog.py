"""Tests of the catalog's services: creating templates, saving, restoring and refusing versions."""

import pytest

from imagehub import catalog
from imagehub.catalog import CatalogError, InvalidFiles, StaleVersion
from imagehub.models import PackerTemplate, TemplateVersion, content_hash

pytestmark = pytest.mark.django_db

BROKEN = 'source "null" "base" {\n  communicator = \n'


@pytest.fixture
def template(editor, files):
    return catalog.create_template(
        name="Ubuntu Base", description="The base image.", labels=["ubuntu", "base"], owner=editor, files=files
    )


def test_creating_a_template_saves_version_one(template, editor, files):
    assert template.slug == "ubuntu-base"
    assert list(template.labels.values_list("name", flat=True)) == ["base", "ubuntu"]
    version = template.latest_version
    assert version.number == 1
    assert version.author == editor
    assert version.file_texts() == files
    assert version.content_hash == content_hash(files)
    assert version.is_valid and version.error_count == 0
    assert [v["name"] for v in version.summary["variables"]] == ["region"]


@pytest.mark.parametrize("name", ["Ubuntu Base", "ubuntu base", "ubuntu-base"])
def test_a_name_or_address_already_taken_is_refused(template, editor, files, name):
    with pytest.raises(CatalogError) as caught:
        catalog.create_template(name=name, description="", labels=[], owner=editor, files=files)
    assert caught.value.field == "name"
    assert 'A template named "Ubuntu Base" already exists' in caught.value.message
    assert PackerTemplate.objects.count() == 1


@pytest.mark.parametrize(("name", "says"), [("  ", "needs a name"), ("!!!", "letter or digit"), ("New", "reserved")])
def test_names_without_a_usable_address_are_refused(editor, files, name, says):
    with pytest.raises(CatalogError, match=says):
        catalog.create_template(name=name, description="", labels=[], owner=editor, files=files)


def test_saving_changed_files_adds_the_next_version(template, editor, files):
    changed = {**files, "extra.pkrvars.hcl": 'region = "us-east-1"\n'}
    result = catalog.save_version(template, files=changed, author=editor, message="Add a preset", base_number=1)
    assert result.created
    assert result.version.number == 2
    assert result.version.message == "Add a preset"
    template.refresh_from_db()
    assert template.latest_version == result.version
    assert template.updated == result.version.created


def test_saving_identical_files_creates_nothing(template, editor, files):
    result = catalog.save_version(template, files=dict(files), author=editor, message="again", base_number=1)
    assert not result.created
    assert result.version.number == 1
    assert TemplateVersion.objects.count() == 1


def test_files_that_do_not_parse_are_saved_as_an_invalid_version(template, editor):
    result = catalog.save_version(template, files={"main.pkr.hcl": BROKEN}, author=editor, message="",
                                  base_number=1)
    version = result.version
    assert result.created and not version.is_valid
    assert version.file_texts() == {"main.pkr.hcl": BROKEN}
    assert version.error_count >= 1
    assert version.diagnostics[0]["range"]["filename"] == "main.pkr.hcl"
    assert version.summary is None


def test_a_save_from_a_stale_version_is_refused_and_writes_nothing(template, editor, other_editor, files):
    first = {**files, "a.pkrvars.hcl": 'region = "a"\n'}
    second = {**files, "b.pkrvars.hcl": 'region = "b"\n'}
    catalog.save_version(template, files=first, author=other_editor, message="", base_number=1)
    with pytest.raises(StaleVersion) as caught:
        catalog.save_version(template, files=second, author=editor, message="", base_number=1)
    error = caught.value
    assert error.latest.number == 2
    assert "otto saved version 2 of Ubuntu Base while you were editing version 1" in error.message
    assert "nothing is lost" in error.message
    assert TemplateVersion.objects.count() == 2
    # Saving again from the version the user was shown succeeds.
    result = catalog.save_version(template, files=second, author=editor, message="", base_number=2)
    assert result.version.number == 3


def test_a_save_that_loses_the_race_for_the_next_number_is_stale(template, editor, other_editor, files,
                                                                  monkeypatch):
    # The other save commits after this one has read the latest version (still version 1).
    version_one = template.latest_version
    catalog.save_version(template, files={**files, "x.pkrvars.hcl": ""}, author=other_editor, message="",
                         base_number=1)
    real_latest = catalog._latest
    reads = iter([version_one])
    monkeypatch.setattr(catalog, "_latest", lambda t: next(reads, None) or real_latest(t))
    with pytest.raises(StaleVersion) as caught:
        catalog.save_version(template, files={**files, "y.pkrvars.hcl": ""}, author=editor, message="",
                             base_number=1)
    assert caught.value.latest.number == 2
    assert list(template.versions.values_list("number", flat=True)) == [2, 1]
    template.refresh_from_db()
    assert template.latest_version.number == 2


def test_restoring_saves_the_old_files_as_a_new_version(template, editor, files):
    catalog.save_version(template, files={"main.pkr.hcl": BROKEN}, author=editor, message="", base_number=1)
    result = catalog.restore_version(template.versions.get(number=1), author=editor)
    assert result.created
    assert result.version.number == 3
    assert result.version.restored_from == 1
    assert result.version.message == "Restored version 1"
    assert result.version.file_texts() == files


def test_restoring_the_latest_content_creates_nothing(template, editor):
    result = catalog.restore_version(template.latest_version, author=editor)
    assert not result.created
    assert TemplateVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("bad_files", "says"),
    [
        ({}, "at least one .pkr.hcl file"),
        ({"values.pkrvars.hcl": "a = 1\n"}, "at least one .pkr.hcl file"),
        ({"../main.pkr.hcl": "x"}, "without folders"),
        ({"main.tf": "x"}, "not a template file name"),
        ({"main.pkr.hcl": "x" * (1024 * 1024 + 1)}, "a file may be at most 1.0 MB"),
    ],
)
def test_files_that_cannot_make_a_version_are_refused(template, editor, bad_files, says):
    with pytest.raises(InvalidFiles, match=says):
        catalog.save_version(template, files=bad_files, author=editor, message="", base_number=1)
    assert TemplateVersion.objects.count() == 1


def test_the_limits_come_from_settings(template, editor, settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "CATALOG_MAX_FILES": 2, "CATALOG_MAX_TOTAL_BYTES": 10}
    files = {f"f{i}.pkr.hcl": "x" * 4 for i in range(3)}
    with pytest.raises(InvalidFiles) as caught:
        catalog.save_version(template, files=files, author=editor, message="", base_number=1)
    assert caught.value.problems == [
        "A template has at most 2 files; this one has 3.",
        "The files come to 12 bytes; a template may be at most 10 bytes.",
    ]


def test_labels_are_parsed_lower_cased_and_deduplicated():
    assert catalog.parse_labels(" Ubuntu, aws ,ubuntu,, base ") == ["ubuntu", "aws", "base"]
    with pytest.raises(CatalogError, match="not a label"):
        catalog.parse_labels("ok, not ok")


def test_details_change_without_a_new_version(template):
    catalog.update_details(template, description="  New words ", labels=["aws"])
    template.refresh_from_db()
    assert template.description == "New words"
    assert list(template.labels.values_list("name", flat=True)) == ["aws"]
    assert template.versions.count() == 1
