"""Cognito: a domain prefix is taken once per region across all of AWS."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates

DOMAIN = "AWS::Cognito::UserPoolDomain"


def _check(templates: Templates) -> Iterator[tuple]:
    first: dict[tuple[str, str], object] = {}
    for domain in templates.resources(DOMAIN):
        name, region = domain.get("Domain"), domain.stack.region
        # A prefix domain has no dots; a custom domain is the team's own DNS name.
        if not isinstance(name, str) or "." in name or not region or domain.get("CustomDomainConfig"):
            continue
        key = (region, name)
        if key in first:
            yield domain, f"prefix {name!r} is also the domain of {first[key]} in {region}"
        else:
            first[key] = domain


RULE = Rule(
    name="UserPoolDomainPrefixTwice",
    trap=(
        "A Cognito domain prefix (<prefix>.auth.<region>.amazoncognito.com) belongs to one user pool of one "
        "account per region: the second AWS::Cognito::UserPoolDomain with the same prefix in a region fails "
        "to create ('Domain already associated with another user pool')."
    ),
    fix="Give each user pool of a region its own prefix (AuthPool derives one from the project, environment, account and construct path).",
    check=_check,
)
