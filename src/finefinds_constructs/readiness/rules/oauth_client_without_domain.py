"""Cognito: an app client that signs in with an OAuth grant needs its user pool to have a domain."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Resource, Templates

POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"
DOMAIN = "AWS::Cognito::UserPoolDomain"
#: Every OAuth grant: code and implicit send the browser to /oauth2/authorize, client_credentials
#: calls /oauth2/token; both endpoints exist only on the pool's domain.
_GRANTS = ("code", "implicit", "client_credentials")


def _check(templates: Templates) -> Iterator[tuple]:
    with_domain: set[Resource] = set()
    unknown_domain = False
    for domain in templates.resources(DOMAIN):
        pool = templates.target(domain, domain.get("UserPoolId"))
        if pool is None:
            unknown_domain = True  # a domain of a pool named some other way: it may be any pool's
        else:
            with_domain.add(pool)
    if unknown_domain:
        return
    for client in templates.resources(CLIENT):
        flows = client.get("AllowedOAuthFlows") or []
        if not isinstance(flows, list) or client.get("AllowedOAuthFlowsUserPoolClient") in (False, "false"):
            continue
        grants = [f for f in flows if f in _GRANTS]
        pool = templates.target(client, client.get("UserPoolId"))
        # Only pools the app creates: an imported pool may well have its domain elsewhere.
        if not grants or pool is None or pool.type != POOL or pool in with_domain:
            continue
        yield client, (
            f"the client allows the OAuth {' and '.join(grants)} grant but its user pool {pool} has no "
            "AWS::Cognito::UserPoolDomain in the app"
        )


RULE = Rule(
    name="OAuthClientWithoutDomain",
    trap=(
        "Cognito serves the OAuth 2.0 endpoints (/oauth2/authorize, /oauth2/token, the managed-login and "
        "logout pages) only on a user pool's domain: 'Amazon Cognito activates the public webpages ... when "
        "you assign a domain to your user pool' (Cognito Developer Guide, user pool endpoints reference). "
        "Without one an app client's authorization-code or implicit grant deploys but no user can sign in "
        "through it."
    ),
    fix=(
        "Give the pool a domain (AWS::Cognito::UserPoolDomain with a prefix unique in the region, or a custom "
        "domain); AuthPool creates one by default."
    ),
    check=_check,
)
