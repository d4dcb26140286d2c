"""AuthPool: a Cognito user pool with a PKCE web client, its managed-login domain, MFA and e-mail from the profile."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from . import compliance
from ._internal.logs import removal_policy
from ._internal.props import merge_props
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .email_sender import EmailSender
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["AuthPool", "PASSWORD_MIN_LENGTH"]

#: Minimum password length (every character class is required as well).
PASSWORD_MIN_LENGTH = 12
#: Access- and ID-token lifetime.
ACCESS_TOKEN_HOURS = 1
#: Refresh-token lifetime.
REFRESH_TOKEN_DAYS = 30

_MFA = {"REQUIRED": cognito.Mfa.REQUIRED, "OPTIONAL": cognito.Mfa.OPTIONAL}
# profile.auth.threat_protection → (feature plan, standard mode, custom-auth mode)
_THREAT_PROTECTION: dict[str, tuple[cognito.FeaturePlan, cognito.StandardThreatProtectionMode, Any]] = {
    "OFF": (cognito.FeaturePlan.ESSENTIALS, cognito.StandardThreatProtectionMode.NO_ENFORCEMENT, None),
    "AUDIT": (cognito.FeaturePlan.PLUS, cognito.StandardThreatProtectionMode.AUDIT_ONLY, cognito.CustomThreatProtectionMode.AUDIT_ONLY),
    "ENFORCED": (
        cognito.FeaturePlan.PLUS,
        cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        cognito.CustomThreatProtectionMode.FULL_FUNCTION,
    ),
}

_ENFORCED_POOL = {
    "mfa": "the profile decides (auth.mfa)",
    "mfa_second_factor": "TOTP on, SMS off (SIM-swap resistant, no SMS role)",
    "feature_plan": "the profile decides (auth.threat_protection)",
    "standard_threat_protection_mode": "the profile decides (auth.threat_protection)",
    "custom_threat_protection_mode": "the profile decides (auth.threat_protection)",
    "advanced_security_mode": "the profile decides (auth.threat_protection)",
    "password_policy": f"at least {PASSWORD_MIN_LENGTH} characters with every character class",
    "account_recovery": "recovery by verified e-mail only (no SMS)",
    "sign_in_case_sensitive": "e-mail sign-in is case-insensitive",
    "removal_policy": "the profile decides (protection.retain_data)",
    "deletion_protection": "the profile decides (protection.deletion_protection)",
    "email": "the profile decides (auth.email); SES e-mail comes from email_sender=",
}
_ENFORCED_CLIENT = {
    "user_pool": "the client belongs to .user_pool",
    "generate_secret": "a browser client cannot keep a secret; it uses PKCE",
    "o_auth": "use callback_urls= / logout_urls=; only the authorization-code grant is allowed",
    "prevent_user_existence_errors": "sign-in errors never reveal whether a user exists",
    "disable_o_auth": "the web client signs in with the authorization-code grant",
}

_LOCAL_HOSTS = ("localhost", "127.0.0.1")
# Names that reach the developer's own machine; refused where the profile allows no localhost URLs.
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_GROUP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_DOMAIN_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_RESERVED_IN_PREFIX = ("aws", "amazon", "cognito")


class AuthPool(Construct):
    """A Cognito user pool and a web app client, secured by default.

    What it creates, per profile:

    * a user pool with e-mail sign-in (case-insensitive, e-mail verified automatically, the old
      address kept until a new one is verified), a password policy of at least
      :data:`PASSWORD_MIN_LENGTH` characters with lower- and upper-case letters, digits and
      symbols, account recovery by e-mail only, MFA per ``profile.auth.mfa`` (``REQUIRED`` or
      ``OPTIONAL``; TOTP on, SMS off);
    * threat protection per ``profile.auth.threat_protection``: ``AUDIT`` or ``ENFORCED`` use the
      Plus feature plan (which threat protection requires; billed for every monthly active user)
      in audit-only or full-function mode; ``OFF`` uses the Essentials plan without it;
    * e-mail per ``profile.auth.email``: ``COGNITO`` uses Cognito's built-in sender (a small daily
      quota, for development and testing); ``SES`` sends through the verified domain identity of
      ``email_sender`` (an :class:`EmailSender`) from ``profile.auth.email_from`` (default
      ``no-reply@<its domain>``);
    * deletion protection per ``profile.protection.deletion_protection`` and RETAIN where
      ``profile.is_retained`` (DESTROY elsewhere);
    * an app client for a browser front end: no secret, OAuth authorization-code grant only
      (use PKCE), scopes ``openid``, ``email``, ``profile``, SRP for direct sign-in, token
      revocation on, user-existence errors prevented, access and ID tokens valid one hour and
      refresh tokens thirty days;
    * a managed-login domain ``<prefix>.auth.<region>.amazoncognito.com`` (managed login v2 with
      Cognito's default branding): the authorize, token and sign-in endpoints the code grant needs
      exist only once a pool has a domain. Prefixes are unique per region across all of AWS, so the
      default prefix ends in 8 hex characters of the account and construct path;
    * one user-pool group per name in ``groups``, precedence in the order given.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the user pool (a breaking change: users are lost).
    profile : EnvironmentProfile
        The environment profile; required.
    callback_urls : Sequence[str]
        Where Cognito may redirect after sign-in: ``https://`` URLs, or ``http://localhost`` /
        ``http://127.0.0.1`` for local development where ``profile.auth.allow_localhost_urls``
        (refused otherwise, e.g. in production). At least one.
    logout_urls : Sequence[str]
        Where Cognito may redirect after sign-out; the same rules. May be empty.
    groups : Sequence[str], optional
        User-pool group names, e.g. ``("admin", "seller", "customer")``; the first has the
        highest precedence. Default: ``()`` (no groups).
    domain_prefix : str, optional
        Managed-login domain prefix. Default: ``profile.auth.domain_prefix``, else
        ``<project>-<environment>-<8 hex characters>`` (e.g. ``finefinds-production-1a2b3c4d``).
    email_sender : EmailSender, optional
        The SES identity the pool sends from when ``profile.auth.email`` is ``"SES"`` (required
        then, refused otherwise); same account and region as the pool, in **another stack deployed
        first**: Cognito refuses an identity SES has not verified yet, and SES verifies a new domain
        identity minutes to hours after its DKIM records resolve. On the first rollout deploy the
        EmailSender's stack, wait until the identity shows "Verified" (``aws sesv2
        get-email-identity``), then this stack; request SES production access in that account and
        region too (the sandbox sends only to verified addresses). Default: ``None``.
    self_sign_up : bool, optional
        Let users create their own accounts. Default: ``True``.
    user_pool_props : Mapping[str, Any], optional
        Extra ``cognito.UserPoolProps`` keyword arguments (e.g. ``user_invitation=``), applied over
        everything else except what the construct enforces (MFA, threat protection, password
        policy, recovery, removal, e-mail). Default: ``None``.
    client_props : Mapping[str, Any], optional
        Extra ``cognito.UserPoolClientProps`` keyword arguments (e.g. token validity), applied
        over everything else except what the construct enforces (no secret, code grant only,
        user-existence errors prevented). Default: ``None``.

    Attributes
    ----------
    user_pool : aws_cdk.aws_cognito.UserPool
        The user pool.
    client : aws_cdk.aws_cognito.UserPoolClient
        The web app client.
    domain : aws_cdk.aws_cognito.UserPoolDomain
        The managed-login domain.
    groups : dict[str, aws_cdk.aws_cognito.CfnUserPoolGroup]
        The groups by name.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        callback_urls: Sequence[str],
        logout_urls: Sequence[str],
        groups: Sequence[str] = (),
        domain_prefix: str | None = None,
        email_sender: EmailSender | None = None,
        self_sign_up: bool = True,
        user_pool_props: Mapping[str, Any] | None = None,
        client_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        callbacks = self._check_urls("callback_urls", callback_urls, required=True)
        logouts = self._check_urls("logout_urls", logout_urls, required=False)
        group_names = self._check_groups(groups)
        prefix = self._check_domain_prefix(
            domain_prefix if domain_prefix is not None else (profile.auth.domain_prefix or self._default_prefix(profile))
        )
        email = self._email(profile, email_sender)

        plan, standard_mode, custom_mode = _THREAT_PROTECTION[profile.auth.threat_protection]
        pool_defaults: dict[str, Any] = dict(
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            self_sign_up_enabled=self_sign_up,
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_MIN_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            mfa=_MFA[profile.auth.mfa],
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=plan,
            standard_threat_protection_mode=standard_mode,
            deletion_protection=profile.protection.deletion_protection,
            removal_policy=removal_policy(profile.is_retained),
            email=email,
        )
        if custom_mode is not None:
            pool_defaults["custom_threat_protection_mode"] = custom_mode
        pool_props = merge_props(
            parameter="user_pool_props",
            defaults=pool_defaults,
            overrides=user_pool_props,
            props_class=cognito.UserPoolProps,
            enforced=_ENFORCED_POOL,
            source=self.node.path,
        )
        self.user_pool = cognito.UserPool(self, "UserPool", **pool_props)

        client_defaults: dict[str, Any] = dict(
            user_pool=self.user_pool,
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=False, client_credentials=False),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=callbacks,
                logout_urls=logouts or None,
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=cdk.Duration.hours(ACCESS_TOKEN_HOURS),
            id_token_validity=cdk.Duration.hours(ACCESS_TOKEN_HOURS),
            refresh_token_validity=cdk.Duration.days(REFRESH_TOKEN_DAYS),
            auth_session_validity=cdk.Duration.minutes(3),
        )
        client_kwargs = merge_props(
            parameter="client_props",
            defaults=client_defaults,
            overrides=client_props,
            props_class=cognito.UserPoolClientProps,
            enforced=_ENFORCED_CLIENT,
            source=self.node.path,
        )
        self.client = cognito.UserPoolClient(self, "WebClient", **client_kwargs)

        # The code grant's authorize and token endpoints live on the pool's domain.
        self.domain: cognito.UserPoolDomain = self.user_pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix),
            managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
        )
        # Managed login v2 shows a page only for clients with a branding style.
        branding = cognito.CfnManagedLoginBranding(
            self,
            "WebClientBranding",
            user_pool_id=self.user_pool.user_pool_id,
            client_id=self.client.user_pool_client_id,
            use_cognito_provided_values=True,
        )
        branding.node.add_dependency(self.domain)

        self.groups: dict[str, cognito.CfnUserPoolGroup] = {
            name: cognito.CfnUserPoolGroup(
                self,
                f"Group{name}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=name,
                description=f"{name} users",
                precedence=precedence,
            )
            for precedence, name in enumerate(group_names)
        }

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "AuthPool")
        if profile.auth.mfa != "REQUIRED":
            compliance.apply_acknowledgements(self, "AuthPool[mfa-optional]")
        if profile.auth.threat_protection == "OFF":
            compliance.apply_acknowledgements(self, "AuthPool[threat-protection-off]")

    # ------------------------------------------------------------------------------------------
    def _check_urls(self, parameter: str, urls: Sequence[str], *, required: bool) -> list[str]:
        if isinstance(urls, str) or not isinstance(urls, Sequence):
            raise ConfigurationError(
                parameter, urls, "a list of URLs", fix=f"wrap it in a list: {parameter}=[...]", source=self.node.path
            )
        urls = list(urls)
        if required and not urls:
            raise ConfigurationError(
                parameter, urls, "at least one URL", fix="add the front end's sign-in redirect URL", source=self.node.path
            )
        allowed = "https:// URLs, or http://localhost / http://127.0.0.1 (any port) for local development, without a #fragment"
        for url in urls:
            if not isinstance(url, str):
                raise ConfigurationError(parameter, url, allowed, source=self.node.path)
            if cdk.Token.is_unresolved(url):
                continue
            parts = urlsplit(url)
            local = parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS
            if not (parts.scheme == "https" or local) or not parts.hostname or parts.fragment or "#" in url:
                raise ConfigurationError(
                    parameter,
                    url,
                    allowed,
                    fix=f"{url!r}: use https (plain http is allowed only for localhost)",
                    source=self.node.path,
                )
            loopback = parts.hostname in _LOOPBACK_HOSTS or parts.hostname.endswith(".localhost")
            if loopback and not self.profile.auth.allow_localhost_urls:
                # Any site the user's browser runs on that machine would receive their codes.
                raise ConfigurationError(
                    parameter,
                    url,
                    f"URLs of a deployed front end: {self.profile.name}'s profile does not allow localhost "
                    "(auth.allow_localhost_urls is false)",
                    fix=f"drop {url!r} from {parameter} in this environment, or set auth.allow_localhost_urls = true",
                    source=self.node.path,
                )
        if len(set(urls)) != len(urls):
            raise ConfigurationError(parameter, urls, "each URL once", source=self.node.path)
        return urls

    def _check_groups(self, groups: Sequence[str]) -> list[str]:
        if isinstance(groups, str) or not isinstance(groups, Sequence):
            raise ConfigurationError("groups", groups, "a list of group names", fix="e.g. groups=('admin', 'customer')", source=self.node.path)
        names = list(groups)
        for name in names:
            if not isinstance(name, str) or not _GROUP_NAME.fullmatch(name):
                raise ConfigurationError(
                    "groups",
                    name,
                    "names of 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit",
                    fix="e.g. 'admin', 'customer', 'seller'",
                    source=self.node.path,
                )
        lowered = [n.lower() for n in names]
        if len(set(lowered)) != len(lowered):
            raise ConfigurationError("groups", names, "each group once (names compare case-insensitively)", source=self.node.path)
        return names

    def _default_prefix(self, profile: EnvironmentProfile) -> str:
        """``<project>-<environment>-<hash>``: readable, and unlikely to be taken in the region already."""
        account = cdk.Stack.of(self).account
        account = profile.account or ("" if cdk.Token.is_unresolved(account) else account)
        digest = hashlib.sha256(f"{account}/{self.node.path}".encode()).hexdigest()[:8]
        base = re.sub(r"[^a-z0-9]+", "-", f"{profile.tags.project}-{profile.name}".lower()).strip("-")
        return f"{base[:54].rstrip('-')}-{digest}"

    def _email(self, profile: EnvironmentProfile, sender: EmailSender | None) -> cognito.UserPoolEmail | None:
        if profile.auth.email == "COGNITO":
            if sender is not None:
                raise ConfigurationError(
                    "email_sender", sender.node.path, "None while auth.email is 'COGNITO'",
                    fix="set auth.email = 'SES' in the profile to send through the EmailSender, or drop email_sender",
                    source=self.node.path,
                )
            return None  # no EmailConfiguration: Cognito's own sender
        if not isinstance(sender, EmailSender):
            raise ConfigurationError(
                "email_sender", getattr(sender, "node", None) and sender.node.path, "an EmailSender (auth.email is 'SES')",
                fix="pass the EmailSender of this account and region (in a stack deployed before this one), "
                "or set auth.email = 'COGNITO'",
                source=self.node.path,
            )
        stack, sender_stack = cdk.Stack.of(self), cdk.Stack.of(sender)
        if sender_stack is stack:
            raise ConfigurationError(
                "email_sender", sender.node.path, "an EmailSender in another stack, deployed (and verified) before this one",
                fix="Cognito refuses an SES identity that is not verified yet, and SES verifies a new identity only "
                "after its DKIM records resolve: move the EmailSender into its own stack",
                source=self.node.path,
            )
        for what in ("account", "region"):
            mine, theirs = getattr(stack, what), getattr(sender_stack, what)
            if not cdk.Token.is_unresolved(mine) and not cdk.Token.is_unresolved(theirs) and mine != theirs:
                raise ConfigurationError(
                    "email_sender", f"{sender.node.path} ({what} {theirs})", f"an EmailSender in this pool's {what} ({mine})",
                    fix="create an EmailSender for the pool's account and region", source=self.node.path,
                )
        sender_address = profile.auth.email_from or f"no-reply@{sender.domain_name}"
        if sender_address.rsplit("@", 1)[-1] != sender.domain_name:
            raise ConfigurationError(
                "auth.email_from", sender_address, f"an address at {sender.domain_name} (the EmailSender's verified domain)",
                fix=f"e.g. 'no-reply@{sender.domain_name}'", source=self.node.path,
            )
        # Deploy after the identity's stack (the SourceArn is built from the domain, not a reference).
        stack.add_stack_dependency(sender_stack, "Cognito needs the SES identity to exist and be verified")
        # The SES region defaults to the pool's (checked above to be the sender's).
        return cognito.UserPoolEmail.with_ses(from_email=sender_address, ses_verified_domain=sender.domain_name)

    def _check_domain_prefix(self, prefix: str) -> str:
        reserved = [w for w in _RESERVED_IN_PREFIX if isinstance(prefix, str) and w in prefix]
        if not isinstance(prefix, str) or not _DOMAIN_PREFIX.fullmatch(prefix) or reserved:
            raise ConfigurationError(
                "domain_prefix",
                prefix,
                "1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen, "
                "without 'aws', 'amazon' or 'cognito'",
                fix="pass domain_prefix= or set auth.domain_prefix in the profile, e.g. 'finefinds-dev'",
                source=self.node.path,
            )
        return prefix
