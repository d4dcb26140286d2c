"""DnsZone and Certificates: an environment's Route 53 public hosted zone and its ACM certificates.

Where things live: Route 53 is global, but two of its features are tied to us-east-1: query logs go to a CloudWatch
log group in us-east-1, and the DNSSEC signing key is a KMS key in us-east-1. CloudFront, too,
only uses ACM certificates from us-east-1. The simplest layout that keeps every rule:

* a **DNS stack in us-east-1** holds the :class:`DnsZone` (with query logging and DNSSEC where the
  profile turns them on) and, with :meth:`Certificates.for_cloudfront`, the certificate CloudFront
  uses (or put that certificate in the edge stack, which is in us-east-1 too);
* the **application stack in the profile's region** holds a :class:`Certificates` for its load
  balancer, validated through the zone of the DNS stack.

Stacks exchange the zone id and certificate ARN as cross-stack references. With
``"@aws-cdk/core:defaultCrossStackReferences": "weak"`` in ``cdk.json`` (what the organisation's
apps use) a reference across regions is an ``Fn::GetStackOutput`` and needs nothing else; with
strong references the consuming stack needs ``cross_region_references=True``. References always
point from the consumers (application, edge) to the DNS stack: alias records are created in the
stack of the load balancer or distribution they point to, for the same reason.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct

from . import compliance
from ._internal.logs import deletion_window, log_encryption_key, removal_policy, retention
from ._internal.props import merge_props
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["DnsZone", "Certificates", "GLOBAL_REGION"]

#: The region of Route 53 query-log groups, DNSSEC signing keys and CloudFront certificates.
GLOBAL_REGION = "us-east-1"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"(?=.{{1,253}}$)(?:{_LABEL}\.)+[a-z]{{2,63}}")
_ZONE_ID = re.compile(r"Z[A-Z0-9]{1,32}")

_ENFORCED_ZONE = {
    "zone_name": "use the zone_name= argument (or profile.domain_name)",
    "query_logs_log_group_arn": "query logging is created by DnsZone from the profile (dns.query_logging)",
}
_ENFORCED_CERTIFICATE = {
    "domain_name": "use the domain_name= argument",
    "subject_alternative_names": "use the subject_alternative_names= argument",
    "validation": "Certificates validates by DNS, through zone= when given",
}


def _in_zone(name: str, zone_name: str) -> bool:
    bare = name[2:] if name.startswith("*.") else name
    return bare == zone_name or bare.endswith("." + zone_name)


def _region_of(scope: Construct) -> str | None:
    region = cdk.Stack.of(scope).region
    return None if cdk.Token.is_unresolved(region) else region


class DnsZone(Construct):
    """An environment's public Route 53 hosted zone, created or imported, with optional query logs and DNSSEC.

    What it creates, per profile:

    * a public hosted zone for ``zone_name`` (default ``profile.domain_name``) with a CAA record
      that lets only Amazon (ACM) issue certificates for it, retained on stack deletion where
      ``profile.is_retained``; or, where ``profile.dns.existing_zone_id`` (or
      ``existing_zone_id=``) is set, an import of that zone by id and name — never a lookup;
    * where ``profile.dns.query_logging``: a log group ``/aws/route53/<zone>`` encrypted with a
      customer-managed KMS key (rotation on) and the profile's log retention, a CloudWatch Logs
      resource policy that lets ``route53.amazonaws.com`` of this account write to it, and the
      zone's query-logging configuration;
    * where ``profile.dns.dnssec``: an asymmetric KMS key (``ECC_NIST_P256``, ``SIGN_VERIFY``)
      whose key policy lets Route 53 DNSSEC (``dnssec-route53.amazonaws.com``) of this zone use
      it, an active key-signing key and DNSSEC signing for the zone. Signing protects resolvers
      only once the chain of trust exists: add the DS record (``aws route53 get-dnssec
      --hosted-zone-id <id>``) at the parent zone or registrar after the first deployment.

    A zone that is destroyed with its stack (``profile.is_retained`` false) must be empty by
    then: records this app manages are deleted first, but records added by hand make
    CloudFormation report ``HostedZoneNotEmpty``; delete them and retry.

    Query logs and DNSSEC keys must be in us-east-1, so a zone with either feature must be in a
    stack in us-east-1 (``env=cdk.Environment(account=..., region="us-east-1")``); elsewhere the
    constructor raises :class:`~finefinds_constructs.ConfigurationError`. Both features belong to
    the zone's owner: on an imported zone the profile's settings are ignored and an explicit
    ``query_logging=True`` or ``dnssec=True`` is an error.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the hosted zone (new name servers: a breaking change).
    profile : EnvironmentProfile
        The environment profile; required.
    zone_name : str, optional
        The zone's DNS name, lowercase, without a trailing dot. Default: ``profile.domain_name``.
    existing_zone_id : str, optional
        Id of an existing public hosted zone for ``zone_name`` to import instead of creating one.
        Default: ``profile.dns.existing_zone_id`` (``None``: create the zone).
    query_logging : bool, optional
        Log DNS queries to CloudWatch Logs (us-east-1 stacks only). Default: ``profile.dns.query_logging``.
    dnssec : bool, optional
        Sign the zone with DNSSEC (us-east-1 stacks only). Default: ``profile.dns.dnssec``.
    zone_props : Mapping[str, Any], optional
        Extra ``route53.PublicHostedZoneProps`` keyword arguments (``comment``, ``caa_amazon``,
        ...), applied over everything else except the zone name and query logging.
        Default: ``None``.

    Attributes
    ----------
    zone : aws_cdk.aws_route53.IHostedZone
        The hosted zone (a ``PublicHostedZone`` when created).
    zone_name : str
        The zone's DNS name, as a literal.
    imported : bool
        Whether the zone was imported rather than created.
    query_log_group : aws_cdk.aws_logs.LogGroup or None
        Where query logs go (``None`` without query logging).
    query_log_key : aws_cdk.aws_kms.Key or None
        The key encrypting the query-log group.
    dnssec_key : aws_cdk.aws_kms.Key or None
        The asymmetric KMS key that signs the zone (``None`` without DNSSEC).
    key_signing_key : aws_cdk.aws_route53.IKeySigningKey or None
        The zone's key-signing key (``None`` without DNSSEC).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        zone_name: str | None = None,
        existing_zone_id: str | None = None,
        query_logging: bool | None = None,
        dnssec: bool | None = None,
        zone_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        self.zone_name = self._zone_name(profile, zone_name)
        zone_id = self._zone_id(profile, existing_zone_id)
        self.imported = zone_id is not None
        self.query_log_group: logs.LogGroup | None = None
        self.query_log_key: kms.Key | None = None
        self.dnssec_key: kms.Key | None = None
        self.key_signing_key: route53.IKeySigningKey | None = None

        if zone_id is not None:
            for parameter, value in (("query_logging", query_logging), ("dnssec", dnssec)):
                if value:
                    raise ConfigurationError(
                        parameter,
                        value,
                        "False or None for an imported zone",
                        fix=f"{parameter} is configured where the zone is created; turn it on for zone {zone_id} "
                        "there (console or the stack that owns it), or let DnsZone create the zone",
                        source=self.node.path,
                    )
            if zone_props:
                raise ConfigurationError(
                    "zone_props", dict(zone_props), "None for an imported zone",
                    fix="an imported zone is not changed by this stack; drop zone_props", source=self.node.path,
                )
            self.zone: route53.IHostedZone = route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=zone_id, zone_name=self.zone_name
            )
        else:
            with_logs = profile.dns.query_logging if query_logging is None else query_logging
            with_dnssec = profile.dns.dnssec if dnssec is None else dnssec
            if with_logs:
                self._require_global_region("query_logging", "dns.query_logging")
            if with_dnssec:
                self._require_global_region("dnssec", "dns.dnssec")
            self.zone = self._create_zone(profile, with_logs, zone_props)
            if with_dnssec:
                self._enable_dnssec(profile)

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "DnsZone")

    # ------------------------------------------------------------------------------------------
    def _zone_name(self, profile: EnvironmentProfile, zone_name: str | None) -> str:
        name = zone_name if zone_name is not None else profile.domain_name
        if name is None:
            raise ConfigurationError(
                "zone_name",
                None,
                "a DNS name like 'dev.finefinds.example'",
                fix="set the profile's domain_name (domain_name = \"dev.finefinds.example\" in the settings file, "
                "or dataclasses.replace(profile, domain_name=...)) or pass zone_name=",
                source=self.node.path,
            )
        if not isinstance(name, str) or not _DNS_NAME.fullmatch(name):
            raise ConfigurationError(
                "zone_name", name, "a lowercase DNS name like 'finefinds.example'",
                fix="drop the scheme, path, wildcard and trailing dot", source=self.node.path,
            )
        return name

    def _zone_id(self, profile: EnvironmentProfile, existing_zone_id: str | None) -> str | None:
        if existing_zone_id is None:
            return profile.dns.existing_zone_id
        if not isinstance(existing_zone_id, str) or not _ZONE_ID.fullmatch(existing_zone_id):
            raise ConfigurationError(
                "existing_zone_id", existing_zone_id, "a Route 53 hosted zone id like 'Z0123456789ABCDEFGHIJ'",
                fix="copy the id without '/hostedzone/'", source=self.node.path,
            )
        return existing_zone_id

    def _require_global_region(self, parameter: str, setting: str) -> None:
        region = _region_of(self)
        if region == GLOBAL_REGION:
            return
        stack = cdk.Stack.of(self)
        raise ConfigurationError(
            parameter,
            f"True in stack {stack.stack_name} ({region or 'no region'})",
            f"a DnsZone in a stack in {GLOBAL_REGION}",
            fix=f"Route 53 needs its query-log group and DNSSEC key in {GLOBAL_REGION}: put the DnsZone in a stack "
            f"created with env=cdk.Environment(account=..., region=\"{GLOBAL_REGION}\") (a DNS stack; other stacks "
            f"reference the zone across regions), or set {setting} = false in the profile",
            source=self.node.path,
        )

    def _create_zone(self, profile: EnvironmentProfile, with_logs: bool, zone_props: Mapping[str, Any] | None) -> route53.PublicHostedZone:
        defaults: dict[str, Any] = dict(
            zone_name=self.zone_name,
            comment=f"{profile.name}: public zone managed by finefinds-constructs DnsZone",
            caa_amazon=True,
        )
        props = merge_props(
            parameter="zone_props", defaults=defaults, overrides=zone_props,
            props_class=route53.PublicHostedZoneProps, enforced=_ENFORCED_ZONE,
            source=self.node.path,
        )
        policy: logs.ResourcePolicy | None = None
        if with_logs:
            policy = self._query_logs(profile)
            props["query_logs_log_group_arn"] = self.query_log_group.log_group_arn  # type: ignore[union-attr]
        zone = route53.PublicHostedZone(self, "Zone", **props)
        zone.apply_removal_policy(removal_policy(profile.is_retained))
        if policy is not None:
            # Route 53 checks it may write to the group when the zone's logging is configured.
            zone.node.add_dependency(policy)
        return zone

    def _query_logs(self, profile: EnvironmentProfile) -> logs.ResourcePolicy:
        stack = cdk.Stack.of(self)
        self.query_log_key = log_encryption_key(
            self, "QueryLogKey", description=f"Encrypts Route 53 query logs of {self.zone_name}", retain=profile.is_retained
        )
        self.query_log_group = logs.LogGroup(
            self,
            "QueryLogGroup",
            log_group_name=f"/aws/route53/{self.zone_name}",
            encryption_key=self.query_log_key,
            retention=retention(profile.protection.log_retention_days),
            removal_policy=removal_policy(profile.is_retained),
        )
        return logs.ResourcePolicy(
            self,
            "QueryLogPolicy",
            policy_statements=[
                iam.PolicyStatement(
                    sid="Route53QueryLogsOfThisAccount",
                    principals=[iam.ServicePrincipal("route53.amazonaws.com")],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    # The group's ARN attribute ends in ":*", covering its streams.
                    resources=[self.query_log_group.log_group_arn],
                    # Not narrowed to this zone's ARN: the zone depends on this policy.
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:route53:::hostedzone/*"},
                    },
                )
            ],
        )

    def _enable_dnssec(self, profile: EnvironmentProfile) -> None:
        self.dnssec_key = kms.Key(
            self,
            "DnssecKey",
            description=f"Signs the DNSSEC key-signing key of {self.zone_name}",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            removal_policy=removal_policy(profile.is_retained),
            pending_window=deletion_window(profile.is_retained),
        )
        # Adds the key-policy statements Route 53 DNSSEC needs (DescribeKey, GetPublicKey, Sign
        # for this zone and account; CreateGrant for AWS resources), the key-signing key and DNSSEC.
        zone = typing.cast(route53.PublicHostedZone, self.zone)
        self.key_signing_key = zone.enable_dnssec(kms_key=self.dnssec_key, key_signing_key_name="ksk1")

    # ------------------------------------------------------------------------------------------
    def add_cdn_alias(
        self, distribution: cloudfront.IDistribution | Any, record_name: str | None = None
    ) -> tuple[route53.ARecord, route53.AaaaRecord]:
        """Point ``record_name`` (A and AAAA alias records) at a CloudFront distribution.

        The records are created in the distribution's stack when it differs from the zone's, so
        that stack depends on the DNS stack (as its certificate does), never the other way round.

        Parameters
        ----------
        distribution : aws_cdk.aws_cloudfront.IDistribution or CdnBucket
            The distribution, or a construct with a ``.distribution`` (``CdnBucket``).
        record_name : str, optional
            A name in the zone (``"www.dev.finefinds.example"``) or one label relative to it
            (``"www"``). The distribution must list it among its domain names.
            Default: ``None`` (the zone apex).

        Returns
        -------
        tuple[aws_cdk.aws_route53.ARecord, aws_cdk.aws_route53.AaaaRecord]
        """
        target = getattr(distribution, "distribution", distribution)
        if not hasattr(target, "node") or not hasattr(target, "distribution_domain_name"):
            raise ConfigurationError(
                "distribution", type(distribution).__name__, "a cloudfront.IDistribution or a CdnBucket",
                fix="pass the CdnBucket or its .distribution", source=self.node.path,
            )
        name = self._record_name(record_name)
        scope, prefix = self._record_scope(target)
        alias = route53.RecordTarget.from_alias(targets.CloudFrontTarget(target))
        suffix = _id_suffix(name, self.zone_name)
        a = route53.ARecord(scope, f"{prefix}CdnAlias{suffix}", zone=self.zone, record_name=name, target=alias)
        aaaa = route53.AaaaRecord(scope, f"{prefix}CdnAliasIpv6{suffix}", zone=self.zone, record_name=name, target=alias)
        return a, aaaa

    def add_load_balancer_alias(self, load_balancer: elbv2.ILoadBalancerV2 | Any, record_name: str) -> route53.ARecord:
        """Point ``record_name`` (an A alias record) at an application load balancer.

        The record is created in the load balancer's stack when it differs from the zone's, so
        that stack depends on the DNS stack, never the other way round.

        Parameters
        ----------
        load_balancer : aws_cdk.aws_elasticloadbalancingv2.ILoadBalancerV2 or FargateWebService
            The load balancer (an imported one needs its canonical hosted zone id), or a construct
            with a ``.load_balancer`` (``FargateWebService``).
        record_name : str
            A name in the zone (``"api.dev.finefinds.example"``) or one label relative to it (``"api"``).

        Returns
        -------
        aws_cdk.aws_route53.ARecord
        """
        target = getattr(load_balancer, "load_balancer", load_balancer)
        if not hasattr(target, "node") or not hasattr(target, "load_balancer_canonical_hosted_zone_id"):
            raise ConfigurationError(
                "load_balancer", type(load_balancer).__name__, "an elbv2.ILoadBalancerV2 or a FargateWebService",
                fix="pass the service or its .load_balancer", source=self.node.path,
            )
        if record_name is None:
            raise ConfigurationError(
                "record_name", None, "a name in the zone, e.g. 'api'",
                fix="keep the apex for the CDN; give the load balancer its own name", source=self.node.path,
            )
        name = self._record_name(record_name)
        scope, prefix = self._record_scope(target)
        return route53.ARecord(
            scope,
            f"{prefix}LoadBalancerAlias{_id_suffix(name, self.zone_name)}",
            zone=self.zone,
            record_name=name,
            target=route53.RecordTarget.from_alias(targets.LoadBalancerTarget(target)),
        )

    def _record_name(self, record_name: str | None) -> str:
        if record_name is None:
            return self.zone_name
        name = record_name[:-1] if isinstance(record_name, str) and record_name.endswith(".") else record_name
        if isinstance(name, str) and re.fullmatch(_LABEL, name):
            return f"{name}.{self.zone_name}"
        if isinstance(name, str) and _DNS_NAME.fullmatch(name) and _in_zone(name, self.zone_name):
            return name
        raise ConfigurationError(
            "record_name", record_name, f"'{self.zone_name}', a name ending in '.{self.zone_name}', or one label like 'www'",
            fix=f"records of zone {self.zone_name} can only hold names inside it; for another domain use its own DnsZone",
            source=self.node.path,
        )

    def _record_scope(self, target: Construct) -> tuple[Construct, str]:
        stack = cdk.Stack.of(target)
        if stack is cdk.Stack.of(self):
            return self, ""
        # Beside the target, at its stack's top level (an imported target is no construct scope);
        # the prefix (this zone's path) keeps records of several zones apart.
        return stack, re.sub(r"[^A-Za-z0-9]", "", self.node.path)


def _id_suffix(name: str, zone_name: str) -> str:
    relative = name[: -len(zone_name)].rstrip(".")
    return "".join(part.capitalize() for part in re.split(r"[.-]", relative)) if relative else "Apex"


class Certificates(Construct):
    """A DNS-validated ACM certificate for an environment's names, for a load balancer or CloudFront.

    One ``Certificates`` is one certificate, in the region of the stack it is in:

    * in the application stack (the profile's region) ``.certificate`` is the load balancer's;
    * for CloudFront, create it in a us-east-1 stack with :meth:`for_cloudfront` (it checks the
      region); ``.cloudfront_certificate`` is then the same certificate, and CdnBucket may use it
      from any stack through a cross-stack reference. In another region, reading
      ``.cloudfront_certificate`` raises :class:`~finefinds_constructs.ConfigurationError`.

    With ``zone=`` (a :class:`DnsZone` or any ``route53.IHostedZone``) CloudFormation creates the
    validation records itself, even when the zone is in another stack or region (the stack then
    references the zone id; see the module docs). Without a zone the certificate stays
    ``PENDING_VALIDATION`` — and the deployment waits — until someone creates the CNAME records
    shown in the ACM console (or ``aws acm describe-certificate``) in the domain's DNS.

    No name may be a wildcard unless ``allow_wildcard=True``: a wildcard certificate is valid for
    every host of the domain, so a leaked key exposes all of them (checkov ``CKV2_AWS_71``). Where
    the flag is set, the registry's written reason is attached to the certificate as a checkov skip.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id.
    profile : EnvironmentProfile
        The environment profile; required.
    zone : DnsZone or aws_cdk.aws_route53.IHostedZone, optional
        The zone that validates the names; every name must be inside it.
        Default: ``None`` (validation records are created by hand).
    domain_name : str, optional
        The certificate's main name. Default: ``profile.domain_name``, else the zone's name.
    subject_alternative_names : Sequence[str], optional
        More names the certificate covers. Default: ``()``.
    allow_wildcard : bool, optional
        Allow names like ``"*.dev.finefinds.example"``. Default: ``False``.
    certificate_props : Mapping[str, Any], optional
        Extra ``acm.CertificateProps`` keyword arguments (``key_algorithm``, ``certificate_name``,
        ...), applied over everything else except the names and validation. Default: ``None``.

    Attributes
    ----------
    certificate : aws_cdk.aws_certificatemanager.Certificate
        The certificate, in this stack's region (for load balancers here). See also
        :attr:`cloudfront_certificate`.
    domain_name : str
        The certificate's main name.
    names : tuple[str, ...]
        Every name the certificate covers (main name first).
    zone : aws_cdk.aws_route53.IHostedZone or None
        The validating zone.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        zone: DnsZone | route53.IHostedZone | None = None,
        domain_name: str | None = None,
        subject_alternative_names: Sequence[str] = (),
        allow_wildcard: bool = False,
        certificate_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        hosted_zone, zone_name = self._zone(zone)
        self.zone = hosted_zone
        main = domain_name if domain_name is not None else (profile.domain_name or zone_name)
        if main is None:
            raise ConfigurationError(
                "domain_name", None, "a DNS name like 'dev.finefinds.example'",
                fix="pass domain_name=, a zone=, or set the profile's domain_name", source=self.node.path,
            )
        if isinstance(subject_alternative_names, str):
            raise ConfigurationError(
                "subject_alternative_names", subject_alternative_names, "a list of DNS names",
                fix=f"wrap it in a list: [{subject_alternative_names!r}]", source=self.node.path,
            )
        names = tuple(dict.fromkeys([main, *subject_alternative_names]))
        for index, name in enumerate(names):
            self._check_name("domain_name" if index == 0 else "subject_alternative_names", name, zone_name, allow_wildcard)
        self.domain_name = main
        self.names = names
        wildcard = any(n.startswith("*.") for n in names)

        defaults: dict[str, Any] = dict(
            domain_name=main,
            subject_alternative_names=list(names[1:]) or None,
            validation=acm.CertificateValidation.from_dns(hosted_zone) if hosted_zone else acm.CertificateValidation.from_dns(),
            transparency_logging_enabled=True,
        )
        props = merge_props(
            parameter="certificate_props", defaults=defaults, overrides=certificate_props,
            props_class=acm.CertificateProps, enforced=_ENFORCED_CERTIFICATE,
            source=self.node.path,
        )
        self.certificate = acm.Certificate(self, "Certificate", **props)

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "Certificates")
        if wildcard:
            compliance.apply_acknowledgements(self, "Certificates[wildcard]")

    @classmethod
    def for_cloudfront(cls, scope: Construct, id: str, **kwargs: Any) -> "Certificates":
        """A ``Certificates`` for CloudFront: like the constructor, but ``scope`` must be in a us-east-1 stack.

        Parameters
        ----------
        scope : constructs.Construct
            A construct in a stack in us-east-1 (the DNS or edge stack).
        id : str
            The construct id.
        **kwargs
            The constructor's keyword arguments (``profile``, ``zone``, ``domain_name``, ...).
            Default: as for the constructor.
        """
        region = _region_of(scope)
        if region != GLOBAL_REGION:
            raise ConfigurationError(
                "scope",
                f"stack {cdk.Stack.of(scope).stack_name} in {region or 'no region'}",
                f"a construct in a stack in {GLOBAL_REGION}",
                fix=f"CloudFront only uses ACM certificates from {GLOBAL_REGION}: create this in a stack with "
                f"env=cdk.Environment(account=..., region=\"{GLOBAL_REGION}\") (the DNS or edge stack)",
            )
        return cls(scope, id, **kwargs)

    @property
    def cloudfront_certificate(self) -> acm.ICertificate:
        """The certificate, for CloudFront (``aws_cdk.aws_certificatemanager.ICertificate``).

        The same object as :attr:`certificate` where this construct's stack is in us-east-1;
        elsewhere reading it raises :class:`~finefinds_constructs.ConfigurationError`.
        """
        region = _region_of(self)
        if region != GLOBAL_REGION:
            raise ConfigurationError(
                "cloudfront_certificate",
                f"a certificate in {region or 'an unknown region'}",
                f"a certificate in {GLOBAL_REGION}",
                fix="CloudFront only uses certificates from us-east-1; create one with "
                "Certificates.for_cloudfront(<construct in a us-east-1 stack>, ...) and use its .cloudfront_certificate",
                source=self.node.path,
            )
        return self.certificate

    # ------------------------------------------------------------------------------------------
    def _zone(self, zone: Any) -> tuple[route53.IHostedZone | None, str | None]:
        if zone is None:
            return None, None
        if isinstance(zone, DnsZone):
            return zone.zone, zone.zone_name
        if not hasattr(zone, "node") or not hasattr(zone, "hosted_zone_id"):
            raise ConfigurationError(
                "zone", type(zone).__name__, "a DnsZone or a route53.IHostedZone",
                fix="pass the DnsZone (or its .zone)", source=self.node.path,
            )
        try:
            name = zone.zone_name
        except (jsii.errors.JSIIError, RuntimeError):  # HostedZone.from_hosted_zone_id knows no name
            return zone, None
        return zone, (None if cdk.Token.is_unresolved(name) else name.rstrip("."))

    def _check_name(self, parameter: str, name: Any, zone_name: str | None, allow_wildcard: bool) -> None:
        bare = name[2:] if isinstance(name, str) and name.startswith("*.") else name
        if not isinstance(name, str) or not _DNS_NAME.fullmatch(bare):
            raise ConfigurationError(
                parameter, name, "a lowercase DNS name like 'shop.finefinds.example'",
                fix="drop the scheme, path and trailing dot", source=self.node.path,
            )
        if bare != name and not allow_wildcard:
            raise ConfigurationError(
                parameter, name, "names without wildcards (checkov CKV2_AWS_71)",
                fix=f"list each host ({bare!r}, 'www.{bare}', ...), or pass allow_wildcard=True if one certificate "
                "must cover hosts created at run time (the registry records why it is accepted)",
                source=self.node.path,
            )
        if zone_name is not None and not _in_zone(name, zone_name):
            raise ConfigurationError(
                parameter, name, f"'{zone_name}' or a name ending in '.{zone_name}' (the validating zone)",
                fix="use a name inside the zone, or a Certificates with that domain's own zone "
                "(or no zone and manual validation records)",
                source=self.node.path,
            )
