"""StepModifyAMIAttributes: the attribute changes Packer makes, applied to the AMI of each region."""

from __future__ import annotations

from builds.engine.builders.amazon.common.ami_settings import AmiSettings
from builds.engine.builders.amazon.common.step_modify_ami_attributes import StepModifyAMIAttributes
from builds.engine.gotemplate import TemplateContext
from tests.builds.engine.builders.amazon.conftest import output


def test_each_setting_becomes_one_change():
    step = StepModifyAMIAttributes(AmiSettings(
        name="n", users=["111122223333"], groups=["all"], org_arns=["arn:org"], ou_arns=["arn:ou"],
        product_codes=["pc"], imds_support="v2.0", snapshot_users=["111122223333"], snapshot_groups=["all"]),
        TemplateContext())

    changes = step.image_changes("described")
    assert changes == {
        "description": {"Description": {"Value": "described"}},
        "groups": {"UserGroups": ["all"], "LaunchPermission": {"Add": [{"Group": "all"}]}},
        "users": {"UserIds": ["111122223333"], "LaunchPermission": {"Add": [{"UserId": "111122223333"}]}},
        "ami org arns": {"OrganizationArns": ["arn:org"], "LaunchPermission": {"Add": [{"OrganizationArn": "arn:org"}]}},
        "ami ou arns": {"OrganizationalUnitArns": ["arn:ou"],
                        "LaunchPermission": {"Add": [{"OrganizationalUnitArn": "arn:ou"}]}},
        "product codes": {"ProductCodes": ["pc"]},
        "imds_support": {"ImdsSupport": {"Value": "v2.0"}},
    }
    assert step.snapshot_changes() == {
        "groups": {"GroupNames": ["all"], "CreateVolumePermission": {"Add": [{"Group": "all"}]}},
        "users": {"UserIds": ["111122223333"], "CreateVolumePermission": {"Add": [{"UserId": "111122223333"}]}},
    }


def test_ami_users_get_launch_permission_on_the_ami(state, moto):
    ec2 = moto.client("ec2")
    instance = ec2.run_instances(ImageId="ami-1e749f67", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance, Name="shared")["ImageId"]
    state.amis = {"us-east-1": image_id}

    StepModifyAMIAttributes(AmiSettings(name="shared", users=["111122223333"]), TemplateContext()).run(state)

    permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")["LaunchPermissions"]
    assert permissions == [{"UserId": "111122223333"}]
    assert f"Modifying attributes on AMI ({image_id})..." in output(state)
    ec2.terminate_instances(InstanceIds=[instance])
