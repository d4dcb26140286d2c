"""EmailSender: an SES domain identity with DKIM, custom MAIL FROM and delivery events."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from constructs import Construct

from . import compliance
from ._internal.logs import removal_policy
from ._internal.tagging import apply_organisation_tags
from ._internal.topics import encrypted_service_topic
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["EmailSender", "EVENTS"]

#: The sending events published to the topic.
EVENTS: tuple[ses.EmailSendingEvent, ...] = (
    ses.EmailSendingEvent.BOUNCE,
    ses.EmailSendingEvent.COMPLAINT,
    ses.EmailSendingEvent.DELIVERY,
    ses.EmailSendingEvent.REJECT,
)

_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class _DomainIdentity(ses.Identity):
    """A domain identity whose DKIM and MAIL FROM records go into ``zone``.

    ``ses.Identity.public_hosted_zone`` verifies the zone's own name; this verifies ``domain``,
    which may be the zone's name or a name inside the zone (``shop.example.com`` in
    ``example.com``), and lets aws-cdk-lib create the same records.
    """

    def __init__(self, domain: str, zone: route53.IHostedZone | None) -> None:
        super().__init__()
        self._domain = domain
        self._zone = zone

    @property
    def value(self) -> str:
        return self._domain

    @property
    def hosted_zone(self) -> Any:
        return self._zone


class EmailSender(Construct):
    """An SES domain identity ready to send: Easy DKIM, custom MAIL FROM and event publishing.

    What it creates:

    * an SES **domain identity** for ``domain_name`` with Easy DKIM (2048-bit keys) and a custom
      MAIL FROM domain ``<mail_from_subdomain>.<domain_name>``; when the MAIL FROM MX record is
      missing SES falls back to its own domain (``USE_DEFAULT_VALUE``) instead of rejecting mail;
    * a **configuration set** (the identity's default) that requires TLS to the receiving server,
      keeps reputation metrics and publishes bounce, complaint, delivery and reject events to
    * an **SNS topic** encrypted with a customer-managed KMS key (rotation on), refusing non-TLS
      publishing, whose policy admits only ``ses.amazonaws.com`` publishing for this account and
      configuration set (``aws:SourceAccount`` and ``aws:SourceArn``). Subscribe your bounce/complaint processing to it.

    With ``hosted_zone`` the three DKIM CNAME records and the MAIL FROM MX and SPF TXT records are
    created in that zone (import it with ``route53.HostedZone.from_hosted_zone_attributes`` — no
    lookups). Without one, create these records yourself (their values are the identity's
    ``dkim_records`` attributes, also listed in the SES console):

    * ``<token>._domainkey.<domain_name>`` CNAME ``<token>.dkim.amazonses.com`` (three tokens);
    * ``<mail_from_subdomain>.<domain_name>`` MX ``10 feedback-smtp.<region>.amazonses.com``;
    * ``<mail_from_subdomain>.<domain_name>`` TXT ``"v=spf1 include:amazonses.com ~all"``;
    * and, recommended, a DMARC policy ``_dmarc.<domain_name>`` TXT ``"v=DMARC1; p=quarantine"``
      (not created: it governs every sender of the domain, not only SES).

    A new account's SES is in the sandbox (it sends only to verified addresses); request
    production access per account and region.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id.
    profile : EnvironmentProfile
        The environment profile; required. ``profile.is_retained`` keeps the identity and the
        topic key when the stack is deleted.
    domain_name : str
        The domain mail is sent from, a lowercase DNS name like ``"mail.example.com"``.
    hosted_zone : aws_cdk.aws_route53.IHostedZone, optional
        A public hosted zone holding ``domain_name`` (its name equal to it or a parent of it).
        Default: ``None`` (create the DNS records yourself).
    mail_from_subdomain : str, optional
        The MAIL FROM domain's label under ``domain_name``: one DNS label, no dots.
        Default: ``"mail"``.
    events : Sequence[aws_cdk.aws_ses.EmailSendingEvent], optional
        Sending events published to the topic. Default: :data:`EVENTS` (bounce, complaint,
        delivery, reject).

    Attributes
    ----------
    identity : aws_cdk.aws_ses.EmailIdentity
        The domain identity.
    configuration_set : aws_cdk.aws_ses.ConfigurationSet
        The identity's default configuration set.
    topic : aws_cdk.aws_sns.Topic
        Where sending events go.
    key : aws_cdk.aws_kms.Key
        The topic's key.
    mail_from_domain : str
        ``<mail_from_subdomain>.<domain_name>``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        domain_name: str,
        hosted_zone: route53.IHostedZone | None = None,
        mail_from_subdomain: str = "mail",
        events: tuple[ses.EmailSendingEvent, ...] | list[ses.EmailSendingEvent] = EVENTS,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        self._check_domain(domain_name)
        self._check_subdomain(mail_from_subdomain, domain_name)
        if hosted_zone is not None:
            self._check_zone(hosted_zone, domain_name)
        if not events or not all(isinstance(e, ses.EmailSendingEvent) for e in events):
            raise ConfigurationError(
                "events", list(events or []), "one or more ses.EmailSendingEvent values", fix="e.g. [ses.EmailSendingEvent.BOUNCE]",
                source=self.node.path,
            )
        self.domain_name = domain_name
        self.mail_from_domain = f"{mail_from_subdomain}.{domain_name}"

        self.key: kms.Key
        self.topic: sns.Topic
        self.key, self.topic = encrypted_service_topic(
            self,
            profile=profile,
            services=("ses.amazonaws.com",),
            display_name=f"{profile.name} email events {domain_name}",
            purpose="SES sending events",
            # aws-cdk-lib's SNS event destination adds the publish statement for ses.amazonaws.com,
            # scoped to this account and this configuration set (aws:SourceAccount, aws:SourceArn).
            allow_publish=False,
        )
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
            reputation_metrics=True,
            sending_enabled=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        destination = self.configuration_set.add_event_destination(
            "Events", destination=ses.EventDestination.sns_topic(self.topic), events=list(events)
        )
        # SES checks it may publish when the destination is created.
        policy = self.topic.node.try_find_child("Policy")
        if policy is not None:
            destination.node.add_dependency(policy, self.key)

        self.identity = ses.EmailIdentity(
            self,
            "Identity",
            identity=_DomainIdentity(domain_name, hosted_zone),
            configuration_set=self.configuration_set,
            dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
            dkim_signing=True,
            mail_from_domain=self.mail_from_domain,
            mail_from_behavior_on_mx_failure=ses.MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
        )
        self.identity.apply_removal_policy(removal_policy(profile.is_retained))

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "EmailSender")

    # ------------------------------------------------------------------------------------------
    @property
    def configuration_set_arn(self) -> str:
        """The configuration set's ARN."""
        return cdk.Stack.of(self).format_arn(
            service="ses", resource="configuration-set", resource_name=self.configuration_set.configuration_set_name
        )

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send mail from this identity through its configuration set.

        Grants ``ses:SendEmail`` and ``ses:SendRawEmail`` on the identity's and the configuration
        set's ARNs only (SES authorises a send against both).

        Parameters
        ----------
        grantee : aws_cdk.aws_iam.IGrantable
            The principal (a role, a function, a task definition's task role...).
        """
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resource_arns=[self.identity.email_identity_arn, self.configuration_set_arn],
        )

    # ------------------------------------------------------------------------------------------
    def _check_domain(self, domain: Any) -> None:
        if not isinstance(domain, str) or cdk.Token.is_unresolved(domain) or not _DOMAIN.fullmatch(domain):
            raise ConfigurationError(
                "domain_name",
                domain,
                "a lowercase DNS name like 'mail.example.com' (a literal, not a token)",
                fix="drop the scheme, path, '@' part and trailing dot",
                source=self.node.path,
            )

    def _check_subdomain(self, label: Any, domain: str) -> None:
        if not isinstance(label, str) or not _LABEL.fullmatch(label) or len(label) + 1 + len(domain) > 253:
            raise ConfigurationError(
                "mail_from_subdomain",
                label,
                "one lowercase DNS label (letters, digits, inner hyphens; no dots), the whole name at most 253 characters",
                fix="e.g. 'mail' or 'bounce'",
                source=self.node.path,
            )

    def _check_zone(self, zone: Any, domain: str) -> None:
        try:
            zone_name = zone.zone_name
        except Exception:  # a zone imported by id only has no name
            raise ConfigurationError(
                "hosted_zone",
                getattr(zone, "node", None) and zone.node.path,
                "a hosted zone with a name",
                fix="import it with route53.HostedZone.from_hosted_zone_attributes(hosted_zone_id=..., zone_name=...)",
                source=self.node.path,
            ) from None
        if cdk.Token.is_unresolved(zone_name):
            return  # resolved at deploy time; nothing to compare
        name = zone_name.rstrip(".").lower()
        if domain != name and not domain.endswith("." + name):
            raise ConfigurationError(
                "hosted_zone",
                zone_name,
                f"the zone of {domain!r} or of one of its parent domains",
                fix=f"pass the hosted zone that holds {domain!r}, or leave hosted_zone out and create the records yourself",
                source=self.node.path,
            )
