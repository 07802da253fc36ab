"""Tests of a cascade's plan: the templates below an image's template, ordered by level, with what each reuses."""

import uuid

import pytest

from builds import cascade_plan, lineage
from builds.lineage_models import ImageNode
from builds.models import Artifact
from imagehub import catalog

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"
NULL_TEMPLATE = """
variable "base_ami" {
  type    = string
  default = ""
}

variable "token" {
  type      = string
  sensitive = true
  default   = ""
}

source "null" "a" {
  communicator = "none"
}

build {
  sources = ["source.null.a"]
}
"""


@pytest.fixture
def version(make_template):
    """Return a function giving a template's version 1, making the template on first use."""
    made = {}

    def get(name: str):
        if name not in made:
            made[name] = make_template(name, {"main.pkr.hcl": NULL_TEMPLATE})
        return made[name]

    return get


def add_image(build, source_ami: str, source: str = "amazon-ebs.other"):
    """Give `build` one more AMI, built from `source_ami` by another source, and record its lineage."""
    ami = f"ami-{uuid.uuid4().hex[:17]}"
    Artifact.objects.create(build=build, source=source, builder_type="amazon-ebs", builder_id="mitchellh.amazonebs",
                            artifact_id=f"us-east-1:{ami}", region_ids={"us-east-1": ami}, source_image_id=source_ami,
                            metadata={"amis": {"us-east-1": ami}, "source_ami": {"id": source_ami},
                                      "generated_data": {"BuildRegion": "us-east-1"}})
    lineage.record_build(build)
    return ImageNode.objects.get(build=build, image_id=ami)


def steps_of(plan) -> list[tuple[str, int, list[str]]]:
    return [(step.template.name, step.level, [parent.name for parent in step.parents]) for step in plan.steps]


def test_a_chain_is_planned_level_by_level_from_the_new_base_image(version, make_ami_build, image_of):
    old_base = make_ami_build(version("base"), UBUNTU)
    middle = make_ami_build(version("middle"), image_of(old_base).image_id)
    app = make_ami_build(version("app"), image_of(middle).image_id)
    new_base = make_ami_build(version("base"), UBUNTU)

    plan = cascade_plan.plan_for(image_of(new_base))

    assert steps_of(plan) == [("middle", 1, ["base"]), ("app", 2, ["middle"])]
    assert [step.previous for step in plan.steps] == [middle, app]
    assert [step.version for step in plan.steps] == [version("middle"), version("app")]
    assert plan.steps[0].starts_from == (f"last time base #{old_base.pk} ({image_of(old_base).image_id}), found by "
                                         "source image id")
    assert [level for level, _ in plan.levels] == [1, 2]
    assert plan.problems == []


def test_a_diamond_waits_for_both_of_its_parents(version, make_ami_build, image_of):
    base = make_ami_build(version("base"), UBUNTU)
    left = make_ami_build(version("left"), image_of(base).image_id)
    right = make_ami_build(version("right"), image_of(base).image_id)
    top = make_ami_build(version("top"), image_of(left).image_id)
    add_image(top, image_of(right).image_id)

    plan = cascade_plan.plan_for(image_of(base))

    assert steps_of(plan) == [("left", 1, ["base"]), ("right", 1, ["base"]), ("top", 2, ["left", "right"])]


def test_a_template_built_from_images_at_several_depths_waits_for_the_deepest(version, make_ami_build, image_of):
    base = make_ami_build(version("base"), UBUNTU)
    middle = make_ami_build(version("middle"), image_of(base).image_id)
    app = make_ami_build(version("app"), image_of(middle).image_id)
    tools = make_ami_build(version("tools"), image_of(base).image_id)
    add_image(tools, image_of(app).image_id)

    plan = cascade_plan.plan_for(image_of(base))

    assert steps_of(plan) == [("middle", 1, ["base"]), ("app", 2, ["middle"]), ("tools", 3, ["app"])]


def test_only_templates_below_the_trigger_are_planned_with_their_latest_build_from_it(version, make_ami_build,
                                                                                    image_of):
    base = make_ami_build(version("base"), UBUNTU)
    middle = make_ami_build(version("middle"), image_of(base).image_id)
    make_ami_build(version("unrelated"), UBUNTU)
    newer_middle = make_ami_build(version("middle"), image_of(base).image_id)
    make_ami_build(version("middle"), UBUNTU)  # a later build not from base: not the one to rebuild
    make_ami_build(version("middle"), image_of(base).image_id, status="failed")
    app = make_ami_build(version("app"), image_of(middle).image_id)

    from_base = cascade_plan.plan_for(image_of(base))
    from_middle = cascade_plan.plan_for(image_of(newer_middle))

    assert steps_of(from_base) == [("middle", 1, ["base"]), ("app", 2, ["middle"])]
    assert from_base.steps[0].previous == newer_middle
    assert steps_of(from_middle) == [("app", 1, ["middle"])] and from_middle.steps[0].previous == app
    assert steps_of(cascade_plan.plan_for(image_of(app))) == []
    assert cascade_plan.has_descendants(image_of(base)) and not cascade_plan.has_descendants(image_of(app))


def test_a_step_uses_the_latest_version_shows_the_previous_values_masked_and_warns_of_a_reused_image_id(
        version, make_ami_build, image_of):
    base = make_ami_build(version("base"), UBUNTU)
    middle = make_ami_build(version("middle"), image_of(base).image_id)
    middle.variables = {"base_ami": image_of(base).image_id}
    middle.sensitive_names = ["token"]
    middle.save()
    assert cascade_plan.plan_for(image_of(base)).steps[0].warning == ""  # version 1 does not use base_ami
    uses_it = NULL_TEMPLATE + "\nlocals {\n  from = var.base_ami\n}\n"
    newer = catalog.save_version(version("middle").template, files={"main.pkr.hcl": uses_it}, author=None,
                                 message="second", base_number=1).version

    (step,) = cascade_plan.plan_for(image_of(base)).steps

    assert step.version == newer and step.version.number == 2
    assert step.variables == {"base_ami": image_of(base).image_id, "token": "(sensitive)"}
    assert step.warning.startswith(f"Its variable base_ami holds the image it was built from last time "
                                   f"({image_of(base).image_id})")


def test_templates_built_from_each_other_are_left_out_with_a_problem(version, make_ami_build, image_of):
    base = make_ami_build(version("base"), UBUNTU)
    first = make_ami_build(version("first"), image_of(base).image_id)
    second = make_ami_build(version("second"), image_of(first).image_id)
    add_image(first, image_of(second).image_id)  # bad data: first's build also from second's image

    plan = cascade_plan.plan_for(image_of(base))

    assert steps_of(plan) == []
    assert plan.problems == ["first, second were built from each other's images, so no order fits them: they are "
                             "left out of this cascade."]
