"""A cascade rebuild in a real browser, end to end on the embedded server: from an image with descendants, plan
the rebuild of its descendants, start it, and watch the cascade's page follow it to the end without a reload.

The three templates are null builds with a shell-local provisioner, so the
embedded worker really runs the rebuilds here. Null builds make no image,
so the lineage that the plan walks (base's image → middle's image → top's
image) is recorded by `record_lineage`: one succeeded amazon-ebs build per
template, stored with its AMI and source AMI in the server's database the
way the worker stores them, and linked by the lineage code itself. The
cascade then rebuilds each of them from its latest (null) version.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from tests.fixtures.dashboard import SETTINGS_VARIABLES

CASCADE_TIMEOUT_MS = 90_000  # two builds, one after the other, on a busy machine


def null_template(seconds: int, text: str) -> str:
    """A build that waits `seconds` on this machine, then prints `text`."""
    return f"""
source "null" "quick" {{
  communicator = "none"
}}

build {{
  sources = ["source.null.quick"]

  provisioner "shell-local" {{
    inline = ["sleep {seconds}", "echo {text}"]
  }}
}}
"""


# Runs in `imagehub manage shell` on the server's database; reads the chain of template slugs (root first) on
# stdin and prints the pk of each template's image node.
RECORD = """
import json, sys, uuid
from django.contrib.auth import get_user_model
from django.utils import timezone
from builds import lineage
from builds.models import Artifact, Build
from imagehub.models import PackerTemplate

admin = get_user_model().objects.get(username="admin")
source_ami, nodes = "ami-0base0external00", []
for slug in json.loads(sys.stdin.read()):
    template = PackerTemplate.objects.get(slug=slug)
    now = timezone.now()
    build = Build(template=template, template_version=template.latest_version, requested_by=admin,
                  status="succeeded", started_at=now, finished_at=now)
    build.set_sources([("amazon-ebs.web", "amazon-ebs")])
    build.save()
    ami = "ami-" + uuid.uuid4().hex[:17]
    Artifact.objects.create(
        build=build, source="amazon-ebs.web", builder_type="amazon-ebs", builder_id="mitchellh.amazonebs",
        artifact_id="us-east-1:" + ami, region_ids={"us-east-1": ami}, source_image_id=source_ami,
        metadata={"amis": {"us-east-1": ami}, "source_ami": {"id": source_ami, "name": slug},
                  "generated_data": {"BuildRegion": "us-east-1"}})
    nodes.append(lineage.record_build(build)[0].pk)
    source_ami = ami
print(json.dumps(nodes))
"""


def record_lineage(data_dir: Path, slugs: list[str]) -> list[int]:
    """Record a succeeded amazon-ebs build of each template in `slugs`, each built from the previous one's image,
    in the database of the server in `data_dir`; return their image nodes' pks."""
    environment = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    environment["IMAGEHUB_DATA_DIR"] = str(data_dir)
    command = Path(sys.executable).with_name("imagehub")
    done = subprocess.run([str(command), "manage", "shell", "--no-imports", "-c", RECORD], input=json.dumps(slugs), env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def chain(import_template, dashboard, names: list[str], seconds: list[int]) -> int:
    """Import a null template for each of `names` (the one at i waiting `seconds[i]`, then printing "<name>
    rebuilt"), record each one's image as built from the previous one's, and return the first one's image."""
    slugs = [import_template(name, {"main.pkr.hcl": null_template(wait, f"{name.split()[-1]} rebuilt")})
             for name, wait in zip(names, seconds, strict=True)]
    return record_lineage(dashboard.data_dir, slugs)[0]


def step_row(page, name: str):
    return page.locator(f'#cascade-progress tr[data-template="{name}"]')


def test_a_cascade_is_planned_started_and_followed_live_to_its_end(page, import_template, dashboard, screenshot):
    base_image = chain(import_template, dashboard, ["Cascade base", "Cascade middle", "Cascade top"], [0, 3, 0])

    page.goto(f"/builds/images/{base_image}/")
    page.get_by_role("link", name="Rebuild descendants…").click()
    page.wait_for_url(re.compile(rf"/builds/images/{base_image}/cascade/$"))
    plan = page.locator("#cascade-plan tbody tr")
    expect(plan).to_have_count(2)
    assert plan.evaluate_all("rows => rows.map(row => row.dataset.template)") == ["Cascade middle", "Cascade top"]
    assert [plan.nth(i).locator("td").first.inner_text() for i in range(2)] == ["1", "2"]
    expect(plan.nth(0).locator("td").nth(5)).to_have_text("Cascade base")
    expect(plan.nth(1).locator("td").nth(5)).to_have_text("Cascade middle")
    expect(plan.nth(0).locator("td").nth(2)).to_have_text("v1")
    screenshot(page, "plan")

    page.get_by_role("button", name="Start 2 rebuilds").click()
    page.wait_for_url(re.compile(r"/builds/cascades/\d+/$"))
    page.evaluate("window.notReloaded = true")
    progress = page.locator("#cascade-progress")
    # The middle template's build takes seconds, so the top one is still waiting for it on the first render.
    expect(progress).to_have_attribute("data-status", "running")
    expect(step_row(page, "Cascade top")).to_have_attribute("data-status", "waiting")
    expect(step_row(page, "Cascade middle")).to_have_attribute("data-status", re.compile(r"^(queued|running)$"))
    screenshot(page, "running")

    expect(step_row(page, "Cascade middle")).to_have_attribute("data-status", "succeeded",
                                                               timeout=CASCADE_TIMEOUT_MS)
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=CASCADE_TIMEOUT_MS)
    expect(step_row(page, "Cascade top")).to_have_attribute("data-status", "succeeded")
    # Null builds make no image: each step says its new image could not be linked to its parent's.
    expect(step_row(page, "Cascade top").locator(".cascade-warning")).to_contain_text("made no image")
    expect(progress.locator(".build-actions")).to_contain_text("2 of 2 steps done")
    expect(progress.locator(".build-actions .status")).to_have_text("Succeeded")
    expect(progress.locator("progress.cascade-bar")).to_have_attribute("value", "2")
    expect(page.get_by_role("button", name="Cancel cascade")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "succeeded")

    # Each step links its build, which ran the template's null version for real.
    step_row(page, "Cascade top").get_by_role("link", name=re.compile(r"^#\d+$")).last.click()
    page.wait_for_url(re.compile(r"/builds/\d+/$"))
    expect(page.locator("#build-summary [data-build-status]")).to_have_text("Succeeded")
    expect(page.locator("#build-log .build-log-text").get_by_text("top rebuilt", exact=True)).to_be_visible()


def test_a_running_cascade_is_cancelled_from_its_page(page, import_template, dashboard, screenshot):
    base_image = chain(import_template, dashboard, ["Stopped base", "Stopped middle", "Stopped top"], [0, 300, 0])
    page.goto(f"/builds/images/{base_image}/cascade/")
    page.get_by_role("button", name="Start 2 rebuilds").click()
    page.wait_for_url(re.compile(r"/builds/cascades/\d+/$"))
    # The step shows its build running once the worker has claimed it.
    expect(step_row(page, "Stopped middle")).to_have_attribute("data-status", "running", timeout=CASCADE_TIMEOUT_MS)
    expect(step_row(page, "Stopped middle").locator(".status")).to_have_text("Running")

    # The plan page no longer offers a second cascade from the same template while this one runs.
    other = page.context.new_page()
    other.goto(f"/builds/images/{base_image}/cascade/")
    expect(other.get_by_role("button", name="Start 2 rebuilds")).to_have_count(0)
    expect(other.locator("#cascade-plan")).to_contain_text("is still running")
    other.close()

    page.get_by_role("button", name="Cancel cascade").click()
    progress = page.locator("#cascade-progress")
    expect(progress).to_have_attribute("data-status", "cancelled")
    expect(step_row(page, "Stopped top")).to_have_attribute("data-status", "skipped")
    expect(step_row(page, "Stopped top")).to_contain_text("The cascade was cancelled by admin.")
    # The middle build is cancelled through its worker; the page follows until it has stopped.
    expect(step_row(page, "Stopped middle")).to_have_attribute("data-status", "cancelled",
                                                               timeout=CASCADE_TIMEOUT_MS)
    expect(progress.locator(".build-actions")).to_contain_text("2 of 2 steps done")
    expect(page.get_by_role("button", name="Cancel cascade")).to_have_count(0)
    expect(progress).to_contain_text("cancelled by admin")
    screenshot(page, "cancelled")
