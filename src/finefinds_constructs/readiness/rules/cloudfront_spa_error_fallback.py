"""CloudFront: a 403/404 → 200 error page applies to every behaviour, API paths included."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import Rule
from ..model import Resource, Templates, references

DISTRIBUTION = "AWS::CloudFront::Distribution"


def _masking(responses: Any) -> list[int]:
    """Error codes (403/404) that the distribution answers with status 200 instead."""
    masked = []
    for response in responses or []:
        if not isinstance(response, Mapping):
            continue
        code, status = response.get("ErrorCode"), response.get("ResponseCode")
        if str(code) in ("403", "404") and str(status) == "200":
            masked.append(int(code))
    return masked


def _is_s3(templates: Templates, distribution: Resource, origin: Mapping[str, Any]) -> bool:
    """An S3 origin: an S3OriginConfig, or a domain of an S3 bucket (a website endpoint is one too)."""
    if "S3OriginConfig" in origin:
        return True
    domain = origin.get("DomainName")
    if isinstance(domain, str):
        return ".s3" in domain and domain.endswith(".amazonaws.com")
    for target in references(domain):
        resource = templates.resource(distribution.stack, target)
        if resource is not None and resource.type == "AWS::S3::Bucket":
            return True
    return False


def _check(templates: Templates) -> Iterator[tuple]:
    for distribution in templates.resources(DISTRIBUTION):
        config = distribution.get("DistributionConfig") or {}
        masked = _masking(config.get("CustomErrorResponses"))
        if not masked:
            continue
        paths = [str(b.get("PathPattern")) for b in config.get("CacheBehaviors") or [] if isinstance(b, Mapping)]
        others = [str(o.get("Id")) for o in config.get("Origins") or [] if isinstance(o, Mapping) and not _is_s3(templates, distribution, o)]
        if not paths and not others:
            continue
        where = []
        if paths:
            where.append("the behaviours " + ", ".join(paths))
        if others:
            where.append("the non-S3 origins " + ", ".join(others))
        yield distribution, (
            f"CustomErrorResponses answer {'/'.join(map(str, masked))} with status 200 for the whole distribution, "
            f"so also for {' and '.join(where)}"
        )


RULE = Rule(
    name="SpaFallbackMasksOriginErrors",
    trap=(
        "CustomErrorResponses belong to the whole DistributionConfig, not to a cache behaviour, so CloudFront "
        "applies them to every path: a single-page-app fallback that maps 403/404 to /index.html with status "
        "200 also turns an API's 403s and 404s (load-balancer denials, WAF blocks, the application's own 'not "
        "found') into an HTML page with 200, which API clients take as success. The distribution deploys and "
        "runs broken."
    ),
    fix=(
        "Drop the distribution-wide error responses and rewrite client-side routes on the default behaviour "
        "only, with a viewer-request CloudFront Function (extension-less paths to /index.html), as "
        "CdnBucket(spa=True) does; keep other behaviours' responses as their origins send them."
    ),
    check=_check,
)
