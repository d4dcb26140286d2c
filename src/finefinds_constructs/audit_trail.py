"""AuditTrail: an account's multi-region CloudTrail and AWS Config recorder, delivered to a locked bucket."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_config as config
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import compliance
from ._internal.iam import ManagedPolicyRole
from ._internal.logs import log_encryption_key, removal_policy, retention
from ._internal.props import merge_props, replace_checked
from ._internal.providers import AUTO_DELETE_OBJECTS_PROVIDER
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile
from .secure_bucket import ABORT_MULTIPART_DAYS, SecureBucket

__all__ = ["AuditTrail", "TRAIL_PREFIX", "CONFIG_PREFIX"]

#: Key prefix of CloudTrail log files in the audit bucket.
TRAIL_PREFIX = "cloudtrail"
#: Key prefix of AWS Config snapshots and history in the audit bucket.
CONFIG_PREFIX = "config"

# Attribute on the app's root node: ("trail", account) and ("recorder", account, region) → the
# path of the AuditTrail that already creates that account's trail or that region's recorder.
_REGISTRY_ATTRIBUTE = "_finefinds_audit_trails"

# Keys of `trail_props` the construct owns.
_ENFORCED = {
    "bucket": "the audit bucket is created and locked down by AuditTrail",
    "encryption_key": "the trail's customer-managed key is created by AuditTrail (.key)",
    "enable_file_validation": "log-file validation is always on",
    "is_multi_region_trail": "the trail always covers every region",
    "send_to_cloud_watch_logs": "delivery to CloudWatch Logs is always on (.log_group)",
    "cloud_watch_log_group": "the encrypted log group is created by AuditTrail (.log_group)",
    "cloud_watch_logs_retention": "the profile decides (audit.log_retention_days)",
    "s3_key_prefix": "trail logs go under the fixed prefix TRAIL_PREFIX",
}


def _rule_id(identifier: str) -> str:
    """``S3_BUCKET_SSL_REQUESTS_ONLY`` → ``S3BucketSslRequestsOnly`` (a stable construct id)."""
    return "".join(part.capitalize() for part in identifier.split("_"))


class AuditTrail(Construct):
    """An account's audit record: CloudTrail in every region and AWS Config, in one locked bucket.

    What it creates, per profile:

    * a customer-managed KMS key (rotation on) whose key policy lets CloudTrail encrypt log files
      only for trails of this account, AWS Config deliver through its role, and CloudWatch Logs
      encrypt this account's log groups;
    * an audit bucket (a :class:`~finefinds_constructs.secure_bucket.SecureBucket`: private, TLS 1.2
      only, versioned, KMS-encrypted with the key, server access logs to a log bucket) whose
      policy denies deleting objects or object versions to every principal (in destroyable
      environments, except aws-cdk-lib's auto-delete handler that empties it on stack deletion);
      log files move to Glacier after ``profile.audit.glacier_after_days`` and expire after
      ``profile.audit.retention_days``;
    * a multi-region CloudTrail (global service events, log-file validation) writing to the bucket
      under ``cloudtrail/`` and to an encrypted CloudWatch log group kept
      ``profile.audit.log_retention_days``;
    * with ``profile.audit.config_recorder = "create"`` (the default), an AWS Config recorder for
      all supported resource types (global resources such as IAM only in
      ``profile.audit.home_region``, default the profile's region, so they are recorded once), its
      role, and a delivery channel to the bucket under ``config/``. The recorder and the channel
      do not wait for each other (CloudFormation's recorder handler starts recording, which needs
      the channel, and the channel needs the recorder: either order hangs the stack until
      ``NoAvailableDeliveryChannelException``, aws-cdk #9001); both wait for the role's policy and
      the bucket policy;
    * the AWS managed Config rules listed in ``profile.audit.config_rules``, deployed after the
      recorder. With ``config_recorder = "existing"`` (an account under Control Tower or Security
      Hub, whose recorder is not this app's) only these rules are deployed on the Config side: no
      recorder, channel or role, and the rules wait for nothing (deploy them where the account
      already records, or they fail with ``NoAvailableConfigurationRecorderException``).

    AWS Config allows one recorder and one delivery channel per account and region, and a
    multi-region trail covers its whole account: two AuditTrails of one app that would create
    recorders in the same account and region, or trails in the same account, are a
    ``ConfigurationError`` (the registry lives on the app's root node, so separate apps never
    interfere; environment-agnostic stacks, whose account is only known at deploy time, are not
    checked). Whether an environment gets one is ``profile.audit.enabled``; creating one with it
    off is an error too.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the audit bucket and key (a breaking change).
    profile : EnvironmentProfile
        The environment profile; required.
    config_rules : Sequence[str], optional
        AWS managed Config rule identifiers to deploy (rules without required parameters).
        Default: ``profile.audit.config_rules``.
    record_global_resources : bool, optional
        Record global resource types (IAM) in this region. Default: whether the stack's region
        is ``profile.audit.home_region`` (or the profile's region when that is unset).
    config_recorder : str, optional
        ``"create"`` the account and region's Config recorder, delivery channel and role, or
        ``"existing"``: the account already records, deploy only the Config rules.
        Default: ``profile.audit.config_recorder``.
    trail_props : Mapping[str, Any], optional
        Extra ``cloudtrail.TrailProps`` keyword arguments (e.g. ``insight_types``,
        ``management_events``), applied over everything else except what the construct enforces
        (bucket, key, validation, multi-region, CloudWatch Logs delivery). Default: ``None``.

    Attributes
    ----------
    trail : aws_cdk.aws_cloudtrail.Trail
        The trail.
    bucket : aws_cdk.aws_s3.Bucket
        The audit bucket (CloudTrail and AWS Config deliveries).
    secure_bucket : SecureBucket
        The construct holding the audit bucket and its access-log bucket.
    key : aws_cdk.aws_kms.Key
        The key encrypting the bucket, the trail's log files and the log group.
    log_group : aws_cdk.aws_logs.LogGroup
        The trail's CloudWatch log group.
    recorder : aws_cdk.aws_config.CfnConfigurationRecorder or None
        The AWS Config configuration recorder (None with ``config_recorder="existing"``).
    delivery_channel : aws_cdk.aws_config.CfnDeliveryChannel or None
        The AWS Config delivery channel (None with ``config_recorder="existing"``).
    config_role : aws_cdk.aws_iam.Role or None
        The role the recorder records and delivers with (None with ``config_recorder="existing"``).
    rules : dict[str, aws_cdk.aws_config.ManagedRule]
        The managed Config rules by identifier.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        config_rules: Sequence[str] | None = None,
        record_global_resources: bool | None = None,
        config_recorder: str | None = None,
        trail_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        audit = profile.audit
        if config_recorder is not None:
            try:
                audit = replace_checked(audit, config_recorder=config_recorder)
            except ConfigurationError as exc:
                raise exc.with_source(self.node.path) from None
        creates_recorder = audit.config_recorder == "create"
        if not audit.enabled:
            raise ConfigurationError(
                "profile.audit.enabled", False, "true to create an AuditTrail",
                fix="check profile.audit.enabled before creating one, or turn it on", source=self.node.path,
            )
        rules = tuple(audit.config_rules if config_rules is None else config_rules)
        self._check_rules(rules)
        stack = cdk.Stack.of(self)
        self._register(stack, profile, creates_recorder)
        if record_global_resources is None:
            region = stack.region if not cdk.Token.is_unresolved(stack.region) else profile.region
            record_global_resources = region == (audit.home_region or profile.region)
        retained = profile.is_retained

        self.key: kms.Key = log_encryption_key(
            self, "Key", description=f"Encrypts the audit trail, AWS Config deliveries and logs of {self.node.path}", retain=retained
        )
        self._allow_cloudtrail(self.key, stack)

        self.secure_bucket = SecureBucket(
            self,
            "Bucket",
            profile=profile,
            purpose="backups",
            encryption_key=self.key,
            bucket_props={"lifecycle_rules": self._lifecycle_rules(profile)},
        )
        self.bucket: s3.Bucket = self.secure_bucket.bucket
        self._deny_deletes(stack, retained)

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            encryption_key=self.key,
            retention=retention(audit.log_retention_days),
            removal_policy=removal_policy(retained),
        )
        self.trail = self._trail(stack, trail_props)
        self.recorder: config.CfnConfigurationRecorder | None = None
        self.delivery_channel: config.CfnDeliveryChannel | None = None
        self.config_role: iam.Role | None = None
        if creates_recorder:
            self.recorder, self.delivery_channel = self._config(stack, bool(record_global_resources))
        self.rules: dict[str, config.ManagedRule] = {}
        for identifier in rules:
            rule = config.ManagedRule(self, _rule_id(identifier), identifier=identifier)
            if self.recorder is not None:
                # A Config rule fails to create before the account and region have a recorder.
                rule.node.add_dependency(self.recorder)
            self.rules[identifier] = rule

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(
            self,
            "AuditTrail",
            {"bucket": stack.resolve(stack.get_logical_id(self.bucket.node.default_child)), "prefix": CONFIG_PREFIX},
        )
        compliance.apply_log_retention_acknowledgements(self, "AuditTrail", audit.log_retention_days)

    # ------------------------------------------------------------------------------------------
    def _check_rules(self, rules: tuple[str, ...]) -> None:
        for rule in rules:
            if not isinstance(rule, str) or not re.fullmatch(r"[A-Z0-9_]{3,128}", rule):
                raise ConfigurationError(
                    "config_rules", rule, "AWS managed rule identifiers like 'S3_BUCKET_SSL_REQUESTS_ONLY'",
                    fix="use the upper-case identifier from the AWS Config managed rules list", source=self.node.path,
                )
        if len(set(rules)) != len(rules):
            raise ConfigurationError("config_rules", list(rules), "each rule once", source=self.node.path)

    def _register(self, stack: cdk.Stack, profile: EnvironmentProfile, creates_recorder: bool) -> None:
        account = stack.account if not cdk.Token.is_unresolved(stack.account) else profile.account
        region = stack.region if not cdk.Token.is_unresolved(stack.region) else profile.region
        if account is None:
            return  # environment-agnostic: the account is only known at deploy time
        root = self.node.root
        registry: dict[tuple[str, ...], str] = getattr(root, _REGISTRY_ATTRIBUTE, None) or {}
        recorder_key = ("recorder", account, str(region))
        # The recorder first: it is the one that fails the deploy (one per account and region).
        if creates_recorder and recorder_key in registry:
            raise ConfigurationError(
                "audit.config_recorder", "create",
                f"one AWS Config recorder per account and region ({registry[recorder_key]} already creates "
                f"the one of {account}/{region})",
                fix="AWS Config allows one recorder and one delivery channel per account and region, and the "
                "second would fail to deploy: set audit.enabled = false in one environment's profile (the other "
                "AuditTrail's trail, recorder and rules cover the whole account and region), or deploy the "
                "environments to different accounts",
                source=self.node.path,
            )
        trail_key = ("trail", account)
        if trail_key in registry:
            raise ConfigurationError(
                "AuditTrail", self.node.path, f"one AuditTrail per account (account {account} has {registry[trail_key]})",
                fix="a multi-region trail covers the whole account; set audit.enabled = false in the other "
                "environments of this account and share the first AuditTrail",
                source=self.node.path,
            )
        registry[trail_key] = self.node.path
        if creates_recorder:
            registry[recorder_key] = self.node.path
        setattr(root, _REGISTRY_ATTRIBUTE, registry)

    @staticmethod
    def _allow_cloudtrail(key: kms.Key, stack: cdk.Stack) -> None:
        trails = f"arn:{stack.partition}:cloudtrail:*:{stack.account}:trail/*"
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudTrailToEncryptForThisAccount",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails},
                },
            )
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudTrailToDescribeKey",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["kms:DescribeKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )

    @staticmethod
    def _lifecycle_rules(profile: EnvironmentProfile) -> list[s3.LifecycleRule]:
        audit = profile.audit
        return [
            s3.LifecycleRule(
                id="AbortIncompleteMultipartUploads",
                abort_incomplete_multipart_upload_after=cdk.Duration.days(ABORT_MULTIPART_DAYS),
            ),
            s3.LifecycleRule(
                id="ArchiveThenExpire",
                transitions=[
                    s3.Transition(storage_class=s3.StorageClass.GLACIER, transition_after=cdk.Duration.days(audit.glacier_after_days))
                ],
                expiration=cdk.Duration.days(audit.retention_days),
                noncurrent_version_expiration=cdk.Duration.days(audit.retention_days),
            ),
        ]

    def _deny_deletes(self, stack: cdk.Stack, retained: bool) -> None:
        conditions: dict[str, Any] = {}
        if not retained:
            # A destroyable environment's bucket is emptied by aws-cdk-lib's auto-delete handler.
            provider = stack.node.try_find_child(AUTO_DELETE_OBJECTS_PROVIDER)
            role_arn = getattr(provider, "role_arn", None)
            if role_arn is not None:
                conditions = {"ArnNotEquals": {"aws:PrincipalArn": role_arn}}
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyDeletingAuditRecords",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[self.bucket.arn_for_objects("*")],
                conditions=conditions or None,
            )
        )

    def _trail(self, stack: cdk.Stack, trail_props: Mapping[str, Any] | None) -> cloudtrail.Trail:
        role = ManagedPolicyRole(
            self,
            "TrailLogsRole",
            assumed_by=iam.ServicePrincipal(
                "cloudtrail.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="Lets CloudTrail write to the audit log group",
            policy_description="CloudTrail: write to the audit log group only",
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                # The log group's ARN attribute already ends in ":*", covering its streams.
                resources=[self.log_group.log_group_arn],
            )
        )
        defaults: dict[str, Any] = dict(
            bucket=self.bucket,
            encryption_key=self.key,
            enable_file_validation=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            send_to_cloud_watch_logs=False,  # wired below with a role whose grant is a managed policy
            s3_key_prefix=TRAIL_PREFIX,
            management_events=cloudtrail.ReadWriteType.ALL,
        )
        props = merge_props(
            parameter="trail_props", defaults=defaults, overrides=trail_props, props_class=cloudtrail.TrailProps, enforced=_ENFORCED,
            source=self.node.path,
        )
        trail = cloudtrail.Trail(self, "Trail", **props)
        cfn = trail.node.default_child
        assert isinstance(cfn, cloudtrail.CfnTrail)
        cfn.cloud_watch_logs_log_group_arn = self.log_group.log_group_arn
        cfn.cloud_watch_logs_role_arn = role.role_arn
        assert role.managed_policy is not None
        cfn.node.add_dependency(role.managed_policy)
        return trail

    def _config(self, stack: cdk.Stack, record_global: bool) -> tuple[config.CfnConfigurationRecorder, config.CfnDeliveryChannel]:
        role = ManagedPolicyRole(
            self,
            "ConfigRole",
            assumed_by=iam.ServicePrincipal("config.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}),
            description="Lets AWS Config read resource configurations and deliver them to the audit bucket",
            policy_description="AWS Config: deliver to the audit bucket's config/ prefix with the audit key",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWS_ConfigRole")],
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:GetBucketAcl", "s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(f"{CONFIG_PREFIX}/AWSLogs/{stack.account}/*")],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.key.key_arn])
        )
        recorder = config.CfnConfigurationRecorder(
            self,
            "Recorder",
            role_arn=role.role_arn,
            recording_group=config.CfnConfigurationRecorder.RecordingGroupProperty(
                all_supported=True, include_global_resource_types=record_global
            ),
        )
        channel = config.CfnDeliveryChannel(
            self,
            "DeliveryChannel",
            s3_bucket_name=self.bucket.bucket_name,
            s3_key_prefix=CONFIG_PREFIX,
            s3_kms_key_arn=self.key.key_arn,
            config_snapshot_delivery_properties=config.CfnDeliveryChannel.ConfigSnapshotDeliveryPropertiesProperty(
                delivery_frequency="TwentyFour_Hours"
            ),
        )
        # No DependsOn between recorder and channel: the recorder's handler starts recording, which
        # needs the channel, and the channel needs the recorder; created side by side, AWS Config
        # retries until both exist (aws-cdk #9001, CloudFormation user guide PR #1282). Both need
        # the role's permissions, and the channel needs the bucket policy to write to the bucket.
        assert role.managed_policy is not None
        for resource in (recorder, channel):
            resource.node.add_dependency(role.managed_policy)
            if self.bucket.policy is not None:
                resource.node.add_dependency(self.bucket.policy)
        self.config_role = role
        return recorder, channel
