"""CloudFront's companions must be created in us-east-1."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates

EDGE_REGION = "us-east-1"


def _check(templates: Templates) -> Iterator[tuple]:
    for acl in templates.resources("AWS::WAFv2::WebACL"):
        region = acl.stack.region
        if acl.get("Scope") == "CLOUDFRONT" and region and region != EDGE_REGION:
            yield acl, f"a CLOUDFRONT-scope web ACL in a stack in {region}"
    for distribution in templates.resources("AWS::CloudFront::Distribution"):
        config = distribution.get("DistributionConfig") or {}
        certificate = templates.target(distribution, (config.get("ViewerCertificate") or {}).get("AcmCertificateArn"))
        if certificate is not None and certificate.stack.region and certificate.stack.region != EDGE_REGION:
            yield distribution, f"its certificate {certificate} is issued in {certificate.stack.region}"
        acl = templates.target(distribution, config.get("WebACLId"))
        if acl is not None and acl.type == "AWS::WAFv2::WebACL" and acl.get("Scope") == "REGIONAL":
            yield distribution, f"its web ACL {acl} has the REGIONAL scope"
    for zone in templates.resources("AWS::Route53::HostedZone"):
        group = templates.target(zone, zone.get("QueryLoggingConfig", "CloudWatchLogsLogGroupArn"))
        if group is not None and group.stack.region and group.stack.region != EDGE_REGION:
            yield zone, f"its query log group {group} is in {group.stack.region}"


RULE = Rule(
    name="EdgeResourcesInUsEast1",
    trap=(
        "CloudFront is global and reads its companions from us-east-1 only: a CLOUDFRONT-scope WAFv2 web "
        "ACL can only be created there (WAFInvalidParameterException elsewhere), a distribution accepts only "
        "an ACM certificate issued there and only a CLOUDFRONT-scope web ACL, and Route 53 writes public "
        "query logs only to a log group there; otherwise the stack fails to create or update."
    ),
    fix=(
        "Create the CLOUDFRONT web ACL, CloudFront's certificate and the query log group in a stack with "
        "env region us-east-1 (Certificates.for_cloudfront, WafProtection(web_acl_scope='CLOUDFRONT')), and "
        "pass them to the distribution with cross_region_references."
    ),
    check=_check,
)
