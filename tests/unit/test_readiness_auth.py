"""Deploy-readiness rules for Cognito: a domain for OAuth clients, unique prefixes, a verified SES identity."""

from __future__ import annotations

import copy
import dataclasses

import aws_cdk as cdk
import pytest

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, profiles, readiness
from finefinds_constructs.auth_pool import AuthPool
from finefinds_constructs.email_sender import EmailSender
from finefinds_constructs.readiness import Templates

EU = ("111111111111", "eu-west-1")
RULES = ("OAuthClientWithoutDomain", "UserPoolDomainPrefixTwice", "CognitoEmailIdentityInSameStack")

POOL = {"Type": "AWS::Cognito::UserPool", "Properties": {"UsernameAttributes": ["email"]}}
CLIENT = {
    "Type": "AWS::Cognito::UserPoolClient",
    "Properties": {
        "UserPoolId": {"Ref": "Pool"},
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthScopes": ["openid"],
        "CallbackURLs": ["https://shop.example.com/callback"],
    },
}
DOMAIN = {"Type": "AWS::Cognito::UserPoolDomain", "Properties": {"Domain": "shop-login", "UserPoolId": {"Ref": "Pool"}}}


def violations(rule: str, templates: dict, environments: dict | None = None) -> list[readiness.Violation]:
    found = readiness.check(Templates.of(templates, environments=environments or {name: EU for name in templates}))
    return [v for v in found if v.rule == f"DeployReadiness::{rule}"]


# --------------------------------------------------------------------------------- OAuthClientWithoutDomain
def test_code_grant_client_without_a_domain_is_a_violation():
    """The platform's identity stack as it was: a code-grant web client, no domain in any environment."""
    found = violations("OAuthClientWithoutDomain", {"Identity": {"Resources": {"Pool": POOL, "Client": CLIENT}}})
    assert [(v.resource.logical_id, v.message) for v in found] == [
        ("Client", "the client allows the OAuth code grant but its user pool Identity/Pool has no AWS::Cognito::UserPoolDomain in the app")
    ]


@pytest.mark.parametrize("flows", [["implicit"], ["client_credentials"], ["code", "implicit"]])
def test_every_oauth_grant_needs_the_domain(flows):
    client = copy.deepcopy(CLIENT)
    client["Properties"]["AllowedOAuthFlows"] = flows
    assert len(violations("OAuthClientWithoutDomain", {"S": {"Resources": {"Pool": POOL, "Client": client}}})) == 1


def test_client_with_a_domain_in_its_stack_or_another_is_fine():
    assert violations("OAuthClientWithoutDomain", {"S": {"Resources": {"Pool": POOL, "Client": CLIENT, "Domain": DOMAIN}}}) == []
    exporting = {
        "Resources": {"Pool": POOL, "Client": CLIENT},
        "Outputs": {"PoolId": {"Value": {"Ref": "Pool"}, "Export": {"Name": "Auth:PoolId"}}},
    }
    domain = {"Type": "AWS::Cognito::UserPoolDomain", "Properties": {"Domain": "shop-login", "UserPoolId": {"Fn::ImportValue": "Auth:PoolId"}}}
    assert violations("OAuthClientWithoutDomain", {"Auth": exporting, "Login": {"Resources": {"Domain": domain}}}) == []


def test_clients_that_cannot_be_judged_are_not_flagged():
    """An SRP-only client, OAuth switched off, or a pool imported by id (its domain may be elsewhere)."""
    srp = copy.deepcopy(CLIENT)
    del srp["Properties"]["AllowedOAuthFlows"]
    off = copy.deepcopy(CLIENT)
    off["Properties"]["AllowedOAuthFlowsUserPoolClient"] = False
    imported = copy.deepcopy(CLIENT)
    imported["Properties"]["UserPoolId"] = "eu-west-1_AbCdEf123"
    templates = {"S": {"Resources": {"Pool": POOL, "Srp": srp, "Off": off, "Imported": imported}}}
    assert violations("OAuthClientWithoutDomain", templates) == []


# --------------------------------------------------------------------------------- UserPoolDomainPrefixTwice
def test_the_same_prefix_twice_in_one_region_is_a_violation():
    other = copy.deepcopy(DOMAIN)
    templates = {"Shop": {"Resources": {"Pool": POOL, "Domain": DOMAIN}}, "Staff": {"Resources": {"Pool": POOL, "Domain": other}}}
    found = violations("UserPoolDomainPrefixTwice", templates)
    assert [(str(v.resource), v.message) for v in found] == [
        ("Staff/Domain", "prefix 'shop-login' is also the domain of Shop/Domain in eu-west-1")
    ]


def test_the_same_prefix_in_two_regions_or_two_prefixes_are_fine():
    other = copy.deepcopy(DOMAIN)
    templates = {"Shop": {"Resources": {"Pool": POOL, "Domain": DOMAIN}}, "Staff": {"Resources": {"Pool": POOL, "Domain": other}}}
    assert violations("UserPoolDomainPrefixTwice", templates, {"Shop": EU, "Staff": ("111111111111", "us-east-1")}) == []
    other["Properties"]["Domain"] = "staff-login"
    assert violations("UserPoolDomainPrefixTwice", templates) == []


# --------------------------------------------------------------------------------- CognitoEmailIdentityInSameStack
IDENTITY = {"Type": "AWS::SES::EmailIdentity", "Properties": {"EmailIdentity": "mail.example.com"}}


def ses_pool(source_arn) -> dict:
    return {
        "Type": "AWS::Cognito::UserPool",
        "Properties": {
            "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER", "From": "no-reply@mail.example.com", "SourceArn": source_arn}
        },
    }


ARN_BY_NAME = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ses:eu-west-1:", {"Ref": "AWS::AccountId"}, ":identity/mail.example.com"]]
}


@pytest.mark.parametrize(
    "source_arn",
    [ARN_BY_NAME, "arn:aws:ses:eu-west-1:111111111111:identity/mail.example.com", {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Identity}"}],
)
def test_pool_sending_through_an_identity_of_its_own_stack_is_a_violation(source_arn):
    found = violations("CognitoEmailIdentityInSameStack", {"Auth": {"Resources": {"Identity": IDENTITY, "Pool": ses_pool(source_arn)}}})
    assert [(v.resource.logical_id, v.message) for v in found] == [
        ("Pool", "it sends e-mail through the SES identity Identity created in the same stack")
    ]


def test_identity_in_an_earlier_stack_or_cognito_email_is_fine():
    templates = {"Mail": {"Resources": {"Identity": IDENTITY}}, "Auth": {"Resources": {"Pool": ses_pool(ARN_BY_NAME)}}}
    assert violations("CognitoEmailIdentityInSameStack", templates) == []
    cognito_default = {"Type": "AWS::Cognito::UserPool", "Properties": {"EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"}}}
    assert violations("CognitoEmailIdentityInSameStack", {"Auth": {"Resources": {"Identity": IDENTITY, "Pool": cognito_default}}}) == []
    other = ses_pool("arn:aws:ses:eu-west-1:111111111111:identity/other.example.com")
    assert violations("CognitoEmailIdentityInSameStack", {"Auth": {"Resources": {"Identity": IDENTITY, "Pool": other}}}) == []


# --------------------------------------------------------------------------------- the library's output
@pytest.fixture(scope="module")
def auth_templates(tmp_path_factory) -> Templates:
    """Two AuthPools per preset (production's e-mail through an EmailSender in a stack of its own)."""
    outdir = tmp_path_factory.mktemp("readiness-auth")
    app = cdk.App(outdir=str(outdir), context=support.RECOMMENDED_CONTEXT)
    for preset in support.PRESET_NAMES:
        profile = support.profile_for_tests(preset)
        stack = EnvironmentStack(app, f"Auth-{preset}", profile=profile)
        sender = None
        if profile.auth.email == "SES":
            sender = EmailSender(EnvironmentStack(app, f"Mail-{preset}", profile=profile), "Email", profile=profile, domain_name="mail.example.com")
        for name in ("Shop", "Staff"):
            AuthPool(stack, name, profile=profile, callback_urls=["https://www.example.com/cb"], logout_urls=[], email_sender=sender)
    app.synth()
    return Templates.from_paths(str(p) for p in outdir.glob("*.template.json"))


@pytest.mark.parametrize("rule", RULES)
def test_auth_pools_of_every_preset_pass(auth_templates, rule):
    assert [v for v in readiness.check(auth_templates) if v.rule == f"DeployReadiness::{rule}"] == []
    assert len(list(auth_templates.resources("AWS::Cognito::UserPoolDomain"))) == 2 * len(support.PRESET_NAMES)


def test_a_team_profile_may_refuse_localhost_too():
    """The profile, not the app, decides where localhost redirects are allowed."""
    team = dataclasses.replace(support.profile_for_tests("staging"), auth=dataclasses.replace(profiles.STAGING.auth, allow_localhost_urls=False))
    stack = EnvironmentStack(cdk.App(), "Team", profile=team)
    with pytest.raises(ConfigurationError, match="allow_localhost_urls"):
        AuthPool(stack, "Auth", profile=team, callback_urls=["http://localhost:3000/cb"], logout_urls=[])
