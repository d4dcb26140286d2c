"""AuthPool under every preset, asserted on the synthesized template."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Template

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, compliance, profiles
from finefinds_constructs.auth_pool import AuthPool
from finefinds_constructs.email_sender import EmailSender

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).with_name("logical_ids_auth_pool.json")
PRESETS = support.PRESET_NAMES
# The user pool holds the users; the client id is configured into front ends.
STATEFUL = ("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient")

CALLBACKS = ["https://www.example.com/auth/callback", "http://localhost:3000/auth/callback"]
LOGOUTS = ["https://www.example.com/", "http://127.0.0.1:3000/"]
GROUPS = ("admin", "seller", "customer")
POOLS: dict[str, dict[str, AuthPool]] = {}
#: The Staff pool's derived prefix: <project>-<environment>-<sha256 of account/path, 8 hex>.
DERIVED_PREFIX = {
    "development": "finefinds-development-54f0ccb4",
    "qa": "finefinds-qa-2579da1c",
    "sandbox": "finefinds-sandbox-48d2d020",
    "staging": "finefinds-staging-35f0de25",
    "production": "finefinds-production-c6deb2a5",
}
MAIL_DOMAIN = "mail.example.com"
# Literal expectations per preset (not read from the presets).
#: MfaConfiguration: production requires MFA, the others offer it.
MFA = {"development": "OPTIONAL", "qa": "OPTIONAL", "sandbox": "OPTIONAL", "staging": "OPTIONAL", "production": "ON"}
#: Presets whose user pools have deletion protection and are retained on stack deletion.
PROTECTED = {"staging", "production"}


def urls(profile: profiles.EnvironmentProfile, all_urls: list[str]) -> list[str]:
    """The https URLs, and the local ones where the profile allows localhost."""
    return all_urls if profile.auth.allow_localhost_urls else [u for u in all_urls if u.startswith("https://")]


def sender_for(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> EmailSender | None:
    """Where the profile sends through SES: an EmailSender in a stack of its own (deployed first)."""
    if profile.auth.email != "SES":
        return None
    mail = EnvironmentStack(stack.node.scope, f"{stack.node.id}-Mail", profile=profile)
    return EmailSender(mail, "Email", profile=profile, domain_name=MAIL_DOMAIN)


def build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    sender = sender_for(stack, profile)
    POOLS[profile.name] = {
        # "Shop": groups and an explicit managed-login domain prefix.
        "Shop": AuthPool(
            stack,
            "Shop",
            profile=profile,
            callback_urls=urls(profile, CALLBACKS),
            logout_urls=urls(profile, LOGOUTS),
            groups=GROUPS,
            domain_prefix=f"finefinds-shop-{profile.name}",
            email_sender=sender,
        ),
        # "Staff": the presets set no prefix, so one is derived.
        "Staff": AuthPool(
            stack, "Staff", profile=profile, callback_urls=CALLBACKS[:1], logout_urls=[], self_sign_up=False, email_sender=sender
        ),
    }


@pytest.fixture(scope="session")
def synthesized():
    """Given two AuthPools per preset, when the app is synthesized with the four packs on."""
    result = support.synthesize("AuthPool", build)
    yield result
    support.cleanup(result)


def one(template, resource_type: str, prefix: str) -> tuple[str, dict]:
    found = {k: v for k, v in support.resources_of_type(template, resource_type).items() if k.startswith(prefix)}
    assert len(found) == 1, (prefix, list(found))
    return next(iter(found.items()))


def pool(template, name: str = "Shop") -> dict:
    return one(template, "AWS::Cognito::UserPool", f"{name}UserPool")[1]


def client(template, name: str = "Shop") -> dict:
    return one(template, "AWS::Cognito::UserPoolClient", f"{name}WebClient")[1]["Properties"]


# ------------------------------------------------------------------------------ the user pool


@pytest.mark.parametrize("preset", PRESETS)
def test_mfa_per_preset_totp_only(synthesized, preset):
    for name in ("Shop", "Staff"):
        props = pool(synthesized.template(preset), name)["Properties"]
        assert props["MfaConfiguration"] == MFA[preset]
        assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]  # TOTP; no SMS
        assert "SmsConfiguration" not in props


def test_production_requires_mfa(synthesized):
    for name in ("Shop", "Staff"):
        assert pool(synthesized.template("production"), name)["Properties"]["MfaConfiguration"] == "ON"


@pytest.mark.parametrize("preset", PRESETS)
def test_password_policy_12_characters_of_four_kinds(synthesized, preset):
    policy = pool(synthesized.template(preset))["Properties"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12
    for rule in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"):
        assert policy[rule] is True, rule


@pytest.mark.parametrize("preset", PRESETS)
def test_email_sign_in_verification_and_recovery(synthesized, preset):
    props = pool(synthesized.template(preset))["Properties"]
    assert props["UsernameAttributes"] == ["email"]
    assert props["UsernameConfiguration"] == {"CaseSensitive": False}
    assert props["AutoVerifiedAttributes"] == ["email"]
    assert props["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert props["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}
    assert props["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": False}
    staff = pool(synthesized.template(preset), "Staff")["Properties"]
    assert staff["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}


@pytest.mark.parametrize("preset", PRESETS)
def test_threat_protection_per_profile(synthesized, preset):
    """Only production pays for the Plus plan (threat protection); the others run on Essentials."""
    props = pool(synthesized.template(preset))["Properties"]
    if preset == "production":
        assert props["UserPoolTier"] == "PLUS"  # threat protection needs the Plus plan
        assert props["UserPoolAddOns"] == {
            "AdvancedSecurityMode": "ENFORCED",
            "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "ENFORCED"},
        }
    else:
        assert props["UserPoolTier"] == "ESSENTIALS"
        assert props["UserPoolAddOns"] == {"AdvancedSecurityMode": "OFF"}


@pytest.mark.parametrize("preset", PRESETS)
def test_email_through_ses_in_production_cognito_elsewhere(synthesized, preset):
    for name in ("Shop", "Staff"):
        props = pool(synthesized.template(preset), name)["Properties"]
        if preset == "production":
            assert props["EmailConfiguration"] == {
                "EmailSendingAccount": "DEVELOPER",
                "From": "no-reply@mail.example.com",
                "SourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/mail.example.com",
            }
        else:
            assert "EmailConfiguration" not in props  # Cognito's own sender
    stack = synthesized.stacks[preset]
    depends = {s.node.id for s in stack.dependencies}
    assert depends == ({f"{stack.node.id}-Mail"} if preset == "production" else set())


@pytest.mark.parametrize("preset", PRESETS)
def test_deletion_protection_and_removal_policy(synthesized, preset):
    for name in ("Shop", "Staff"):
        resource = pool(synthesized.template(preset), name)
        assert resource["Properties"]["DeletionProtection"] == ("ACTIVE" if preset in PROTECTED else "INACTIVE")
        assert resource["DeletionPolicy"] == ("Retain" if preset in PROTECTED else "Delete")
        assert resource["UpdateReplacePolicy"] == resource["DeletionPolicy"]


@pytest.mark.parametrize("preset", PRESETS)
def test_organisation_tags(synthesized, preset):
    tags = pool(synthesized.template(preset))["Properties"]["UserPoolTags"]
    assert tags["Environment"] == preset
    assert tags["Project"] == "FineFinds"


# ------------------------------------------------------------------------------ the client


@pytest.mark.parametrize("preset", PRESETS)
def test_client_code_grant_without_secret(synthesized, preset):
    props = client(synthesized.template(preset))
    assert props["GenerateSecret"] is False
    assert props["AllowedOAuthFlows"] == ["code"]  # no implicit, no client credentials
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    assert props["AllowedOAuthScopes"] == ["openid", "email", "profile"]
    assert props["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert props["SupportedIdentityProviders"] == ["COGNITO"]
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True
    if preset == "production":  # no localhost redirects
        assert props["CallbackURLs"] == ["https://www.example.com/auth/callback"]
        assert props["LogoutURLs"] == ["https://www.example.com/"]
    else:
        assert props["CallbackURLs"] == CALLBACKS
        assert props["LogoutURLs"] == LOGOUTS
    assert "LogoutURLs" not in client(synthesized.template(preset), "Staff")


@pytest.mark.parametrize("preset", PRESETS)
def test_token_validity(synthesized, preset):
    props = client(synthesized.template(preset))
    assert props["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"}
    assert props["AccessTokenValidity"] == 60
    assert props["IdTokenValidity"] == 60
    assert props["RefreshTokenValidity"] == 30 * 24 * 60


# ------------------------------------------------------------------------------ groups and domain


@pytest.mark.parametrize("preset", PRESETS)
def test_groups(synthesized, preset):
    template = synthesized.template(preset)
    pool_id, _ = one(template, "AWS::Cognito::UserPool", "ShopUserPool")
    groups = support.resources_of_type(template, "AWS::Cognito::UserPoolGroup")
    found = sorted((g["Properties"]["Precedence"], g["Properties"]["GroupName"]) for g in groups.values())
    assert found == list(enumerate(GROUPS))
    assert all(g["Properties"]["UserPoolId"] == {"Ref": pool_id} for g in groups.values())
    assert set(POOLS[preset]["Shop"].groups) == set(GROUPS)
    assert POOLS[preset]["Staff"].groups == {}


@pytest.mark.parametrize("preset", PRESETS)
def test_managed_login_domain_for_every_pool(synthesized, preset):
    """The code grant's endpoints exist only on a domain: every pool gets one, derived when not given."""
    template = synthesized.template(preset)
    domains = support.resources_of_type(template, "AWS::Cognito::UserPoolDomain")
    brandings = support.resources_of_type(template, "AWS::Cognito::ManagedLoginBranding")
    for name, prefix in (("Shop", f"finefinds-shop-{preset}"), ("Staff", DERIVED_PREFIX[preset])):
        pool_id, _ = one(template, "AWS::Cognito::UserPool", f"{name}UserPool")
        client_id, _ = one(template, "AWS::Cognito::UserPoolClient", f"{name}WebClient")
        assert [d["Properties"] for d in domains.values() if d["Properties"]["UserPoolId"] == {"Ref": pool_id}] == [
            {"Domain": prefix, "ManagedLoginVersion": 2, "UserPoolId": {"Ref": pool_id}}
        ]
        assert [b["Properties"] for b in brandings.values() if b["Properties"]["UserPoolId"] == {"Ref": pool_id}] == [
            {"ClientId": {"Ref": client_id}, "UseCognitoProvidedValues": True, "UserPoolId": {"Ref": pool_id}}
        ]
        assert POOLS[preset][name].domain is not None
    assert profiles.PRESETS[preset].auth.domain_prefix is None


def test_domain_prefix_from_the_profile():
    profile = dataclasses.replace(
        support.profile_for_tests("qa"), auth=profiles.AuthSettings(domain_prefix="finefinds-qa")
    )
    stack = EnvironmentStack(cdk.App(), "Prefix", profile=profile)
    auth = AuthPool(stack, "Auth", profile=profile, callback_urls=CALLBACKS, logout_urls=[])
    Template.from_stack(stack).has_resource_properties("AWS::Cognito::UserPoolDomain", {"Domain": "finefinds-qa"})
    assert auth.domain is not None


# ------------------------------------------------------------------------------ gates


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synthesized, preset):
    assert synthesized.templates.get(preset) is not None, synthesized.error
    assert synthesized.findings_for(preset) == []


def test_no_findings_at_all(synthesized):
    assert synthesized.error is None, synthesized.error
    assert synthesized.findings == []


@pytest.mark.parametrize("preset", PRESETS)
def test_mfa_acknowledgement_only_where_the_profile_makes_mfa_optional(synthesized, preset):
    node = synthesized.stacks[preset].node.find_child("Shop").node.find_child("UserPool").node.default_child
    keys = {k.split("::", 1)[-1] for m in node.node.metadata if m.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY for k in m.data}
    assert ("AwsSolutions-COG2" in keys) is (MFA[preset] == "OPTIONAL")
    assert ("AwsSolutions-COG8" in keys) is (preset != "production")  # threat protection only in production


@pytest.mark.slow
def test_cfn_lint_clean(synthesized):
    code, output = support.cfn_lint(synthesized.template_file(p) for p in PRESETS)
    assert code == 0, output


def test_logical_ids_are_pinned(synthesized):
    """The user pool's (and client's) logical ids never change; a rename must update the manifest.

    To accept a deliberate change: ``UPDATE_LOGICAL_IDS=1 pytest tests/unit/test_auth_pool.py``.
    """
    actual = {
        preset: {t: sorted(support.resources_of_type(synthesized.template(preset), t)) for t in STATEFUL} for preset in PRESETS
    }
    support.assert_logical_ids_pinned(actual, MANIFEST)


def test_threat_protection_off_uses_essentials_and_is_acknowledged():
    """Given a profile that turns threat protection off, then Essentials, no add-ons, no findings."""
    outdir = tempfile.mkdtemp(prefix="ff-auth-off-")
    try:
        app = cdk.App(outdir=outdir)
        profile = dataclasses.replace(
            support.profile_for_tests("sandbox"), auth=profiles.AuthSettings(mfa="OPTIONAL", threat_protection="OFF")
        )
        stack = EnvironmentStack(app, "NoThreatProtection", profile=profile)
        AuthPool(stack, "Auth", profile=profile, callback_urls=CALLBACKS, logout_urls=[])
        compliance.enable(app)
        app.synth()
        assert compliance.read_findings(outdir) == []
        template = json.loads((Path(outdir) / "NoThreatProtection.template.json").read_text())
        (user_pool,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::Cognito::UserPool"]
        assert user_pool["Properties"]["UserPoolTier"] == "ESSENTIALS"
        assert user_pool["Properties"].get("UserPoolAddOns", {}).get("AdvancedSecurityMode", "OFF") == "OFF"
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


# ------------------------------------------------------------------------------ bad input


def _stack(preset: str = "development") -> tuple[cdk.Stack, profiles.EnvironmentProfile]:
    profile = support.profile_for_tests(preset)
    return EnvironmentStack(cdk.App(), "Bad", profile=profile), profile


@pytest.mark.parametrize(
    ("kwargs", "parameter", "text"),
    [
        ({"callback_urls": ["http://www.example.com/callback"]}, "callback_urls", "http://www.example.com/callback"),
        ({"logout_urls": ["http://shop.example.com/"]}, "logout_urls", "http://shop.example.com/"),
        ({"callback_urls": ["https://www.example.com/#/callback"]}, "callback_urls", "fragment"),
        ({"callback_urls": ["ftp://www.example.com/"]}, "callback_urls", "ftp://www.example.com/"),
        ({"callback_urls": ["www.example.com/callback"]}, "callback_urls", "www.example.com/callback"),
        ({"callback_urls": []}, "callback_urls", "at least one"),
        ({"callback_urls": "https://www.example.com/"}, "callback_urls", "a list"),
        ({"callback_urls": ["https://a.example.com/", "https://a.example.com/"]}, "callback_urls", "each URL once"),
        ({"groups": ["admin", "bad name"]}, "groups", "bad name"),
        ({"groups": ["admin", "Admin"]}, "groups", "each group once"),
        ({"groups": "admin"}, "groups", "a list"),
        ({"domain_prefix": "my-cognito-login"}, "domain_prefix", "cognito"),
        ({"domain_prefix": "Shop_Login"}, "domain_prefix", "lowercase"),
        ({"domain_prefix": "-shop"}, "domain_prefix", "hyphen"),
        ({"user_pool_props": {"mfa": cognito.Mfa.OFF}}, "user_pool_props['mfa']", "auth.mfa"),
        ({"user_pool_props": {"feature_plan": cognito.FeaturePlan.LITE}}, "user_pool_props['feature_plan']", "threat_protection"),
        (
            {"user_pool_props": {"password_policy": cognito.PasswordPolicy(min_length=8)}},
            "user_pool_props['password_policy']",
            "12",
        ),
        ({"user_pool_props": {"removal_policy": cdk.RemovalPolicy.DESTROY}}, "user_pool_props['removal_policy']", "retain_data"),
        ({"user_pool_props": {"sign_in_aliasses": None}}, "user_pool_props['sign_in_aliasses']", "sign_in_aliases"),
        ({"client_props": {"generate_secret": True}}, "client_props['generate_secret']", "PKCE"),
        ({"client_props": {"o_auth": cognito.OAuthSettings()}}, "client_props['o_auth']", "authorization-code"),
    ],
)
def test_bad_input_raises(kwargs, parameter, text):
    stack, profile = _stack()
    args = {"callback_urls": CALLBACKS, "logout_urls": LOGOUTS, **kwargs}
    with pytest.raises(ConfigurationError) as info:
        AuthPool(stack, "Auth", profile=profile, **args)
    assert info.value.parameter == parameter
    assert text in str(info.value)
    assert "Bad/Auth" in str(info.value)


def test_localhost_and_loopback_may_use_http():
    stack, profile = _stack()
    auth = AuthPool(
        stack,
        "Auth",
        profile=profile,
        callback_urls=["http://localhost/cb", "http://localhost:5173/cb", "http://127.0.0.1:8080/cb"],
        logout_urls=["http://localhost:5173/"],
    )
    assert isinstance(auth.client, cognito.UserPoolClient) and isinstance(auth.user_pool, cognito.UserPool)


def test_profile_is_required_and_typed():
    stack, _ = _stack()
    with pytest.raises(ConfigurationError, match="EnvironmentProfile"):
        AuthPool(stack, "Auth", profile="production", callback_urls=CALLBACKS, logout_urls=[])  # type: ignore[arg-type]


def test_overrides_reach_the_l2s():
    stack, profile = _stack()
    AuthPool(
        stack,
        "Auth",
        profile=profile,
        callback_urls=CALLBACKS,
        logout_urls=[],
        user_pool_props={"user_invitation": cognito.UserInvitationConfig(email_subject="Welcome to FineFinds")},
        client_props={"refresh_token_validity": cdk.Duration.days(7)},
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Cognito::UserPool", {"AdminCreateUserConfig": {"InviteMessageTemplate": {"EmailSubject": "Welcome to FineFinds"}}}
    )
    template.has_resource_properties("AWS::Cognito::UserPoolClient", {"RefreshTokenValidity": 7 * 24 * 60})


# ------------------------------------------------------------------------------ localhost, domain, e-mail


@pytest.mark.parametrize(
    "url",
    ["http://localhost:3000/auth/callback", "https://localhost/cb", "http://127.0.0.1:8080/cb", "https://app.localhost/cb"],
)
def test_localhost_urls_refused_where_the_profile_does_not_allow_them(url):
    """Production's profile refuses a localhost redirect, naming it; a team's profile may allow it."""
    stack, profile = _stack("production")
    with pytest.raises(ConfigurationError) as info:
        AuthPool(stack, "Auth", profile=profile, callback_urls=["https://www.example.com/cb", url], logout_urls=[])
    assert info.value.parameter == "callback_urls"
    assert url in str(info.value) and "allow_localhost_urls" in str(info.value)
    with pytest.raises(ConfigurationError, match="logout_urls"):
        AuthPool(stack, "Out", profile=profile, callback_urls=["https://www.example.com/cb"], logout_urls=[url])
    assert profiles.PRODUCTION.auth.allow_localhost_urls is False
    assert all(profiles.PRESETS[p].auth.allow_localhost_urls for p in PRESETS if p != "production")


def test_derived_domain_prefix_and_profile_prefix():
    profile = support.profile_for_tests("qa")
    stack = EnvironmentStack(cdk.App(), "Prefix", profile=profile)
    AuthPool(stack, "Auth", profile=profile, callback_urls=CALLBACKS, logout_urls=[])
    Template.from_stack(stack).has_resource_properties("AWS::Cognito::UserPoolDomain", {"Domain": "finefinds-qa-946ec022"})


def _ses_stacks(region: str = "eu-west-1") -> tuple[cdk.Stack, cdk.Stack, profiles.EnvironmentProfile]:
    app = cdk.App()
    profile = support.profile_for_tests("production")
    mail = EnvironmentStack(app, "Mail", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region=region))
    return mail, EnvironmentStack(app, "Identity", profile=profile), profile


@pytest.mark.parametrize(
    ("case", "parameter", "text"),
    [
        ("missing", "email_sender", "an EmailSender (auth.email is 'SES')"),
        ("same-stack", "email_sender", "in another stack"),
        ("other-region", "email_sender", "region us-east-1"),
        ("foreign-from", "auth.email_from", "an address at mail.example.com"),
        ("cognito-with-sender", "email_sender", "None while auth.email is 'COGNITO'"),
    ],
)
def test_ses_email_sender_checks(case, parameter, text):
    mail, identity, profile = _ses_stacks("us-east-1" if case == "other-region" else "eu-west-1")
    sender = EmailSender(identity if case == "same-stack" else mail, "Email", profile=profile, domain_name=MAIL_DOMAIN)
    if case == "foreign-from":
        profile = dataclasses.replace(profile, auth=dataclasses.replace(profile.auth, email_from="no-reply@example.org"))
    if case == "cognito-with-sender":
        profile = dataclasses.replace(profile, auth=dataclasses.replace(profile.auth, email="COGNITO"))
    with pytest.raises(ConfigurationError) as info:
        AuthPool(
            identity, "Auth", profile=profile, callback_urls=["https://www.example.com/cb"], logout_urls=[],
            email_sender=None if case == "missing" else sender,
        )
    assert info.value.parameter == parameter
    assert text in str(info.value)


def test_ses_email_from_the_profile_address():
    mail, identity, profile = _ses_stacks()
    sender = EmailSender(mail, "Email", profile=profile, domain_name=MAIL_DOMAIN)
    with pytest.raises(ConfigurationError, match="auth.email_from"):  # an address, not a display name
        dataclasses.replace(profile.auth, email_from="FineFinds <hello@mail.example.com>")
    profile = dataclasses.replace(profile, auth=dataclasses.replace(profile.auth, email_from="hello@mail.example.com"))
    AuthPool(identity, "Auth2", profile=profile, callback_urls=["https://www.example.com/cb"], logout_urls=[], email_sender=sender)
    Template.from_stack(identity).has_resource_properties(
        "AWS::Cognito::UserPool", {"EmailConfiguration": {"EmailSendingAccount": "DEVELOPER", "From": "hello@mail.example.com"}}
    )


def test_profile_refuses_email_from_without_ses():
    with pytest.raises(ConfigurationError, match="auth.email_from"):
        profiles.AuthSettings(email_from="no-reply@example.com")
    with pytest.raises(ConfigurationError, match="auth.email"):
        profiles.AuthSettings(email="SMTP")


def test_threat_protection_audit_uses_plus_in_audit_mode():
    """Given a profile that audits threats (no preset does), then Plus with both modes AUDIT_ONLY, no findings."""
    outdir = tempfile.mkdtemp(prefix="ff-auth-audit-")
    try:
        app = cdk.App(outdir=outdir)
        profile = dataclasses.replace(
            support.profile_for_tests("sandbox"), auth=profiles.AuthSettings(mfa="OPTIONAL", threat_protection="AUDIT")
        )
        stack = EnvironmentStack(app, "AuditThreats", profile=profile)
        auth = AuthPool(stack, "Auth", profile=profile, callback_urls=CALLBACKS, logout_urls=[])
        compliance.enable(app)
        app.synth()
        assert compliance.read_findings(outdir) == []
        template = json.loads((Path(outdir) / "AuditThreats.template.json").read_text())
        (user_pool,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::Cognito::UserPool"]
        assert user_pool["Properties"]["UserPoolTier"] == "PLUS"
        assert user_pool["Properties"]["UserPoolAddOns"] == {
            "AdvancedSecurityMode": "AUDIT",
            "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "AUDIT"},
        }
        # Only threat protection "OFF" is accepted as missing (AwsSolutions-COG8).
        node = auth.user_pool.node.default_child
        keys = {k for m in node.node.metadata if m.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY for k in m.data}
        assert not any(k.endswith("AwsSolutions-COG8") for k in keys)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
