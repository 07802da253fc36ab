"""StepIamInstanceProfile: a temporary profile, role and policy, removed in cleanup; a given profile checked."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.common.step_iam_instance_profile import StepIamInstanceProfile
from builds.engine.gotemplate import TemplateContext
from builds.engine.steps import StepError
from tests.builds.engine.builders.amazon.conftest import output, run_settings, tag_map

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]}


def test_a_temporary_profile_gets_a_role_with_the_policy_and_all_are_deleted(state, moto):
    step = StepIamInstanceProfile(run_settings(temporary_iam_instance_profile_policy_document=POLICY),
                                  TemplateContext())

    step.run(state)

    iam = moto.client("iam")
    profile = iam.get_instance_profile(InstanceProfileName=state.iam_instance_profile)["InstanceProfile"]
    assert profile["InstanceProfileName"].startswith("packer-")
    assert [role["RoleName"] for role in profile["Roles"]] == [profile["InstanceProfileName"]]
    assert tag_map(profile)["imagehub:temporary"] == "true"
    assert iam.list_role_policies(RoleName=profile["InstanceProfileName"])["PolicyNames"] == [
        profile["InstanceProfileName"]]
    assert sorted(e.kind for e in state.ledger.entries("build-1")) == ["iam-instance-profile", "iam-role"]

    step.cleanup(state)
    step.cleanup(state)

    left = moto.leftovers()
    assert "iam-instance-profiles" not in left and "iam-roles" not in left
    assert state.ledger.entries("build-1") == []
    assert output(state).count("Deleting temporary instance profile...") == 1


def test_a_given_profile_must_exist(state, moto):
    with pytest.raises(StepError, match="Couldn't find specified instance profile"):
        StepIamInstanceProfile(run_settings(iam_instance_profile="missing"), TemplateContext()).run(state)


def test_a_given_profile_is_used_without_a_check_when_validation_is_skipped(state):
    StepIamInstanceProfile(run_settings(iam_instance_profile="elsewhere", skip_profile_validation=True),
                           TemplateContext()).run(state)

    assert state.iam_instance_profile == "elsewhere"
