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
      (``aws:SourceAccount``). A ``topic=`` you bring must admit those two services itself (and its
      key, if encrypted, must let them create data keys);
    * a **Cost Anomaly Detection** monitor — ``profile.cost.anomaly_monitor``: ``"SERVICE"`` (AWS
      services of the whole account; AWS allows one such monitor per account) or
      ``"ENVIRONMENT_TAG"`` (costs tagged ``Environment=<profile.name>``) — and a subscription
      sending each anomaly whose total impact reaches ``profile.cost.anomaly_threshold_usd`` to
      the topic immediately; with e-mail addresses, a second subscription e-mails a daily digest
      (Cost Anomaly Detection delivers e-mail only daily or weekly);
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
    Until then the ``"ENVIRONMENT_TAG"`` monitor sees no cost.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id.
    profile : EnvironmentProfile
        The environment profile; required.
    topic : aws_cdk.aws_sns.ITopic, optional
        Notify this topic instead of creating one. Default: a new encrypted topic.
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
        Addresses notified by e-mail (at most 10). Default: ``profile.alarms.emails``.
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
    anomaly_monitor : aws_cdk.aws_ce.CfnAnomalyMonitor
        The cost anomaly monitor.
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
        monthly_budget_usd: float | None = None,
        actual_threshold_percent: int | None = None,
        forecast_threshold_percent: int | None = None,
        anomaly_threshold_usd: float | None = None,
        emails: Sequence[str] | None = None,
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
        try:
            cost = replace_checked(profile.cost, **overrides) if overrides else profile.cost
        except ConfigurationError as exc:
            raise exc.with_source(self.node.path) from None
        budget_usd = self._check_budget(profile.monthly_budget_usd if monthly_budget_usd is None else monthly_budget_usd)
        addresses = self._check_emails(tuple(profile.alarms.emails if emails is None else emails), topic)

        self.key: kms.Key | None = None
        if topic is None:
            self.key, topic = encrypted_service_topic(
                self,
                profile=profile,
                services=("budgets.amazonaws.com", "costalerts.amazonaws.com"),
                display_name=f"{profile.name} cost alerts",
                purpose="budget and cost anomaly notifications",
            )
        self.topic: sns.ITopic = topic
        self.budget = self._budget(budget_usd, cost.actual_threshold_percent, cost.forecast_threshold_percent, addresses)
        self.anomaly_monitor = self._monitor(cost.anomaly_monitor)
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

    def _check_emails(self, addresses: tuple[str, ...], topic: sns.ITopic | None) -> tuple[str, ...]:
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
        if not addresses and topic is None:
            raise ConfigurationError(
                "emails",
                [],
                "at least one address, or a topic= that someone subscribes to",
                fix="set profile.alarms.emails (or emails=), or pass topic= (e.g. AlarmSet's topic)",
                source=self.node.path,
            )
        return addresses

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

    def _monitor(self, kind: str) -> ce.CfnAnomalyMonitor:
        name = f"{self.profile.name}-{self.node.addr[:8]}"
        if kind == "SERVICE":
            return ce.CfnAnomalyMonitor(
                self, "AnomalyMonitor", monitor_name=f"{name}-services", monitor_type="DIMENSIONAL", monitor_dimension="SERVICE"
            )
        spec = {"Tags": {"Key": "Environment", "Values": [self.profile.name], "MatchOptions": ["EQUALS"]}}
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
            monitor_arn_list=[self.anomaly_monitor.attr_monitor_arn],
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
                monitor_arn_list=[self.anomaly_monitor.attr_monitor_arn],
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
