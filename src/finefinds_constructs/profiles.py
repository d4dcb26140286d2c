"""Environment profiles: every setting that differs between environments, as data.

A profile is the only way an environment reaches a construct (ARCHITECTURE.md, "Data flow"). Five presets ship —
:data:`DEVELOPMENT`, :data:`QA`, :data:`SANDBOX`, :data:`STAGING` and :data:`PRODUCTION` — and a
team derives its own with :func:`dataclasses.replace` or from a TOML settings file with
:meth:`EnvironmentProfile.from_file`::

    # env/production.toml
    extends = "production"
    account = "123456789012"

    [network]
    cidr = "10.40.0.0/16"

Every field is validated on construction (so ``dataclasses.replace`` is checked too); a bad
value raises :class:`~finefinds_constructs.ConfigurationError` naming the file, the key, the
value and what is allowed. TOML has no null: a settings file unsets an optional setting (``None``
in Python) with ``false``, e.g. ``dr_region = false``.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ._internal import checks
from ._internal.catalog import COUNTRY_CODES, WAF_COUNTRY_CODES
from ._internal.checks import LOG_RETENTION_DAYS, EMAIL, Check, between, each, one_of, pattern, private_cidr, retention
from ._internal.props import closest
from ._internal.regions import REGION_AZS, availability_zone_context_key, default_azs, default_dr_region
from ._internal.values import conforms, file_value, in_toml_terms, optional, type_label
from .errors import ConfigurationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "AlarmSettings",
    "CostSettings",
    "AuditSettings",
    "BackupSettings",
    "AuthSettings",
    "CacheSettings",
    "CdnSettings",
    "ComputeSettings",
    "DatabaseSettings",
    "DnsSettings",
    "EnvironmentProfile",
    "NetworkSettings",
    "ProtectionSettings",
    "TagSettings",
    "WafSettings",
    "DEVELOPMENT",
    "QA",
    "SANDBOX",
    "STAGING",
    "PRODUCTION",
    "PRESETS",
    "LOG_RETENTION_DAYS",
    "environments_for",
]

def setting(default: Any, doc: str, *, check: Check | None = None) -> Any:
    """A profile field with its documentation (used by the docs' defaults tables) and check."""
    return field(default=default, metadata={"doc": doc, "check": check})


# --------------------------------------------------------------------------------------------
# Settings per concern
# --------------------------------------------------------------------------------------------


class _Settings:
    """Base of the per-concern settings: validates its fields on construction."""

    _section: typing.ClassVar[str] = ""

    def __post_init__(self) -> None:
        _validate_fields(self, prefix=f"{self._section}.")


@dataclass(frozen=True)
class NetworkSettings(_Settings):
    """Network settings used by :class:`~finefinds_constructs.SecureVpc`."""

    _section: typing.ClassVar[str] = "network"

    cidr: str = setting("10.0.0.0/16", "VPC IPv4 CIDR; private, /16 to /24.", check=private_cidr)
    nat_gateways: int = setting(1, "NAT gateways (one per AZ for zonal resilience).", check=between(1, 6))
    interface_endpoints: bool = setting(
        False, "Interface endpoints for ECR, Logs, Secrets Manager, KMS, STS and SSM (private AWS API access)."
    )
    flow_log_retention_days: int = setting(30, "VPC flow-log retention in CloudWatch Logs.", check=retention)


@dataclass(frozen=True)
class ComputeSettings(_Settings):
    """Fargate service settings used by ``FargateWebService``."""

    _section: typing.ClassVar[str] = "compute"

    cpu: int = setting(256, "Task CPU units.", check=one_of(256, 512, 1024, 2048, 4096, 8192, 16384))
    memory_mib: int = setting(512, "Task memory (MiB); a size Fargate offers with cpu.", check=between(512, 122880))
    min_tasks: int = setting(1, "Minimum running tasks (autoscaling floor).", check=between(0, 1000))
    max_tasks: int = setting(2, "Maximum running tasks (autoscaling ceiling).", check=between(1, 1000))
    cpu_target_percent: int = setting(60, "Target CPU utilisation for scaling.", check=between(10, 95))
    memory_target_percent: int = setting(70, "Target memory utilisation for scaling.", check=between(10, 95))
    requests_per_target: Optional[int] = setting(
        None, "Target ALB requests per task per minute (None: not used for scaling).", check=between(1, 100000)
    )
    arm64: bool = setting(True, "Run tasks on Graviton (Arm64).")
    spot_percent: int = setting(0, "Share of tasks on Fargate Spot, percent.", check=between(0, 100))
    allow_http: bool = setting(True, "Allow a plain-HTTP listener when no certificate is given.")
    enable_exec: bool = setting(True, "Enable ECS Exec (interactive shells) on tasks.")
    auto_shutdown: bool = setting(False, "Scale to zero out of hours and back in the morning.")
    shutdown_schedule: str = setting("cron(0 20 ? * MON-FRI *)", "When to scale to zero.", check=checks.schedule)
    startup_schedule: str = setting("cron(0 7 ? * MON-FRI *)", "When to scale back up.", check=checks.schedule)
    schedule_time_zone: str = setting("Europe/London", "IANA time zone of the schedules.", check=checks.time_zone)
    health_check_grace_seconds: int = setting(60, "Health-check grace period after a task starts.", check=between(0, 3600))

    def __post_init__(self) -> None:
        super().__post_init__()
        problem = checks.fargate_memory(self.cpu, self.memory_mib)
        if problem:
            raise ConfigurationError("compute.memory_mib", self.memory_mib, problem[0], fix=problem[1])


@dataclass(frozen=True)
class DatabaseSettings(_Settings):
    """Aurora PostgreSQL settings used by ``AuroraCluster``."""

    _section: typing.ClassVar[str] = "database"

    serverless: bool = setting(True, "Aurora Serverless v2 (True) or provisioned instances (False).")
    min_acu: float = setting(0.0, "Serverless v2 minimum capacity; 0 allows auto-pause.", check=between(0, 256))
    max_acu: float = setting(4.0, "Serverless v2 maximum capacity.", check=between(1, 256))
    auto_pause_seconds: int = setting(600, "Idle time before a 0-ACU cluster pauses.", check=between(300, 86400))
    instance_class: Optional[str] = setting(
        "r7g.large", "Provisioned instance class (Graviton), an Aurora PostgreSQL class.", check=checks.aurora_instance_class
    )
    readers: int = setting(0, "Reader instances besides the writer.", check=between(0, 15))
    backup_retention_days: int = setting(7, "Automated backup retention.", check=between(1, 35))
    rds_proxy: bool = setting(False, "Put an RDS Proxy in front of the cluster.")


@dataclass(frozen=True)
class CacheSettings(_Settings):
    """ElastiCache settings used by ``RedisCache``."""

    _section: typing.ClassVar[str] = "cache"

    node_type: str = setting("cache.t4g.micro", "Cache node type.", check=checks.cache_node_type)
    replicas: int = setting(0, "Read replicas per shard.", check=between(0, 5))
    snapshot_retention_days: int = setting(
        15,
        "Daily snapshot retention in days (0: no snapshots); 15 or more meets the NIST 800-53 and HIPAA backup checks.",
        check=between(0, 35),
    )


@dataclass(frozen=True)
class CdnSettings(_Settings):
    """CloudFront settings used by ``CdnBucket``."""

    _section: typing.ClassVar[str] = "cdn"

    price_class: str = setting(
        "PriceClass_100", "CloudFront price class.", check=one_of("PriceClass_100", "PriceClass_200", "PriceClass_All")
    )
    blocked_countries: tuple[str, ...] = setting(
        (),
        "ISO 3166 alpha-2 country codes CloudFront refuses to serve (geo-restriction denylist; empty: worldwide).",
        check=each(checks.countries(COUNTRY_CODES, "CloudFront")),
    )


@dataclass(frozen=True)
class AuthSettings(_Settings):
    """Cognito settings used by ``AuthPool``."""

    _section: typing.ClassVar[str] = "auth"

    mfa: str = setting("OPTIONAL", "Multi-factor authentication.", check=one_of("OPTIONAL", "REQUIRED"))
    threat_protection: str = setting(
        "OFF",
        "Cognito threat protection: 'AUDIT' or 'ENFORCED' put the user pool on the Plus plan (billed for every "
        "monthly active user, no free tier); 'OFF' keeps it on Essentials (10,000 MAUs a month free).",
        check=one_of("OFF", "AUDIT", "ENFORCED"),
    )
    domain_prefix: Optional[str] = setting(
        None,
        "Managed-login domain prefix, unique per region across AWS (None: '<project>-<environment>-<8 hex "
        "characters of the account and construct path>').",
        check=checks.cognito_domain_prefix,
    )
    email: str = setting(
        "COGNITO",
        "Who sends the pool's e-mail: 'COGNITO' (Cognito's built-in sender, a small daily quota meant for "
        "testing) or 'SES' (the verified domain identity of the EmailSender given to AuthPool).",
        check=one_of("COGNITO", "SES"),
    )
    email_from: Optional[str] = setting(
        None,
        "From address of SES e-mail, at the EmailSender's domain (None: no-reply@<that domain>).",
        check=pattern(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", "an address like 'no-reply@example.com'", "fix the address"),
    )
    allow_localhost_urls: bool = setting(
        True, "Accept http(s)://localhost and 127.0.0.1 callback and logout URLs (local front-end development)."
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.email_from is not None and self.email != "SES":
            raise ConfigurationError(
                "auth.email_from", self.email_from, "None unless auth.email is 'SES'",
                fix="Cognito's own sender always sends from no-reply@verificationemail.com; set auth.email = 'SES' or drop email_from",
            )


@dataclass(frozen=True)
class WafSettings(_Settings):
    """AWS WAF settings used by ``WafProtection``."""

    _section: typing.ClassVar[str] = "waf"

    enabled: bool = setting(False, "Whether this environment gets a WAF.")
    rate_limit: int = setting(2000, "Requests per 5 minutes per IP before blocking.", check=between(10, 2_000_000_000))
    count_only_rules: tuple[str, ...] = setting(
        (), "Managed rule groups run in COUNT mode (staging a rule).", check=each(checks.waf_rule_group)
    )
    linux_rules: bool = setting(False, "Add the Linux OS managed rule group.")
    blocked_countries: tuple[str, ...] = setting(
        (), "ISO 3166 alpha-2 country codes to block (AWS WAF also takes 'XK', Kosovo).", check=each(checks.countries(WAF_COUNTRY_CODES, "AWS WAF"))
    )


@dataclass(frozen=True)
class AlarmSettings(_Settings):
    """Alarm thresholds and notification used by ``AlarmSet``."""

    _section: typing.ClassVar[str] = "alarms"

    emails: tuple[str, ...] = setting((), "Addresses subscribed to the alarm topic.", check=each(EMAIL))
    cpu_percent: int = setting(80, "CPU utilisation alarm threshold.", check=between(1, 100))
    memory_percent: int = setting(80, "Memory utilisation alarm threshold.", check=between(1, 100))
    error_rate_percent: float = setting(5.0, "HTTP 5xx share of requests that alarms.", check=between(0.1, 100))
    latency_p99_ms: int = setting(1000, "p99 response-time budget, milliseconds.", check=between(1, 60000))
    evaluation_periods: int = setting(3, "Periods evaluated per alarm.", check=between(1, 100))
    datapoints_to_alarm: int = setting(2, "Breaching periods (of those evaluated) that alarm.", check=between(1, 100))
    period_seconds: int = setting(60, "Metric period.", check=one_of(10, 30, 60, 300, 900, 3600))
    waf_blocked_percent: float = setting(
        25.0, "Share of requests the WAF blocks that alarms (an attack, or a rule blocking real users).", check=between(0.1, 100)
    )
    min_requests: int = setting(
        20, "Requests per period below which percentage alarms (5xx, WAF blocks) stay quiet.", check=between(0, 1_000_000)
    )
    connections_percent: int = setting(
        80, "Database connections, as a share of the estimated max_connections, that alarm.", check=between(1, 100)
    )
    replica_lag_ms: int = setting(
        2000, "Replication lag of Aurora readers and cache replicas that alarms, milliseconds.", check=between(1, 3_600_000)
    )
    sign_in_failure_percent: float = setting(
        50.0, "Share of failed Cognito sign-ins (with at least min_requests attempts) that alarms.", check=between(0.1, 100)
    )


@dataclass(frozen=True)
class ProtectionSettings(_Settings):
    """What happens to stateful resources on stack deletion, and how long logs live."""

    _section: typing.ClassVar[str] = "protection"

    retain_data: bool = setting(False, "Retain (or snapshot) stateful resources when a stack is deleted.")
    deletion_protection: bool = setting(False, "Turn deletion protection on where a service offers it.")
    log_retention_days: int = setting(30, "Retention of application and service log groups.", check=retention)


@dataclass(frozen=True)
class TagSettings(_Settings):
    """The organisation's cost-allocation and ownership tags."""

    _section: typing.ClassVar[str] = "tags"

    project: str = setting("FineFinds", "The Project tag.", check=checks.tag_value)
    owner: str = setting("platform-engineering", "The Owner tag.", check=checks.tag_value)
    cost_center: str = setting("CC-1000", "The CostCenter tag.", check=checks.tag_value)
    managed_by: str = setting("aws-cdk/finefinds-constructs", "The ManagedBy tag.", check=checks.tag_value)


#: AWS managed Config rules (identifiers) that ``AuditTrail`` deploys by default; none needs parameters.
DEFAULT_CONFIG_RULES = (
    "CLOUD_TRAIL_ENABLED",
    "CLOUD_TRAIL_ENCRYPTION_ENABLED",
    "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
    "S3_BUCKET_SSL_REQUESTS_ONLY",
    "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    "RDS_STORAGE_ENCRYPTED",
    "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
    "VPC_FLOW_LOGS_ENABLED",
    "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
    "ENCRYPTED_VOLUMES",
    "IAM_ROOT_ACCESS_KEY_CHECK",
    "ROOT_ACCOUNT_MFA_ENABLED",
    "CMK_BACKING_KEY_ROTATION_ENABLED",
)


@dataclass(frozen=True)
class AuditSettings(_Settings):
    """CloudTrail and AWS Config settings used by ``AuditTrail``."""

    _section: typing.ClassVar[str] = "audit"

    enabled: bool = setting(True, "Whether this environment's account gets an AuditTrail (apps check it before creating one).")
    retention_days: int = setting(
        365, "Days audit logs (CloudTrail, AWS Config) are kept in the audit bucket before expiry.", check=between(2, 36500)
    )
    glacier_after_days: int = setting(
        90, "Days after which audit logs move to S3 Glacier Flexible Retrieval.", check=between(1, 36499)
    )
    log_retention_days: int = setting(90, "Retention of the trail's CloudWatch log group.", check=retention)
    config_rules: tuple[str, ...] = setting(
        DEFAULT_CONFIG_RULES,
        "AWS managed Config rule identifiers to deploy (rules that need no parameters).",
        check=each(pattern(r"[A-Z0-9_]{3,128}", "managed rule identifiers like 'S3_BUCKET_SSL_REQUESTS_ONLY'", "use the upper-case identifier")),
    )
    home_region: Optional[str] = setting(
        None,
        "The region whose Config recorder records global resources (IAM); None: the profile's region.",
        check=checks.region,
    )
    config_recorder: str = setting(
        "create",
        "'create': AuditTrail creates the AWS Config recorder, delivery channel and role of the account "
        "and region (one of each per account and region); 'existing': the account already records "
        "(Control Tower, Security Hub, an organisation's Config): only the Config rules are deployed.",
        check=one_of("create", "existing"),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.retention_days <= self.glacier_after_days:
            raise ConfigurationError(
                "audit.retention_days", self.retention_days,
                f"more than audit.glacier_after_days ({self.glacier_after_days})",
                fix="expire audit logs after they move to Glacier, or lower glacier_after_days",
            )


@dataclass(frozen=True)
class BackupSettings(_Settings):
    """AWS Backup settings used by ``BackupPlan``."""

    _section: typing.ClassVar[str] = "backup"

    enabled: bool = setting(True, "Whether this environment gets a BackupPlan (apps check it before creating one).")
    daily_retention_days: int = setting(7, "Retention of daily backups.", check=between(1, 36500))
    weekly_retention_days: int = setting(0, "Retention of weekly backups (0: no weekly backups).", check=between(0, 36500))
    monthly_retention_days: int = setting(0, "Retention of monthly backups (0: no monthly backups).", check=between(0, 36500))
    continuous_backup: bool = setting(
        False, "Continuous backup (point-in-time restore) on the daily rule where the service supports it; daily retention <= 35."
    )
    vault_lock_days: Optional[int] = setting(
        None, "Vault lock (governance mode) minimum retention in days (None: no lock).", check=between(1, 36500)
    )
    dr_region: Optional[str] = setting(
        None,
        "Region daily backups are copied to, not the profile's region (None: no cross-region copy). A preset's "
        "follows a settings file's region: another region in the same country, else jurisdiction or continent.",
        check=checks.region,
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.weekly_retention_days and self.weekly_retention_days < self.daily_retention_days:
            raise ConfigurationError(
                "backup.weekly_retention_days", self.weekly_retention_days,
                f"0 or at least backup.daily_retention_days ({self.daily_retention_days})",
                fix="weekly backups must outlive daily ones",
            )
        floor = self.weekly_retention_days or self.daily_retention_days
        if self.monthly_retention_days and self.monthly_retention_days < floor:
            raise ConfigurationError(
                "backup.monthly_retention_days", self.monthly_retention_days,
                f"0 or at least {floor} (the weekly, else daily, retention)",
                fix="monthly backups must outlive weekly and daily ones",
            )
        if self.continuous_backup and self.daily_retention_days > 35:
            raise ConfigurationError(
                "backup.daily_retention_days", self.daily_retention_days, "1..35 with continuous_backup",
                fix="continuous backups are kept at most 35 days; lower it or turn continuous_backup off",
            )
        if self.vault_lock_days is not None and self.vault_lock_days > self.daily_retention_days:
            raise ConfigurationError(
                "backup.vault_lock_days", self.vault_lock_days,
                f"at most backup.daily_retention_days ({self.daily_retention_days})",
                fix="a vault lock's minimum retention must not exceed the shortest backup retention",
            )


@dataclass(frozen=True)
class CostSettings(_Settings):
    """Budget alerts, cost anomaly detection and tag enforcement used by ``CostGuard``."""

    _section: typing.ClassVar[str] = "cost"

    actual_threshold_percent: int = setting(
        80, "Actual spend, as a share of monthly_budget_usd, that notifies.", check=between(1, 1000)
    )
    forecast_threshold_percent: int = setting(
        100, "Forecast month-end spend, as a share of monthly_budget_usd, that notifies.", check=between(1, 1000)
    )
    anomaly_threshold_usd: float = setting(
        50.0, "Total impact (USD) of a cost anomaly that notifies.", check=between(1, 1_000_000)
    )
    anomaly_monitor: str = setting(
        "ENVIRONMENT_TAG",
        "Cost anomaly monitor: 'ENVIRONMENT_TAG' (a CUSTOM monitor of the costs tagged Environment=<name>; "
        "the tag activated for cost allocation; only in a management or standalone account), 'EXISTING' "
        "(anomaly_monitor_arn, e.g. the account's AWS services monitor) or 'SERVICE' (a DIMENSIONAL monitor "
        "of every AWS service; AWS allows one per account, so only where the account has none).",
        check=one_of("ENVIRONMENT_TAG", "EXISTING", "SERVICE"),
    )
    anomaly_monitor_arn: Optional[str] = setting(
        None,
        "ARN of the existing cost anomaly monitor to subscribe to, with anomaly_monitor = 'EXISTING' "
        "(aws ce get-anomaly-monitors lists them).",
        check=pattern(
            r"arn:aws[-a-z]*:ce::[0-9]{12}:anomalymonitor/[-a-zA-Z0-9/:_]+",
            "a cost anomaly monitor ARN like 'arn:aws:ce::123456789012:anomalymonitor/0a1b2c3d-...'",
            "copy MonitorArn from the output of aws ce get-anomaly-monitors",
        ),
    )
    enforce_required_tags: bool = setting(
        True, "Deploy the AWS Config managed rule REQUIRED_TAGS for the organisation tags (needs a Config recorder)."
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.anomaly_monitor == "EXISTING") != (self.anomaly_monitor_arn is not None):
            raise ConfigurationError(
                "cost.anomaly_monitor_arn", self.anomaly_monitor_arn,
                "an ARN exactly when cost.anomaly_monitor is 'EXISTING' "
                f"(cost.anomaly_monitor is {self.anomaly_monitor!r})",
                fix="set both anomaly_monitor = 'EXISTING' and anomaly_monitor_arn, or neither",
            )


_DNS_NAME_CHECK = pattern(
    r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    "a lowercase DNS name like 'finefinds.example'",
    "drop the scheme, path and trailing dot",
)
_ZONE_ID_CHECK = pattern(r"Z[A-Z0-9]{1,32}", "a Route 53 hosted zone id like 'Z0123456789ABCDEFGHIJ'", "copy the id without '/hostedzone/'")


@dataclass(frozen=True)
class DnsSettings(_Settings):
    """Route 53 settings used by ``DnsZone``."""

    _section: typing.ClassVar[str] = "dns"

    existing_zone_id: Optional[str] = setting(
        None,
        "Id of an existing public hosted zone for domain_name to use instead of creating one (None: create it).",
        check=_ZONE_ID_CHECK,
    )
    query_logging: bool = setting(
        False, "Log DNS queries to CloudWatch Logs (a log group in us-east-1; the zone's stack must be in us-east-1)."
    )
    dnssec: bool = setting(
        False, "Sign the zone with DNSSEC (KMS key in us-east-1; add the DS record at the parent zone or registrar)."
    )
    parent_zone_name: Optional[str] = setting(
        None,
        "The Route 53 zone that delegates to this environment's zone with an NS record, e.g. 'finefinds.example' "
        "(None: no parent zone in Route 53; see delegated_at_registrar).",
        check=_DNS_NAME_CHECK,
    )
    parent_zone_id: Optional[str] = setting(
        None,
        "Id of the parent zone: required when it is in this account (the NS record is created in it); in another "
        "account optional (None: the delegation role looks the zone up by parent_zone_name).",
        check=_ZONE_ID_CHECK,
    )
    parent_account: Optional[str] = setting(
        None,
        "Account of the parent zone when it is not this one: the zone is delegated through the role that the "
        "parent's DnsZone creates for it (its dns.delegations), with CrossAccountZoneDelegationRecord.",
        check=pattern(r"\d{12}", "a 12-digit AWS account id", "quote it as a string: parent_account = \"123456789012\""),
    )
    delegation_role_arn: Optional[str] = setting(
        None,
        "ARN of a delegation role in the parent zone's account that this account may assume, for a parent zone "
        "not managed by DnsZone (instead of parent_account).",
        check=pattern(
            r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", "an IAM role ARN", "e.g. 'arn:aws:iam::123456789012:role/dns-delegation'"
        ),
    )
    delegated_at_registrar: bool = setting(
        False,
        "The zone's name servers are set at the domain's registrar (an apex domain such as 'finefinds.example'), "
        "outside this app: copy them there after the first deployment.",
    )
    delegations: tuple[str, ...] = setting(
        (),
        "Subdomains this zone delegates to other accounts, as '<subdomain>=<account id>' "
        "(e.g. 'dev.finefinds.example=111111111111'): DnsZone creates one role per entry that only that "
        "account may assume and that may only write that subdomain's NS record.",
        check=each(
            pattern(
                r"(?=.{1,253}=)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}=\d{12}",
                "entries like 'dev.finefinds.example=111111111111'",
                "write the subdomain, '=', and the 12-digit account id of its zone",
            )
        ),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.parent_zone_name is None:
            for key in ("parent_zone_id", "parent_account", "delegation_role_arn"):
                if getattr(self, key) is not None:
                    raise ConfigurationError(
                        f"dns.{key}", getattr(self, key), "None without dns.parent_zone_name",
                        fix="set dns.parent_zone_name, the zone that delegates to this one",
                    )
        elif self.delegated_at_registrar:
            raise ConfigurationError(
                "dns.delegated_at_registrar", True, "false when dns.parent_zone_name is set",
                fix="a zone is delegated by its parent zone or at the registrar, not both",
            )
        if self.parent_account is not None and self.delegation_role_arn is not None:
            raise ConfigurationError(
                "dns.delegation_role_arn", self.delegation_role_arn, "None when dns.parent_account is set",
                fix="parent_account uses the role the parent's DnsZone creates; give one of them",
            )


def _document_fields(cls: type) -> type:
    """Append a numpy "Parameters" section generated from the fields' docs and defaults."""
    hints = typing.get_type_hints(cls)
    lines = ["", "Parameters", "----------"]
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        type_name = hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")
        default = repr(f.default) if f.default is not dataclasses.MISSING else f"{type_name}()"
        lines += [f"{f.name} : {type_name}", f"    {f.metadata.get('doc', '')}", f"    Default: ``{default}``."]
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n" + "\n".join(lines) + "\n"
    return cls


_SECTIONS = {
    "network": NetworkSettings,
    "compute": ComputeSettings,
    "database": DatabaseSettings,
    "cache": CacheSettings,
    "cdn": CdnSettings,
    "auth": AuthSettings,
    "waf": WafSettings,
    "alarms": AlarmSettings,
    "protection": ProtectionSettings,
    "tags": TagSettings,
    "dns": DnsSettings,
    "cost": CostSettings,
    "audit": AuditSettings,
    "backup": BackupSettings,
}


# --------------------------------------------------------------------------------------------
# The profile
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnvironmentProfile:
    """Everything that differs between environments, validated on construction.

    Use a preset (:data:`PRODUCTION`, ...), derive one with :func:`dataclasses.replace`, or load a
    settings file with :meth:`from_file`. Nested settings group the fields per concern.
    """

    name: str = setting(
        "development",
        "Environment name; used in tags and names.",
        check=pattern(r"[a-z][a-z0-9-]{1,30}", "lowercase letters, digits and hyphens, 2-31 characters", "e.g. 'staging'"),
    )
    account: Optional[str] = setting(
        None,
        "AWS account id (None: environment-agnostic, resolved by the CLI at deploy time).",
        check=pattern(r"\d{12}", "a 12-digit AWS account id", "quote it as a string: account = \"123456789012\""),
    )
    region: str = setting("eu-west-1", "AWS region (commercial partition).", check=checks.region)
    availability_zones: tuple[str, ...] = setting(
        ("eu-west-1a", "eu-west-1b"), "Pinned availability zones (no lookups at synth time)."
    )
    domain_name: Optional[str] = setting(
        None,
        "The environment's public DNS name, served by the CDN (None: CloudFront's own domain).",
        check=pattern(
            r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
            "a lowercase DNS name like 'shop.example.com'",
            "drop the scheme, path and trailing dot",
        ),
    )
    monthly_budget_usd: int = setting(500, "Monthly cost budget in USD.", check=between(1, 10_000_000))
    network: NetworkSettings = field(default_factory=NetworkSettings, metadata={"doc": "Network settings."})
    compute: ComputeSettings = field(default_factory=ComputeSettings, metadata={"doc": "Fargate settings."})
    database: DatabaseSettings = field(default_factory=DatabaseSettings, metadata={"doc": "Aurora settings."})
    cache: CacheSettings = field(default_factory=CacheSettings, metadata={"doc": "ElastiCache settings."})
    cdn: CdnSettings = field(default_factory=CdnSettings, metadata={"doc": "CloudFront settings."})
    auth: AuthSettings = field(default_factory=AuthSettings, metadata={"doc": "Cognito settings."})
    waf: WafSettings = field(default_factory=WafSettings, metadata={"doc": "WAF settings."})
    alarms: AlarmSettings = field(default_factory=AlarmSettings, metadata={"doc": "Alarm settings."})
    protection: ProtectionSettings = field(default_factory=ProtectionSettings, metadata={"doc": "Data protection."})
    tags: TagSettings = field(default_factory=TagSettings, metadata={"doc": "Organisation tags."})
    dns: DnsSettings = field(default_factory=DnsSettings, metadata={"doc": "Route 53 hosted zone settings."})
    cost: CostSettings = field(default_factory=CostSettings, metadata={"doc": "Budget alerts and cost anomaly detection."})
    audit: AuditSettings = field(default_factory=AuditSettings, metadata={"doc": "CloudTrail and AWS Config."})
    backup: BackupSettings = field(default_factory=BackupSettings, metadata={"doc": "AWS Backup."})

    def __post_init__(self) -> None:
        _validate_fields(self, prefix="")
        self._validate_cross_field()

    # -- cross-field rules -------------------------------------------------------------------
    def _validate_cross_field(self) -> None:
        offered = REGION_AZS[self.region]
        if not self.availability_zones:
            raise ConfigurationError("availability_zones", [], f"1 to {len(offered)} of {', '.join(offered)}")
        for az in self.availability_zones:
            if az not in offered:
                raise ConfigurationError(
                    "availability_zones",
                    list(self.availability_zones),
                    f"zones of {self.region}: {', '.join(offered)}",
                    fix=f"{az!r} is not in {self.region}; pick zones of the profile's region",
                )
        if len(set(self.availability_zones)) != len(self.availability_zones):
            raise ConfigurationError("availability_zones", list(self.availability_zones), "each zone once")
        if self.network.nat_gateways > len(self.availability_zones):
            raise ConfigurationError(
                "network.nat_gateways",
                self.network.nat_gateways,
                f"1 to {len(self.availability_zones)} (one per availability zone at most)",
                fix="lower nat_gateways or add availability zones",
            )
        c = self.compute
        if c.min_tasks > c.max_tasks:
            raise ConfigurationError(
                "compute.min_tasks", c.min_tasks, f"at most compute.max_tasks ({c.max_tasks})", fix="min <= max"
            )
        d = self.database
        if d.min_acu > d.max_acu:
            raise ConfigurationError(
                "database.min_acu", d.min_acu, f"at most database.max_acu ({d.max_acu})", fix="min <= max"
            )
        if not d.serverless and not d.instance_class:
            raise ConfigurationError(
                "database.instance_class", d.instance_class, "an instance class such as 'r7g.large'",
                fix="a provisioned cluster (serverless = false) needs an instance class",
            )
        if self.backup.dr_region == self.region:
            raise ConfigurationError(
                "backup.dr_region", self.backup.dr_region, f"a region other than region ({self.region})",
                fix=f"e.g. {default_dr_region(self.region)!r}, or None for no cross-region copy",
            )
        a = self.alarms
        if a.datapoints_to_alarm > a.evaluation_periods:
            raise ConfigurationError(
                "alarms.datapoints_to_alarm", a.datapoints_to_alarm,
                f"at most alarms.evaluation_periods ({a.evaluation_periods})", fix="M of N needs M <= N",
            )

    # -- derived values ------------------------------------------------------------------------
    def organisation_tags(self) -> dict[str, str]:
        """The organisation tags every construct applies (Environment, Project, Owner, CostCenter, ManagedBy)."""
        return {
            "Environment": self.name,
            "Project": self.tags.project,
            "Owner": self.tags.owner,
            "CostCenter": self.tags.cost_center,
            "ManagedBy": self.tags.managed_by,
        }

    def availability_zone_context(self, account: str | None = None) -> dict[str, list[str]]:
        """CDK context that pins this profile's zones for ``account`` (default: the profile's).

        Pass it to ``cdk.App(context=...)`` when you build stacks yourself instead of using
        :class:`~finefinds_constructs.EnvironmentStack`. Empty for environment-agnostic profiles.
        """
        account = account or self.account
        if not account:
            return {}
        return {availability_zone_context_key(account, self.region): list(self.availability_zones)}

    @property
    def is_retained(self) -> bool:
        """Whether stateful resources are retained (or snapshotted) on deletion."""
        return self.protection.retain_data

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path) -> "EnvironmentProfile":
        """Load a profile from a TOML settings file.

        ``extends = "<preset>"`` starts from that preset (default: ``development``); every other
        key overrides it. Nested tables (``[network]``, ``[compute]``, ...) override one concern's
        settings field by field. ``false`` unsets an optional setting (``dr_region = false``).
        A ``region`` moves what the preset derived from its region along with it: the pinned
        availability zones and, where the preset copies backups, ``backup.dr_region`` (to the new
        region's partner: another region in the same country, else the same jurisdiction or
        continent), unless the file sets those too. A ``backup.dr_region`` equal to ``region`` is
        refused.

        Parameters
        ----------
        path : str or pathlib.Path
            The settings file.

        Raises
        ------
        ConfigurationError
            For a missing or malformed file, an unknown key (with the closest known key), a
            wrong type or an out-of-range value; the message names the file and the key.
        """
        path = Path(path)
        source = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError("path", source, "an existing TOML file", fix="check the path") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError("(file)", source, "valid TOML", fix=str(exc), source=source) from None
        try:
            return cls.from_mapping(data)
        except ConfigurationError as exc:
            raise exc.with_source(source) from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "EnvironmentProfile":
        """Build a profile from a mapping shaped like a settings file (see :meth:`from_file`)."""
        data = dict(data)
        base_name = data.pop("extends", "development")
        if base_name not in PRESETS:
            # "prod" for "production": an abbreviation is the likeliest slip.
            hint = next((n for n in PRESETS if n.startswith(str(base_name))), None) or closest(str(base_name), PRESETS)
            raise ConfigurationError(
                "extends", base_name, " | ".join(PRESETS), fix=f"did you mean {hint!r}?" if hint else "name a preset"
            )
        try:
            return _apply(PRESETS[base_name], data, prefix="")
        except ConfigurationError as exc:
            raise in_toml_terms(exc) from None

    def settings(self) -> dict[str, Any]:
        """This profile as plain data, shaped like a settings file (for docs and reports)."""
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------------------------
# Validation machinery
# --------------------------------------------------------------------------------------------


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _validate_fields(obj: Any, *, prefix: str) -> None:
    hints = _hints(type(obj))
    for f in dataclasses.fields(obj):
        if dataclasses.is_dataclass(hints[f.name]):
            continue  # nested settings validated themselves on construction
        value = getattr(obj, f.name)
        ok, norm = conforms(value, hints[f.name])
        if not ok:
            raise ConfigurationError(f"{prefix}{f.name}", value, type_label(hints[f.name]))
        if norm is not value:  # lists from TOML become tuples, ints for floats become floats
            object.__setattr__(obj, f.name, norm)
        check = f.metadata.get("check")
        problem = check(norm) if check else None
        if problem:
            allowed, fix, *entry = problem  # a list's check adds the bad entry's "[index]" and value
            where, bad = entry or ("", value)
            raise ConfigurationError(f"{prefix}{f.name}{where}", bad, allowed, fix=fix)


def _apply(base: Any, data: Mapping[str, Any], *, prefix: str) -> Any:
    """Return ``base`` with ``data`` applied field by field (nested tables recurse)."""
    fields = {f.name: f for f in dataclasses.fields(base)}
    hints = _hints(type(base))
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            hint = closest(key, list(fields) + (["extends"] if not prefix else []))
            raise ConfigurationError(
                f"{prefix}{key}",
                value,
                f"one of the {'[' + prefix.rstrip('.') + '] ' if prefix else ''}keys: {', '.join(fields)}",
                fix=f"did you mean {(prefix + hint)!r}?" if hint else "remove the key",
            )
        annotation = hints[key]
        if dataclasses.is_dataclass(annotation):
            if not isinstance(value, Mapping):
                raise ConfigurationError(f"{prefix}{key}", value, f"a [{prefix}{key}] table")
            changes[key] = _apply(getattr(base, key), value, prefix=f"{prefix}{key}.")
        elif value is False and optional(annotation):
            changes[key] = None  # the file's spelling of None
        else:
            changes[key] = file_value(f"{prefix}{key}", key, value, annotation, fields[key].metadata.get("check"))
    if not prefix and changes.get("region") in REGION_AZS:
        _follow_region(base, data, changes)
    return dataclasses.replace(base, **changes)


def _follow_region(base: Any, data: Mapping[str, Any], changes: dict[str, Any]) -> None:
    """A region change moves what the preset derived from its region: the pinned zones (unless
    ``availability_zones`` is set) and the DR region (unless ``backup.dr_region`` is set)."""
    region = changes["region"]
    if "availability_zones" not in changes:
        count = min(len(base.availability_zones), len(REGION_AZS[region]))
        changes["availability_zones"] = default_azs(region, count)
    backup = changes.get("backup", base.backup)
    if backup.dr_region is not None and "dr_region" not in data.get("backup", {}):
        changes["backup"] = dataclasses.replace(backup, dr_region=default_dr_region(region))


for _cls in (*_SECTIONS.values(), EnvironmentProfile):
    _document_fields(_cls)

# --------------------------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------------------------

_NON_PRODUCTION_COMPUTE = ComputeSettings(
    min_tasks=1, max_tasks=2, arm64=True, spot_percent=100, allow_http=True, enable_exec=True, auto_shutdown=True
)

DEVELOPMENT = EnvironmentProfile(
    name="development",
    availability_zones=default_azs("eu-west-1", 2),
    monthly_budget_usd=400,
    network=NetworkSettings(cidr="10.10.0.0/16", nat_gateways=1, flow_log_retention_days=14),
    compute=_NON_PRODUCTION_COMPUTE,
    database=DatabaseSettings(serverless=True, min_acu=0, max_acu=2, backup_retention_days=1),
    protection=ProtectionSettings(retain_data=False, deletion_protection=False, log_retention_days=14),
    audit=AuditSettings(retention_days=90, glacier_after_days=30, log_retention_days=30),
    backup=BackupSettings(daily_retention_days=7),
    cost=CostSettings(actual_threshold_percent=80, forecast_threshold_percent=100, anomaly_threshold_usd=25.0),
)
"""Feature development: smallest footprint, Spot, auto-shutdown, everything destroyable."""

QA = dataclasses.replace(
    DEVELOPMENT,
    name="qa",
    monthly_budget_usd=300,
    network=NetworkSettings(cidr="10.20.0.0/16", nat_gateways=1, flow_log_retention_days=30),
    database=DatabaseSettings(serverless=True, min_acu=0, max_acu=4, backup_retention_days=3),
    protection=ProtectionSettings(retain_data=False, deletion_protection=False, log_retention_days=30),
)
"""Quality assurance: like development, a little more capacity and retention."""

SANDBOX = dataclasses.replace(
    DEVELOPMENT,
    name="sandbox",
    monthly_budget_usd=200,
    network=NetworkSettings(cidr="10.30.0.0/16", nat_gateways=1, flow_log_retention_days=7),
    protection=ProtectionSettings(retain_data=False, deletion_protection=False, log_retention_days=7),
)
"""Experiments: short retention, destroyed cleanly."""

STAGING = EnvironmentProfile(
    name="staging",
    availability_zones=default_azs("eu-west-1", 2),
    monthly_budget_usd=1500,
    network=NetworkSettings(cidr="10.40.0.0/16", nat_gateways=1, flow_log_retention_days=90),
    compute=dataclasses.replace(_NON_PRODUCTION_COMPUTE, min_tasks=1, max_tasks=4, spot_percent=50),
    database=DatabaseSettings(serverless=True, min_acu=0, max_acu=8, backup_retention_days=7),
    cache=CacheSettings(node_type="cache.t4g.small", replicas=1, snapshot_retention_days=15),
    # Threat protection would put staging on the Plus plan; it rehearses production with Essentials.
    auth=AuthSettings(mfa="OPTIONAL", threat_protection="OFF"),
    protection=ProtectionSettings(retain_data=True, deletion_protection=True, log_retention_days=90),
    dns=DnsSettings(query_logging=True),
    audit=AuditSettings(retention_days=365, glacier_after_days=90, log_retention_days=90),
    backup=BackupSettings(daily_retention_days=14, weekly_retention_days=35, continuous_backup=True),
    cost=CostSettings(actual_threshold_percent=80, forecast_threshold_percent=100, anomaly_threshold_usd=50.0),
)
"""Pre-production rehearsal: production-shaped data protection, non-production cost levers."""

PRODUCTION = EnvironmentProfile(
    name="production",
    availability_zones=default_azs("eu-west-1", 3),
    monthly_budget_usd=6000,
    network=NetworkSettings(cidr="10.50.0.0/16", nat_gateways=3, interface_endpoints=True, flow_log_retention_days=365),
    compute=ComputeSettings(
        cpu=1024,
        memory_mib=2048,
        min_tasks=3,
        max_tasks=12,
        requests_per_target=1000,
        arm64=True,
        spot_percent=0,
        allow_http=False,
        enable_exec=False,
        auto_shutdown=False,
        health_check_grace_seconds=120,
    ),
    database=DatabaseSettings(serverless=False, instance_class="r7g.large", readers=2, backup_retention_days=35, rds_proxy=True),
    cache=CacheSettings(node_type="cache.r7g.large", replicas=2, snapshot_retention_days=15),
    cdn=CdnSettings(price_class="PriceClass_All"),
    # SES sends at production volume (Cognito's own sender has a small daily quota); no localhost redirects.
    auth=AuthSettings(mfa="REQUIRED", threat_protection="ENFORCED", email="SES", allow_localhost_urls=False),
    waf=WafSettings(enabled=True, rate_limit=2000),
    alarms=AlarmSettings(latency_p99_ms=200, evaluation_periods=3, datapoints_to_alarm=2),
    protection=ProtectionSettings(retain_data=True, deletion_protection=True, log_retention_days=365),
    dns=DnsSettings(query_logging=True, dnssec=True),
    audit=AuditSettings(retention_days=2557, glacier_after_days=90, log_retention_days=365),
    backup=BackupSettings(
        daily_retention_days=35,
        weekly_retention_days=90,
        monthly_retention_days=365,
        continuous_backup=True,
        vault_lock_days=7,
        dr_region=default_dr_region("eu-west-1"),
    ),
    cost=CostSettings(actual_threshold_percent=80, forecast_threshold_percent=100, anomaly_threshold_usd=200.0),
)
"""Live customer traffic: three AZs, NAT per AZ, provisioned Multi-AZ data, WAF, long retention."""

#: Preset name → profile.
PRESETS: dict[str, EnvironmentProfile] = {
    p.name: p for p in (DEVELOPMENT, QA, SANDBOX, STAGING, PRODUCTION)
}


def environments_for(app: Any, settings_dir: str | Path, *, context_key: str = "env") -> dict[str, EnvironmentProfile]:
    """The environments an app synthesizes, loaded from its settings folder.

    Every ``<name>.toml`` in ``settings_dir`` (a ``cdk synth`` builds them all), or only the one
    named with ``cdk synth -c env=<name>``. Ordered as the presets (development to production),
    then by name.

    .. code-block:: python

        app = cdk.App()
        for name, profile in profiles.environments_for(app, "env").items():
            build_environment(app, profile)

    Parameters
    ----------
    app : aws_cdk.App
        The app (or any construct) whose context may name one environment.
    settings_dir : str or pathlib.Path
        The folder of settings files, one per environment (see :meth:`EnvironmentProfile.from_file`).
    context_key : str, optional
        The context key that names one environment. Default: ``"env"``.

    Raises
    ------
    ConfigurationError
        When the folder has no settings file, or the context names an environment it has no file
        for (the message lists those it has); or as :meth:`EnvironmentProfile.from_file` does.
    """
    folder = Path(settings_dir)
    order = list(PRESETS)
    available = sorted((f.stem for f in folder.glob("*.toml")), key=lambda n: (order.index(n) if n in order else len(order), n))
    if not available:
        raise ConfigurationError(
            "settings_dir", str(folder), "a folder with one <environment>.toml per environment",
            fix="check the path, or add a settings file (e.g. production.toml with extends = \"production\")",
        )
    wanted = app.node.try_get_context(context_key)
    if wanted is not None and wanted not in available:
        # "prod" for "production": an abbreviation is the likeliest slip.
        hint = next((n for n in available if n.startswith(str(wanted))), None) or closest(str(wanted), available)
        raise ConfigurationError(
            f"{context_key} (cdk context)", wanted, " | ".join(available),
            fix=(f"did you mean {hint!r}? " if hint else "")
            + f"run `cdk synth -c {context_key}=<name>` with one of those, or add {folder / f'{wanted}.toml'}",
        )
    return {name: EnvironmentProfile.from_file(folder / f"{name}.toml") for name in ([wanted] if wanted is not None else available)}
