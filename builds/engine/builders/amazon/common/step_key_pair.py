"""StepKeyPair: decide which key pair the instance gets, creating a temporary one unless the template names
one (``ssh_keypair_name`` with ``ssh_private_key_file``), uses agent or password logins; its cleanup
deletes the temporary key pair."""

from __future__ import annotations

import os

from builds.engine.builders.amazon.common import resources, tags
from builds.engine.builders.amazon.common.failures import CleanupError, step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS, is_not_found
from builds.engine.builders.amazon.common.run_settings import RunSettings
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.gotemplate import TemplateContext
from builds.engine.steps import Action


class StepKeyPair:
    """Creates the temporary key pair (``temporary_key_pair_name``, type rsa or ed25519) when one is needed.

    With ``debug``, the private key is also saved to ``debug_key_path`` (removed in cleanup).
    """

    def __init__(self, run: RunSettings, template: TemplateContext, debug: bool = False,
                 debug_key_path: str = ""):
        self.settings = run
        self.template = template
        self.debug = debug
        self.debug_key_path = debug_key_path
        self._saved_debug_key = False

    def run(self, state: AmazonState) -> Action:
        run = self.settings
        ssh = run.ssh
        if ssh.private_key_file:
            state.ui.say("Using existing SSH private key")
            state.key_pair_name = run.ssh_keypair_name
            return Action.CONTINUE
        if ssh.agent_auth and not run.ssh_keypair_name:
            state.ui.say("Using SSH Agent with key pair in Source AMI")
            return Action.CONTINUE
        if ssh.agent_auth:
            state.ui.say(f"Using SSH Agent for existing key pair {run.ssh_keypair_name}")
            state.key_pair_name = run.ssh_keypair_name
            return Action.CONTINUE
        if not run.temporary_key_pair_name:
            state.ui.say("Not using temporary keypair")
            return Action.CONTINUE
        name = run.temporary_key_pair_name
        state.ui.say(f"Creating temporary keypair: {name}")
        try:
            key_tags = tags.render_tags(run.run_tags, tags.build_info(state.region, state.source_image),
                                        self.template)
        except ValueError as exc:
            raise step_error(state, f"Error tagging key pair: {exc}") from exc
        request = {"KeyName": name, "KeyType": run.temporary_key_pair_type,
                   "TagSpecifications": tags.specifications(key_tags + resources.ledger_tags(state), "key-pair")}
        try:
            response = state.ec2().create_key_pair(**{k: v for k, v in request.items() if v})
        except AWS_ERRORS as exc:
            raise step_error(state, f"Error creating temporary keypair: {state.describe_error(exc)}") from exc
        state.temporary_key_pair_name = name
        resources.record(state, resources.KEY_PAIR, name, state.region)
        state.key_pair_name = name
        state.private_key = response["KeyMaterial"]
        state.ui.masker.add(state.private_key)
        if self.debug and self.debug_key_path:
            self._save_debug_key(state)
        return Action.CONTINUE

    def _save_debug_key(self, state: AmazonState) -> None:
        state.ui.message(f"Saving key for debug purposes: {self.debug_key_path}")
        try:
            descriptor = os.open(self.debug_key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(state.private_key)
        except OSError as exc:
            raise step_error(state, f"Error saving debug key: {exc}") from exc
        self._saved_debug_key = True

    def cleanup(self, state: AmazonState) -> None:
        if self._saved_debug_key:
            self._saved_debug_key = False
            try:
                os.remove(self.debug_key_path)
            except OSError as exc:
                state.ui.error(f"Error removing debug key '{self.debug_key_path}': {exc}")
        name = state.temporary_key_pair_name
        if not name:
            return
        state.ui.say("Deleting temporary keypair...")
        try:
            state.ec2().delete_key_pair(KeyName=name)
        except AWS_ERRORS as exc:
            if not is_not_found(exc):
                raise CleanupError(f"Error cleaning up keypair. Please delete the key manually: {name} "
                                   f"({state.describe_error(exc)})") from exc
        resources.forget(state, resources.KEY_PAIR, name)
        state.temporary_key_pair_name = ""
