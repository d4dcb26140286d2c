"""Where AWS services publish notifications to SNS topics, as the rules about those topics see it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Resource, Templates

TOPIC = "AWS::SNS::Topic"
_ALARMS = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
_ALARM_ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")


def publishers(templates: Templates) -> Iterator[tuple[Resource, Any, str]]:
    """(source, the value naming its topic, the service principal that publishes) per notification."""
    for alarm in templates.resources(*_ALARMS):
        for key in _ALARM_ACTIONS:
            actions = alarm.get(key, default=[])
            for action in actions if isinstance(actions, list) else []:
                yield alarm, action, "cloudwatch.amazonaws.com"
    for budget in templates.resources("AWS::Budgets::Budget"):
        for notification in budget.get("NotificationsWithSubscribers", default=[]) or []:
            for subscriber in (notification or {}).get("Subscribers") or []:
                if isinstance(subscriber, Mapping) and subscriber.get("SubscriptionType") == "SNS":
                    yield budget, subscriber.get("Address"), "budgets.amazonaws.com"
    for subscription in templates.resources("AWS::CE::AnomalySubscription"):
        for subscriber in subscription.get("Subscribers", default=[]) or []:
            if isinstance(subscriber, Mapping) and subscriber.get("Type") == "SNS":
                yield subscription, subscriber.get("Address"), "costalerts.amazonaws.com"
    for rule in templates.resources("AWS::Events::Rule"):
        for target in rule.get("Targets", default=[]) or []:
            if isinstance(target, Mapping):
                yield rule, target.get("Arn"), "events.amazonaws.com"


def topic_of(templates: Templates, resource: Resource, value: Any) -> Resource | None:
    """The app's topic ``value`` (a property of ``resource``) names; None for literal or imported ARNs."""
    topic = templates.target(resource, value)
    return topic if topic is not None and topic.type == TOPIC else None
