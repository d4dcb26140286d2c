"""The FineFinds marketing site's stacks, one per concern (DNS, e-mail, storage, contact form, monitoring).

Every stack is an :class:`~finefinds_constructs.EnvironmentStack`. The zone, CloudFront's
certificate and the site's distribution live in us-east-1 (Route 53 query logging, DNSSEC signing
keys and CloudFront certificates must); the e-mail identity, the contact form and the alarms live
in the environment's region. Stacks exchange typed construct attributes, never hard-coded ARNs.

The few cdk-nag findings and checkov checks that cannot be fixed in this app are acknowledged in
ONE place, :data:`ACKNOWLEDGEMENTS` below, each on its exact resource and with its reason.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from finefinds_constructs import (
    AlarmSet,
    CdnBucket,
    Certificates,
    DnsZone,
    EmailSender,
    EnvironmentProfile,
    EnvironmentStack,
    WafProtection,
    building_blocks,
)

HERE = Path(__file__).resolve().parent

#: CloudFront's certificates and CLOUDFRONT-scope web ACLs must be created in us-east-1.
EDGE_REGION = "us-east-1"

#: Where contact-form submissions are delivered.
CONTACT_RECIPIENT = "marketing@finefinds.example"
#: The sender's local part, at the site's SES-verified domain.
CONTACT_SENDER_LOCAL_PART = "contact-form"
#: At most this many submissions per second (burst: CONTACT_BURST) reach the function.
CONTACT_RATE_LIMIT = 5
CONTACT_BURST_LIMIT = 10
#: The function's reserved concurrency: a flood of submissions cannot starve other functions.
CONTACT_CONCURRENCY = 5


@dataclass(frozen=True)
class Ack:
    """One acknowledged finding: ``rule`` on the resources at ``path`` (a glob relative to the stack)."""

    stack: str  # the concern: "ContactForm", ...
    path: str
    rule: str
    reason: str


_PUBLIC_FORM = (
    "The contact form is the public website's anonymous submission endpoint: its callers are site "
    "visitors who have no account, so there is no identity to authorise. Abuse is bounded by the "
    "stage's throttling (rate and burst limits), the function's reserved concurrency, strict input "
    "validation, and SES sending only to the one fixed team address."
)
_SYNC_ONLY = (
    "The function is invoked only synchronously by the HTTP API (never asynchronously), so a "
    "dead-letter queue would never receive anything: failed requests return an error to the caller "
    "and are counted by the Errors alarm."
)
_NO_VPC = (
    "The function reaches no private resource: it only calls the public SES API over TLS with its "
    "own IAM role. Placing it in a VPC would add NAT gateways or interface endpoints without any "
    "security benefit (no data store to isolate)."
)

#: Every acknowledgement the example makes. CKV_* ids are checkov skips (written as
#: ``Metadata.checkov.skip``); the rest are cdk-nag acknowledgements.
ACKNOWLEDGEMENTS: tuple[Ack, ...] = (
    Ack("ContactForm", "Api/POST--contact/Resource", "AwsSolutions-APIG4", _PUBLIC_FORM),
    Ack("ContactForm", "Api/POST--contact/Resource", "ControlTower::CT.APIGATEWAY.PR.5", _PUBLIC_FORM),
    *(
        Ack("ContactForm", "Function/Resource", rule, reason)
        for rule, reason in (
            ("NIST.800.53.R5-LambdaDLQ", _SYNC_ONLY),
            ("HIPAA.Security-LambdaDLQ", _SYNC_ONLY),
            ("CKV_AWS_116", _SYNC_ONLY),
            ("NIST.800.53.R5-LambdaInsideVPC", _NO_VPC),
            ("HIPAA.Security-LambdaInsideVPC", _NO_VPC),
            ("PCI.DSS.321-LambdaInsideVPC", _NO_VPC),
            ("CKV_AWS_117", _NO_VPC),
            ("ControlTower::CT.LAMBDA.PR.3", _NO_VPC),
        )
    ),
    Ack(
        "ContactForm",
        "Role/Policy/Resource",
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords do not "
        "support resource-level permissions, so AWS requires Resource \"*\" for them; no other action "
        "in the policy has a wildcard resource.",
    ),
)


def apply_acknowledgements(stack: cdk.Stack, concern: str) -> None:
    """Apply :data:`ACKNOWLEDGEMENTS` of ``concern`` to the matching resources of ``stack``."""
    prefix = len(stack.node.path) + 1
    for ack in (a for a in ACKNOWLEDGEMENTS if a.stack == concern):
        targets = [c for c in stack.node.find_all() if fnmatch.fnmatchcase(c.node.path[prefix:], ack.path)]
        if not targets:
            raise LookupError(f"acknowledgement {ack.rule}: nothing at {stack.node.path}/{ack.path}")
        for target in targets:
            if ack.rule.startswith("CKV"):
                assert isinstance(target, cdk.CfnResource), target.node.path
                skips = [s for s in (target.get_metadata("checkov") or {}).get("skip", []) if s["id"] != ack.rule]
                target.add_metadata("checkov", {"skip": [*skips, {"id": ack.rule, "comment": ack.reason}]})
            else:
                cdk.Validations.of(target).acknowledge(cdk.Acknowledgment(id=ack.rule, reason=ack.reason))


def _edge(profile: EnvironmentProfile) -> cdk.Environment:
    return cdk.Environment(account=profile.account, region=EDGE_REGION)


class DnsStack(EnvironmentStack):
    """The site's public hosted zone and CloudFront's certificate (us-east-1)."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, env=_edge(profile), **kwargs)
        self.zone = DnsZone(self, "Zone", profile=profile)
        self.cdn_certificate = Certificates.for_cloudfront(self, "CdnCertificate", profile=profile, zone=self.zone)


class EmailStack(EnvironmentStack):
    """The site's SES domain identity (DKIM and MAIL FROM records in the zone) and configuration set."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, dns: DnsStack, **kwargs) -> None:
        # The zone lives in us-east-1; its id reaches this region through CDK's cross-region references.
        super().__init__(scope, id, profile=profile, cross_region_references=True, **kwargs)
        self.email = EmailSender(self, "Email", profile=profile, domain_name=dns.zone.zone_name, hosted_zone=dns.zone.zone)


class StorageStack(EnvironmentStack):
    """The static site: a private bucket behind CloudFront, its web ACL and the zone's alias records (us-east-1)."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, dns: DnsStack, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, env=_edge(profile), **kwargs)
        self.waf: WafProtection | None = None
        if WafProtection.enabled_for(profile):
            self.waf = WafProtection(self, "Waf", profile=profile, web_acl_scope="CLOUDFRONT")
        self.site = CdnBucket(
            self,
            "Site",
            profile=profile,
            web_acl_arn=self.waf.web_acl_arn if self.waf else None,
            certificate=dns.cdn_certificate.cloudfront_certificate,
            domain_names=[dns.zone.zone_name],
            spa=False,
        )
        self.alias_records = dns.zone.add_cdn_alias(self.site)


class ContactFormStack(EnvironmentStack):
    """The contact form: an HTTP API (throttled stage, JSON access logs) in front of a Python Lambda that sends via SES."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, email: EmailStack, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        sender = email.email
        # The library has no Lambda or HTTP API construct: its building blocks give these the
        # same log encryption, retention, removal policy and managed-policy grants.
        self.key = building_blocks.log_encryption_key(
            self, "Key", profile=profile, description=f"Contact form logs and environment ({profile.name})"
        )
        self.log_group = building_blocks.log_group(self, "FunctionLogs", profile=profile, encryption_key=self.key)
        self.role = building_blocks.ManagedPolicyRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="The contact form function: write its logs and traces, send mail through SES",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(HERE / "contact_form"), exclude=["__pycache__", "*.pyc"]),
            description="Validates contact-form submissions and sends them to the team through SES",
            role=self.role,
            memory_size=256,
            timeout=cdk.Duration.seconds(10),
            reserved_concurrent_executions=CONTACT_CONCURRENCY,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment={
                "SENDER": f"{CONTACT_SENDER_LOCAL_PART}@{sender.domain_name}",
                "RECIPIENT": CONTACT_RECIPIENT,
                "CONFIGURATION_SET": sender.configuration_set.configuration_set_name,
            },
            environment_encryption=self.key,
        )
        self.log_group.grant_write(self.role)
        sender.grant_send(self.function)
        # aws-cdk-lib makes the function depend on its role's whole subtree; the role itself is
        # already referenced with Fn::GetAtt (cfn-lint W3005), only its policy needs the DependsOn.
        cfn_function: lambda_.CfnFunction = self.function.node.default_child
        cfn_function.add_override(
            "DependsOn", [cdk.Stack.of(self).get_logical_id(self.role.managed_policy.node.default_child)]
        )

        self.api = apigwv2.HttpApi(
            self,
            "Api",
            description="The marketing site's contact form",
            create_default_stage=False,
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=[f"https://{profile.domain_name}"],
                allow_methods=[apigwv2.CorsHttpMethod.POST],
                allow_headers=["Content-Type"],
                max_age=cdk.Duration.hours(1),
            ),
        )
        self.api.add_routes(
            path="/contact",
            methods=[apigwv2.HttpMethod.POST],
            integration=integrations.HttpLambdaIntegration("Contact", self.function),
        )
        # API Gateway's invoke permission names the API by a joined ARN, which a static check cannot
        # follow; the account condition states what it already implies (Control Tower CT.LAMBDA.PR.2).
        for permission in self.api.node.find_all():
            if isinstance(permission, lambda_.CfnPermission):
                permission.source_account = cdk.Stack.of(self).account
        self.access_logs = building_blocks.log_group(self, "ApiAccessLogs", profile=profile, encryption_key=self.key)
        self.stage = apigwv2.HttpStage(
            self,
            "Stage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=CONTACT_RATE_LIMIT, burst_limit=CONTACT_BURST_LIMIT),
        )
        # aws-cdk-lib's HttpStage takes an IAccessLogSettings; the CloudFormation property is simpler.
        cfn_stage: apigwv2.CfnStage = self.stage.node.default_child
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn,
            format=cdk.Stack.of(self).to_json_string(
                {
                    "requestId": "$context.requestId",
                    "ip": "$context.identity.sourceIp",
                    "requestTime": "$context.requestTime",
                    "httpMethod": "$context.httpMethod",
                    "routeKey": "$context.routeKey",
                    "status": "$context.status",
                    "protocol": "$context.protocol",
                    "responseLength": "$context.responseLength",
                    "integrationError": "$context.integrationErrorMessage",
                }
            ),
        )
        cdk.CfnOutput(self, "ContactUrl", value=f"{self.api.api_endpoint}/contact")
        apply_acknowledgements(self, "ContactForm")


class EdgeMonitoringStack(EnvironmentStack):
    """Alarms and dashboard over the distribution (us-east-1, where CloudFront publishes its metrics)."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, storage: StorageStack, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, env=_edge(profile), **kwargs)
        self.alarms = AlarmSet(self, "Alarms", profile=profile, dashboard_name=f"FineFindsMarketing-{profile.name}-Edge")
        self.alarms.monitor(storage.site)


class MonitoringStack(EnvironmentStack):
    """Alarms (to the on-call addresses) over the contact form, and a dashboard (the environment's region).

    CloudWatch alarms can only watch metrics of their own region, so the distribution's alarms are
    in :class:`EdgeMonitoringStack` (us-east-1), with their own topic to the same addresses.
    """

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, contact_form: ContactFormStack, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        self.alarms = AlarmSet(self, "Alarms", profile=profile, dashboard_name=f"FineFindsMarketing-{profile.name}")
        function = contact_form.function
        period = self.alarms.period
        action = cloudwatch_actions.SnsAction(self.alarms.topic)
        self.function_alarms: dict[str, cloudwatch.Alarm] = {}
        for name, metric, description in (
            ("Errors", function.metric_errors(period=period), "The contact form function failed (unhandled errors)"),
            ("Throttles", function.metric_throttles(period=period), "Contact form invocations were throttled"),
        ):
            alarm = cloudwatch.Alarm(
                self,
                f"ContactForm{name}",
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.function_alarms[name] = alarm
        self.alarms.dashboard.add_widgets(
            self.alarms.graph(
                "Contact form",
                [function.metric_invocations(period=period), function.metric_errors(period=period)],
                [function.metric_throttles(period=period)],
                width=24,
            )
        )


@dataclass
class Environment:
    """Every stack of one environment of the marketing site."""

    dns: DnsStack
    email: EmailStack
    storage: StorageStack
    contact_form: ContactFormStack
    monitoring: MonitoringStack
    edge_monitoring: EdgeMonitoringStack

    @property
    def stacks(self) -> list[cdk.Stack]:
        return [self.dns, self.email, self.storage, self.contact_form, self.monitoring, self.edge_monitoring]


def build_environment(app: cdk.App, profile: EnvironmentProfile) -> Environment:
    """Every stack of one environment, named ``FineFindsMarketing-<Env>-<Concern>``."""
    from finefinds_constructs import ConfigurationError

    if not profile.domain_name:
        raise ConfigurationError(
            "domain_name", profile.domain_name, "the site's domain", fix=f"set domain_name in env/{profile.name}.toml"
        )
    prefix = f"FineFindsMarketing-{profile.name.capitalize()}"

    def described(concern: str) -> dict:
        return {"description": f"FineFinds marketing site {profile.name}: {concern}"}

    dns = DnsStack(app, f"{prefix}-Dns", profile=profile, **described("hosted zone, CloudFront certificate"))
    email = EmailStack(app, f"{prefix}-Email", profile=profile, dns=dns, **described("SES identity and configuration set"))
    storage = StorageStack(app, f"{prefix}-Storage", profile=profile, dns=dns, **described("site bucket, CloudFront, aliases"))
    contact_form = ContactFormStack(
        app, f"{prefix}-ContactForm", profile=profile, email=email, **described("contact form API and function")
    )
    monitoring = MonitoringStack(
        app, f"{prefix}-Monitoring", profile=profile, contact_form=contact_form,
        **described("contact form alarms and dashboard"),
    )
    edge_monitoring = EdgeMonitoringStack(
        app, f"{prefix}-EdgeMonitoring", profile=profile, storage=storage,
        **described("CloudFront alarms and dashboard"),
    )
    return Environment(dns, email, storage, contact_form, monitoring, edge_monitoring)
