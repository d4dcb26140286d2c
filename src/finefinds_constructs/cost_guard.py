"""CostGuard: a monthly budget, cost anomaly detection and cost-allocation tag enforcement."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_ce as ce
from aws_cdk import aws_config as config
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from . import compliance
from ._internal.props import replace_checked
from ._internal.tagging import apply_organisation_tags
from ._internal.topics import encrypted_service_topic
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["CostGuard", "COST_ALLOCATION_TAGS"]

#: The organisation tags CostGuard requires on resources (AWS Config REQUIRED_TAGS).
COST_ALLOCATION_TAGS: tuple[str, ...] = ("Environment", "Project", "Owner", "CostCenter", "ManagedBy")

# AWS Budgets accepts at most 10 e-mail subscribers per notification.
_MAX_BUDGET_EMAILS = 10
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _decimal(value: float) -> str:
    """A plain decimal string (no exponent), as Cost Explorer expressions expect: 25.0 -> "25"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


class CostGuard(Construct):
    """A monthly cost budget with alerts, cost anomaly detection and required-tag enforcement.

    What it creates, per profile:

    * an AWS Budgets **monthly cost budget** of ``profile.monthly_budget_usd`` that notifies when
      actual spend passes ``profile.cost.actual_threshold_percent`` and when forecast month-end
      spend passes ``profile.cost.forecast_threshold_percent`` of it — by e-mail to
      ``profile.alarms.emails`` (at most 10) and to the SNS topic;
    * an **SNS topic** (unless you pass ``topic=``) encrypted with a customer-managed KMS key
      (rotation on), refusing non-TLS publishing, whose policy admits only
      ``budgets.amazonaws.com`` and ``costalerts.amazonaws.com`` of this account
      (``aws:SourceAccount``), with an e-mail subscription per address (each recipient confirms
      it once, from the e-mail SNS sends) and the ``subscribers=`` you pass: immediate anomaly
      alerts reach people only through the topic, so a topic nobody subscribes to is refused. A
      ``topic=`` you bring must admit those two services itself (and its key, if encrypted, must
      let them create data keys), and someone must subscribe to it (the deploy-readiness rule
      ``UnsubscribedNotificationTopic`` checks the app);
    * a **Cost Anomaly Detection** monitor — ``profile.cost.anomaly_monitor``:

      - ``"ENVIRONMENT_TAG"`` (the default): a ``CUSTOM`` monitor of the costs tagged
        ``Environment=<profile.name>``. AWS lets only a management account (or a standalone
        account) create tag monitors, and the tag must be activated for cost allocation;
      - ``"EXISTING"``: no monitor; the subscriptions use ``profile.cost.anomaly_monitor_arn``, an
        existing monitor of this account, e.g. its AWS services monitor (in a member account of
        an organisation the only kind AWS allows, often pre-created as ``Default-Services-Monitor``);
      - ``"SERVICE"``: a ``DIMENSIONAL`` monitor of every AWS service of the account. AWS allows
        one per account (and dimension), and a second fails to deploy with a misleading
        ``AlreadyExists`` (CloudFormation coverage roadmap #2515): choose it only for an account
        you know has none;

      and a subscription sending each anomaly whose total impact reaches
      ``profile.cost.anomaly_threshold_usd`` to the topic immediately; with e-mail addresses, a
      second subscription e-mails a daily digest (Cost Anomaly Detection delivers e-mail only
      daily or weekly);
    * **cost-allocation tag enforcement**: the AWS Config managed rule ``REQUIRED_TAGS`` flags
      resources missing any of the organisation tags (Environment, Project, Owner, CostCenter,
      ManagedBy) when ``profile.cost.enforce_required_tags`` is on. It needs an AWS Config
      recorder in the account and region (``AuditTrail`` or Control Tower provide one); pass
      ``config_recorder=`` (e.g. ``audit_trail.recorder``) and the rule is deployed after it,
      also from another stack.

    Activating the tags as *cost allocation tags* cannot be done with CloudFormation (there is no
    ``AWS::CE::CostAllocationTag`` resource in CloudFormation, aws-cdk-lib or cfn-lint's
    specifications): activate them once per payer account in the Billing console or with
    ``aws ce update-cost-allocation-tags-status --cost-allocation-tags-status
    TagKey=Environment,Status=Active ...`` (tags appear there within 24 hours of first use).
    Until then the ``"ENVIRONMENT_TAG"`` monitor sees no cost. An app with several CostGuards in
    one account must not create more than one ``"SERVICE"`` monitor there (the deploy-readiness
    rule ``AnomalyMonitorPerAccount`` checks it across the app's stacks).

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id.
    profile : EnvironmentProfile
        The environment profile; required.
    topic : aws_cdk.aws_sns.ITopic, optional
        Notify this topic instead of creating one (it keeps its own subscriptions).
        Default: a new encrypted topic, subscribed by ``emails`` and ``subscribers``.
    subscribers : Sequence[aws_cdk.aws_sns.ITopicSubscription], optional
        Further subscribers of the topic (a queue, a Lambda function, a chat integration's
        endpoint); with them, ``emails`` may be empty. Default: none.
    monthly_budget_usd : int or float, optional
        The monthly budget in USD, more than 0. Default: ``profile.monthly_budget_usd``.
    actual_threshold_percent : int, optional
        Actual-spend threshold, 1 to 1000 percent of the budget.
        Default: ``profile.cost.actual_threshold_percent``.
    forecast_threshold_percent : int, optional
        Forecast-spend threshold, 1 to 1000 percent of the budget.
        Default: ``profile.cost.forecast_threshold_percent``.
    anomaly_threshold_usd : float, optional
        Total-impact threshold of anomaly notifications, USD. Default:
        ``profile.cost.anomaly_threshold_usd``.
    emails : Sequence[str], optional
        Addresses notified by e-mail (at most 10): budget alerts directly, anomaly digests daily,
        and every alert through the topic (when CostGuard creates it). Default:
        ``profile.alarms.emails``.
    anomaly_monitor : str, optional
        ``"ENVIRONMENT_TAG"``, ``"EXISTING"`` or ``"SERVICE"`` (see above).
        Default: ``profile.cost.anomaly_monitor``.
    anomaly_monitor_arn : str, optional
        The existing monitor's ARN (given alone, it implies ``anomaly_monitor="EXISTING"``); it
        must be of this stack's account (monitors are visible only to the account that created
        them). Default: ``profile.cost.anomaly_monitor_arn``.
    enforce_required_tags : bool, optional
        Deploy the ``REQUIRED_TAGS`` Config rule. Default: ``profile.cost.enforce_required_tags``.
    config_recorder : aws_cdk.aws_config.CfnConfigurationRecorder, optional
        The AWS Config recorder of this account and region (``AuditTrail.recorder``): the rule is
        deployed after it (a stack dependency when it is in another stack). Default: ``None``
        (the recorder exists already, e.g. from Control Tower).

    Attributes
    ----------
    budget : aws_cdk.aws_budgets.CfnBudget
        The monthly cost budget.
    topic : aws_cdk.aws_sns.ITopic
        Where budget and anomaly notifications go.
    key : aws_cdk.aws_kms.Key or None
        The topic's key (None with a ``topic=`` you bring).
    anomaly_monitor : aws_cdk.aws_ce.CfnAnomalyMonitor or None
        The cost anomaly monitor (None with ``"EXISTING"``).
    anomaly_monitor_arn : str
        The ARN the subscriptions use (a token for a monitor created here).
    anomaly_subscription : aws_cdk.aws_ce.CfnAnomalySubscription
        Immediate anomaly notifications to the topic.
    anomaly_email_subscription : aws_cdk.aws_ce.CfnAnomalySubscription or None
        The daily e-mail digest of anomalies (None without e-mail addresses).
    required_tags_rule : aws_cdk.aws_config.ManagedRule or None
        The REQUIRED_TAGS rule (None when not enforced).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        topic: sns.ITopic | None = None,
        subscribers: Sequence[sns.ITopicSubscription] | None = None,
        monthly_budget_usd: float | None = None,
        actual_threshold_percent: int | None = None,
        forecast_threshold_percent: int | None = None,
        anomaly_threshold_usd: float | None = None,
        emails: Sequence[str] | None = None,
        anomaly_monitor: str | None = None,
        anomaly_monitor_arn: str | None = None,
        enforce_required_tags: bool | None = None,
        config_recorder: config.CfnConfigurationRecorder | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        overrides: dict[str, Any] = {
            k: v
            for k, v in dict(
                actual_threshold_percent=actual_threshold_percent,
                forecast_threshold_percent=forecast_threshold_percent,
                anomaly_threshold_usd=anomaly_threshold_usd,
                enforce_required_tags=enforce_required_tags,
            ).items()
            if v is not None
        }
        if anomaly_monitor_arn is not None:  # an ARN alone means "EXISTING"
            overrides.update(anomaly_monitor=anomaly_monitor or "EXISTING", anomaly_monitor_arn=anomaly_monitor_arn)
        elif anomaly_monitor is not None:  # the profile's ARN serves only an "EXISTING" monitor
            arn = profile.cost.anomaly_monitor_arn if anomaly_monitor == "EXISTING" else None
            overrides.update(anomaly_monitor=anomaly_monitor, anomaly_monitor_arn=arn)
        try:
            cost = replace_checked(profile.cost, **overrides) if overrides else profile.cost
        except ConfigurationError as exc:
            raise exc.with_source(self.node.path) from None
        budget_usd = self._check_budget(profile.monthly_budget_usd if monthly_budget_usd is None else monthly_budget_usd)
        extra = tuple(subscribers or ())
        addresses = self._check_emails(tuple(profile.alarms.emails if emails is None else emails), topic, extra)

        self.key: kms.Key | None = None
        if topic is None:
            self.key, topic = encrypted_service_topic(
                self,
                profile=profile,
                services=("budgets.amazonaws.com", "costalerts.amazonaws.com"),
                display_name=f"{profile.name} cost alerts",
                purpose="budget and cost anomaly notifications",
            )
            # Immediate anomaly alerts go only to the topic: without a subscriber nobody hears them.
            for address in addresses:
                topic.add_subscription(subscriptions.EmailSubscription(address))
        for subscriber in extra:
            topic.add_subscription(subscriber)
        self.topic: sns.ITopic = topic
        self.budget = self._budget(budget_usd, cost.actual_threshold_percent, cost.forecast_threshold_percent, addresses)
        self.anomaly_monitor = self._monitor(cost.anomaly_monitor)
        if self.anomaly_monitor is not None:
            self.anomaly_monitor_arn: str = self.anomaly_monitor.attr_monitor_arn
        else:
            assert cost.anomaly_monitor_arn is not None  # CostSettings pairs EXISTING with an ARN
            self.anomaly_monitor_arn = self._check_monitor_arn(cost.anomaly_monitor_arn)
        self.anomaly_subscription, self.anomaly_email_subscription = self._subscriptions(cost.anomaly_threshold_usd, addresses)
        self.required_tags_rule = self._required_tags() if cost.enforce_required_tags else None
        if self.required_tags_rule is not None and config_recorder is not None:
            self._check_recorder(config_recorder)
            # A Config rule fails to deploy before the account has a recorder.
            self.required_tags_rule.node.add_dependency(config_recorder)

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "CostGuard")

    # ------------------------------------------------------------------------------------------
    def _check_budget(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 10_000_000:
            raise ConfigurationError(
                "monthly_budget_usd",
                value,
                "a number of US dollars above 0, at most 10,000,000",
                fix="set profile.monthly_budget_usd or pass monthly_budget_usd=",
                source=self.node.path,
            )
        return value

    def _check_emails(
        self, addresses: tuple[str, ...], topic: sns.ITopic | None, subscribers: tuple[sns.ITopicSubscription, ...]
    ) -> tuple[str, ...]:
        for address in addresses:
            if not isinstance(address, str) or not _EMAIL.fullmatch(address):
                raise ConfigurationError(
                    "emails", address, "e-mail addresses like 'finops@example.com'", fix="fix the address", source=self.node.path
                )
        if len(addresses) > _MAX_BUDGET_EMAILS:
            raise ConfigurationError(
                "emails",
                list(addresses),
                f"at most {_MAX_BUDGET_EMAILS} addresses (an AWS Budgets limit per notification)",
                fix="use a distribution list, or subscribe the others to the topic",
                source=self.node.path,
            )
        if not addresses and not subscribers and topic is None:
            # Immediate anomaly alerts reach people only through the topic's subscribers.
            raise ConfigurationError(
                "emails",
                [],
                "at least one address, subscribers=, or a topic= that someone subscribes to",
                fix="set profile.alarms.emails (or emails=), pass subscribers= (e.g. an SQS queue or Lambda "
                "subscription), or pass topic= (e.g. AlarmSet's topic, subscribed by the on-call addresses)",
                source=self.node.path,
            )
        return addresses

    def _check_monitor_arn(self, arn: str) -> str:
        here = cdk.Stack.of(self).account
        owner = arn.split(":")[4]
        if not cdk.Token.is_unresolved(here) and owner != here:
            raise ConfigurationError(
                "anomaly_monitor_arn", arn, f"a monitor of this stack's account ({here})",
                fix="Cost Anomaly Detection subscriptions can use only monitors of their own account: pass "
                "the ARN of a monitor of this account (aws ce get-anomaly-monitors, run in it)",
                source=self.node.path,
            )
        return arn

    def _budget(self, amount: float, actual: int, forecast: int, emails: tuple[str, ...]) -> budgets.CfnBudget:
        subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=self.topic.topic_arn)]
        subscribers += [budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=e) for e in emails]
        notifications = [
            budgets.CfnBudget.NotificationWithSubscribersProperty(
                notification=budgets.CfnBudget.NotificationProperty(
                    notification_type=kind,
                    comparison_operator="GREATER_THAN",
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                ),
                subscribers=subscribers,
            )
            for kind, percent in (("ACTUAL", actual), ("FORECASTED", forecast))
        ]
        budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=amount, unit="USD"),
            ),
            notifications_with_subscribers=notifications,
        )
        # Budgets validates the SNS subscriber when it creates the budget: the policy must exist first.
        policy = self.topic.node.try_find_child("Policy")
        if policy is not None:
            budget.node.add_dependency(policy)
        return budget

    def _monitor(self, kind: str) -> ce.CfnAnomalyMonitor | None:
        name = f"{self.profile.name}-{self.node.addr[:8]}"
        if kind == "EXISTING":
            return None
        if kind == "SERVICE":
            return ce.CfnAnomalyMonitor(
                self, "AnomalyMonitor", monitor_name=f"{name}-services", monitor_type="DIMENSIONAL", monitor_dimension="SERVICE"
            )
        # The form of CloudFormation's "Anomaly monitor with tags" example (AWS::CE::AnomalyMonitor).
        spec = {"Tags": {"Key": "Environment", "Values": [self.profile.name]}}
        return ce.CfnAnomalyMonitor(
            self,
            "AnomalyMonitor",
            monitor_name=f"{name}-environment",
            monitor_type="CUSTOM",
            monitor_specification=json.dumps(spec),
        )

    def _subscriptions(
        self, threshold_usd: float, emails: tuple[str, ...]
    ) -> tuple[ce.CfnAnomalySubscription, ce.CfnAnomalySubscription | None]:
        expression = json.dumps(
            {
                "Dimensions": {
                    "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                    "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
                    "Values": [_decimal(threshold_usd)],
                }
            }
        )
        name = f"{self.profile.name}-{self.node.addr[:8]}"
        immediate = ce.CfnAnomalySubscription(
            self,
            "AnomalySubscription",
            subscription_name=f"{name}-immediate",
            frequency="IMMEDIATE",  # the only frequency for SNS, and the only one allowed with SNS
            monitor_arn_list=[self.anomaly_monitor_arn],
            subscribers=[ce.CfnAnomalySubscription.SubscriberProperty(type="SNS", address=self.topic.topic_arn)],
            threshold_expression=expression,
        )
        policy = self.topic.node.try_find_child("Policy")
        if policy is not None:
            immediate.node.add_dependency(policy)
        digest = None
        if emails:
            digest = ce.CfnAnomalySubscription(
                self,
                "AnomalyEmailSubscription",
                subscription_name=f"{name}-daily",
                frequency="DAILY",  # Cost Anomaly Detection e-mails only daily or weekly summaries
                monitor_arn_list=[self.anomaly_monitor_arn],
                subscribers=[ce.CfnAnomalySubscription.SubscriberProperty(type="EMAIL", address=e) for e in emails],
                threshold_expression=expression,
            )
        return immediate, digest

    def _check_recorder(self, recorder: Any) -> None:
        if not isinstance(recorder, config.CfnConfigurationRecorder):
            raise ConfigurationError(
                "config_recorder", type(recorder).__name__, "an aws_config.CfnConfigurationRecorder",
                fix="pass AuditTrail.recorder, or leave it out when the account's recorder is not in this app",
                source=self.node.path,
            )
        here, there = cdk.Stack.of(self), cdk.Stack.of(recorder)
        if (there.account, there.region) != (here.account, here.region):
            raise ConfigurationError(
                "config_recorder", f"the recorder of {there.account}/{there.region}",
                f"the recorder of this stack's account and region ({here.account}/{here.region})",
                fix="AWS Config rules evaluate only where the recorder records: pass that account and region's recorder",
                source=self.node.path,
            )

    def _required_tags(self) -> config.ManagedRule:
        return config.ManagedRule(
            self,
            "RequiredTags",
            identifier=config.ManagedRuleIdentifiers.REQUIRED_TAGS,
            description="Resources must carry the organisation's cost-allocation tags: " + ", ".join(COST_ALLOCATION_TAGS),
            input_parameters={f"tag{i}Key": tag for i, tag in enumerate(COST_ALLOCATION_TAGS, start=1)},
        )
