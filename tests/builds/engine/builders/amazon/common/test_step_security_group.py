"""StepSecurityGroup: the temporary group (tagged, recorded, open on the SSH port), given groups and filters."""

from __future__ import annotations

import http.server
import threading

import pytest

from builds.engine.builders.amazon.common.step_security_group import StepSecurityGroup
from builds.engine.gotemplate import TemplateContext
from builds.engine.ledger import TAG_TEMPORARY
from builds.engine.steps import StepError
from tests.builds.engine.builders.amazon.conftest import output, run_settings, tag_map


def test_a_temporary_group_opens_the_ssh_port_to_the_source_cidrs_and_is_deleted_once(state, moto):
    settings = run_settings(ssh_port=2222, temporary_security_group_source_cidrs=["10.1.0.0/16", "2001:db8::/32"],
                            run_tags={"Team": "images"})
    step = StepSecurityGroup(settings, TemplateContext())

    step.run(state)

    group_id = state.temporary_security_group_id
    assert state.security_group_ids == [group_id]
    group = moto.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["GroupName"].startswith("packer_")
    assert tag_map(group)["Team"] == "images" and tag_map(group)[TAG_TEMPORARY] == "true"
    ingress = group["IpPermissions"][0]
    assert (ingress["FromPort"], ingress["ToPort"], ingress["IpProtocol"]) == (2222, 2222, "tcp")
    assert [r["CidrIp"] for r in ingress["IpRanges"]] == ["10.1.0.0/16"]
    assert [r["CidrIpv6"] for r in ingress["Ipv6Ranges"]] == ["2001:db8::/32"]
    assert [e.id for e in state.ledger.entries("build-1")] == [group_id]

    step.cleanup(state)
    step.cleanup(state)

    assert "security-groups" not in moto.leftovers()
    assert state.ledger.entries("build-1") == []
    assert output(state).count("Deleting temporary security group...") == 1


def test_given_group_ids_are_checked_and_used(state, moto):
    group_id = moto.client("ec2").create_security_group(GroupName="mine", Description="d")["GroupId"]

    StepSecurityGroup(run_settings(security_group_id=group_id), TemplateContext()).run(state)

    assert state.security_group_ids == [group_id] and state.temporary_security_group_id == ""


def test_a_missing_given_group_is_an_error(state):
    with pytest.raises(StepError, match="Couldn't find specified security group"):
        StepSecurityGroup(run_settings(security_group_ids=["sg-0123456789abcdef0"]), TemplateContext()).run(state)


def test_a_group_filter_finds_the_groups(state, moto):
    ec2 = moto.client("ec2")
    group_id = ec2.create_security_group(GroupName="tagged", Description="d", TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [{"Key": "Role", "Value": "builder"}]}])["GroupId"]

    StepSecurityGroup(run_settings(security_group_filter={"filters": {"tag:Role": "builder"}}),
                      TemplateContext()).run(state)

    assert state.security_group_ids == [group_id]
    assert f"Found Security Group(s): {group_id}" in output(state)


def test_the_public_ip_option_opens_the_port_to_this_hosts_address_only(state, moto):
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"203.0.113.7\n")

        def log_message(self, *args):
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        step = StepSecurityGroup(run_settings(temporary_security_group_source_public_ip=True), TemplateContext(),
                                 public_ip_url=f"http://127.0.0.1:{server.server_port}/")
        step.run(state)
    finally:
        server.shutdown()

    group = moto.client("ec2").describe_security_groups(GroupIds=state.security_group_ids)["SecurityGroups"][0]
    assert group["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "203.0.113.7/32"}]
    assert "Current host's public IP: 203.0.113.7" in output(state)
    step.cleanup(state)
