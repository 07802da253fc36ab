"""Tests of the build page's parts written in Python (builds.templatetags.build_tags): the same HTML as the
template engine's version of them, kept here as the reference."""

import itertools
import re

import pytest
from django.contrib.auth import get_user_model
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone

from builds.models import Artifact, Build
from imagehub.models import TemplateVersion

# What the build page's template said before these parts moved to Python.
ACTIONS = """<div class="build-actions">
    <span class="status status-{{ build.status }}" data-build-status>{{ build.get_status_display }}</span>
    {% if may_control and not build.is_over %}
      {% if build.cancel_requested_at %}
        <span class="muted">Cancel requested by {{ build.cancel_requested_by.username|default:"someone" }}; cleaning up…</span>
      {% else %}
        <form method="post" action="{% url 'builds:build_cancel' build.pk %}">{% csrf_token %}<button type="submit" class="button button-danger">Cancel</button></form>
      {% endif %}
    {% endif %}
    {% if may_start %}
      <form method="post" action="{% url 'builds:build_rebuild' build.pk %}">{% csrf_token %}<button type="submit" class="button button-secondary">Rebuild</button></form>
      {% if latest_version %}
        <form method="post" action="{% url 'builds:build_rebuild' build.pk %}">{% csrf_token %}<input type="hidden" name="latest" value="1"><button type="submit" class="button button-secondary">Rebuild with latest version (v{{ latest_version.number }})</button></form>
      {% endif %}
    {% endif %}
    <a class="button button-secondary" href="{% url 'builds:build_export' build.pk %}" download>Export JSON</a>
  </div>"""
ARTIFACTS = """{% for artifact in artifacts %}
    <article class="artifact">
      <h3>{{ artifact.source }} <span class="badge">{{ artifact.builder_type }}</span></h3>
      <dl class="facts">
        {% if artifact.artifact_id %}<dt>ID</dt><dd><code>{{ artifact.artifact_id }}</code></dd>{% endif %}
        {% if artifact.description %}<dt>Description</dt><dd>{{ artifact.description }}</dd>{% endif %}
        {% if artifact.source_image_id %}<dt>Source image</dt><dd><code>{{ artifact.source_image_id }}</code></dd>{% endif %}
        {% if artifact.builder_id %}<dt>Made by</dt><dd><code>{{ artifact.builder_id }}</code></dd>{% endif %}
      </dl>
      {% if artifact.region_ids %}
        <table class="table artifact-regions">
          <thead><tr><th scope="col">Region</th><th scope="col">Image ID</th></tr></thead>
          <tbody>{% for region, image in artifact.region_ids.items %}<tr><td>{{ region }}</td><td><code>{{ image }}</code></td></tr>{% endfor %}</tbody>
        </table>
      {% endif %}
      {% if artifact.files %}
        <table class="table artifact-files">
          <thead><tr><th scope="col">File</th><th scope="col" class="number">Size</th><th scope="col">SHA-256</th></tr></thead>
          <tbody>
            {% for file in artifact.files %}
              <tr>
                <td>{% if file.path %}<a href="{% url 'builds:artifact_file' build.pk artifact.pk forloop.counter0 %}" download>{{ file.name }}</a>{% else %}{{ file.name }} <span class="muted">(not kept)</span>{% endif %}</td>
                <td class="number">{% if file.size is not None %}{{ file.size|filesizeformat }}{% endif %}</td>
                <td>{% if file.sha256 %}<code>{{ file.sha256 }}</code>{% endif %}</td>
              </tr>
            {% endfor %}
          </tbody>
        </table>
      {% endif %}
    </article>
  {% empty %}
    <p class="muted">{% if build.is_over %}This build produced no artifacts.{% else %}Artifacts appear here when the build ends.{% endif %}</p>
  {% endfor %}"""


def render(source: str, context: dict) -> str:
    """`source` rendered with `context` and a page's CSRF token, without the whitespace between tags."""
    request = RequestFactory().get("/")
    context = {"csrf_token": "masked-token-of-the-page", **context}
    html = engines["django"].from_string("{% load build_tags %}" + source).render(context, request)
    return re.sub(r">\s+<", "><", html).strip()


def build(status: str, **fields) -> Build:
    return Build(pk=41, status=status, queued_at=timezone.now(), **fields)


@pytest.mark.parametrize("status", [Build.Status.QUEUED, Build.Status.RUNNING, Build.Status.SUCCEEDED,
                                    Build.Status.CANCELLED])
def test_the_actions_are_the_templates(status):
    someone = get_user_model()(pk=7, username="carol <&>")
    for may_control, may_start, latest, cancel in itertools.product((False, True), repeat=4):
        made = build(status, cancel_requested_at=timezone.now() if cancel else None,
                     cancel_requested_by=someone if cancel and may_start else None)
        context = {"build": made, "may_control": may_control, "may_start": may_start,
                   "latest_version": TemplateVersion(pk=3, number=12) if latest else None}
        assert render("{% build_actions %}", context) == render(ACTIONS, context), context


def test_a_cancel_requested_by_a_user_names_them_escaped():
    made = build(Build.Status.RUNNING, cancel_requested_at=timezone.now(),
                 cancel_requested_by=get_user_model()(pk=7, username="carol <&>"))
    html = render("{% build_actions %}", {"build": made, "may_control": True})
    assert "Cancel requested by carol &lt;&amp;&gt;; cleaning up" in html and "<form" not in html


def test_the_artifacts_are_the_templates():
    files = [
        {"name": "box <1>.box", "size": 123456789, "sha256": "ab" * 32, "path": "/data/box.box"},
        {"name": "notes.txt", "size": 0, "sha256": "", "path": ""},
        {"name": "manifest.json", "path": "/data/manifest.json"},
        {"name": "gone"},
    ]
    artifacts = [
        Artifact(pk=5, source="amazon-ebs.web", builder_type="amazon-ebs", builder_id="mitchellh.amazonebs",
                 artifact_id="eu-west-1:ami-1,us-east-1:ami-2", description="AMIs <made>",
                 region_ids={"eu-west-1": "ami-1", "us-east-1": "ami-2"}, source_image_id="ami-0base"),
        Artifact(pk=6, source="null.box", builder_type="null", files=files),
        Artifact(pk=7, source="docker.app", builder_type="docker", artifact_id="sha256:00", region_ids={}, files=[]),
    ]
    for status in (Build.Status.SUCCEEDED, Build.Status.RUNNING):
        made = build(status)
        for chosen in (artifacts, artifacts[:1], artifacts[1:2], []):
            context = {"build": made, "artifacts": chosen}
            assert render("{% build_artifacts build artifacts %}", context) == render(ARTIFACTS, context)
    html = render("{% build_artifacts build artifacts %}", {"build": build("succeeded"), "artifacts": artifacts})
    assert 'href="/builds/41/artifacts/6/files/0/" download>box &lt;1&gt;.box</a>' in html
    assert "117.7\xa0MB" in html and "AMIs &lt;made&gt;" in html
