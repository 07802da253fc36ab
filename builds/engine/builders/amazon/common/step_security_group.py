"""StepSecurityGroup: use the security groups the template names, or create a temporary one open on the
communicator's port; its cleanup deletes the temporary group, retrying while the instance lets go of it."""

from __future__ import annotations

import ipaddress
import time
import urllib.request
from typing import Any

from builds.engine.builders.amazon.common import resources, tags
from builds.engine.builders.amazon.common.failures import CleanupError, step_error
from builds.engine.builders.amazon.common.filters import ec2_filters
from builds.engine.builders.amazon.common.resources import AWS_ERRORS, is_not_found
from builds.engine.builders.amazon.common.run_settings import RunSettings, time_ordered_id
from builds.engine.builders.amazon.common.waiting import SECURITY_GROUP_EXISTS, Waiter, WaitError
from builds.engine.builders.amazon.errors import error_code
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.gotemplate import TemplateContext
from builds.engine.steps import Action

PUBLIC_IP_URL = "https://checkip.amazonaws.com"
DELETE_ATTEMPTS = 5  # as Packer: the group stays in use for a while after its instance terminates
DELETE_RETRY_DELAY = 5.0


def check_public_ip(url: str = PUBLIC_IP_URL, timeout: float = 10.0) -> str:
    """This host's public IP address as the service at ``url`` sees it; raises OSError or ValueError."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        text = response.read().decode("ascii", "replace").strip()
    return str(ipaddress.ip_address(text))


class StepSecurityGroup:
    """Resolves ``security_group_ids``/``security_group_filter``, or creates ``packer_<id>`` with ingress on
    the communicator port from ``temporary_security_group_source_cidrs`` (or this host's public IP)."""

    def __init__(self, run: RunSettings, template: TemplateContext, public_ip_url: str = PUBLIC_IP_URL):
        self.settings = run
        self.template = template
        self.public_ip_url = public_ip_url

    def run(self, state: AmazonState) -> Action:
        run = self.settings
        ec2 = state.ec2()
        if run.security_group_ids:
            try:
                ec2.describe_security_groups(GroupIds=list(run.security_group_ids))
            except AWS_ERRORS as exc:
                raise step_error(state, f"Couldn't find specified security group: {state.describe_error(exc)}") \
                    from exc
            state.security_group_ids = list(run.security_group_ids)
            return Action.CONTINUE
        if not run.security_group_filter.empty:
            wanted = dict(run.security_group_filter.filters)
            if state.vpc_id:
                wanted["vpc-id"] = state.vpc_id
            try:
                groups = ec2.describe_security_groups(Filters=ec2_filters(wanted))["SecurityGroups"]
            except AWS_ERRORS as exc:
                raise step_error(state, "Couldn't find security groups for filter: "
                                        f"{state.describe_error(exc)}") from exc
            state.security_group_ids = [group["GroupId"] for group in groups]
            state.ui.message(f"Found Security Group(s): {', '.join(state.security_group_ids)}")
            return Action.CONTINUE
        self._create(state, ec2)
        return Action.CONTINUE

    def _create(self, state: AmazonState, ec2: Any) -> None:
        run = self.settings
        name = f"packer_{time_ordered_id()}"
        state.ui.say(f"Creating temporary security group for this instance: {name}")
        try:
            group_tags = tags.render_tags(run.run_tags, tags.build_info(state.region, state.source_image),
                                          self.template)
        except ValueError as exc:
            raise step_error(state, f"Error tagging security group: {exc}") from exc
        request: dict[str, Any] = {"GroupName": name, "Description": "Temporary group for ImageHub"}
        specifications = tags.specifications(group_tags + resources.ledger_tags(state), "security-group")
        if specifications:
            request["TagSpecifications"] = specifications
        if state.vpc_id:
            request["VpcId"] = state.vpc_id
        try:
            group_id = ec2.create_security_group(**request)["GroupId"]
        except AWS_ERRORS as exc:
            raise step_error(state, state.describe_error(exc)) from exc
        state.temporary_security_group_id = group_id
        resources.record(state, resources.SECURITY_GROUP, group_id, state.region)
        state.security_group_ids = [group_id]
        try:
            Waiter(*SECURITY_GROUP_EXISTS).wait(f"security group {group_id}",
                                                lambda: _group_exists(ec2, group_id), state.cancel)
        except (WaitError, *AWS_ERRORS) as exc:
            reason = state.describe_error(exc) if not isinstance(exc, WaitError) else str(exc)
            raise step_error(state, f"Timed out waiting for security group {group_id}: {reason}") from exc
        self._authorize(state, ec2, group_id)

    def _authorize(self, state: AmazonState, ec2: Any, group_id: str) -> None:
        run = self.settings
        cidrs = list(run.temporary_security_group_source_cidrs)
        if cidrs and run.temporary_security_group_source_public_ip:
            state.ui.say("Using temporary_security_group_source_public_ip with temporary_security_group_source_cidrs "
                         "is unsupported, ignoring temporary_security_group_source_public_ip.")
        if not cidrs and run.temporary_security_group_source_public_ip:
            state.ui.say("Checking current host's public IP...")
            try:
                address = ipaddress.ip_address(check_public_ip(self.public_ip_url))
            except (OSError, ValueError) as exc:
                raise step_error(state, f"Error finding the current host's public IP from {self.public_ip_url}: "
                                        f"{exc}") from exc
            if address.is_unspecified:
                raise step_error(state, f"Current host's public IP is unspecified: {address}")
            state.ui.say(f"Current host's public IP: {address}")
            cidrs = [f"{address}/{address.max_prefixlen}"]
        port = self.settings.ssh.port
        permission: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        v4 = [{"CidrIp": c} for c in cidrs if ipaddress.ip_network(c, strict=False).version == 4]
        v6 = [{"CidrIpv6": c} for c in cidrs if ipaddress.ip_network(c, strict=False).version == 6]
        if v4:
            permission["IpRanges"] = v4
        if v6:
            permission["Ipv6Ranges"] = v6
        state.ui.say(f"Authorizing access to port {port} from [{' '.join(cidrs)}] in the temporary security "
                     "groups...")
        try:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
        except AWS_ERRORS as exc:
            raise step_error(state, "Error authorizing temporary security group: "
                                    f"{state.describe_error(exc)}") from exc

    def cleanup(self, state: AmazonState) -> None:
        group_id = state.temporary_security_group_id
        if not group_id:
            return
        state.ui.say("Deleting temporary security group...")
        ec2 = state.ec2()
        for attempt in range(1, DELETE_ATTEMPTS + 1):
            try:
                ec2.delete_security_group(GroupId=group_id)
                break
            except AWS_ERRORS as exc:
                if is_not_found(exc):
                    break
                if error_code(exc) != "DependencyViolation" or attempt == DELETE_ATTEMPTS:
                    raise CleanupError("Error cleaning up security group. Please delete the group manually: err: "
                                       f"{state.describe_error(exc)}; security group ID: {group_id}") from exc
                time.sleep(DELETE_RETRY_DELAY)
        resources.forget(state, resources.SECURITY_GROUP, group_id)
        state.temporary_security_group_id = ""


def _group_exists(ec2: Any, group_id: str) -> bool:
    try:
        return bool(ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"])
    except AWS_ERRORS as exc:
        if error_code(exc) in ("InvalidGroup.NotFound", "InvalidSecurityGroupID.NotFound"):
            return False
        raise
