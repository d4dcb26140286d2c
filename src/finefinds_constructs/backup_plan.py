"""BackupPlan: an AWS Backup vault and plan that any of the library's data stores opt into by tag."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

from . import compliance
from ._internal import teardown
from ._internal.logs import rotating_key
from ._internal.props import merge_props, replace_checked
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import BackupSettings, EnvironmentProfile

__all__ = ["BackupPlan", "SELECTION_TAG", "default_vault_name"]

#: The tag whose value names the plan that backs a resource up.
SELECTION_TAG = "finefinds:backup"

#: Schedules (UTC) of the tiers: daily 03:00, weekly Sunday 04:00, monthly on the 1st at 05:00.
SCHEDULES = {
    "Daily": events.Schedule.cron(minute="0", hour="3"),
    "Weekly": events.Schedule.cron(minute="0", hour="4", week_day="SUN"),
    "Monthly": events.Schedule.cron(minute="0", hour="5", day="1"),
}

# AWS Backup's own service-role policies (backup and restore, plus S3's separate pair).
_SERVICE_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "service-role/AWSBackupServiceRolePolicyForS3Backup",
    "service-role/AWSBackupServiceRolePolicyForS3Restore",
)

# Keys of `vault_props` the construct owns.
_ENFORCED = {
    "encryption_key": "the vault's customer-managed key is created by BackupPlan (.key)",
    "backup_vault_name": "use the vault_name= argument",
    "removal_policy": "the profile decides (protection.retain_data)",
    "lock_configuration": "the profile decides (backup.vault_lock_days)",
}

_NAME = re.compile(r"[a-zA-Z0-9\-_]{2,50}")


def default_vault_name(profile: EnvironmentProfile) -> str:
    """The vault name a :class:`BackupPlan` uses by default: ``<project>-<environment>-backups``.

    Where the profile retains data, the vault's name also ends in ``-<first 8 characters of the
    stack's id>`` (see :class:`BackupPlan`); the plan's name is always this plus ``-plan``.
    """
    project = re.sub(r"[^a-z0-9-]", "-", profile.tags.project.lower())
    return f"{project}-{profile.name}-backups"


def _stack_unique(stack: cdk.Stack, prefix: str) -> str:
    """``<prefix>-<8 hex characters of the stack id>``: new each time the stack is created."""
    # arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>: the uuid's first group.
    uuid = cdk.Fn.select(2, cdk.Fn.split("/", stack.stack_id))
    return cdk.Fn.join("-", [prefix[:41], cdk.Fn.select(0, cdk.Fn.split("-", uuid))])


class BackupPlan(Construct):
    """An AWS Backup vault and a daily / weekly / monthly plan, selecting resources by tag.

    What it creates, per profile:

    * a customer-managed KMS key (rotation on) and a backup vault encrypted with it, named
      :func:`default_vault_name` unless ``vault_name`` is given;
    * where ``profile.is_retained``: the vault is kept on deletion (``RetainExceptOnCreate``: a
      rolled-back first create leaves nothing behind), its access policy denies deleting recovery
      points, and its default name ends in ``-<8 characters of the stack id>``, because a vault's
      name is unique in the account and region and the kept vault would stop the stack from being
      created again; ``profile.backup.vault_lock_days`` adds a vault lock (governance mode) with
      that minimum retention (production);
    * otherwise (destroyable environments): the vault is deleted with the stack, after a custom
      resource has deleted its recovery points (AWS Backup deletes only empty vaults); the plan
      depends on it, so no new backup starts while it runs. A vault lock is refused here: it would
      keep recovery points, and so the vault, for its minimum retention;
    * a plan with a daily rule kept ``profile.backup.daily_retention_days`` (with continuous
      backup, i.e. point-in-time restore for RDS/Aurora and S3, where
      ``profile.backup.continuous_backup``), and weekly and monthly rules where their retention
      is non-zero; every tier must keep backups at least as long as the one before it;
    * where ``profile.backup.dr_region`` is set, a copy of every recovery point to a vault in that
      region (see below);
    * a selection of every resource tagged ``finefinds:backup=<plan name>``, run by a role that only
      ``backup.amazonaws.com`` can assume, with AWS Backup's service-role policies.

    Opt resources in with :meth:`protect`, which tags them: ``plan.protect(database, media)``.
    Whether an environment gets a plan is ``profile.backup.enabled``; creating one with it off is
    a ``ConfigurationError``.

    Cross-region copies go to a vault in the DR region: deploy the same ``BackupPlan`` (with a
    profile whose ``backup.dr_region`` is ``None``) in a stack in that region and pass its
    ``plan.vault.backup_vault_arn`` as ``dr_vault_arn``. The reference crosses regions (weak
    references: ``Fn::GetStackOutput``; strong ones need ``cross_region_references`` on this
    stack) and makes CDK deploy the DR stack first. Without ``dr_vault_arn`` the plan addresses
    ``arn:<partition>:backup:<dr_region>:<account>:backup-vault:<vault name>``, which works only
    where the name is deterministic: an explicit ``vault_name``, or a profile that does not retain
    data.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the vault and key (a breaking change).
    profile : EnvironmentProfile
        The environment profile; required.
    plan_name : str, optional
        The plan's name, also the value of the selection tag. Default: ``<vault name>-plan``.
    vault_name : str, optional
        The vault's name (2-50 letters, digits, hyphens, underscores), used as given. Default:
        :func:`default_vault_name` of the profile, plus the stack id's first 8 characters where
        ``profile.is_retained``.
    daily_retention_days : int, optional
        Days daily backups are kept. Default: ``profile.backup.daily_retention_days``.
    weekly_retention_days : int, optional
        Days weekly backups are kept, 0 for none. Default: ``profile.backup.weekly_retention_days``.
    monthly_retention_days : int, optional
        Days monthly backups are kept, 0 for none. Default: ``profile.backup.monthly_retention_days``.
    continuous_backup : bool, optional
        Continuous backup on the daily rule. Default: ``profile.backup.continuous_backup``.
    dr_region : str, optional
        Region recovery points are copied to. Default: ``profile.backup.dr_region`` (``None``: no copy).
    dr_vault_arn : str, optional
        ARN of the destination vault in ``dr_region`` (e.g. the DR stack's
        ``plan.vault.backup_vault_arn``); required where the vault's name is not deterministic.
        Default: the vault named ``vault_name`` in ``dr_region`` of the stack's account.
    vault_props : Mapping[str, Any], optional
        Extra ``backup.BackupVaultProps`` keyword arguments (e.g. ``notification_topic``), applied
        over everything else except what the construct enforces (key, name, removal, lock).
        Default: ``None``.

    Attributes
    ----------
    vault : aws_cdk.aws_backup.BackupVault
        The backup vault.
    plan : aws_cdk.aws_backup.BackupPlan
        The backup plan.
    key : aws_cdk.aws_kms.Key
        The key encrypting the vault.
    selection : aws_cdk.aws_backup.BackupSelection
        The tag-based selection.
    role : aws_cdk.aws_iam.Role
        The role AWS Backup uses to back up and restore the selected resources.
    vault_name : str
        The vault's name (a token where it ends in the stack id).
    recovery_points_cleanup : aws_cdk.CustomResource or None
        Deletes the vault's recovery points when the stack is deleted (destroyable profiles).
    plan_name : str
        The plan's name (the selection tag's value).
    settings : BackupSettings
        The effective settings (profile merged with explicit arguments).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        plan_name: str | None = None,
        vault_name: str | None = None,
        daily_retention_days: int | None = None,
        weekly_retention_days: int | None = None,
        monthly_retention_days: int | None = None,
        continuous_backup: bool | None = None,
        dr_region: str | None = None,
        dr_vault_arn: str | None = None,
        vault_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        if not profile.backup.enabled:
            raise ConfigurationError(
                "profile.backup.enabled", False, "true to create a BackupPlan",
                fix="check profile.backup.enabled before creating one, or turn it on", source=self.node.path,
            )
        changes = {
            k: v
            for k, v in dict(
                daily_retention_days=daily_retention_days,
                weekly_retention_days=weekly_retention_days,
                monthly_retention_days=monthly_retention_days,
                continuous_backup=continuous_backup,
                dr_region=dr_region,
            ).items()
            if v is not None
        }
        try:
            self.settings: BackupSettings = replace_checked(profile.backup, **changes) if changes else profile.backup
        except ConfigurationError as exc:
            raise exc.with_source(self.node.path) from None
        settings = self.settings
        stack = cdk.Stack.of(self)
        home = stack.region if not cdk.Token.is_unresolved(stack.region) else profile.region
        if settings.dr_region is not None and settings.dr_region == home:
            raise ConfigurationError(
                "dr_region" if dr_region is not None else "profile.backup.dr_region", settings.dr_region,
                f"a region other than the stack's ({home})",
                fix="copy backups to another region for disaster recovery, or set it to None", source=self.node.path,
            )
        if dr_vault_arn is not None and settings.dr_region is None:
            raise ConfigurationError(
                "dr_vault_arn", dr_vault_arn, "None when no DR region is set",
                fix="set dr_region (or profile.backup.dr_region) to copy backups", source=self.node.path,
            )
        retained = profile.is_retained
        if settings.vault_lock_days is not None and not retained:
            raise ConfigurationError(
                "profile.backup.vault_lock_days", settings.vault_lock_days, "None where profile.protection.retain_data is false",
                fix="a vault lock forbids deleting recovery points younger than its minimum retention, so a destroyable "
                "environment's vault could not be emptied and deleted with its stack; drop the lock or retain data",
                source=self.node.path,
            )
        base = default_vault_name(profile) if vault_name is None else vault_name
        self._check_name("vault_name", base)
        self.plan_name = f"{base}-plan" if plan_name is None else plan_name
        self._check_name("plan_name", self.plan_name)
        # A kept vault outlives its stack; the stack created again needs a name of its own.
        unique = vault_name is None and retained
        self.vault_name = _stack_unique(stack, base) if unique else base
        if settings.dr_region is not None and dr_vault_arn is None and unique:
            raise ConfigurationError(
                "dr_vault_arn", None, f"the ARN of the vault in {settings.dr_region}",
                fix="pass dr_vault_arn=<the DR stack's BackupPlan>.vault.backup_vault_arn (a cross-region reference; CDK "
                "then deploys the DR stack first): a retained vault's name ends in its stack's id, so it cannot be derived",
                source=self.node.path,
            )

        self.key = rotating_key(
            self, "Key", description=f"Encrypts the backup vault {base} ({self.node.path})", retain=retained
        )
        defaults: dict[str, Any] = dict(
            backup_vault_name=self.vault_name,
            encryption_key=self.key,
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if retained else cdk.RemovalPolicy.DESTROY,
            block_recovery_point_deletion=retained,
        )
        if settings.vault_lock_days is not None:
            defaults["lock_configuration"] = backup.LockConfiguration(min_retention=cdk.Duration.days(settings.vault_lock_days))
        props = merge_props(
            parameter="vault_props", defaults=defaults, overrides=vault_props, props_class=backup.BackupVaultProps, enforced=_ENFORCED,
            source=self.node.path,
        )
        self.vault = backup.BackupVault(self, "Vault", **props)

        destination: backup.IBackupVault | None = None
        if settings.dr_region is not None:
            arn = dr_vault_arn or (
                f"arn:{stack.partition}:backup:{settings.dr_region}:{stack.account}:backup-vault:{self.vault_name}"
            )
            destination = backup.BackupVault.from_backup_vault_arn(self, "DrVault", arn)

        self.recovery_points_cleanup: cdk.CustomResource | None = None
        if not retained:
            self.recovery_points_cleanup = teardown.empty_vault_on_delete(self, "RecoveryPointsCleanup", self.vault)

        self.plan = backup.BackupPlan(
            self, "Plan", backup_plan_name=self.plan_name, backup_vault=self.vault, backup_plan_rules=self._rules(destination)
        )
        if self.recovery_points_cleanup is not None:
            # Deleted before the clean-up runs, so no scheduled backup adds a recovery point meanwhile.
            self.plan.node.add_dependency(self.recovery_points_cleanup)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}),
            description=f"AWS Backup: back up and restore resources tagged {SELECTION_TAG}={self.plan_name}",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(name) for name in _SERVICE_POLICIES],
        )
        self.selection = backup.BackupSelection(
            self,
            "Selection",
            backup_plan=self.plan,
            backup_selection_name=f"tagged-{SELECTION_TAG.replace(':', '-')}",
            resources=[backup.BackupResource.from_tag(SELECTION_TAG, self.plan_name)],
            role=self.role,
            disable_default_backup_policy=True,
        )
        self.protected: list[IConstruct] = []

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "BackupPlan")
        if self.recovery_points_cleanup is not None:
            compliance.apply_acknowledgements(self, "BackupPlan[cleanup]")

    # ------------------------------------------------------------------------------------------
    def _check_name(self, parameter: str, value: Any) -> None:
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise ConfigurationError(
                parameter, value, "2-50 letters, digits, hyphens and underscores",
                fix="AWS Backup names allow only [a-zA-Z0-9-_]", source=self.node.path,
            )

    def _rules(self, destination: backup.IBackupVault | None) -> list[backup.BackupPlanRule]:
        s = self.settings
        tiers = [("Daily", s.daily_retention_days), ("Weekly", s.weekly_retention_days), ("Monthly", s.monthly_retention_days)]
        rules = []
        for name, days in tiers:
            if not days:
                continue
            keep = cdk.Duration.days(days)
            rules.append(
                backup.BackupPlanRule(
                    rule_name=name,
                    schedule_expression=SCHEDULES[name],
                    start_window=cdk.Duration.hours(1),
                    completion_window=cdk.Duration.hours(8),
                    delete_after=keep,
                    enable_continuous_backup=(name == "Daily" and s.continuous_backup) or None,
                    copy_actions=[backup.BackupPlanCopyActionProps(destination_backup_vault=destination, delete_after=keep)]
                    if destination is not None
                    else None,
                )
            )
        return rules

    # ------------------------------------------------------------------------------------------
    def protect(self, *constructs: IConstruct) -> "BackupPlan":
        """Opt resources into this plan by tagging them ``finefinds:backup=<plan name>``.

        Accepts this library's ``AuroraCluster``, ``SecureBucket`` and ``CdnBucket`` and plain CDK
        constructs of the types AWS Backup supports: RDS/Aurora clusters and instances, S3 buckets
        (versioned), DynamoDB tables, EFS file systems, EC2 instances and EBS volumes (L2 or L1).

        Parameters
        ----------
        *constructs : constructs.IConstruct
            What to back up.

        Returns
        -------
        BackupPlan
            This plan, for chaining.

        Raises
        ------
        ConfigurationError
            For a construct AWS Backup cannot back up (e.g. ``RedisCache``, whose snapshots are
            ElastiCache's own) or an unversioned S3 bucket.
        """
        for construct in constructs:
            for resource in self._resources_of(construct):
                cdk.Tags.of(resource).add(SELECTION_TAG, self.plan_name)
            self.protected.append(construct)
        return self

    def _resources_of(self, construct: Any) -> list[IConstruct]:
        from .aurora_cluster import AuroraCluster
        from .cdn_bucket import CdnBucket
        from .secure_bucket import SecureBucket

        if isinstance(construct, AuroraCluster):
            return [construct.cluster.node.default_child]
        if isinstance(construct, (SecureBucket, CdnBucket)):
            return [construct.bucket.node.default_child]
        if isinstance(construct, s3.Bucket):
            construct = construct.node.default_child
        if isinstance(construct, s3.CfnBucket):
            versioning = cdk.Stack.of(construct).resolve(construct.versioning_configuration) or {}
            if not isinstance(versioning, dict) or "Enabled" not in (versioning.get("status"), versioning.get("Status")):
                raise ConfigurationError(
                    "protect", construct.node.path, "a versioned S3 bucket",
                    fix="AWS Backup backs up S3 buckets only with versioning on (SecureBucket always has it)",
                    source=self.node.path,
                )
            return [construct]
        if isinstance(construct, rds.DatabaseCluster):
            # The cluster only: AWS Backup backs Aurora up at cluster level, not per instance.
            return [construct.node.default_child]
        if isinstance(construct, (rds.DatabaseInstance, dynamodb.Table, dynamodb.TableV2, efs.FileSystem, ec2.Instance, ec2.Volume)):
            return [construct]  # the L2 routes tags where they belong (TableV2: to its replicas)
        l1 = (rds.CfnDBCluster, rds.CfnDBInstance, dynamodb.CfnTable, dynamodb.CfnGlobalTable, efs.CfnFileSystem, ec2.CfnInstance, ec2.CfnVolume)
        if isinstance(construct, l1):
            return [construct]
        raise ConfigurationError(
            "protect",
            f"{type(construct).__name__} {getattr(getattr(construct, 'node', None), 'path', '')}".strip(),
            "AuroraCluster, SecureBucket, CdnBucket or an RDS, S3, DynamoDB, EFS, EC2 or EBS resource",
            fix="AWS Backup does not support it (RedisCache keeps its own snapshots: profile.cache.snapshot_retention_days)",
            source=self.node.path,
        )
