"""StepIamInstanceProfile: use ``iam_instance_profile``, or create a temporary instance profile and role
with ``temporary_iam_instance_profile_policy_document``; its cleanup detaches and deletes them."""

from __future__ import annotations

import json
from typing import Any

from builds.engine.builders.amazon.common import resources, tags
from builds.engine.builders.amazon.common.failures import CleanupError, step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS, is_not_found
from builds.engine.builders.amazon.common.run_settings import RunSettings, time_ordered_id
from builds.engine.builders.amazon.common.waiting import (
    INSTANCE_PROFILE_EXISTS,
    ROLE_EXISTS,
    Waiter,
    WaitError,
)
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.gotemplate import TemplateContext
from builds.engine.steps import Action

ASSUME_ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


class StepIamInstanceProfile:
    """Settles ``state.iam_instance_profile``; creates ``packer-<id>`` (profile, role and inline policy)
    when the template gives a policy document."""

    def __init__(self, run: RunSettings, template: TemplateContext):
        self.settings = run
        self.template = template
        self.profile = ""
        self.role = ""
        self.policy = ""
        self.attached = False

    def run(self, state: AmazonState) -> Action:
        run = self.settings
        state.iam_instance_profile = ""
        if run.iam_instance_profile:
            if not run.skip_profile_validation:
                try:
                    state.iam().get_instance_profile(InstanceProfileName=run.iam_instance_profile)
                except AWS_ERRORS as exc:
                    raise step_error(state, f"Couldn't find specified instance profile: "
                                            f"{state.describe_error(exc)}") from exc
            state.iam_instance_profile = run.iam_instance_profile
            return Action.CONTINUE
        if run.temporary_iam_instance_profile_policy_document is None:
            return Action.CONTINUE
        self._create(state)
        return Action.CONTINUE

    def _create(self, state: AmazonState) -> None:
        name = f"packer-{time_ordered_id()}"
        document = json.dumps(self.settings.temporary_iam_instance_profile_policy_document)
        iam = state.iam()
        state.ui.say(f"Creating temporary instance profile for this instance: {name}")
        try:
            iam_tags = tags.render_tags(self.settings.run_tags, tags.build_info(state.region, state.source_image),
                                        self.template) + resources.ledger_tags(state)
        except ValueError as exc:
            raise step_error(state, f"Error creating IAM tags: {exc}") from exc
        try:
            profile = iam.create_instance_profile(**_with_tags({"InstanceProfileName": name}, iam_tags))
        except AWS_ERRORS as exc:
            raise step_error(state, state.describe_error(exc)) from exc
        self.profile = profile["InstanceProfile"]["InstanceProfileName"]
        resources.record(state, resources.IAM_INSTANCE_PROFILE, self.profile, "global")
        self._wait(state, f"instance profile {self.profile}", Waiter(*INSTANCE_PROFILE_EXISTS),
                   lambda: iam.get_instance_profile(InstanceProfileName=self.profile))
        state.ui.say(f"Creating temporary role for this instance: {name}")
        try:
            role = iam.create_role(**_with_tags({"RoleName": name, "Description": "Temporary role for ImageHub",
                                                 "AssumeRolePolicyDocument": ASSUME_ROLE_POLICY}, iam_tags))
        except AWS_ERRORS as exc:
            raise step_error(state, state.describe_error(exc)) from exc
        self.role = role["Role"]["RoleName"]
        resources.record(state, resources.IAM_ROLE, self.role, "global")
        self._wait(state, f"temporary role {self.role}", state.waiter(ROLE_EXISTS),
                   lambda: iam.get_role(RoleName=self.role))
        state.ui.say(f"Attaching policy to the temporary role: {name}")
        try:
            iam.put_role_policy(RoleName=self.role, PolicyName=name, PolicyDocument=document)
            self.policy = name
            iam.add_role_to_instance_profile(RoleName=self.role, InstanceProfileName=self.profile)
        except AWS_ERRORS as exc:
            raise step_error(state, state.describe_error(exc)) from exc
        self.attached = True
        state.iam_instance_profile = self.profile

    def _wait(self, state: AmazonState, what: str, waiter: Waiter, get: Any) -> None:
        def exists() -> bool:
            try:
                get()
            except AWS_ERRORS as exc:
                if is_not_found(exc):
                    return False
                raise
            return True

        try:
            waiter.wait(what, exists, state.cancel)
        except (WaitError, *AWS_ERRORS) as exc:
            reason = str(exc) if isinstance(exc, WaitError) else state.describe_error(exc)
            raise step_error(state, f"Timed out waiting for {what}: {reason}") from exc

    def cleanup(self, state: AmazonState) -> None:
        if not (self.profile or self.role):
            return
        iam = state.iam()
        problems = []
        if self.attached:
            state.ui.say("Detaching temporary role from instance profile...")
            problems += _quietly(state, lambda: iam.remove_role_from_instance_profile(
                InstanceProfileName=self.profile, RoleName=self.role), f"Please delete the role manually: {self.role}")
            self.attached = False
        if self.policy:
            state.ui.say("Removing policy from temporary role...")
            problems += _quietly(state, lambda: iam.delete_role_policy(PolicyName=self.policy, RoleName=self.role),
                                 f"Please delete the role manually: {self.role}")
            self.policy = ""
        if self.role:
            state.ui.say("Deleting temporary role...")
            failed = _quietly(state, lambda: iam.delete_role(RoleName=self.role),
                              f"Please delete the role manually: {self.role}")
            if not failed:
                resources.forget(state, resources.IAM_ROLE, self.role)
                self.role = ""
            problems += failed
        if self.profile:
            state.ui.say("Deleting temporary instance profile...")
            failed = _quietly(state, lambda: iam.delete_instance_profile(InstanceProfileName=self.profile),
                              f"Please delete the instance profile manually: {self.profile}")
            if not failed:
                resources.forget(state, resources.IAM_INSTANCE_PROFILE, self.profile)
                self.profile = ""
            problems += failed
        if problems:
            raise CleanupError("; ".join(problems))


def _with_tags(request: dict[str, Any], iam_tags: list[dict[str, str]]) -> dict[str, Any]:
    if iam_tags:
        request["Tags"] = iam_tags
    return request


def _quietly(state: AmazonState, call: Any, advice: str) -> list[str]:
    """Run a cleanup call; return its problem (none when it worked or the thing was already gone)."""
    try:
        call()
    except AWS_ERRORS as exc:
        if is_not_found(exc):
            return []
        return [f"Error {state.describe_error(exc)}. {advice}"]
    return []
