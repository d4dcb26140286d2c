"""Certificates: DNS-validated ACM certificates for an environment's names, in its own zone.

See :mod:`finefinds_constructs.dns` for where the zone and each certificate live, and for the
deploy order (a zone is delegated before its certificates can be issued).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from constructs import Construct

from . import compliance
from ._internal.props import merge_props
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .dns import _DNS_NAME, GLOBAL_REGION, DnsZone, _id_suffix, _in_zone, _region_of, _zone_and_name
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["Certificates"]

_ENFORCED_CERTIFICATE = {
    "domain_name": "use the domain_name= argument",
    "subject_alternative_names": "use the subject_alternative_names= argument",
    "validation": "Certificates validates by DNS, through zone= when given",
}


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
        The zone that validates the names; every name must be inside it. A DnsZone (or its
        ``.zone``) that nothing delegates to (``delegated_by`` is ``None``) is refused: ACM could
        never validate through it. Default: ``None`` (validation records are created by hand).
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
        dns_zone = self._dns_zone(zone)
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
        if dns_zone is not None and dns_zone.delegated_by is None:
            raise ConfigurationError(
                "zone",
                f"DnsZone {dns_zone.node.path} ({dns_zone.zone_name}), which nothing delegates to",
                "a delegated zone: ACM validates through public DNS, and an undelegated zone never answers, so the "
                "certificate (and its stack) would wait in PENDING_VALIDATION for up to 72 hours",
                fix="delegate the zone in its profile: dns.parent_zone_name with dns.parent_account (a parent zone in "
                "another account) or dns.parent_zone_id (in this account), or DnsZone(parent_zone=...); "
                "dns.delegated_at_registrar = true for an apex domain whose name servers you set at the registrar; "
                "or import a delegated zone with dns.existing_zone_id",
                source=self.node.path,
            )
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
        if dns_zone is not None and cdk.Stack.of(dns_zone) is cdk.Stack.of(self):
            # Requested once the zone answers; deleted before the stack's clean-up removes its CNAME.
            for first in (dns_zone.delegation, dns_zone.validation_records_cleanup):
                if first is not None:
                    self.certificate.node.add_dependency(first)

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
    @staticmethod
    def _dns_zone(zone: Any) -> "DnsZone | None":
        """The DnsZone behind ``zone`` (itself, or the DnsZone whose ``.zone`` it is)."""
        if isinstance(zone, DnsZone):
            return zone
        scope = getattr(getattr(zone, "node", None), "scope", None)
        return scope if isinstance(scope, DnsZone) and scope.zone is zone else None

    def _zone(self, zone: Any) -> tuple[route53.IHostedZone | None, str | None]:
        if zone is None:
            return None, None
        return _zone_and_name(zone, "zone", "a DnsZone or a route53.IHostedZone", fix="pass the DnsZone (or its .zone)", source=self.node.path)

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
