"""The FineFinds platform's stacks, one per concern (docs/platform.rst).

Each stack is an :class:`~finefinds_constructs.EnvironmentStack`: placed in the profile's account
and region (the edge stack in us-east-1, where CloudFront's certificate and web ACL must live),
zones pinned, organisation tags applied. Stacks exchange only typed construct attributes — a
VPC, a load balancer, a secret — never hard-coded ARNs.
"""

from __future__ import annotations

from dataclasses import dataclass

import dataclasses

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from aws_cdk.aws_config import CfnConfigurationRecorder
from constructs import Construct

from finefinds_constructs import (
    AlarmSet,
    AuditTrail,
    AuroraCluster,
    AuthPool,
    BackupPlan,
    CdnBucket,
    Certificates,
    CostGuard,
    DnsZone,
    EmailSender,
    EnvironmentProfile,
    EnvironmentStack,
    FargateWebService,
    RedisCache,
    SecureVpc,
    WafProtection,
)

#: CloudFront's certificates and CLOUDFRONT-scope web ACLs must be created in us-east-1.
EDGE_REGION = "us-east-1"

#: The placeholder application: a public image, so synthesis needs no Docker build. The
#: unprivileged build runs as uid 101 and listens on 8080 (no root needed to bind it).
PLACEHOLDER_IMAGE = "public.ecr.aws/nginx/nginx-unprivileged:stable-alpine"
PLACEHOLDER_USER = "101"
PLACEHOLDER_PORT = 8080

USER_GROUPS = ("admin", "customer", "seller")


class NetworkStack(EnvironmentStack):
    """The VPC every other concern runs in."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        self.network = SecureVpc(self, "Network", profile=profile)


class DataStack(EnvironmentStack):
    """PostgreSQL (Aurora) and Redis (ElastiCache, Valkey) in the isolated tier."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, network: SecureVpc, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        self.database = AuroraCluster(self, "Database", profile=profile, vpc=network.vpc, database_name="finefinds")
        self.cache = RedisCache(self, "Cache", profile=profile, vpc=network.vpc)


class ApplicationStack(EnvironmentStack):
    """The web service behind its internal ALB (a CloudFront VPC origin), and its regional WAF."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        network: SecureVpc,
        data: DataStack,
        dns: "DnsStack | None",
        **kwargs,
    ) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        # The ALB's certificate, DNS-validated in the environment's zone (CloudFront forwards the
        # viewer's Host header, so it is issued for the environment's domain).
        certificate = (
            Certificates(self, "Certificate", profile=profile, zone=dns.zone).certificate if dns else None
        )
        self.service = FargateWebService(
            self,
            "Web",
            profile=profile,
            vpc=network.vpc,
            image=ecs.ContainerImage.from_registry(PLACEHOLDER_IMAGE),
            container_port=PLACEHOLDER_PORT,
            user=PLACEHOLDER_USER,
            certificate=certificate,
            writable_paths=("/tmp", "/var/cache/nginx", "/var/run"),
            # The default: an internal ALB that the edge stack's VPC origin reaches; no shared
            # secret to rotate across the two stacks.
            cloudfront_access="vpc-origin",
        )
        # Security-group rules, grants and variables for both: DATABASE_HOST/PORT/NAME/USER and
        # DATABASE_AUTH=iam (the task signs in as the application's own user with an IAM token, so
        # no password can go stale when a secret rotates; the host is the proxy's where there is
        # one); REDIS_HOST/PORT/TLS and the secret REDIS_AUTH_TOKEN. The grants land in this
        # stack, so the data stack does not depend on it.
        self.service.connect(data.database, data.cache)
        self.waf: WafProtection | None = None
        if WafProtection.enabled_for(profile):
            # Behind CloudFront every request comes from CloudFront's addresses: the edge stack's
            # CLOUDFRONT-scope ACL rate-limits and geo-blocks the viewer, this one inspects content.
            self.waf = WafProtection(self, "Waf", profile=profile, behind_cloudfront=True)
            self.waf.associate(self.service.load_balancer)


class EmailStack(EnvironmentStack):
    """The SES domain identity the user pool sends from (DKIM and MAIL FROM records in the zone).

    Its own stack, deployed before the identity stack: Cognito refuses an identity SES has not
    verified yet. On an environment's first rollout deploy this stack, wait until ``aws sesv2
    get-email-identity --email-identity <domain>`` shows ``VerifiedForSendingStatus: true``, then
    the rest; and request SES production access for the account and region.
    """

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, dns: "DnsStack", **kwargs) -> None:
        # The zone lives in us-east-1; its id reaches this region through a cross-region reference.
        super().__init__(scope, id, profile=profile, cross_region_references=True, **kwargs)
        self.email = EmailSender(self, "Email", profile=profile, domain_name=dns.zone.zone_name, hosted_zone=dns.zone.zone)


class IdentityStack(EnvironmentStack):
    """Customer and staff sign-in (Cognito), with the regional WAF on the user pool where enabled."""

    def __init__(
        self, scope: Construct, id: str, *, profile: EnvironmentProfile, email: EmailStack | None = None, **kwargs
    ) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        site = f"https://{profile.domain_name}" if profile.domain_name else "https://localhost"
        # The local front end's redirects only where the profile allows them (never in production).
        local = "http://localhost:3000"
        self.auth = AuthPool(
            self,
            "Auth",
            profile=profile,
            callback_urls=[f"{site}/auth/callback"] + ([f"{local}/auth/callback"] if profile.auth.allow_localhost_urls else []),
            logout_urls=[f"{site}/"] + ([f"{local}/"] if profile.auth.allow_localhost_urls else []),
            groups=USER_GROUPS,
            email_sender=email.email if email else None,
        )
        self.waf: WafProtection | None = None
        if WafProtection.enabled_for(profile):
            self.waf = WafProtection(self, "Waf", profile=profile)
            self.waf.associate(self.auth.user_pool)


class DnsStack(EnvironmentStack):
    """The environment's public hosted zone and CloudFront's certificate (us-east-1).

    Route 53 query logging and DNSSEC signing keys must live in us-east-1, as must CloudFront's
    certificate; the application region's certificate validates against this zone across regions.
    """

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, env=cdk.Environment(account=profile.account, region=EDGE_REGION), **kwargs)
        self.zone = DnsZone(self, "Zone", profile=profile)
        self.cdn_certificate = Certificates.for_cloudfront(self, "CdnCertificate", profile=profile, zone=self.zone)


class EdgeStack(EnvironmentStack):
    """CloudFront in front of the media bucket and the API, with its WAF and certificate (us-east-1)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        application: ApplicationStack,
        dns: DnsStack | None,
        **kwargs,
    ) -> None:
        super().__init__(
            scope,
            id,
            profile=profile,
            env=cdk.Environment(account=profile.account, region=EDGE_REGION),
            # The ALB's ARN and DNS name (for the VPC origin) come from the application region.
            cross_region_references=True,
            **kwargs,
        )
        self.waf: WafProtection | None = None
        if WafProtection.enabled_for(profile):
            self.waf = WafProtection(self, "Waf", profile=profile, web_acl_scope="CLOUDFRONT")
        certificate = dns.cdn_certificate.cloudfront_certificate if dns else None
        self.cdn = CdnBucket(
            self,
            "Cdn",
            profile=profile,
            web_acl_arn=self.waf.web_acl_arn if self.waf else None,
            certificate=certificate,
            domain_names=[profile.domain_name] if profile.domain_name else None,
            spa=True,
        )
        # A VPC origin (created here, in the distribution's stack; CloudFront's API is global) to
        # the application region's internal ALB: the service says how it is reached.
        self.cdn.add_api_origin(application.service)
        if dns:
            # The site's name: A/AAAA aliases to the distribution (placed in this stack).
            dns.zone.add_cdn_alias(self.cdn)


class AuditStack(EnvironmentStack):
    """CloudTrail (all regions, validated, encrypted, locked bucket) and AWS Config with its rules."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        self.audit = AuditTrail(self, "Audit", profile=profile)


class BackupStack(EnvironmentStack):
    """AWS Backup: vault, daily/weekly/monthly plan, PITR, DR-region copies where the profile says."""

    def __init__(
        self, scope: Construct, id: str, *, profile: EnvironmentProfile, data: DataStack, dr: "BackupDrStack | None" = None, **kwargs
    ) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        # The DR vault's ARN crosses regions (Fn::GetStackOutput): CDK deploys the DR stack first.
        self.backup = BackupPlan(self, "Backup", profile=profile, dr_vault_arn=dr.backup.vault.backup_vault_arn if dr else None)
        self.backup.protect(data.database)


class BackupDrStack(EnvironmentStack):
    """The vault in the DR region that the environment's backups are copied to (its ARN goes to the Backup stack)."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, **kwargs) -> None:
        dr_region = profile.backup.dr_region
        super().__init__(scope, id, profile=profile, env=cdk.Environment(account=profile.account, region=dr_region), **kwargs)
        # The copy's destination copies nowhere further.
        local = dataclasses.replace(profile, backup=dataclasses.replace(profile.backup, dr_region=None))
        self.backup = BackupPlan(self, "Backup", profile=local)


class CostStack(EnvironmentStack):
    """The monthly budget, cost-anomaly detection and the required cost-allocation tags."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        config_recorder: CfnConfigurationRecorder | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        self.cost = CostGuard(self, "Cost", profile=profile, config_recorder=config_recorder)


class EdgeMonitoringStack(EnvironmentStack):
    """Alarms on the front door: CloudFront and its CLOUDFRONT web ACL (us-east-1, where their metrics are).

    CloudWatch alarms watch only their own region's metrics, so the distribution's 5xx rate and
    origin latency and the edge web ACL's blocked share are alarmed here, with this stack's own
    encrypted topic to the same on-call addresses.
    """

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, edge: "EdgeStack", **kwargs) -> None:
        super().__init__(scope, id, profile=profile, env=cdk.Environment(account=profile.account, region=EDGE_REGION), **kwargs)
        self.alarms = AlarmSet(self, "Alarms", profile=profile, dashboard_name=f"FineFinds-{profile.name}-Edge")
        self.alarms.monitor(edge.cdn, *([edge.waf] if edge.waf else []))


class MonitoringStack(EnvironmentStack):
    """Alarms (to the on-call e-mail addresses) and a dashboard over every regional construct.

    The front door (CloudFront, its web ACL) is alarmed from :class:`EdgeMonitoringStack`.
    """

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, monitored: list, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, cross_region_references=True, **kwargs)
        self.alarms = AlarmSet(self, "Alarms", profile=profile, dashboard_name=f"FineFinds-{profile.name}")
        self.alarms.monitor(*monitored)


@dataclass
class Environment:
    """Every stack of one environment."""

    network: NetworkStack
    data: DataStack
    application: ApplicationStack
    identity: IdentityStack
    edge: EdgeStack
    monitoring: MonitoringStack
    cost: CostStack
    edge_monitoring: EdgeMonitoringStack | None = None
    email: EmailStack | None = None
    dns: DnsStack | None = None
    audit: AuditStack | None = None
    backup: BackupStack | None = None
    backup_dr: BackupDrStack | None = None

    @property
    def stacks(self) -> list[cdk.Stack]:
        optional = [self.edge_monitoring, self.email, self.dns, self.audit, self.backup, self.backup_dr]
        return [self.network, self.data, self.application, self.identity, self.edge, self.monitoring, self.cost] + [
            s for s in optional if s
        ]


def build_environment(app: cdk.App, profile: EnvironmentProfile) -> Environment:
    """Every stack of one environment, named ``FineFinds-<Env>-<Concern>``."""
    prefix = f"FineFinds-{profile.name.capitalize()}"

    def described(concern: str) -> dict:
        return {"description": f"FineFinds {profile.name}: {concern}"}

    dns = DnsStack(app, f"{prefix}-Dns", profile=profile, **described("hosted zone, CloudFront certificate")) if profile.domain_name else None
    network = NetworkStack(app, f"{prefix}-Network", profile=profile, **described("VPC, subnets, NAT, flow logs, endpoints"))
    data = DataStack(app, f"{prefix}-Data", profile=profile, network=network.network, **described("Aurora PostgreSQL and Redis"))
    application = ApplicationStack(
        app, f"{prefix}-Application", profile=profile, network=network.network, data=data, dns=dns,
        **described("Fargate web service, ALB, regional WAF"),
    )
    # SES e-mail where the profile asks for it (production): the identity in its own stack, first.
    email = None
    if profile.auth.email == "SES" and dns:
        email = EmailStack(app, f"{prefix}-Email", profile=profile, dns=dns, **described("SES identity for sign-in e-mail"))
    identity = IdentityStack(app, f"{prefix}-Identity", profile=profile, email=email, **described("Cognito user pool"))
    edge = EdgeStack(
        app, f"{prefix}-Edge", profile=profile, application=application, dns=dns,
        **described("CloudFront, media bucket, CLOUDFRONT WAF"),
    )
    monitored = [
        network.network,
        application.service,
        data.database,
        data.cache,
        identity.auth,
        *[w for w in (application.waf, identity.waf) if w],
    ]
    monitoring = MonitoringStack(app, f"{prefix}-Monitoring", profile=profile, monitored=monitored, **described("alarms and dashboard"))
    edge_monitoring = EdgeMonitoringStack(
        app, f"{prefix}-EdgeMonitoring", profile=profile, edge=edge, **described("CloudFront and edge WAF alarms (us-east-1)")
    )
    audit = None
    if profile.audit.enabled:
        audit = AuditStack(app, f"{prefix}-Audit", profile=profile, **described("CloudTrail and AWS Config"))
    # The required-tags Config rule needs the account's recorder: the Cost stack deploys after Audit.
    cost = CostStack(
        app, f"{prefix}-Cost", profile=profile, config_recorder=audit.audit.recorder if audit else None,
        **described("budget, anomaly detection, required tags"),
    )
    environment = Environment(
        network, data, application, identity, edge, monitoring, cost, edge_monitoring=edge_monitoring, email=email, dns=dns, audit=audit
    )
    if profile.backup.enabled:
        if profile.backup.dr_region:
            environment.backup_dr = BackupDrStack(
                app, f"{prefix}-BackupDr", profile=profile, **described(f"backup copies in {profile.backup.dr_region}")
            )
        environment.backup = BackupStack(
            app, f"{prefix}-Backup", profile=profile, data=data, dr=environment.backup_dr, **described("AWS Backup plan and vault")
        )
    return environment
