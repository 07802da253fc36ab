"""Tests of the JSON API's registry endpoints: tokens and roles, channel images, source checks, and `imagehub build`
from a terminal reading a channel through them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builds import channels, revocation
from builds.tokens import issue_token
from imagehub.roles import Role

UBUNTU = "ami-0ubuntu0000000001"
FILES = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'}


@pytest.fixture
def production(make_template, make_ami_build, builder, image_of):
    """golden-base's production channel at a build with an AMI in us-east-1 and a copy in eu-west-1."""
    version = make_template("Golden Base", FILES)
    build = make_ami_build(version, UBUNTU, copies=("eu-west-1",))
    channels.assign(version.template, "production", build, builder)
    return image_of(build)


def get(client, path: str, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.get(path, **headers)
    return response.status_code, json.loads(response.content)


CHANNEL = "/api/v1/templates/golden-base/channels/production/image"


@pytest.mark.django_db
def test_a_channels_image_is_one_get_with_a_token(client, production, viewer):
    status, body = get(client, CHANNEL + "?region=us-east-1", issue_token(viewer, "ci"))

    assert status == 200
    assert body == {"id": production.image_id, "region": "us-east-1", "template": "Golden Base",
                    "channel": "production", "build_id": production.build_id, "version": 1,
                    "source": "amazon-ebs.web", "name": "", "created_at": production.created_at.isoformat()}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR, Role.BUILDER, Role.ADMIN])
def test_every_role_reads_channels_signed_in_or_with_a_token(client, production, make_user, role):
    user = make_user("someone", role)
    assert get(client, CHANNEL + "?region=us-east-1", issue_token(user, "ci"))[0] == 200
    client.force_login(user)
    assert get(client, CHANNEL + "?region=us-east-1")[0] == 200


@pytest.mark.django_db
def test_without_a_valid_token_or_a_role_the_answer_says_what_is_missing(client, production, make_user, viewer):
    assert get(client, CHANNEL) == (401, {"error": "Send a personal API token (Authorization: Bearer <token>; "
                                                   "imagehub manage api_token USER NAME makes one), or sign in."})
    assert get(client, CHANNEL, "ihp_not-a-token")[0] == 401
    assert get(client, CHANNEL, "not even the prefix")[0] == 401
    nobody = make_user("nobody")
    status, body = get(client, CHANNEL, issue_token(nobody, "ci"))
    assert status == 403 and "viewer role" in body["error"]
    viewer.is_active = False
    viewer.save()
    assert get(client, CHANNEL, issue_token(viewer, "ci"))[0] == 401


@pytest.mark.django_db
def test_a_missing_channel_or_region_is_404_and_a_revoked_image_409_with_the_reason(client, production, viewer,
                                                                                     builder):
    token = issue_token(viewer, "ci")
    status, body = get(client, "/api/v1/templates/golden-base/channels/qa/image", token)
    assert status == 404 and body["error"] == 'Template Golden Base has no channel "qa" (its channels: "production").'
    status, body = get(client, CHANNEL + "?region=ap-south-1", token)
    assert status == 404 and 'no image in region "ap-south-1"' in body["error"]
    assert get(client, CHANNEL, token)[0] == 404  # two regions: which one?

    revocation.revoke(production, builder, "CVE-2026-0001")
    status, body = get(client, CHANNEL + "?region=us-east-1", token)
    assert status == 409 and body["error"].endswith(": CVE-2026-0001. Assign a build whose image is not revoked to "
                                                    "the channel, or restore the image.")


@pytest.mark.django_db
def test_a_source_image_check_passes_until_the_image_is_revoked(client, production, viewer, builder):
    token = issue_token(viewer, "ci")
    path = f"/api/v1/images/check?id={production.image_id}&region=us-east-1"
    assert get(client, path, token) == (200, {"id": production.image_id, "region": "us-east-1", "revoked": False})

    revocation.revoke(production, builder, "CVE-2026-0001")
    status, body = get(client, path, token)
    assert status == 409 and "A build may not start from a revoked image" in body["error"]
    assert get(client, "/api/v1/images/check", token)[0] == 400


TERMINAL_TEMPLATE = """
data "imagehub-image" "base" {
  template = "golden-base"
  channel  = "production"
  region   = "eu-west-1"
}

source "file" "base" {
  content = "${data.imagehub-image.base.id} from build ${data.imagehub-image.base.build_id}"
  target  = "base.txt"
}

build {
  sources = ["source.file.base"]
}
"""


def _imagehub() -> list[str]:
    script = Path(sys.executable).with_name("imagehub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "builds.engine"]


@pytest.mark.django_db(transaction=True)
def test_imagehub_build_from_a_terminal_reads_the_channel_from_the_server_and_is_refused_a_revoked_image(
        live_server, production, viewer, builder, image_of, tmp_path):
    (tmp_path / "main.pkr.hcl").write_text(TERMINAL_TEMPLATE)
    env = {**os.environ, "IMAGEHUB_URL": live_server.url, "IMAGEHUB_TOKEN": issue_token(viewer, "laptop"),
           "CHECKPOINT_DISABLE": "1"}

    def build():
        return subprocess.run([*_imagehub(), "build", "-color=false", "."], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    run = build()
    assert run.returncode == 0, run.stdout + run.stderr
    copy = image_of(production.build, "eu-west-1")
    assert (tmp_path / "base.txt").read_text() == f"{copy.image_id} from build {production.build_id}"

    revocation.revoke(copy, builder, "CVE-2026-0001")
    run = build()
    shown = " ".join((run.stdout + run.stderr).split())
    assert run.returncode == 1
    assert f"data.imagehub-image.base: The image {copy.image_id} that channel \"production\" of Golden Base " \
           "points at" in shown and "CVE-2026-0001" in shown
