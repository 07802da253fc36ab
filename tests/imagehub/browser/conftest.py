"""Fixtures of the catalog's browser tests; the server, the browser and its pages are in tests/fixtures/browser.py."""

import pytest


@pytest.fixture
def make_template(import_template):
    """Return a function creating a template from `files` ({name: text}) through the import page."""
    return import_template
