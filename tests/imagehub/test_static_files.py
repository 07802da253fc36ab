"""Tests of the static files' storage that remembers each file's URL."""

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage as DjangoStaticFilesStorage
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.test import override_settings

from imagehub.static_files import StaticFilesStorage


@pytest.mark.parametrize("name", ["css/builds.css", "js/build log.js", "vendor/ünï/x.js", "/lead.css"])
def test_urls_are_djangos(name):
    storage = StaticFilesStorage()
    assert storage.url(name) == storage.url(name) == DjangoStaticFilesStorage().url(name)


def test_a_url_is_worked_out_once(monkeypatch):
    storage = StaticFilesStorage()
    asked = []
    monkeypatch.setattr(DjangoStaticFilesStorage, "url", lambda self, name: asked.append(name) or f"/s/{name}")
    assert [storage.url("a.css") for _ in range(3)] == ["/s/a.css"] * 3 and asked == ["a.css"]


def test_the_static_tag_uses_it_and_follows_a_changed_static_url():
    assert isinstance(staticfiles_storage, StaticFilesStorage)
    assert static("css/builds.css") == "/static/css/builds.css"
    with override_settings(STATIC_URL="/assets/"):
        assert static("css/builds.css") == "/assets/css/builds.css"
    assert static("css/builds.css") == "/static/css/builds.css"
