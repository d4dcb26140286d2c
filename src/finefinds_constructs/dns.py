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

Delegation: ACM validates certificates through public DNS, so a zone must be delegated before its
certificates can be issued. :class:`DnsZone` delegates from the profile's ``dns`` settings: an NS
record in a parent zone of this account, a ``CrossAccountZoneDelegationRecord`` through the role
that the parent zone's DnsZone creates for this subdomain (``dns.delegations``), or a statement
that the name servers are set at the registrar. Deploy the parent zone first, then the delegated
zones (the delegation is in the zone's stack, before its certificates).
"""

from __future__ import annotations

import hashlib
import re
import typing
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct

from . import compliance
from ._internal import teardown
from ._internal.flags import IMPORTED_ROLE_UNIQUE_POLICY_NAME, enable_flags
from ._internal.iam import ManagedPolicyRole
from ._internal.providers import CROSS_ACCOUNT_DELEGATION_PROVIDER, drop_redundant_dependency
from ._internal.logs import deletion_window, deny_grants_except_for_aws_services, log_encryption_key, removal_policy, retention
from ._internal.props import merge_props
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile
from ._internal.markers import DELEGATED_OUTSIDE_APP

__all__ = ["DnsZone", "GLOBAL_REGION", "delegation_role_name"]

#: The region of Route 53 query-log groups, DNSSEC signing keys and CloudFront certificates.
GLOBAL_REGION = "us-east-1"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"(?=.{{1,253}}$)(?:{_LABEL}\.)+[a-z]{{2,63}}")
_ZONE_ID = re.compile(r"Z[A-Z0-9]{1,32}")

_ENFORCED_ZONE = {
    "zone_name": "use the zone_name= argument (or profile.domain_name)",
    "query_logs_log_group_arn": "query logging is created by DnsZone from the profile (dns.query_logging)",
}


def _in_zone(name: str, zone_name: str) -> bool:
    bare = name[2:] if name.startswith("*.") else name
    return bare == zone_name or bare.endswith("." + zone_name)


def _region_of(scope: Construct) -> str | None:
    region = cdk.Stack.of(scope).region
    return None if cdk.Token.is_unresolved(region) else region


def _account_of(scope: Construct) -> str | None:
    account = cdk.Stack.of(scope).account
    return None if cdk.Token.is_unresolved(account) else account


def delegation_role_name(zone_name: str) -> str:
    """The name of the role through which another account delegates ``zone_name`` (a subdomain).

    The parent's :class:`DnsZone` creates it for each of its ``dns.delegations``; the subdomain's
    DnsZone (``dns.parent_account``) derives its ARN from the same name, so no ARN is copied by hand.
    """
    name = f"dns-delegation-{zone_name}"
    if len(name) <= 64:
        return name
    # IAM role names are at most 64 characters: keep the subdomain's first labels and a digest.
    return f"{name[:55]}-{hashlib.sha256(zone_name.encode()).hexdigest()[:8]}"


def _id_suffix(name: str, zone_name: str) -> str:
    """A construct-id suffix for ``name`` relative to its zone (``www.shop.example.com`` → ``Www``)."""
    relative = name[: -len(zone_name)].rstrip(".")
    return "".join(part.capitalize() for part in re.split(r"[.-]", relative)) if relative else "Apex"


def _zone_and_name(value: Any, parameter: str, allowed: str, *, fix: str, source: str) -> tuple[route53.IHostedZone, str | None]:
    """The hosted zone of a DnsZone or an IHostedZone, with its name where synthesis knows it."""
    if isinstance(value, DnsZone):
        return value.zone, value.zone_name
    if not hasattr(value, "node") or not hasattr(value, "hosted_zone_id"):
        raise ConfigurationError(parameter, type(value).__name__, allowed, fix=fix, source=source)
    try:
        name = value.zone_name
    except (jsii.errors.JSIIError, RuntimeError):  # HostedZone.from_hosted_zone_id knows no name
        return value, None
    return value, (None if name is None or cdk.Token.is_unresolved(name) else name.rstrip("."))


class DnsZone(Construct):
    """An environment's public Route 53 hosted zone, created or imported, with optional query logs and DNSSEC.

    What it creates, per profile:

    * a public hosted zone for ``zone_name`` (default ``profile.domain_name``) with a CAA record
      that lets only Amazon (ACM) issue certificates for it, retained on stack deletion where
      ``profile.is_retained``; or, where ``profile.dns.existing_zone_id`` (or
      ``existing_zone_id=``) is set, an import of that zone by id and name — never a lookup;
    * the zone's delegation, from ``profile.dns`` (or ``parent_zone=``), so that the zone answers
      and ACM can validate certificates in it:

      - ``parent_zone=`` (a zone of this account in the app), or ``dns.parent_zone_name`` with
        ``dns.parent_zone_id`` and no ``dns.parent_account``: an NS record set for the zone in the
        parent zone;
      - ``dns.parent_zone_name`` with ``dns.parent_account`` (or ``dns.delegation_role_arn``):
        ``CrossAccountZoneDelegationRecord``, which assumes the role
        :func:`delegation_role_name` in the parent's account (created there by the parent's
        DnsZone, see ``dns.delegations``) and writes the NS record;
      - ``dns.delegated_at_registrar``: nothing to create; the name servers are copied to the
        registrar by hand after the first deployment, and the zone says so in its template
        metadata (``finefinds:delegated-outside-app``);

      the delegation belongs to this stack and is deleted with it;
    * for each of ``profile.dns.delegations`` (``"<subdomain>=<account>"``): a role named
      :func:`delegation_role_name` of the subdomain that only that account can assume and that may
      only UPSERT and DELETE the NS record of that one subdomain in this zone;
    * where ``profile.dns.query_logging``: a log group (named by CloudFormation; Route 53 only
      recommends the ``/aws/route53/`` prefix) encrypted with a customer-managed KMS key
      (rotation on) and the profile's log retention, kept on deletion where
      ``profile.is_retained`` (``RetainExceptOnCreate``: a rolled-back first create leaves none),
      a CloudWatch Logs resource policy that lets ``route53.amazonaws.com`` of this account write
      to it, and the zone's query-logging configuration;
    * where ``profile.dns.dnssec``: an asymmetric KMS key (``ECC_NIST_P256``, ``SIGN_VERIFY``)
      whose key policy lets Route 53 DNSSEC (``dnssec-route53.amazonaws.com``) of this zone use
      it, an active key-signing key and DNSSEC signing for the zone. Signing protects resolvers
      only once the chain of trust exists: add the DS record (``aws route53 get-dnssec
      --hosted-zone-id <id>``) at the parent zone or registrar after the first deployment.

    A zone that is destroyed with its stack (``profile.is_retained`` false) must be empty by
    then. Records this app manages are deleted first; ACM's validation CNAMEs, which CloudFormation
    creates for DNS-validated certificates but never deletes, are removed by a custom resource
    while the stack is being deleted. Records added by hand still make CloudFormation report
    ``HostedZoneNotEmpty``; delete them and retry.

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
    parent_zone : DnsZone or aws_cdk.aws_route53.IHostedZone, optional
        A zone of this account in the app that delegates to this one (an NS record set in it);
        ``zone_name`` must be inside it. Default: ``None`` (the profile's ``dns.parent_*`` settings).
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
    delegated_by : str or None
        How the zone is delegated: ``"parent zone"``, ``"cross-account"``, ``"registrar"``,
        ``"imported"`` (its owner delegates it) or ``None`` (nothing delegates to it: certificates
        validated in it are refused).
    delegation : constructs.Construct or None
        The NS record set (``ZoneDelegationRecord``) or ``CrossAccountZoneDelegationRecord``.
    delegation_roles : dict[str, aws_cdk.aws_iam.Role]
        Subdomain → the role its account assumes to delegate it (``profile.dns.delegations``).
    validation_records_cleanup : aws_cdk.CustomResource or None
        Deletes ACM's validation records when the stack is deleted (destroyable profiles).
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
        parent_zone: "DnsZone | route53.IHostedZone | None" = None,
    ) -> None:
        super().__init__(scope, id)
        enable_flags(self, IMPORTED_ROLE_UNIQUE_POLICY_NAME)  # the same template whatever cdk.json says
        require_profile(profile)
        self.profile = profile
        self.zone_name = self._zone_name(profile, zone_name)
        zone_id = self._zone_id(profile, existing_zone_id)
        self.imported = zone_id is not None
        self.query_log_group: logs.LogGroup | None = None
        self.query_log_key: kms.Key | None = None
        self.dnssec_key: kms.Key | None = None
        self.key_signing_key: route53.IKeySigningKey | None = None
        self.delegated_by: str | None = "imported" if self.imported else None
        self.delegation: Construct | None = None
        self.delegation_roles: dict[str, iam.Role] = {}
        self.validation_records_cleanup: cdk.CustomResource | None = None
        if self.imported and parent_zone is not None:
            raise ConfigurationError(
                "parent_zone", getattr(parent_zone, "node", None) and parent_zone.node.path, "None for an imported zone",
                fix="the zone's owner delegates it; drop parent_zone or let DnsZone create the zone", source=self.node.path,
            )

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
            self._grant_delegations(profile)
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
            self._delegate(profile, parent_zone)
            self._grant_delegations(profile)

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "DnsZone")
        if self.query_log_group is not None:
            compliance.apply_log_retention_acknowledgements(self, "DnsZone", profile.protection.log_retention_days)
        if self.validation_records_cleanup is not None:
            compliance.apply_acknowledgements(self, "DnsZone[cleanup]")
        if self.delegated_by == "cross-account":
            compliance.apply_acknowledgements(self, "DnsZone[cross-account]")
        if self.delegation_roles:
            compliance.apply_acknowledgements(self, "DnsZone[delegations]")

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
        if not profile.is_retained:
            self.validation_records_cleanup = teardown.delete_validation_records_on_delete(self, "ValidationRecordsCleanup", zone)
        return zone

    def _query_logs(self, profile: EnvironmentProfile) -> logs.ResourcePolicy:
        stack = cdk.Stack.of(self)
        self.query_log_key = log_encryption_key(
            self, "QueryLogKey", description=f"Encrypts Route 53 query logs of {self.zone_name}", retain=profile.is_retained
        )
        # No fixed name: Route 53 takes any group in us-east-1 (/aws/route53/ is only recommended), and a
        # retained group with a fixed name would block the stack's next create ("already exists").
        self.query_log_group = logs.LogGroup(
            self,
            "QueryLogGroup",
            encryption_key=self.query_log_key,
            retention=retention(profile.protection.log_retention_days),
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if profile.is_retained else cdk.RemovalPolicy.DESTROY,
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

    # ------------------------------------------------------------------------------------------
    def _delegate(self, profile: EnvironmentProfile, parent_zone: Any) -> None:
        dns = profile.dns
        zone = typing.cast(route53.PublicHostedZone, self.zone)
        # A destroyable environment's zone gets new name servers each time it is created again;
        # resolvers would keep the old delegation for the whole TTL.
        ttl = cdk.Duration.days(2) if profile.is_retained else cdk.Duration.minutes(5)
        if parent_zone is not None:
            parent, parent_name = _zone_and_name(
                parent_zone, "parent_zone", "a DnsZone or a route53.IHostedZone of this account",
                fix="pass the parent's DnsZone (or its .zone)", source=self.node.path,
            )
            self._check_parent("parent_zone", parent_name)
            self._ns_record(parent, ttl)
        elif dns.parent_zone_name is not None:
            self._check_parent("profile.dns.parent_zone_name", dns.parent_zone_name)
            if dns.delegation_role_arn is not None or dns.parent_account not in (None, _account_of(self)):
                role_arn = dns.delegation_role_arn or (
                    f"arn:{cdk.Stack.of(self).partition}:iam::{dns.parent_account}:role/{delegation_role_name(self.zone_name)}"
                )
                parent_ref = (
                    {"parent_hosted_zone_id": dns.parent_zone_id} if dns.parent_zone_id else {"parent_hosted_zone_name": dns.parent_zone_name}
                )
                self.delegation = route53.CrossAccountZoneDelegationRecord(
                    self,
                    "Delegation",
                    delegated_zone=zone,
                    delegation_role=iam.Role.from_role_arn(self, "DelegationRole", role_arn, mutable=False),
                    ttl=ttl,
                    **parent_ref,
                )
                drop_redundant_dependency(self, CROSS_ACCOUNT_DELEGATION_PROVIDER)
                self.delegated_by = "cross-account"
            elif dns.parent_zone_id is None:
                raise ConfigurationError(
                    "profile.dns.parent_zone_id", None, f"the id of the parent zone {dns.parent_zone_name} (in this account)",
                    fix=f"copy its id (aws route53 list-hosted-zones-by-name --dns-name {dns.parent_zone_name}) into "
                    "dns.parent_zone_id, or set dns.parent_account if the parent zone is in another account",
                    source=self.node.path,
                )
            else:
                parent = route53.HostedZone.from_hosted_zone_attributes(
                    self, "ParentZone", hosted_zone_id=dns.parent_zone_id, zone_name=dns.parent_zone_name
                )
                self._ns_record(parent, ttl)
        elif dns.delegated_at_registrar:
            cfn = typing.cast(cdk.CfnResource, zone.node.default_child)
            cfn.add_metadata(
                DELEGATED_OUTSIDE_APP,
                "registrar: the zone's name servers are set at the domain's registrar after the first deployment",
            )
            self.delegated_by = "registrar"

    def _ns_record(self, parent: route53.IHostedZone, ttl: cdk.Duration) -> None:
        self.delegation = route53.ZoneDelegationRecord(
            self,
            "Delegation",
            zone=parent,
            record_name=self.zone_name,
            name_servers=typing.cast(route53.PublicHostedZone, self.zone).hosted_zone_name_servers,
            ttl=ttl,
            comment=f"Delegates {self.zone_name} ({self.node.path})",
        )
        self.delegated_by = "parent zone"

    def _check_parent(self, parameter: str, parent_name: str | None) -> None:
        if parent_name is not None and self.zone_name.endswith("." + parent_name):
            return
        raise ConfigurationError(
            parameter, parent_name, f"a zone that {self.zone_name} is a subdomain of",
            fix="name the zone one level (or more) above this one, e.g. 'finefinds.example' for 'dev.finefinds.example'; "
            "an imported parent zone needs its name (HostedZone.from_hosted_zone_attributes)",
            source=self.node.path,
        )

    def _grant_delegations(self, profile: EnvironmentProfile) -> None:
        for entry in dict.fromkeys(profile.dns.delegations):
            name, account = entry.split("=")
            if not name.endswith("." + self.zone_name):
                raise ConfigurationError(
                    "profile.dns.delegations", entry, f"'<subdomain of {self.zone_name}>=<account id>'",
                    fix=f"a zone can only delegate names inside it, e.g. 'dev.{self.zone_name}=111111111111'",
                    source=self.node.path,
                )
            role = ManagedPolicyRole(
                self,
                f"DelegationRole{_id_suffix(name, self.zone_name)}",
                # Fixed, so that the subdomain's DnsZone derives the ARN (dns.parent_account).
                role_name=delegation_role_name(name),
                assumed_by=iam.AccountPrincipal(account),
                description=f"Lets account {account} write the NS record that delegates {name} in {self.zone_name}",
                policy_description=f"Delegation of {name} in {self.zone_name} ({self.node.path})",
            )
            # Only NS records, only UPSERT and DELETE, only this one name (route53 condition keys).
            self.zone.grant_delegation(role, delegated_zone_names=[name])
            self.delegation_roles[name] = role

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
        deny_grants_except_for_aws_services(self.dnssec_key)
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
