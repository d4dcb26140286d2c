"""AWS WAF: a forwarded-IP rule on X-Forwarded-For reads an address the client writes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import Rule
from ..model import Templates

HEADER = "x-forwarded-for"
#: Statement types whose ForwardedIPConfig AWS WAF evaluates on the first address of the header.
FIRST_ADDRESS_STATEMENTS = ("GeoMatchStatement", "AsnMatchStatement", "RateBasedStatement")


def _forgeable(statement: Any, path: str) -> Iterator[str]:
    """Each statement under ``statement`` that keys on a client-written X-Forwarded-For address."""
    if not isinstance(statement, Mapping):
        return
    for kind, body in statement.items():
        if not isinstance(body, Mapping):
            continue
        if kind in FIRST_ADDRESS_STATEMENTS:
            header = (body.get("ForwardedIPConfig") or {}).get("HeaderName")
            if isinstance(header, str) and header.lower() == HEADER:
                yield f"{path}{kind} (the first {header} address)"
        if kind == "IPSetReferenceStatement":
            config = body.get("IPSetForwardedIPConfig") or {}
            header, position = config.get("HeaderName"), config.get("Position")
            if isinstance(header, str) and header.lower() == HEADER and position in ("FIRST", "ANY"):
                yield f"{path}{kind} ({position} {header} address)"
        for key in ("Statement", "ScopeDownStatement"):
            yield from _forgeable(body.get(key), f"{path}{kind}.")
        for child in body.get("Statements") or []:
            yield from _forgeable(child, f"{path}{kind}.")


def _check(templates: Templates) -> Iterator[tuple]:
    for resource in templates.resources("AWS::WAFv2::WebACL", "AWS::WAFv2::RuleGroup"):
        for rule in resource.get("Rules") or []:
            if not isinstance(rule, Mapping):
                continue
            for where in _forgeable(rule.get("Statement"), ""):
                yield resource, f"rule {rule.get('Name')}: {where}"


RULE = Rule(
    name="WafForwardedIpForgeable",
    trap=(
        "With a forwarded-IP configuration, AWS WAF evaluates only the first address of the header in rate-based, "
        "geo and ASN statements (CloudFormation AWS::WAFv2::WebACL ForwardedIPConfiguration), and CloudFront "
        "appends the viewer's address to the end of any X-Forwarded-For the viewer sent (CloudFront developer "
        "guide, 'Client IP addresses'): the first address is whatever the client wrote. A forged header evades "
        "the rate limit and the geo block, and can get another address throttled or blocked; an IP set matched "
        "at position FIRST or ANY lets a client claim an allow-listed address."
    ),
    fix=(
        "Rate-limit and geo-match in the CLOUDFRONT-scope web ACL, where the source IP is the viewer's; on the "
        "origin's REGIONAL web ACL use the source IP (no forwarded-IP configuration), an IP set at position LAST "
        "(the address CloudFront appended), or a header a trusted proxy sets to the viewer alone "
        "(WafProtection(behind_cloudfront=True) does this). Acknowledge only where the proxy in front replaces "
        "X-Forwarded-For instead of appending to it."
    ),
    check=_check,
)
