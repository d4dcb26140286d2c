"""The compliance gate: cdk-nag rule packs and the library's acknowledgement registry.

:func:`enable` attaches the AwsSolutions, NIST 800-53 R5, PCI DSS 3.2.1 and HIPAA Security
packs, the deploy-readiness check and the Control Tower controls as CDK validation plugins, so
``cdk synth`` fails on any finding in the stacks under its scope (an app, a stage, a stack) that
is not acknowledged. Every run is recorded, 0 findings included, in the cloud assembly
(:func:`read_summary`). Teams accept findings on their own resources with :func:`acknowledge`.

Every finding the library cannot fix is acknowledged in one place, :data:`REGISTRY`, as data:
the rule, the construct type and the resource path inside it, a reason a security reviewer would
accept, and the AWS Foundational Security Best Practices control it relates to. Constructs apply
their own entries with :func:`apply_acknowledgements`; nothing is acknowledged app-wide and
nothing with a wildcard rule id. Because acknowledgements use CDK's own
``Validations.of(construct).acknowledge``, a team that attaches the packs in its own app sees them
too.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cdk_nag
from constructs import IConstruct

from ._internal.providers import (
    AUTO_DELETE_OBJECTS_PROVIDER,
    CROSS_ACCOUNT_DELEGATION_PROVIDER,
    CROSS_REGION_EXPORT_PROVIDERS,
    RESTRICT_DEFAULT_SG_PROVIDER,
)
from ._internal.database_user import SINGLETON_ID as AWS_CUSTOM_RESOURCE_FUNCTION
from ._internal.teardown import TEARDOWN_PROVIDER
from .errors import ConfigurationError

__all__ = [
    "Acknowledgement",
    "Finding",
    "GateNotRun",
    "PACKS",
    "PluginRun",
    "REGISTRY",
    "Summary",
    "acknowledge",
    "acknowledgements_for",
    "apply_acknowledgements",
    "enable",
    "read_findings",
    "read_summary",
]

#: The rule packs :func:`enable` attaches, by the plugin name cdk-nag reports.
PACKS: dict[str, type[cdk_nag.NagPack]] = {
    "AwsSolutions": cdk_nag.AwsSolutionsChecks,
    "NIST.800.53.R5": cdk_nag.NIST80053R5Checks,
    "PCI.DSS.321": cdk_nag.PCIDSS321Checks,
    "HIPAA.Security": cdk_nag.HIPAASecurityChecks,
}


@dataclass(frozen=True)
class Acknowledgement:
    """One written-down exception to a rule.

    Parameters
    ----------
    rule : str
        The cdk-nag rule id, e.g. ``"AwsSolutions-VPC3"``; a finding-specific id such as
        ``"AwsSolutions-IAM5[Resource::*]"`` narrows it to one finding.
    construct : str
        The library construct that owns the resource, e.g. ``"SecureVpc"``.
    path : str
        Glob of the resource's construct path relative to that construct, e.g.
        ``"Vpc/PublicSubnet*/DefaultRoute"``.
    reason : str
        Why the finding is accepted, for a security reviewer.
    fsbp_control : str
        The related AWS Foundational Security Best Practices control (e.g. ``"EC2.6"``), or
        ``"n/a"`` where none maps.
    as_built : str, optional
        For a resource teams extend (a task definition they add containers to, a role they grant
        to, a security group they open): what must still be as the library built it when the app
        is synthesized for the entry to apply, one of
        :data:`finefinds_constructs._internal.as_built.CHECKS` (``"environment"``,
        ``"world-ingress"``, ``"wildcard-statements"``). Default: ``""`` (applies as matched).
    """

    rule: str
    construct: str
    path: str
    reason: str
    fsbp_control: str
    as_built: str = ""

    @property
    def is_checkov_skip(self) -> bool:
        """A checkov check (``CKV_AWS_116``, ``CKV2_AWS_71``): written into the template as a skip."""
        return self.rule.startswith(("CKV_", "CKV2_"))

    @property
    def is_cdk_warning(self) -> bool:
        """A warning aws-cdk-lib itself annotates (``@aws-cdk/<module>:<id>``), not a cdk-nag rule."""
        return self.rule.startswith("@aws-cdk/")

    @property
    def pack(self) -> str:
        """The pack the rule belongs to (``AwsSolutions``, ``NIST.800.53.R5``, ..., or ``CDK``)."""
        if self.is_cdk_warning:
            return "CDK"
        if self.is_checkov_skip:
            return "checkov"
        head = self.rule.split("[", 1)[0]  # "[...]" narrows to one finding and may contain "::"
        if "::" in head:  # another validation plugin's rule, e.g. CloudFormation-Validate::W3010
            return head.split("::", 1)[0]
        return self.rule.split("-", 1)[0] if self.rule.startswith("AwsSolutions") else self.rule.rsplit("-", 1)[0]


def _same_reason(construct: str, path: str, packs: Iterable[str], rule_name: str, reason: str, fsbp: str) -> list[Acknowledgement]:
    """One acknowledgement per pack for a rule that several packs share under one name."""
    return [Acknowledgement(f"{pack}-{rule_name}", construct, path, reason, fsbp) for pack in packs]


def _short_log_retention(construct: str, path: str, setting: str, logs: str) -> Acknowledgement:
    """Control Tower's one-year log retention, where the profile keeps ``construct``'s logs less.

    ``logs`` names them in the reason, which tells the entries apart in the cloud assembly.
    """
    return Acknowledgement(
        "ControlTower::CT.CLOUDWATCH.PR.2",
        f"{construct}[short-log-retention]",
        path,
        f"Applied only where the environment profile keeps {logs} less than a year ({setting}): the "
        "development, qa, sandbox and staging presets keep 7 to 90 days, because their logs record test "
        "traffic and a year of them would cost more than the environment is worth. Production keeps them "
        "365 days or more and meets the control.",
        "CloudWatch.16",
    )


def _provider_skips(construct: str, provider: str, what: str) -> list[Acknowledgement]:
    """checkov's Lambda checks on an aws-cdk-lib provider handler, with one shared reason."""
    reason = (
        f"aws-cdk-lib's own custom-resource provider ({what}): it runs only while CloudFormation creates, "
        "updates or deletes the stack, handles no application data, and its code and role are owned by "
        "aws-cdk-lib. A dead-letter queue, reserved concurrency or VPC placement would add cost and failure "
        "modes to a deploy-time hook without protecting anything."
    )
    return [
        Acknowledgement(check, construct, f"~/{provider}/Handler", reason, control)
        for check, control in (
            ("CKV_AWS_115", "Lambda.5"),
            ("CKV_AWS_116", "n/a"),
            ("CKV_AWS_117", "Lambda.3"),
            # Control Tower's "Lambda in a VPC": the handler calls only AWS APIs, at deploy time.
            ("ControlTower::CT.LAMBDA.PR.3", "Lambda.3"),
        )
    ]


_COMPLIANCE_PACKS = ("NIST.800.53.R5", "PCI.DSS.321", "HIPAA.Security")


def _aurora_user_function() -> list[Acknowledgement]:
    """aws-cdk-lib's AwsCustomResource function, through which AuroraCluster creates the application's user."""
    path = f"~/{AWS_CUSTOM_RESOURCE_FUNCTION}/Resource"
    why = (
        "aws-cdk-lib's AwsCustomResource function (no code of ours): AuroraCluster uses it to send one "
        "idempotent SQL statement through the RDS Data API when CloudFormation creates or updates the "
        "database, which creates the application's IAM-authenticated user. "
    )
    vpc = why + (
        "It calls only the HTTPS APIs of RDS Data API, Secrets Manager and CloudFormation's response URL, never "
        "the database's network; in the VPC it would need a NAT gateway or interface endpoints for all three "
        "(isolated subnets have neither), adding a way for the deploy to fail without protecting anything."
    )
    dlq = why + (
        "CloudFormation waits for its answer and the function reports every failure to CloudFormation, which "
        "rolls the stack back: a dead-letter queue would hold events nobody can act on."
    )
    concurrency = why + (
        "It runs once per deploy. Reserved concurrency would not limit anything that matters and makes the "
        "deploy fail in accounts with a low concurrency quota (Lambda keeps 100 unreserved; new accounts "
        "may have 10 in all: 'decreases account's UnreservedConcurrentExecution below its minimum value')."
    )
    return [
        *_same_reason("AuroraCluster", path, _COMPLIANCE_PACKS, "LambdaInsideVPC", vpc, "Lambda.3"),
        *_same_reason("AuroraCluster", path, ("NIST.800.53.R5", "HIPAA.Security"), "LambdaDLQ", dlq, "n/a"),
        *_same_reason("AuroraCluster", path, ("NIST.800.53.R5", "HIPAA.Security"), "LambdaConcurrency", concurrency, "n/a"),
        Acknowledgement("ControlTower::CT.LAMBDA.PR.3", "AuroraCluster", path, vpc, "Lambda.3"),
        Acknowledgement("CKV_AWS_117", "AuroraCluster", path, vpc, "Lambda.3"),
        Acknowledgement("CKV_AWS_116", "AuroraCluster", path, dlq, "n/a"),
        Acknowledgement("CKV_AWS_115", "AuroraCluster", path, concurrency, "n/a"),
    ]

REGISTRY: tuple[Acknowledgement, ...] = (
    # ---------------------------------------------------------------- EnvironmentStack
    Acknowledgement(
        "CloudFormation-Validate::W3010",
        "EnvironmentStack",
        ".",
        "Availability zones are pinned in the environment profile on purpose, so synthesis needs no "
        "AWS lookup and is deterministic; aws-cdk-lib acknowledges the same rule itself on stacks whose "
        "zones come from stack.availability_zones. The zones are validated against the region.",
        "n/a",
    ),
    # aws-cdk-lib adds these providers (CROSS_REGION_EXPORT_PROVIDERS) to a stack with
    # cross_region_references whose references are strong, while it prepares the app, after every
    # constructor ran: EnvironmentStack applies these entries once the app is prepared, before the
    # templates are written (so the checkov skips reach them), on those handlers only.
    *_provider_skips(
        "EnvironmentStack[late]",
        "Custom::CrossRegionExport*CustomResourceProvider",
        "writes and reads the SSM parameters that carry strong references between this environment's stacks "
        "in two regions, calling nothing but the SSM API; aws-cdk-lib adds it only where references are "
        'strong, the default without "@aws-cdk/core:defaultCrossStackReferences": "weak"',
    ),
    # ---------------------------------------------------------------- log retention (Control Tower)
    _short_log_retention("SecureVpc", "FlowLogGroup", "network.flow_log_retention_days", "the VPC flow logs"),
    _short_log_retention("FargateWebService", "LogGroup", "protection.log_retention_days", "the service's container logs"),
    _short_log_retention("WafProtection", "LogGroup", "protection.log_retention_days", "the web ACL's request logs"),
    _short_log_retention("AuroraCluster", "PostgresqlLogs", "protection.log_retention_days", "the database's PostgreSQL logs"),
    _short_log_retention(
        "AuroraCluster", "AppUserLogs", "protection.log_retention_days", "the logs of the call that creates the database's application user"
    ),
    _short_log_retention("RedisCache", "*Log", "protection.log_retention_days", "the cache's engine and slow logs"),
    _short_log_retention("AuditTrail", "LogGroup", "audit.log_retention_days", "the trail's CloudWatch copy of the audit log"),
    _short_log_retention("DnsZone", "QueryLogGroup", "protection.log_retention_days", "the zone's DNS query logs"),
    # building_blocks.log_group: a team's group made with the library's profile-driven retention.
    _short_log_retention(
        "building_blocks", "Resource", "protection.log_retention_days", "a log group made with building_blocks.log_group"
    ),
    # ---------------------------------------------------------------- SecureVpc
    *_same_reason(
        "SecureVpc",
        "Vpc/Public*/DefaultRoute",
        _COMPLIANCE_PACKS,
        "VPCNoUnrestrictedRouteToIGW",
        "The public tier exists to hold internet-facing load balancers and NAT gateways; its 0.0.0.0/0 "
        "route to the internet gateway is what makes it public. Workloads run in the private and "
        "isolated tiers, which have no route to the internet gateway.",
        "EC2.15",
    ),
    Acknowledgement(
        "AwsSolutions-VPC3",
        "SecureVpc",
        "IsolatedAcl*",
        "The network ACL on the isolated (data) tier is deliberate defence in depth: it admits only "
        "traffic from and to the VPC CIDR, below the security groups, so a mis-set security group "
        "cannot expose a database to the internet.",
        "EC2.21",
    ),
    *_provider_skips("SecureVpc", RESTRICT_DEFAULT_SG_PROVIDER, "removes every rule from the default security group"),
    # ---------------------------------------------------------------- FargateWebService
    # Entries in brackets apply only in the stated configuration; the access-log bucket is a
    # SecureBucket (purpose "logs") and carries that construct's acknowledgements.
    # Not for a public load balancer (public_load_balancer_ingress=True): nothing is in front of it, so
    # without a WafProtection association in its stack the finding stands.
    *_same_reason(
        "FargateWebService[vpc-origin]",
        "LoadBalancer/Resource",
        ("NIST.800.53.R5", "PCI.DSS.321"),
        "ALBWAFEnabled",
        "Applied only to an internal load balancer behind a CloudFront VPC origin: it has no public address "
        "and is reached only through the distribution, so every request has passed the CLOUDFRONT-scope web "
        "ACL first. A REGIONAL web ACL is associated by WafProtection where profile.waf.enabled (the "
        "association is its resource, not this construct's).",
        "ELB.16",
    ),
    *_same_reason(
        "FargateWebService[origin-secret]",
        "LoadBalancer/Resource",
        ("NIST.800.53.R5", "PCI.DSS.321"),
        "ALBWAFEnabled",
        "Applied only in origin-secret mode: the load balancer admits only CloudFront's origin-facing "
        "addresses and forwards only requests carrying the secret header, so every request it serves has "
        "passed the distribution's CLOUDFRONT-scope web ACL first. A REGIONAL web ACL is associated by "
        "WafProtection where profile.waf.enabled (the association is its resource, not this construct's).",
        "ELB.16",
    ),
    *(
        ack
        for rule in ("ALBHttpToHttpsRedirection", "ELBv2ACMCertificateRequired")
        for ack in _same_reason(
            "FargateWebService[http]",
            "LoadBalancer/Http/Resource",
            _COMPLIANCE_PACKS,
            rule,
            "Plain HTTP is built only where the profile allows it (profile.compute.allow_http; never in "
            "production) and no certificate was given. Viewers connect to CloudFront over HTTPS; the "
            "load balancer admits only CloudFront (an internal ALB behind the VPC origin by default).",
            "ELB.1",
        )
    ),
    Acknowledgement(
        "ControlTower::CT.ELASTICLOADBALANCING.PR.1",
        "FargateWebService[http]",
        "LoadBalancer/Http/Resource",
        "The same exception as ALBHttpToHttpsRedirection: plain HTTP is built only where the profile allows it "
        "(profile.compute.allow_http; never in production) and no certificate was given, so there is no HTTPS "
        "listener to redirect to. Viewers connect to CloudFront over HTTPS; by default the load balancer is "
        "internal and reached only through the CloudFront VPC origin.",
        "ELB.1",
    ),
    *_same_reason(
        "FargateWebService[https]",
        "LoadBalancer/HttpRedirect/Resource",
        _COMPLIANCE_PACKS,
        "ELBv2ACMCertificateRequired",
        "This port-80 listener serves nothing: its only action is a permanent redirect to the HTTPS "
        "listener, which uses the ACM certificate and a TLS 1.3 policy.",
        "ELB.1",
    ),
    Acknowledgement(
        "AwsSolutions-EC23",
        "FargateWebService[public]",
        "LoadBalancerSecurityGroup/Resource",
        "public_load_balancer_ingress=True was asked for explicitly: a service without a CDN in front must "
        "accept viewers from anywhere. Only the listener ports (443 and its redirect on 80, or 80 where "
        "the profile allows plain HTTP) are open; the tasks accept traffic from the load balancer only. "
        "Not applied once the group has an ingress rule from anywhere that the library did not add.",
        "EC2.18",
        as_built="world-ingress",
    ),
    Acknowledgement(
        "AwsSolutions-ECS2",
        "FargateWebService[environment]",
        "TaskDefinition/Resource",
        "Applied only when environment= is given. It holds non-secret configuration (log level, feature "
        "switches, URLs) by contract: anyone allowed ecs:DescribeTaskDefinition can read it. Secrets go "
        "through secrets=, which the execution role injects from Secrets Manager or SSM at task start. "
        "Not applied once a container the library did not add (a team's sidecar) has environment variables.",
        "ECS.8",
        as_built="environment",
    ),
    *(
        Acknowledgement(
            rule,
            "FargateWebService[no-deletion-protection]",
            "LoadBalancer/Resource",
            "Applied only where the load balancer has no deletion protection and the profile is disposable "
            "(protection.retain_data = false: the development, qa and sandbox presets), whose stacks must tear "
            "down without manual steps; a load balancer holds no data and is recreated by a deploy. Where the "
            "profile retains data, deletion protection follows profile.protection.deletion_protection (on in "
            "staging and production), and a retained service's load balancer without it gets this finding.",
            "ELB.6",
        )
        for rule in (
            "NIST.800.53.R5-ELBDeletionProtectionEnabled",
            "HIPAA.Security-ELBDeletionProtectionEnabled",
            "ControlTower::CT.ELASTICLOADBALANCING.PR.5",
        )
    ),
    *(
        Acknowledgement(
            rule,
            "FargateWebService[origin-secret]",
            "OriginSecret/Resource",
            "Applied only with cloudfront_access='origin-secret' (the default is a VPC origin, which has no "
            "secret). The secret is the shared value of the X-Origin-Verify header that CloudFront adds and "
            "the listener rule checks; each reads it through a CloudFormation dynamic reference when its own "
            "stack deploys. A rotation Lambda would change it under a deployed distribution and lock CloudFront "
            "out; a rotation is a planned change instead (deploy the service's stack, then the CDN's at once: "
            "requests get 403 in between), which is why this mode is opt-in.",
            "SecretsManager.1",
        )
        for rule in (
            "AwsSolutions-SMG4",
            *(f"{pack}-SecretsManagerRotationEnabled" for pack in _COMPLIANCE_PACKS),
        )
    ),
    Acknowledgement(
        "AwsSolutions-IAM5[Resource::*]",
        "FargateWebService[exec]",
        "TaskRole/Policy/Resource",
        "ECS Exec (on only where profile.compute.enable_exec) needs the ssmmessages channel actions and "
        "logs:DescribeLogGroups, which support no resource-level permissions. Sessions are encrypted with "
        "the service's KMS key and logged to its log group. Not applied once a grant to the task role "
        "(which lands in this policy) allows anything else on Resource '*'.",
        "n/a",
        as_built="wildcard-statements",
    ),
    Acknowledgement(
        "AwsSolutions-IAM5[Resource::arn:{partition}:logs:{region}:{account}:log-group:<{log_group}>:*]",
        "FargateWebService[exec]",
        "TaskRole/Policy/Resource",
        "ECS Exec writes each session's transcript to a new log stream, named at session start, of the "
        "service's own log group; the wildcard covers streams of that one group only. Not applied once a "
        "grant to the task role (which lands in this policy) adds another resource with a wildcard.",
        "n/a",
        as_built="wildcard-statements",
    ),
    # ---------------------------------------------------------------- WafProtection
    # ---------------------------------------------------------------- AlarmSet
    # ---------------------------------------------------------------- AuroraCluster
    # Only the cluster: RDSInstanceDeletionProtectionEnabled skips Aurora instances, the cluster holds the setting.
    *(
        Acknowledgement(
            rule,
            "AuroraCluster[no-deletion-protection]",
            "Cluster/Resource",
            "Applied only where the cluster has no deletion protection and the profile is disposable "
            "(protection.retain_data = false: the development, qa and sandbox presets), whose stacks must tear "
            "down without manual steps and whose clusters hold only test data. Where the profile retains data, "
            "deletion protection follows profile.protection.deletion_protection (on in staging and production), "
            "and a retained cluster without it gets this finding.",
            "RDS.7",
        )
        for rule in (
            "AwsSolutions-RDS10",
            "NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled",
            "HIPAA.Security-RDSInstanceDeletionProtectionEnabled",
            "ControlTower::CT.RDS.PR.3",
        )
    ),
    *(
        ack
        for path in ("Cluster/Writer/Resource", "Cluster/Reader*/Resource")
        for ack in _same_reason(
            "AuroraCluster",
            path,
            ("NIST.800.53.R5", "HIPAA.Security"),
            "RDSInBackupPlan",
            "Aurora is backed up per cluster, not per instance: the cluster volume has continuous automated "
            "backups with point-in-time restore for the profile's retention (1-35 days), tags copied to "
            "snapshots and a final snapshot where data is retained. AWS Backup cannot back up an Aurora DB "
            "instance on its own (a selection naming one fails its jobs); a plan selects the cluster.",
            "RDS.26",
        )
    ),
    Acknowledgement(
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:RDSOSMetrics:log-stream:*]",
        "AuroraCluster",
        "MonitoringPolicy/Resource",
        "Enhanced monitoring writes one log stream per DB instance, named by the instance's resource id "
        "that RDS assigns at creation, so streams can't be listed in advance. The wildcard is confined to "
        "streams of the RDSOSMetrics group in this account and region (narrower than the AWS-managed "
        "AmazonRDSEnhancedMonitoringRole, which allows RDS* groups everywhere).",
        "n/a",
    ),
    *_aurora_user_function(),
    # ---------------------------------------------------------------- RedisCache
    Acknowledgement(
        "AwsSolutions-AEC4",
        "RedisCache[single-node]",
        "ReplicationGroup",
        "Applied only where the cache has no replica (replicas= or profile.cache.replicas = 0) and the profile "
        "is disposable (protection.retain_data = false: the development, qa and sandbox presets), which run "
        "one node to halve the cost; the cache holds reconstructible data and a node failure there only means "
        "a cold cache. Multi-AZ with automatic failover needs a replica and is on with one or more (staging, "
        "production); a retained profile's single-node cache gets this finding.",
        "ElastiCache.3",
    ),
    *(
        Acknowledgement(
            rule,
            "RedisCache",
            "AuthToken/Resource",
            "ElastiCache has no managed Secrets Manager rotation for replication-group AUTH tokens: changing "
            "one is a two-step ModifyReplicationGroup (ROTATE, then SET) that every client has to follow, so "
            "it is an operator runbook, not an unattended Lambda. The token is 64 random characters, "
            "encrypted with the cache's customer-managed key, passed to CloudFormation by dynamic reference "
            "(never in the template), and only usable over TLS from security groups admitted with "
            "allow_from in isolated subnets.",
            "SecretsManager.1",
        )
        for rule in (
            "AwsSolutions-SMG4",
            "NIST.800.53.R5-SecretsManagerRotationEnabled",
            "HIPAA.Security-SecretsManagerRotationEnabled",
        )
    ),
    # ---------------------------------------------------------------- CdnBucket
    # SecureBucket (used by CdnBucket); entries in brackets apply only in the stated configuration.
    *_same_reason(
        "SecureBucket[unreplicated]",
        "Bucket/Resource",
        _COMPLIANCE_PACKS,
        "S3BucketReplicationEnabled",
        "Applied only when bucket_props sets no replication_rules. Cross-Region replication needs a "
        "destination bucket in a second Region, which a construct inside one stack cannot create, and it "
        "doubles storage cost. The bucket is versioned (overwrites and deletes are recoverable for the "
        "noncurrent-version period), S3 stores every object across at least three Availability Zones, and "
        "public and non-TLS access is denied. Where a recovery objective needs a second Region, pass "
        "bucket_props={'replication_rules': [...]}; this acknowledgement is then not applied.",
        "S3.7",
    ),
    *_same_reason(
        "SecureBucket[logs]",
        "Bucket/Resource",
        _COMPLIANCE_PACKS,
        "S3DefaultEncryptionKMS",
        "Applied only to purpose='logs' buckets. S3 server access logs and CloudFront standard logs are "
        "delivered only to buckets whose default encryption is SSE-S3; SSE-KMS default encryption makes "
        "delivery fail. Log buckets are therefore encrypted at rest with SSE-S3 (AES-256, S3-managed keys), "
        "and are private, TLS-only (1.2+) and versioned, with SSE-C uploads blocked.",
        "S3.17",
    ),
    *_same_reason(
        "SecureBucket[logs]",
        "Bucket/Resource",
        _COMPLIANCE_PACKS,
        "S3BucketLoggingEnabled",
        "Applied only to purpose='logs' buckets, which are the destination of access logs. Logging a log "
        "bucket into itself creates a feedback loop of log objects, and logging it into yet another bucket "
        "only moves the finding one bucket further. Writes to it are limited to the log-delivery services, "
        "scoped to the source bucket and account; reads of it can be audited with CloudTrail S3 data events.",
        "S3.9",
    ),
    Acknowledgement(
        "AwsSolutions-S1",
        "SecureBucket[logs]",
        "Bucket/Resource",
        "Applied only to purpose='logs' buckets, which are the destination of access logs. Logging a log "
        "bucket into itself creates a feedback loop of log objects, and logging it into yet another bucket "
        "only moves the finding one bucket further. Writes to it are limited to the log-delivery services, "
        "scoped to the source bucket and account; reads of it can be audited with CloudTrail S3 data events.",
        "S3.9",
    ),
    *(
        Acknowledgement(
            rule,
            "SecureBucket[logs]",
            "Bucket/Resource",
            reason,
            "S3.17" if rule.endswith("PR.10") else "S3.9",
        )
        for rule, reason in (
            (
                "ControlTower::CT.S3.PR.10",
                "Applied only to purpose='logs' buckets: S3 server access logs and CloudFront standard logs "
                "are delivered only to buckets whose default encryption is SSE-S3, so SSE-KMS would stop log "
                "delivery. The bucket is encrypted at rest with SSE-S3 (AES-256), private and TLS-only.",
            ),
            (
                "ControlTower::CT.S3.PR.2",
                "Applied only to purpose='logs' buckets, the destination of access logs: logging one into "
                "itself loops, and into another bucket only moves the finding one bucket further.",
            ),
        )
    ),
    Acknowledgement(
        "ControlTower::CT.S3.PR.9",
        "SecureBucket[no-object-lock]",
        "Bucket/Resource",
        "Object Lock cannot be turned off once on, and a bucket with it cannot receive server access logs "
        "(S3 refuses it as a logging destination); with a default retention it would also stop a "
        "destroyable environment's bucket from being emptied and deleted. Objects are protected instead by "
        "versioning (overwrites and deletes are recoverable for the noncurrent-version period), TLS-only "
        "private access, and, for the audit bucket, a bucket policy that denies deleting any object or "
        "version. A team that needs WORM retention passes bucket_props={'object_lock_enabled': True, ...}; "
        "this acknowledgement is then not applied.",
        "S3.15",
    ),
    *_provider_skips("SecureBucket[auto-delete]", AUTO_DELETE_OBJECTS_PROVIDER, "empties a bucket of a destroyable environment before deletion"),
    Acknowledgement(
        "CKV_AWS_18",
        "SecureBucket[logs]",
        "Bucket/Resource",
        "A log bucket is the destination of access logs; logging it into itself creates a feedback loop "
        "and into another bucket only moves the finding one bucket further (as for AwsSolutions-S1). "
        "Writes are limited to the log-delivery services; reads can be audited with CloudTrail data events.",
        "S3.9",
    ),
    # CdnBucket
    Acknowledgement(
        "@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac",
        "CdnBucket",
        "Content",
        "CloudFront may decrypt the content key for any distribution of this account (the key policy "
        "cannot name the distribution: key, bucket and distribution would depend on each other). "
        "Reads are still limited to this distribution by the bucket policy's AWS:SourceArn condition, "
        "and only the CloudFront service principal is admitted.",
        "S3.17",
    ),
    Acknowledgement(
        "AwsSolutions-CFR4",
        "CdnBucket[default-certificate]",
        "Distribution/Resource",
        "Applied only when CdnBucket gets no certificate= and domain_names=. The distribution is then "
        "reachable only at its *.cloudfront.net domain, which CloudFront serves with its own certificate; "
        "CloudFront does not allow a viewer security policy for that certificate. Viewers are still "
        "redirected to HTTPS. Give a us-east-1 certificate and domain names and the distribution uses "
        "TLSv1.2_2021 as its minimum, and this acknowledgement is not applied.",
        "CloudFront.7",
    ),
    Acknowledgement(
        "ControlTower::CT.CLOUDFRONT.PR.4",
        "CdnBucket",
        "Distribution/Resource",
        "Origin failover needs a second copy of each origin in another Region: a replicated content bucket "
        "and a second API deployment. The library deploys one Region per environment; the content bucket is "
        "S3 (stored across at least three Availability Zones) and the API runs in at least two zones behind "
        "its load balancer. An origin group pointing at the same origin twice would satisfy the control "
        "without adding any resilience. A team with a second Region adds the origin group through "
        "distribution_props.",
        "CloudFront.4",
    ),
    *(
        Acknowledgement(
            control,
            "CdnBucket[default-certificate]",
            "Distribution/Resource",
            "Applied only when CdnBucket gets no certificate= and domain_names= (as AwsSolutions-CFR4): the "
            "distribution is then reachable only at its *.cloudfront.net domain, served with CloudFront's own "
            "certificate, which has no SNI or custom-certificate setting. Give a us-east-1 certificate and "
            "domain names and the distribution uses it with sni-only and TLSv1.2_2021.",
            "n/a",
        )
        for control in ("ControlTower::CT.CLOUDFRONT.PR.6", "ControlTower::CT.CLOUDFRONT.PR.7", "ControlTower::CT.CLOUDFRONT.PR.9")
    ),
    *(
        Acknowledgement(
            control,
            "CdnBucket[certificate-from-another-stack]",
            "Distribution/Resource",
            "Applied only when the certificate is created in another stack of the app: the distribution uses "
            "that ACM certificate with sni-only and TLSv1.2_2021, but the template names it through a "
            "cross-stack reference (Fn::GetStackOutput or Fn::ImportValue), which cfn-guard cannot follow at "
            "synth time. CloudFormation resolves the reference before Control Tower's hook evaluates the "
            "resource, so the deployed control sees the certificate ARN and passes.",
            "n/a",
        )
        for control in ("ControlTower::CT.CLOUDFRONT.PR.6", "ControlTower::CT.CLOUDFRONT.PR.7")
    ),
    Acknowledgement(
        "AwsSolutions-CFR2",
        "CdnBucket[without-web-acl]",
        "Distribution/Resource",
        "Applied only when CdnBucket gets no web_acl_arn=, which it allows only where the environment "
        "profile sets waf.enabled = false (the development, qa, sandbox and staging presets); with "
        "waf.enabled = true a missing web ACL is a ConfigurationError. Those environments serve no "
        "customer traffic, and their owners accept the risk to save a web ACL per environment. The "
        "distribution still has AWS Shield Standard, HTTPS only, and a bucket readable only through "
        "Origin Access Control.",
        "CloudFront.6",
    ),
    Acknowledgement(
        "CKV_AWS_68",
        "CdnBucket[without-web-acl]",
        "Distribution/Resource",
        "The same exception as AwsSolutions-CFR2: only where the profile sets waf.enabled = false (a "
        "missing web ACL is otherwise a ConfigurationError); non-customer environments keep Shield "
        "Standard, HTTPS only and Origin Access Control.",
        "CloudFront.6",
    ),
    Acknowledgement(
        "AwsSolutions-CFR1",
        "CdnBucket[worldwide]",
        "Distribution/Resource",
        "Applied only when neither geo_restriction= nor profile.cdn.blocked_countries restricts "
        "countries: the storefront serves customers worldwide, so no country is blocked by default. "
        "Set profile.cdn.blocked_countries (e.g. sanctioned countries) to add a denylist; this "
        "acknowledgement is then not applied. Per-country blocking of dynamic requests can also be "
        "done in the web ACL (profile.waf.blocked_countries).",
        "n/a",
    ),
    Acknowledgement(
        "ControlTower::CT.CLOUDFRONT.PR.8",
        "CdnBucket[http-api-origin]",
        "Distribution/Resource",
        "The same exception as AwsSolutions-CFR5: only after add_api_origin(protocol=HTTP_ONLY), which "
        "CdnBucket allows only where the profile sets compute.allow_http = true (non-production presets whose "
        "load balancer has no certificate), so only test data crosses the CloudFront-to-origin hop in plain "
        "HTTP. Production forces HTTPS_ONLY with TLS 1.2 to the origin.",
        "CloudFront.9",
    ),
    Acknowledgement(
        "AwsSolutions-CFR5",
        "CdnBucket[http-api-origin]",
        "Distribution/Resource",
        "Applied only after add_api_origin(protocol=HTTP_ONLY), which CdnBucket allows only where the "
        "profile sets compute.allow_http = true (non-production presets whose load balancer has no "
        "certificate). The CloudFront-to-load-balancer hop, including the origin-verify header, is then "
        "plain HTTP, so only non-production test data may flow through it. Production sets "
        "allow_http = false, which forces HTTPS_ONLY with TLS 1.2 to the origin.",
        "CloudFront.9",
    ),
    # ---------------------------------------------------------------- AuthPool
    Acknowledgement(
        "AwsSolutions-COG2",
        "AuthPool[mfa-optional]",
        "UserPool/Resource",
        "Applied only where the environment profile sets auth.mfa = 'OPTIONAL' (the development, qa, "
        "sandbox and staging presets): every user can enrol a TOTP authenticator, but sign-in does not "
        "demand it, so test accounts and automated end-to-end tests can sign in. Those pools hold no "
        "customer accounts. Production sets auth.mfa = 'REQUIRED' (with threat protection ENFORCED).",
        "n/a",
    ),
    Acknowledgement(
        "AwsSolutions-COG8",
        "AuthPool[threat-protection-off]",
        "UserPool/Resource",
        "Applied only where the environment profile sets auth.threat_protection = 'OFF', which selects "
        "the Essentials feature plan: threat protection (compromised-credential checks and adaptive "
        "authentication) exists only in the Plus plan, billed for every monthly active user with no free "
        "tier (Essentials: 10,000 MAUs a month free). The non-production presets (development, qa, "
        "sandbox, staging) turn it off: their pools hold test accounts, not customers. Production keeps "
        "it ENFORCED; a team that wants to rehearse it sets auth.threat_protection = 'AUDIT'.",
        "Cognito.1",
    ),
    # ---------------------------------------------------------------- AuditTrail
    Acknowledgement(
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole]",
        "AuditTrail",
        "ConfigRole/Resource",
        "AWS_ConfigRole is the policy AWS publishes for the AWS Config recorder: read-only Describe/List/Get "
        "access to the configuration of every supported resource type, which is what recording 'all "
        "supported resource types' needs. AWS maintains it as Config adds resource types; a hand-written "
        "copy would silently stop recording new types. It grants no data-plane or write access.",
        "Config.1",
    ),
    Acknowledgement(
        "AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{prefix}/AWSLogs/{account}/*]",
        "AuditTrail",
        "ConfigRole/Policy/Resource",
        "AWS Config writes snapshot and history objects whose keys it generates (date, region, snapshot "
        "id) under config/AWSLogs/<this account>/ of the audit bucket. The wildcard is limited to that "
        "prefix of that one bucket and to s3:PutObject; the bucket policy denies deleting any object. Not "
        "applied once a grant to the role (which lands in this policy) adds another resource with a wildcard.",
        "IAM.21",
        as_built="wildcard-statements",
    ),
    # ---------------------------------------------------------------- BackupPlan
    *[
        Acknowledgement(
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{policy}]",
            "BackupPlan",
            "Role/Resource",
            "AWS Backup's own service-role policies, published and maintained by AWS for the backup service "
            "role: they grant exactly the snapshot/restore actions AWS Backup performs per supported service "
            "(RDS/Aurora, S3, DynamoDB, EFS, EBS) and are updated as services add backup features. The role "
            "can only be assumed by backup.amazonaws.com and only selects resources carrying the plan's tag.",
            "n/a",
        )
        for policy in (
            "AWSBackupServiceRolePolicyForBackup",
            "AWSBackupServiceRolePolicyForRestores",
            "AWSBackupServiceRolePolicyForS3Backup",
            "AWSBackupServiceRolePolicyForS3Restore",
        )
    ],
    *_provider_skips(
        "BackupPlan[cleanup]", TEARDOWN_PROVIDER, "deletes a destroyable environment's recovery points when its stack is deleted"
    ),
    # ---------------------------------------------------------------- DnsZone
    *_provider_skips(
        "DnsZone[cleanup]", TEARDOWN_PROVIDER, "deletes ACM's validation records from a destroyable environment's zone when its stack is deleted"
    ),
    *_provider_skips(
        "DnsZone[cross-account]",
        CROSS_ACCOUNT_DELEGATION_PROVIDER,
        "writes and deletes the NS record that delegates the zone, through the parent account's delegation role",
    ),
    *_same_reason(
        "DnsZone[cross-account]",
        "Delegation/cross-account-zone-delegation-handler-role/Policy*/Resource",
        _COMPLIANCE_PACKS,
        "IAMNoInlinePolicy",
        "aws-cdk-lib's CrossAccountZoneDelegationRecord attaches this policy to its own provider's role (a role "
        "aws-cdk-lib creates, imported by ARN, so the grant cannot go into a managed policy of ours). Its one "
        "statement allows sts:AssumeRole on the single delegation role in the parent zone's account, which in "
        "turn may only write this subdomain's NS record.",
        "IAM.2",
    ),
    Acknowledgement(
        "AwsSolutions-IAM5[Resource::*]",
        "DnsZone[delegations]",
        "DelegationRole*/Policy/Resource",
        "route53:ListHostedZonesByName supports no resource-level permissions; aws-cdk-lib's delegation "
        "handler needs it to find the parent zone by name when the subdomain's profile gives no zone id. It "
        "reveals zone names and ids only. The role's write permission is route53:ChangeResourceRecordSets on "
        "this one zone, limited by condition keys to UPSERT and DELETE of the NS record of the one subdomain, "
        "and only the subdomain's account may assume the role.",
        "n/a",
    ),
    # ---------------------------------------------------------------- Certificates
    Acknowledgement(
        "CKV2_AWS_71",
        "Certificates[wildcard]",
        "Certificate/Resource",
        "Applied only where the caller passed allow_wildcard=True together with a '*.' name: the "
        "certificate must cover hosts created at run time (per-tenant or preview-environment names) "
        "that cannot be listed at synth time. Its private key stays in ACM (Certificates does not make it "
        "exportable unless certificate_props asks for it) and is used only by AWS-managed TLS endpoints "
        "(CloudFront, load balancers); the certificate is DNS-validated through the environment's own "
        "zone. Without the flag, Certificates rejects wildcard names.",
        "n/a",
    ),
)
"""Every acknowledgement the library makes, as data (rule, construct, path, reason, FSBP control)."""


def acknowledgements_for(construct_type: str) -> list[Acknowledgement]:
    """The registry entries that a construct type applies."""
    return [ack for ack in REGISTRY if ack.construct == construct_type]


def apply_acknowledgements(construct: IConstruct, construct_type: str, values: Mapping[str, str] | None = None) -> None:
    """Acknowledge ``construct_type``'s registry entries on the matching resources under ``construct``.

    Entries whose path matches nothing (e.g. interface endpoints a profile switched off) are
    skipped. Call this at the end of a construct's constructor, after its children exist.

    ``values`` fills ``{name}`` placeholders in finding-specific rule ids whose text depends on the
    stack (a logical id, the region), e.g. ``AwsSolutions-IAM5[Resource::...<{log_group}>:*]``.
    ``{partition}``, ``{region}`` and ``{account}`` are always available, spelled as cdk-nag
    spells them: the literal where the stack knows it, else ``<AWS::Partition>`` and so on.
    """
    from ._internal import as_built

    stack = cdk.Stack.of(construct)

    def spelled(value: str, pseudo: str) -> str:
        return f"<AWS::{pseudo}>" if cdk.Token.is_unresolved(value) else value

    values = {
        "partition": spelled(stack.partition, "Partition"),
        "region": spelled(stack.region, "Region"),
        "account": spelled(stack.account, "AccountId"),
        **(values or {}),
    }
    # Each construct path costs a call into jsii's Node process: read every path once per call,
    # not once per entry (a construct's subtree, and its stack's only if an entry needs it).
    trees = {"": _Tree(construct)}
    for ack in acknowledgements_for(construct_type):
        if ack.path.startswith("~/"):
            tree = trees.setdefault("~", trees[""] if stack is construct else _Tree(stack))
            targets = tree.matching(ack.path[2:])
        else:
            tree = trees[""]
            targets = tree.matching(ack.path)
        if ack.is_cdk_warning:
            for _, target in targets:
                cdk.Annotations.of(target).acknowledge_warning(ack.rule, ack.reason)
        elif ack.is_checkov_skip:
            for _, target in targets:
                _skip_checkov(target, ack)
        else:
            acknowledgment = cdk.Acknowledgment(id=ack.rule.format_map(values), reason=ack.reason)
            for resource in tree.resources(targets):
                if ack.as_built:
                    as_built.acknowledge_while_as_built(resource, ack.as_built, acknowledgment)
                else:
                    cdk.Validations.of(resource).acknowledge(acknowledgment)


#: Construct paths never change once a construct exists, so each is read from jsii once, keyed
#: by the object's jsii reference (its Python proxy may be a new one on every read).
_PATHS: dict[str, str] = {}


def _path(construct: IConstruct) -> str:
    ref = getattr(getattr(construct, "__jsii_ref__", None), "ref", None)
    if ref is None:
        return construct.node.path
    path = _PATHS.get(ref)
    if path is None:
        path = _PATHS[ref] = construct.node.path
    return path


class _Tree:
    """The constructs under ``base`` with their paths relative to it (``"."`` is ``base``), read once."""

    def __init__(self, base: IConstruct) -> None:
        self.base = base
        prefix = len(_path(base)) + 1
        self.entries = [("." if c is base else _path(c)[prefix:], c) for c in base.node.find_all()]

    def matching(self, pattern: str) -> list[tuple[str, IConstruct]]:
        """Constructs whose relative path matches the glob ``pattern``."""
        return [(rel, c) for rel, c in self.entries if fnmatch.fnmatchcase(rel, pattern)]

    def resources(self, targets: Iterable[tuple[str, IConstruct]]) -> list[IConstruct]:
        """The CloudFormation resources of ``targets`` as they are now (a stack stays itself).

        An acknowledgement on a higher-level construct would cover every resource added under it
        later, a team's entry in the library's network ACL included; on the resources it covers
        exactly what the library built.
        """
        found: dict[str, IConstruct] = {}
        for rel, target in targets:
            if isinstance(target, (cdk.CfnResource, cdk.Stack)):
                found.setdefault(rel, target)
                continue
            inside = rel + "/"
            for path, child in self.entries:
                if isinstance(child, cdk.CfnResource) and (rel == "." or path == rel or path.startswith(inside)):
                    found.setdefault(path, child)
        return list(found.values())


#: Control Tower's CT.CLOUDWATCH.PR.2 asks every log group to keep its events at least this long.
CONTROL_TOWER_LOG_RETENTION_DAYS = 365


def apply_log_retention_acknowledgements(construct: IConstruct, construct_type: str, days: int) -> None:
    """Acknowledge CT.CLOUDWATCH.PR.2 on ``construct_type``'s log groups when the profile keeps them
    less than :data:`CONTROL_TOWER_LOG_RETENTION_DAYS` (its ``<type>[short-log-retention]`` entries)."""
    if days < CONTROL_TOWER_LOG_RETENTION_DAYS:
        apply_acknowledgements(construct, f"{construct_type}[short-log-retention]")


def apply_late_acknowledgements(root: IConstruct) -> None:
    """Apply the entries for what aws-cdk-lib adds while it prepares the app (``EnvironmentStack[late]``).

    The cross-region reference providers appear only after every constructor ran, so the gate's
    plugins call this when they run, for every :class:`~finefinds_constructs.EnvironmentStack`.
    """
    from .environment_stack import EnvironmentStack

    todo = list(root.node.children)
    while todo:
        node = todo.pop()
        if isinstance(node, EnvironmentStack):
            # Matching walks the whole stack: only where aws-cdk-lib added a provider.
            if any(node.node.try_find_child(provider) for provider in CROSS_REGION_EXPORT_PROVIDERS):
                apply_acknowledgements(node, "EnvironmentStack[late]")
        elif isinstance(node, cdk.Stage):
            todo.extend(node.node.children)


def _skip_checkov(target: IConstruct, ack: Acknowledgement) -> None:
    """Write a checkov skip (``Metadata.checkov.skip``) with the registry's reason on the resource."""
    resource = target if isinstance(target, cdk.CfnResource) else target.node.default_child
    if not isinstance(resource, cdk.CfnResource):
        return
    skips = [s for s in (resource.get_metadata("checkov") or {}).get("skip", []) if s.get("id") != ack.rule]
    resource.add_metadata("checkov", {"skip": [*skips, {"id": ack.rule, "comment": ack.reason}]})


def enable(
    scope: IConstruct,
    *,
    packs: Sequence[str] = tuple(PACKS),
    deploy_readiness: bool = True,
    control_tower: bool = True,
    disabled_controls: Sequence[str] = (),
    verbose: bool = False,
) -> None:
    """Attach the cdk-nag rule packs, the deploy-readiness check and Control Tower's controls.

    Synthesis then fails on any finding that is not acknowledged: a cdk-nag rule, or a
    deploy-readiness rule (:mod:`finefinds_constructs.readiness`: traps that pass every linter
    but fail to deploy, tear down or run in a real account), or an AWS Control Tower proactive
    control (:mod:`finefinds_constructs.control_tower`, the Guard rules Control Tower runs as
    CloudFormation hooks), over every resource of the stacks under ``scope``, the team's own
    included.

    The plugins are attached to the app whatever ``scope`` is (CDK never runs plugins added to a
    stage inside a stack, the CDK Pipelines layout) and report only on the stacks under
    ``scope``. Each run is recorded, 0 findings included, in ``compliance-summary.json`` in the
    cloud assembly (:func:`read_summary`) and as one line on standard error, so a gate that did
    not run cannot pass for one that passed.

    Parameters
    ----------
    scope : constructs.IConstruct
        What to check: the ``cdk.App``, a ``cdk.Stage`` (also one inside a stack or another
        stage), a ``cdk.Stack`` (with any stage inside it), or a construct grouping stacks.
        Scopes of one app must not overlap.
    packs : Sequence[str], optional
        Pack names from :data:`PACKS`. Default: all four.
    deploy_readiness : bool, optional
        Attach :class:`~finefinds_constructs.readiness.DeployReadinessChecks`. Default: ``True``.
    control_tower : bool, optional
        Attach :class:`~finefinds_constructs.control_tower.ControlTowerChecks`. Default: ``True``.
    disabled_controls : Sequence[str], optional
        Control Tower rule names (``"ct-s3-pr-9"``) not run anywhere in the app, for controls your
        Control Tower environment does not enable. Default: none.
    verbose : bool, optional
        Ask cdk-nag for the rules' longer explanations. Default: ``False``.
    """
    from ._internal import gate
    from .readiness import DeployReadinessChecks

    root = _root_app(scope, "scope")
    path = scope.node.path
    if not isinstance(scope, (cdk.App, cdk.Stage, cdk.Stack)) and _enclosing_stack(scope) is not None:
        raise ConfigurationError(
            "scope", path, "an App, a Stage, a Stack, or a construct that groups stacks",
            fix="enable the gate on the stack (cdk.Stack.of(construct)); to accept a finding on a construct, "
            "use compliance.acknowledge(construct, rule_id, reason=...)",
        )
    for name in packs:
        if name not in PACKS:
            raise ConfigurationError("packs", name, " | ".join(PACKS), fix="name one of the supported packs")
    state = gate.gate_of(root)
    overlapping = [s for s in state.scopes if gate.under(path, s) or gate.under(s, path)]
    if overlapping:
        raise ConfigurationError(
            "scope", path or "<app>", f"a scope that does not overlap one already enabled ({', '.join(p or '<app>' for p in overlapping)})",
            fix="call compliance.enable once for the app, or once per stage that is not inside another enabled one",
        )
    state.scopes.append(path)
    # A summary left by an earlier synthesis into this folder goes now: the plugins write a new one,
    # and CDK's confirmValidationPluginsDoNotMutate refuses plugins that change an existing file.
    (Path(root.outdir) / gate.SUMMARY_FILE).unlink(missing_ok=True)
    # (plugin, how it is narrowed to the scope: gate.ScopedPlugin's mode)
    plugins: list[tuple[object, str]] = [(PACKS[name](scope, verbose=verbose), "app") for name in packs]
    if deploy_readiness:
        plugins.append((DeployReadinessChecks(), "report"))  # facts spanning stacks still count
    if control_tower:
        from .control_tower import ControlTowerChecks

        plugins.append((ControlTowerChecks(disabled_controls=disabled_controls), "templates"))
    cdk.Validations.of(root).add_plugins(
        *(gate.ScopedPlugin(p, root=root, scope=path, packs=frozenset(PACKS), mode=mode) for p, mode in plugins)
    )


def _root_app(scope: IConstruct, parameter: str) -> cdk.App:
    """The app ``scope`` belongs to; a ConfigurationError when its root is no ``cdk.App``."""
    root = scope.node.root
    if not isinstance(root, cdk.App):
        raise ConfigurationError(
            parameter, scope.node.path or type(scope).__name__, "a construct in a tree whose root is a cdk.App",
            fix="create the stacks under a cdk.App (CDK runs validation plugins only for an app's synthesis)",
        )
    return root


def _enclosing_stack(construct: IConstruct) -> cdk.Stack | None:
    node: IConstruct | None = construct
    while node is not None:
        if isinstance(node, cdk.Stack):
            return node
        node = node.node.scope
    return None


@dataclass(frozen=True)
class Finding:
    """One unacknowledged violation read back from a cloud assembly's validation report."""

    pack: str
    rule: str
    severity: str
    path: str
    description: str


def read_findings(assembly_dir: str | Path) -> list[Finding]:
    """Read the findings from ``<assembly_dir>/validation-report.json`` (empty when there is none).

    An empty list does not tell a gate that passed from one that never ran (CDK's report lists
    only plugins that found something): :func:`read_summary` does.
    """
    report = Path(assembly_dir) / "validation-report.json"
    if not report.is_file():
        return []
    data = json.loads(report.read_text())
    findings: list[Finding] = []
    for plugin in data.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for where in violation.get("violatingConstructs", []) or [{}]:
                findings.append(
                    Finding(
                        pack=plugin.get("pluginName", "?"),
                        rule=violation.get("ruleName", "?"),
                        severity=violation.get("severity", "?"),
                        path=where.get("constructPath", "?"),
                        description=violation.get("description", ""),
                    )
                )
    return findings


class GateNotRun(ConfigurationError):
    """A cloud assembly without a current compliance summary: the gate did not check it."""


@dataclass(frozen=True)
class PluginRun:
    """One plugin's run in the gate, read back from the cloud assembly's compliance summary.

    Parameters
    ----------
    plugin : str
        The plugin's name in CDK's report: a pack (``"AwsSolutions"``), ``"DeployReadiness"`` or
        ``"ControlTower"``.
    scope : str
        Construct path of the scope ``enable`` was given; ``""`` for the whole app.
    findings : int or None
        Unacknowledged findings it reported; ``None`` when the plugin itself failed.
    templates : int
        How many templates (stacks) it checked.
    error : str or None, optional
        The plugin's error, when it failed. Default: ``None``.
    """

    plugin: str
    scope: str
    findings: int | None
    templates: int
    error: str | None = None

    @property
    def passed(self) -> bool:
        """It checked at least one template, without failing, and found nothing."""
        return self.error is None and self.findings == 0 and self.templates > 0

    def covers(self, stack_path: str) -> bool:
        """Whether the stack at construct path ``stack_path`` is under this run's scope."""
        return not self.scope or stack_path == self.scope or stack_path.startswith(self.scope + "/")


@dataclass(frozen=True)
class Summary:
    """What the gate ran on a cloud assembly: one :class:`PluginRun` per plugin and scope."""

    plugins: tuple[PluginRun, ...]

    @property
    def findings(self) -> int:
        return sum(p.findings or 0 for p in self.plugins)

    @property
    def passed(self) -> bool:
        """At least one plugin ran, and each checked a template, did not fail and found nothing."""
        return bool(self.plugins) and all(p.passed for p in self.plugins)

    def covering(self, stack_path: str) -> list[PluginRun]:
        """The runs whose scope holds the stack at construct path ``stack_path``."""
        return [p for p in self.plugins if p.covers(stack_path)]


def read_summary(assembly_dir: str | Path) -> Summary:
    """Read which plugins of the gate ran on ``<assembly_dir>``, with their finding counts.

    CDK's ``validation-report.json`` lists only plugins that found something, so a clean report
    cannot tell a gate that passed from one that never ran; the gate's own summary can.

    Raises
    ------
    GateNotRun
        When the assembly has no compliance summary (``compliance.enable`` was not called, or
        synthesis stopped before validation), or its summary is from an earlier synthesis into
        the same folder (its templates have changed since).
    """
    from ._internal import gate

    where = Path(assembly_dir)
    summary_file = where / gate.SUMMARY_FILE
    if not summary_file.is_file():
        raise GateNotRun(
            "assembly_dir", str(where), f"a cloud assembly synthesized with compliance.enable (it has no {gate.SUMMARY_FILE})",
            fix="call compliance.enable(app) before app.synth(), or synthesize into this folder again",
        )
    data = json.loads(summary_file.read_text())
    if data.get("fingerprint") != gate.fingerprint(where):
        raise GateNotRun(
            "assembly_dir", str(where), "a compliance summary written by the synthesis that wrote these templates",
            fix=f"the templates changed after the gate ran (a synthesis without compliance.enable?): synthesize again with the gate on",
        )
    return Summary(
        tuple(
            PluginRun(p["plugin"], p["scope"], p["findings"], p["templates"], p.get("error"))
            for p in data.get("plugins", [])
        )
    )


def acknowledge(scope: IConstruct, *rule_ids: str, reason: str, detail: str | re.Pattern[str] | None = None) -> None:
    """Accept findings of ``rule_ids`` on the resources under ``scope``, with a reason.

    The acknowledgement names rules, not finding strings, so it survives refactors, accounts,
    regions and reference modes: a finding-specific cdk-nag id such as
    ``AwsSolutions-IAM5[Resource::arn:aws:logs:eu-west-1:111111111111:log-group:<LogsA1B2C3D4>:*]``
    is matched by the rule ``AwsSolutions-IAM5`` and, to narrow it, a ``detail`` pattern.

    Parameters
    ----------
    scope : constructs.IConstruct
        Whose resources: a resource, one of your constructs, a stack. Every CloudFormation
        resource under it is covered, also one added after this call.
    *rule_ids : str
        Rule ids as the packs name them: ``"AwsSolutions-S1"``,
        ``"NIST.800.53.R5-S3BucketLoggingEnabled"``, ``"DeployReadiness::<rule name>"``,
        ``"ControlTower::CT.S3.PR.1"``; or one cdk-nag finding, ``"AwsSolutions-IAM5[Resource::*]"``.
    reason : str
        Why the findings are accepted, for a security reviewer; required.
    detail : str or re.Pattern, optional
        Only findings whose detail matches: a glob (``*`` any text, ``?`` one character, all
        else literal) or a compiled regular expression, matching the whole detail. A cdk-nag
        finding's detail is the text in the brackets of its id (``Resource::<Bucket.Arn>/*``);
        a deploy-readiness or Control Tower finding's is its description.
        Default: ``None`` (every finding of the rules).

    Notes
    -----
    Without ``detail`` the acknowledgement is also written with CDK's
    ``Validations.of(scope).acknowledge``, which cdk-nag, deploy readiness and Control Tower read
    themselves (a team attaching cdk-nag without :func:`enable` sees it; cdk-nag matches its
    exact id only). A rule without brackets matches all of its findings, and a ``detail``
    pattern is matched, when :func:`enable`'s plugins run.
    """
    from ._internal import gate

    if not isinstance(reason, str) or not reason.strip():
        raise ConfigurationError(
            "reason", reason, "a sentence or two saying why the finding is accepted",
            fix="write the reason a security reviewer would accept", source=scope.node.path or None,
        )
    if not rule_ids:
        raise ConfigurationError("rule_ids", (), "at least one rule id, e.g. 'AwsSolutions-S1'", source=scope.node.path or None)
    if detail is not None and not (isinstance(detail, re.Pattern) or (isinstance(detail, str) and detail)):
        raise ConfigurationError(
            "detail", detail, "a non-empty glob (str) or a compiled regular expression (re.compile(...))",
            source=scope.node.path or None,
        )
    parsed = [_team_rule(rule, detail, scope) for rule in rule_ids]
    state = gate.gate_of(scope.node.root)
    for rule, (head, literal) in zip(rule_ids, parsed):
        if literal is not None:
            matcher = literal.__eq__
        elif isinstance(detail, re.Pattern):
            matcher = lambda text, pattern=detail: pattern.fullmatch(text) is not None  # noqa: E731
        elif detail is not None:
            matcher = gate.glob_matcher(detail)
        else:
            matcher = None
        state.acknowledgements.append(gate.TeamAcknowledgement(head, scope.node.path, reason, matcher))
        if detail is None:
            cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
        else:  # a pattern is no id anything else could match: it is recorded for the audit trail
            shown = detail.pattern if isinstance(detail, re.Pattern) else detail
            scope.node.add_metadata(gate.PATTERN_METADATA_KEY, {"rule": head, "detail": shown, "reason": reason})


_CONTROL_TOWER_RULE = re.compile(r"ControlTower::CT\.[A-Z0-9]+\.PR\.\d+")


def _team_rule(rule: Any, detail: Any, scope: IConstruct) -> tuple[str, str | None]:
    """``(rule id, literal detail or None)`` of a rule id given to :func:`acknowledge`; else a ConfigurationError."""
    from . import readiness

    allowed = (
        "'<pack>-<rule>' for a pack of compliance.PACKS (optionally '[<detail>]'), "
        "'DeployReadiness::<rule name>', 'ControlTower::CT.<SERVICE>.PR.<n>'"
    )
    if not isinstance(rule, str):
        raise ConfigurationError("rule_ids", rule, allowed, source=scope.node.path or None)
    head, bracket, rest = rule.partition("[")
    literal = rest[:-1] if bracket else None
    known = (
        any(head.startswith(f"{pack}-") and len(head) > len(pack) + 1 for pack in PACKS)
        or (head.startswith("DeployReadiness::") and head.split("::", 1)[1] in {r.name for r in readiness.RULES})
        or _CONTROL_TOWER_RULE.fullmatch(head) is not None
    )
    problem = None
    if not known or "*" in head or "?" in head:
        problem = "unknown rule id (no wildcards; deploy-readiness names are readiness.RULES')"
    elif bracket and (not rest.endswith("]") or not literal or head.startswith(("DeployReadiness::", "ControlTower::"))):
        problem = "a finding-specific id is a cdk-nag rule id with its detail in brackets"
    elif bracket and detail is not None:
        problem = "a finding-specific id already names its detail: give detail= or the brackets, not both"
    if problem:
        raise ConfigurationError("rule_ids", rule, allowed, fix=problem, source=scope.node.path or None)
    return head, literal
