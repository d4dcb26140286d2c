"""SecureVpc: a three-tier VPC with flow logs, endpoints and a closed default security group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from . import compliance
from ._internal.logs import log_encryption_key, removal_policy, retention
from ._internal.providers import RESTRICT_DEFAULT_SG_PROVIDER, drop_redundant_dependency
from ._internal.props import merge_props, replace_checked
from ._internal.tagging import apply_organisation_tags
from .environment_stack import require_pinned_availability_zones
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["SecureVpc", "INTERFACE_ENDPOINTS"]

#: Interface endpoints created where the profile enables them: construct id → service.
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "CloudWatchLogs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
}

# Keys of `vpc_props` the construct owns: changing them would undo a guarantee it makes.
_ENFORCED = {
    "restrict_default_security_group": "the default security group must have no rules",
    "flow_logs": "flow logs are created by SecureVpc (KMS-encrypted, ALL traffic); use .flow_log",
    "subnet_configuration": "the public / private-with-egress / isolated tiers are the construct's contract",
    "availability_zones": "set the profile's availability_zones (or max_azs) instead",
    "ip_addresses": "use the cidr= argument (rules and endpoints are written against it)",
    "cidr": "use the cidr= argument",
}


class SecureVpc(Construct):
    """A VPC with public, private-with-egress and isolated tiers, secured by default.

    What it creates, per profile:

    * subnets in three tiers across the profile's pinned availability zones (no lookups);
      public subnets do not auto-assign public IPs;
    * NAT gateways (``profile.network.nat_gateways``: one outside production, one per AZ in it);
    * VPC flow logs of ALL traffic to a CloudWatch log group encrypted with a customer-managed KMS
      key (rotation on) with the profile's retention;
    * gateway endpoints for S3 and DynamoDB always; interface endpoints (ECR API and Docker,
      CloudWatch Logs, Secrets Manager, KMS, STS, SSM) where ``profile.network.interface_endpoints``
      is on, reachable on 443 from the VPC CIDR only and with a policy admitting only this
      account's principals;
    * the default security group stripped of all rules; a network ACL on the isolated tier that
      allows only traffic from and to the VPC CIDR.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the VPC (a breaking change).
    profile : EnvironmentProfile
        The environment profile; required.
    max_azs : int, optional
        Use only the first ``max_azs`` of the profile's availability zones.
        Default: all of ``profile.availability_zones``.
    cidr : str, optional
        VPC CIDR. Default: ``profile.network.cidr``.
    nat_gateways : int, optional
        NAT gateway count, 1 to the number of AZs. Default: ``profile.network.nat_gateways``.
    interface_endpoints : bool, optional
        Create the interface endpoints. Default: ``profile.network.interface_endpoints``.
    vpc_props : Mapping[str, Any], optional
        Extra ``ec2.VpcProps`` keyword arguments, applied over everything else except what the
        construct enforces (default security group, flow logs, subnet tiers, zones).
        Default: ``None``.

    Attributes
    ----------
    vpc : aws_cdk.aws_ec2.Vpc
        The VPC.
    flow_log : aws_cdk.aws_ec2.FlowLog
        The VPC flow log.
    flow_log_group : aws_cdk.aws_logs.LogGroup
        Where flow logs go.
    key : aws_cdk.aws_kms.Key
        The key encrypting the flow-log group.
    cidr : str
        The VPC's IPv4 CIDR, as a literal (usable where a token is not).
    interface_endpoints : dict[str, aws_cdk.aws_ec2.InterfaceVpcEndpoint]
        Interface endpoints by name (empty when disabled).
    gateway_endpoints : dict[str, aws_cdk.aws_ec2.GatewayVpcEndpoint]
        The S3 and DynamoDB gateway endpoints.
    isolated_acl : aws_cdk.aws_ec2.NetworkAcl
        The isolated tier's network ACL.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        max_azs: int | None = None,
        cidr: str | None = None,
        nat_gateways: int | None = None,
        interface_endpoints: bool | None = None,
        vpc_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        require_pinned_availability_zones(self, profile)
        azs = self._select_azs(profile, max_azs)
        net = profile.network
        if cidr is not None:
            # Validate the override exactly as a profile value would be.
            net = replace_checked(net, cidr=cidr)
        nat_count = net.nat_gateways if nat_gateways is None else nat_gateways
        if not isinstance(nat_count, int) or isinstance(nat_count, bool) or not 1 <= nat_count <= len(azs):
            raise ConfigurationError(
                "nat_gateways",
                nat_count,
                f"1 to {len(azs)} (the number of availability zones in use)",
                fix="the private-with-egress tier needs at least one NAT gateway; use at most one per AZ"
                + (" or raise max_azs" if max_azs is not None else ""),
                source=self.node.path,
            )
        with_endpoints = net.interface_endpoints if interface_endpoints is None else interface_endpoints

        defaults: dict[str, Any] = dict(
            ip_addresses=ec2.IpAddresses.cidr(net.cidr),
            availability_zones=list(azs),
            nat_gateways=nat_count,
            restrict_default_security_group=True,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, map_public_ip_on_launch=False),
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDB": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            },
        )
        props = merge_props(
            parameter="vpc_props", defaults=defaults, overrides=vpc_props, props_class=ec2.VpcProps, enforced=_ENFORCED,
            source=self.node.path,
        )

        self.cidr = net.cidr
        self.vpc = ec2.Vpc(self, "Vpc", **props)
        self.gateway_endpoints: dict[str, ec2.GatewayVpcEndpoint] = {
            name: self.vpc.node.find_child(name) for name in ("S3", "DynamoDB")  # type: ignore[misc]
        }

        self.key, self.flow_log_group, self.flow_log = self._flow_logs(profile, net.flow_log_retention_days)
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = (
            self._interface_endpoints() if with_endpoints else {}
        )
        self.isolated_acl = self._isolated_acl()
        drop_redundant_dependency(self, RESTRICT_DEFAULT_SG_PROVIDER)

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "SecureVpc")
        compliance.apply_log_retention_acknowledgements(self, "SecureVpc", net.flow_log_retention_days)

    # ------------------------------------------------------------------------------------------
    @staticmethod
    def _select_azs(profile: EnvironmentProfile, max_azs: int | None) -> tuple[str, ...]:
        azs = profile.availability_zones
        if max_azs is None:
            return azs
        if not isinstance(max_azs, int) or isinstance(max_azs, bool) or not 1 <= max_azs <= len(azs):
            raise ConfigurationError(
                "max_azs",
                max_azs,
                f"1 to {len(azs)} (the profile pins {', '.join(azs)})",
                fix="add zones to profile.availability_zones to use more",
            )
        return azs[:max_azs]

    def _flow_logs(self, profile: EnvironmentProfile, retention_days: int) -> tuple[kms.Key, logs.LogGroup, ec2.FlowLog]:
        stack = cdk.Stack.of(self)
        key = log_encryption_key(
            self, "FlowLogKey", description=f"Encrypts VPC flow logs of {self.node.path}", retain=profile.is_retained
        )
        group = logs.LogGroup(
            self,
            "FlowLogGroup",
            encryption_key=key,
            retention=retention(retention_days),
            removal_policy=removal_policy(profile.is_retained),
        )
        role = iam.Role(
            self,
            "FlowLogRole",
            assumed_by=iam.ServicePrincipal(
                "vpc-flow-logs.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="Lets VPC Flow Logs write to its log group",
        )
        # A customer-managed policy instead of the inline one the L2 would add (NIST/PCI/HIPAA
        # IAMNoInlinePolicy); the L2 gets a view of the role that ignores policy additions.
        iam.ManagedPolicy(
            self,
            "FlowLogPolicy",
            description="VPC Flow Logs: write to its own log group only",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                    # The log group's ARN attribute already ends in ":*", covering its streams.
                    resources=[group.log_group_arn],
                ),
            ],
        )
        flow_log = ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(self.vpc),
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(group, role.without_policy_updates()),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        return key, group, flow_log

    def _interface_endpoints(self) -> dict[str, ec2.InterfaceVpcEndpoint]:
        sg = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="Interface endpoints: HTTPS from inside the VPC only",
            allow_all_outbound=False,
        )
        # The literal CIDR (not the VPC's token) lets cdk-nag see that the source is private.
        sg.add_ingress_rule(ec2.Peer.ipv4(self.cidr), ec2.Port.tcp(443), "HTTPS from the VPC")
        stack = cdk.Stack.of(self)
        endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name, service in INTERFACE_ENDPOINTS.items():
            endpoint = self.vpc.add_interface_endpoint(
                name,
                service=service,
                private_dns_enabled=True,
                open=False,
                security_groups=[sg],
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            )
            # Only principals of this account may use the endpoint (a data-perimeter control).
            endpoint.add_to_policy(
                iam.PolicyStatement(
                    sid="OnlyThisAccountsPrincipals",
                    principals=[iam.AnyPrincipal()],
                    actions=["*"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:PrincipalAccount": stack.account}},
                )
            )
            endpoints[name] = endpoint
        return endpoints

    def _isolated_acl(self) -> ec2.NetworkAcl:
        acl = ec2.NetworkAcl(
            self,
            "IsolatedAcl",
            vpc=self.vpc,
            subnet_selection=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        )
        cidr = ec2.AclCidr.ipv4(self.cidr)
        for direction, rid in ((ec2.TrafficDirection.INGRESS, "FromVpc"), (ec2.TrafficDirection.EGRESS, "ToVpc")):
            acl.add_entry(
                rid,
                cidr=cidr,
                rule_number=100,
                traffic=ec2.AclTraffic.all_traffic(),
                direction=direction,
                rule_action=ec2.Action.ALLOW,
            )
        return acl


