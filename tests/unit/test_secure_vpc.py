"""SecureVpc under every preset profile, asserted on the synthesized template."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, SecureVpc, profiles

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def synthesized():
    """Given a SecureVpc per preset, when the app is synthesized with the four packs on."""
    result = support.synthesize("SecureVpc", lambda stack, profile: SecureVpc(stack, "Network", profile=profile))
    yield result
    support.cleanup(result)


PRESETS = support.PRESET_NAMES
# Literal expectations per preset (not read from the presets).
ZONES = {
    **dict.fromkeys(("development", "qa", "sandbox", "staging"), ["eu-west-1a", "eu-west-1b"]),
    "production": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
}
NAT_GATEWAYS = {"development": 1, "qa": 1, "sandbox": 1, "staging": 1, "production": 3}
CIDR = {"development": "10.10.0.0/16", "qa": "10.20.0.0/16", "sandbox": "10.30.0.0/16", "staging": "10.40.0.0/16", "production": "10.50.0.0/16"}
FLOW_LOG_RETENTION_DAYS = {"development": 14, "qa": 30, "sandbox": 7, "staging": 90, "production": 365}
#: Presets with interface endpoints (private AWS API access).
INTERFACE_ENDPOINTS = {"production"}
#: Presets whose keys and log groups survive stack deletion.
RETAINED = {"staging", "production"}


def subnets(template, tier: str) -> dict:
    return {
        k: v
        for k, v in support.resources_of_type(template, "AWS::EC2::Subnet").items()
        if any(t["Key"] == "aws-cdk:subnet-name" and t["Value"] == tier for t in v["Properties"]["Tags"])
    }


@pytest.mark.parametrize("preset", PRESETS)
def test_three_tiers_across_the_profiles_zones(synthesized, preset):
    template = synthesized.template(preset)
    zones = ZONES[preset]
    for tier in ("Public", "Private", "Isolated"):
        tier_subnets = subnets(template, tier)
        assert sorted(s["Properties"]["AvailabilityZone"] for s in tier_subnets.values()) == zones, tier
    template.resource_count_is("AWS::EC2::Subnet", 3 * len(zones))


@pytest.mark.parametrize("preset", PRESETS)
def test_public_subnets_do_not_auto_assign_public_ips(synthesized, preset):
    public = subnets(synthesized.template(preset), "Public")
    assert len(public) == len(ZONES[preset])
    for subnet in public.values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


@pytest.mark.parametrize("preset", PRESETS)
def test_nat_gateways_per_preset(synthesized, preset):
    synthesized.template(preset).resource_count_is("AWS::EC2::NatGateway", NAT_GATEWAYS[preset])


def test_production_has_a_nat_gateway_per_zone(synthesized):
    synthesized.template("production").resource_count_is("AWS::EC2::NatGateway", 3)


@pytest.mark.parametrize("preset", PRESETS)
def test_flow_logs_all_traffic_to_kms_encrypted_group_with_retention(synthesized, preset):
    template = synthesized.template(preset)
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
    )
    groups = support.resources_of_type(template, "AWS::Logs::LogGroup")
    assert len(groups) == 1
    (group,) = groups.values()
    assert group["Properties"]["RetentionInDays"] == FLOW_LOG_RETENTION_DAYS[preset]
    assert "Fn::GetAtt" in group["Properties"]["KmsKeyId"]
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


@pytest.mark.parametrize("preset", PRESETS)
def test_flow_log_role_uses_a_managed_policy_scoped_to_the_group(synthesized, preset):
    template = synthesized.template(preset)
    template.resource_count_is("AWS::IAM::Policy", 0)
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], "Resource": Match.any_value()}
                    )
                ]
            }
        },
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_gateway_endpoints_always(synthesized, preset):
    endpoints = support.resources_of_type(synthesized.template(preset), "AWS::EC2::VPCEndpoint")
    gateway = [e for e in endpoints.values() if e["Properties"].get("VpcEndpointType", "Gateway") == "Gateway"]
    services = sorted(str(e["Properties"]["ServiceName"]) for e in gateway)
    assert len(gateway) == 2
    assert any("dynamodb" in s for s in services) and any(".s3" in s for s in services)


@pytest.mark.parametrize("preset", PRESETS)
def test_interface_endpoints_where_the_profile_enables_them(synthesized, preset):
    template = synthesized.template(preset)
    interface = {
        k: v
        for k, v in support.resources_of_type(template, "AWS::EC2::VPCEndpoint").items()
        if v["Properties"].get("VpcEndpointType") == "Interface"
    }
    if preset not in INTERFACE_ENDPOINTS:
        assert interface == {}
        return
    assert len(interface) == 7
    names = sorted(str(v["Properties"]["ServiceName"]) for v in interface.values())
    for service in ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "ssm"):
        assert any(n.endswith(f".{service}") for n in names), service
    for endpoint in interface.values():
        props = endpoint["Properties"]
        assert props["PrivateDnsEnabled"] is True
        statement = props["PolicyDocument"]["Statement"][0]
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": support.TEST_ACCOUNT}}
    # Their security group admits HTTPS from the VPC CIDR only.
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                {"CidrIp": CIDR[preset], "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp", "Description": Match.any_value()}
            ]
        },
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_default_security_group_is_emptied(synthesized, preset):
    template = synthesized.template(preset)
    template.resource_count_is("Custom::VpcRestrictDefaultSG", 1)
    template.has_resource_properties(
        "Custom::VpcRestrictDefaultSG", {"DefaultSecurityGroupId": {"Fn::GetAtt": [Match.any_value(), "DefaultSecurityGroup"]}}
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_isolated_tier_acl_allows_only_the_vpc(synthesized, preset):
    template = synthesized.template(preset)
    cidr = CIDR[preset]
    entries = support.resources_of_type(template, "AWS::EC2::NetworkAclEntry")
    assert len(entries) == 2
    for entry in entries.values():
        assert entry["Properties"]["CidrBlock"] == cidr
        assert entry["Properties"]["RuleAction"] == "allow"
    assert sorted(e["Properties"].get("Egress", False) for e in entries.values()) == [False, True]
    associations = support.resources_of_type(template, "AWS::EC2::SubnetNetworkAclAssociation")
    isolated_ids = set(subnets(template, "Isolated"))
    assert {a["Properties"]["SubnetId"]["Ref"] for a in associations.values()} == isolated_ids


@pytest.mark.parametrize("preset", PRESETS)
def test_organisation_tags_on_resources(synthesized, preset):
    template = synthesized.template(preset)
    vpc = next(iter(support.resources_of_type(template, "AWS::EC2::VPC").values()))
    tags = {t["Key"]: t["Value"] for t in vpc["Properties"]["Tags"]}
    assert tags["Environment"] == preset
    assert {k: tags[k] for k in ("Project", "Owner", "CostCenter", "ManagedBy")} == {
        "Project": "FineFinds",
        "Owner": "platform-engineering",
        "CostCenter": "CC-1000",
        "ManagedBy": "aws-cdk/finefinds-constructs",
    }


@pytest.mark.parametrize("preset", PRESETS)
def test_removal_policy_per_preset(synthesized, preset):
    retained = preset in RETAINED
    for resource_type in ("AWS::KMS::Key", "AWS::Logs::LogGroup"):
        found = support.resources_of_type(synthesized.template(preset), resource_type)
        assert found, resource_type
        for resource in found.values():
            assert resource["DeletionPolicy"] == ("Retain" if retained else "Delete"), resource_type


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synthesized, preset):
    """The four packs (AwsSolutions, NIST 800-53 R5, PCI DSS 3.2.1, HIPAA) report nothing."""
    assert synthesized.findings_for(preset) == []
    assert synthesized.error is None


@pytest.mark.slow
def test_cfn_lint_clean(synthesized):
    code, output = support.cfn_lint(synthesized.template_file(p) for p in PRESETS)
    assert code == 0, output


def test_vpc_logical_id_is_stable(synthesized):
    """Renaming the construct ids that hold the VPC is a breaking change (it would be replaced)."""
    template = synthesized.template("production")
    assert list(support.resources_of_type(template, "AWS::EC2::VPC")) == ["NetworkVpc7FB7348F"]


# ------------------------------------------------------------------------------ overrides


def build_one(profile=None, **kwargs):
    profile = profile or support.profile_for_tests("development")
    app = cdk.App()
    stack = EnvironmentStack(app, "One", profile=profile)
    vpc = SecureVpc(stack, "Network", profile=profile, **kwargs)
    from aws_cdk.assertions import Template

    return vpc, Template.from_stack(stack)


def test_overrides_take_precedence_over_the_profile():
    profile = support.profile_for_tests("production")
    _, template = build_one(profile, max_azs=2, cidr="10.77.0.0/20", nat_gateways=1, interface_endpoints=False)
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    template.resource_count_is("AWS::EC2::Subnet", 6)
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.77.0.0/20"})
    assert not [
        e for e in support.resources_of_type(template, "AWS::EC2::VPCEndpoint").values() if e["Properties"].get("VpcEndpointType") == "Interface"
    ]


def test_vpc_props_are_passed_through():
    vpc, template = build_one(vpc_props={"vpc_name": "shop-dev"})
    template.has_resource_properties("AWS::EC2::VPC", {"Tags": Match.array_with([{"Key": "Name", "Value": "shop-dev"}])})
    assert isinstance(vpc.vpc, ec2.Vpc)


@pytest.mark.parametrize(
    "kwargs, parameter, text",
    [
        ({"max_azs": 3}, "max_azs", "1 to 2"),
        ({"nat_gateways": 0}, "nat_gateways", "at least one NAT gateway"),
        ({"max_azs": 1, "nat_gateways": 2}, "nat_gateways", "1 to 1"),
        ({"cidr": "172.15.0.0/16"}, "cidr", "private IPv4 CIDR"),
        ({"vpc_props": {"restrict_default_security_group": False}}, "vpc_props['restrict_default_security_group']", "default security group"),
        ({"vpc_props": {"flow_logs": {}}}, "vpc_props['flow_logs']", "flow logs are created by SecureVpc"),
        ({"vpc_props": {"vpc_nme": "x"}}, "vpc_props['vpc_nme']", "did you mean 'vpc_name'"),
    ],
)
def test_contradictory_or_bad_input_raises(kwargs, parameter, text):
    with pytest.raises(ConfigurationError) as info:
        build_one(**kwargs)
    assert info.value.parameter == parameter
    assert text in str(info.value)


def test_profile_is_required_and_typed():
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    with pytest.raises(TypeError):
        SecureVpc(stack, "Network")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="an EnvironmentProfile"):
        SecureVpc(stack, "Net2", profile="production")  # type: ignore[arg-type]


def test_unpinned_environment_specific_stack_is_refused():
    """A stack bound to an account without pinned zones would need an AWS lookup at synth."""
    app = cdk.App()
    stack = cdk.Stack(app, "Plain", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    with pytest.raises(ConfigurationError) as info:
        SecureVpc(stack, "Network", profile=profiles.DEVELOPMENT)
    assert "EnvironmentStack" in str(info.value)


def test_stack_in_another_region_is_refused():
    app = cdk.App()
    stack = cdk.Stack(app, "Elsewhere", env=cdk.Environment(region="us-east-1"))
    with pytest.raises(ConfigurationError, match="profile's region eu-west-1"):
        SecureVpc(stack, "Network", profile=profiles.DEVELOPMENT)


def test_app_context_pins_zones_for_plain_stacks():
    profile = dataclasses.replace(profiles.DEVELOPMENT, account="123456789012")
    app = cdk.App(context=profile.availability_zone_context())
    stack = cdk.Stack(app, "Plain", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    SecureVpc(stack, "Network", profile=profile)
    manifest = json.loads((Path(app.synth().directory) / "manifest.json").read_text())
    assert "missing" not in manifest  # no context left for the CLI to look up
