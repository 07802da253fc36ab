"""Tests of imagehub.links: links made from each view's shape are reverse()'s, and anything else is reverse()'s own."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from imagehub import links


@pytest.fixture(autouse=True)
def fresh_shapes():
    links._shapes.clear()
    yield
    set_script_prefix("/")
    links._shapes.clear()


@pytest.mark.parametrize("viewname, args", [
    ("home", ()),
    ("builds:build_list", ()),
    ("builds:build_detail", (5,)),
    ("builds:build_detail", ("17",)),
    ("builds:build_log", (10**18 - 1,)),
    ("builds:template_builds", ("golden-base",)),
    ("builds:template_builds", ("42",)),
    ("catalog:template_detail", ("web_server-2",)),
    ("catalog:version_detail", ("golden-base", 12)),
    ("builds:artifact_file", (3, 4, 0)),
    ("builds:channel_rollback", ("golden-base", "production")),
    ("api_token_delete", (0,)),
])
def test_links_are_what_reverse_makes(viewname, args):
    assert links.url(viewname, *args) == links.url(viewname, *args) == reverse(viewname, args=args)


@pytest.mark.parametrize("viewname, args", [
    ("builds:build_detail", ("not-a-number",)),
    ("builds:build_detail", (-1,)),
    ("builds:build_detail", (True,)),
    ("builds:template_builds", ("two words",)),
    ("builds:template_builds", ("ünïcode",)),
    ("builds:build_detail", (1, 2)),
    ("no-such-view", ()),
])
def test_what_reverse_refuses_is_refused_alike(viewname, args):
    with pytest.raises(NoReverseMatch):
        reverse(viewname, args=args)
    with pytest.raises(NoReverseMatch):
        links.url(viewname, *args)


def test_other_values_are_reverses_own():
    text = "web server"  # a str converter's place: quoted by reverse()
    assert links.url("builds:channel_rollback", "golden-base", text) == reverse(
        "builds:channel_rollback", args=["golden-base", text])
    assert links.url("builds:build_detail", 10**19) == reverse("builds:build_detail", args=[10**19])


def test_a_view_is_reversed_only_while_its_shape_is_worked_out(monkeypatch):
    links.url("builds:build_detail", 1)
    reversed_ = []
    monkeypatch.setattr(links, "reverse", lambda *a, **k: reversed_.append(a))
    assert [links.url("builds:build_detail", pk) for pk in (7, 8, 9)] == ["/builds/7/", "/builds/8/", "/builds/9/"]
    assert reversed_ == []


def test_shapes_follow_the_script_prefix():
    assert links.url("builds:build_detail", 3) == "/builds/3/"
    set_script_prefix("/hub/")
    assert links.url("builds:build_detail", 3) == "/hub/builds/3/" == reverse("builds:build_detail", args=[3])


def test_the_link_tag_is_the_url_tags_equal():
    context = Context({"pk": 12, "slug": "golden-base"})
    made = Template('{% load links %}{% link "builds:build_log" pk %} {% link "catalog:version_detail" slug 2 %}'
                    ).render(context)
    expected = Template('{% url "builds:build_log" pk %} {% url "catalog:version_detail" slug 2 %}').render(context)
    assert made == expected == "/builds/12/log.txt /templates/golden-base/versions/2/"
