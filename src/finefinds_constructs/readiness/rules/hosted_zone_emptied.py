"""A hosted zone deleted with its stack must be empty: ACM's validation records are not."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates
from ._markers import EMPTIES_ON_DELETE, emptied_on_delete


ZONE = "AWS::Route53::HostedZone"
CERTIFICATE = "AWS::CertificateManager::Certificate"


def _check(templates: Templates) -> Iterator[tuple]:
    validated: dict[str, list[str]] = {}
    zones = {}
    for certificate in templates.resources(CERTIFICATE):
        if certificate.get("ValidationMethod") != "DNS":
            continue
        for option in certificate.get("DomainValidationOptions") or []:
            zone = templates.target(certificate, option.get("HostedZoneId")) if isinstance(option, dict) else None
            if zone is not None and zone.type == ZONE:
                zones[str(zone)] = zone
                validated.setdefault(str(zone), [])
                if str(certificate) not in validated[str(zone)]:
                    validated[str(zone)].append(str(certificate))
    for key, certificates in validated.items():
        zone = zones[key]
        if zone.deletion_policy != "Delete" or emptied_on_delete(templates, zone):
            continue
        yield zone, (
            f"is deleted with its stack but will hold the ACM validation CNAMEs of {', '.join(certificates)}, "
            "which CloudFormation leaves behind"
        )


RULE = Rule(
    name="HostedZoneNotEmptied",
    trap=(
        "Route 53 deletes a hosted zone only when it holds nothing but its SOA and NS records (HostedZoneNotEmpty). "
        "CloudFormation's AWS::CertificateManager::Certificate writes its DNS-validation CNAME into the zone named "
        "by DomainValidationOptions' HostedZoneId but does not delete it with the certificate "
        "(cloudformation-coverage-roadmap #837 and #1603, aws-cdk #11201): a destroyable environment's zone "
        "(DeletionPolicy Delete) then fails to delete, and the stack ends in DELETE_FAILED."
    ),
    fix=(
        "Give the zone a custom resource in its stack that refers to it, deletes the validation records when the "
        f"stack is deleted, and carries '{EMPTIES_ON_DELETE}' metadata (DnsZone does this where "
        "profile.protection.retain_data is false); or retain the zone."
    ),
    check=_check,
)
