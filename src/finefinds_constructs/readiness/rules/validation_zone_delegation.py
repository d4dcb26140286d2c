"""ACM validates a certificate through public DNS: a zone nothing delegates to never answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import Rule
from ..model import Resource, Templates, references
from ._markers import DELEGATED_OUTSIDE_APP, metadata


CERTIFICATE = "AWS::CertificateManager::Certificate"
ZONE = "AWS::Route53::HostedZone"
RECORD_SET = "AWS::Route53::RecordSet"
RECORD_SET_GROUP = "AWS::Route53::RecordSetGroup"
#: aws-cdk-lib's CrossAccountZoneDelegationRecord.
CROSS_ACCOUNT_DELEGATION = "Custom::CrossAccountZoneDelegation"


def _name(value: Any) -> str | None:
    return value.rstrip(".").lower() if isinstance(value, str) else None


def _ns_records(templates: Templates) -> Iterator[tuple[Resource, dict]]:
    """Every NS record set of the app, with the resource that holds it."""
    for resource in templates.resources(RECORD_SET, RECORD_SET_GROUP):
        sets = [resource.properties] if resource.type == RECORD_SET else (resource.get("RecordSets") or [])
        for record in sets:
            if isinstance(record, dict) and record.get("Type") == "NS":
                yield resource, record


def _delegated(templates: Templates, zone: Resource) -> bool:
    if metadata(zone, DELEGATED_OUTSIDE_APP):
        return True
    name = _name(zone.get("Name"))
    if name is None:
        return True  # a computed name cannot be judged
    for holder, record in _ns_records(templates):
        parent = holder.get("HostedZoneId") if holder.type == RECORD_SET_GROUP and "HostedZoneId" not in record else record.get("HostedZoneId")
        parent_name = record.get("HostedZoneName") or holder.get("HostedZoneName")
        in_itself = str(templates.target(holder, parent)) == str(zone) or _name(parent_name) == name
        if _name(record.get("Name")) == name and not in_itself:
            return True
    for delegation in templates.resources(CROSS_ACCOUNT_DELEGATION):
        servers = delegation.get("DelegatedZoneNameServers")
        points_here = delegation.stack == zone.stack and zone.logical_id in references(servers)
        if _name(delegation.get("DelegatedZoneName")) == name or points_here:
            return True
    return False


def _check(templates: Templates) -> Iterator[tuple]:
    for certificate in templates.resources(CERTIFICATE):
        if certificate.get("ValidationMethod") != "DNS":
            continue
        judged: set[str] = set()
        for option in certificate.get("DomainValidationOptions") or []:
            if not isinstance(option, dict) or "HostedZoneId" not in option:
                continue
            zone = templates.target(certificate, option["HostedZoneId"])
            if zone is None or zone.type != ZONE or str(zone) in judged:
                continue  # an imported zone id: its owner delegates it
            judged.add(str(zone))
            if zone.get("VPCs"):
                yield certificate, f"validates {option.get('DomainName')} through {zone}, a private zone ACM cannot query"
            elif not _delegated(templates, zone):
                yield certificate, (
                    f"validates {option.get('DomainName')} through {zone} ({_name(zone.get('Name'))}), which no NS record "
                    "of another zone, no Custom::CrossAccountZoneDelegation and no "
                    f"'{DELEGATED_OUTSIDE_APP}' metadata delegates to"
                )


RULE = Rule(
    name="ValidationZoneNotDelegated",
    trap=(
        "ACM validates a DNS-validated certificate by resolving its CNAME through public DNS. A hosted zone that "
        "nothing delegates to (no NS record for it in the parent zone, name servers not set at the registrar) "
        "is never asked: the certificate stays PENDING_VALIDATION and CloudFormation waits for it until ACM "
        "gives up after 72 hours, with the stack (and every stack after it) stuck in CREATE_IN_PROGRESS."
    ),
    fix=(
        "Delegate the zone in the same app: an NS record set for it in the parent zone (DnsZone with "
        "dns.parent_zone_name and dns.parent_zone_id, or parent_zone=), or aws_route53.CrossAccountZoneDelegationRecord "
        "with the parent account's delegation role (dns.parent_zone_name and dns.parent_account; the parent's "
        "dns.delegations creates the role). Where the name servers are set outside the app (an apex domain at its "
        f"registrar: dns.delegated_at_registrar), say so with '{DELEGATED_OUTSIDE_APP}' metadata on the zone, and "
        "deploy the zone before its certificates. Or validate through an existing zone (dns.existing_zone_id)."
    ),
    check=_check,
)
