"""SNS: a topic that AWS services notify must have a subscriber, or the notifications reach nobody."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import Rule
from ..model import Resource, Templates

TOPIC = "AWS::SNS::Topic"
_ALARMS = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
_ALARM_ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")
# AWS Chatbot (Amazon Q Developer in chat applications) subscribes itself to the topics it is given.
_CHAT = ("AWS::Chatbot::SlackChannelConfiguration", "AWS::Chatbot::MicrosoftTeamsChannelConfiguration")


def _topic(templates: Templates, resource: Resource, value: Any) -> Resource | None:
    """The app's topic ``value`` (a property of ``resource``) names; None for literal or imported ARNs."""
    topic = templates.target(resource, value)
    return topic if topic is not None and topic.type == TOPIC else None


def _targets(templates: Templates) -> Iterator[tuple[Resource, Any]]:
    """(resource, topic value) for every notification an AWS service sends to an SNS topic."""
    for subscription in templates.resources("AWS::CE::AnomalySubscription"):
        for subscriber in subscription.get("Subscribers", default=[]) or []:
            if isinstance(subscriber, Mapping) and subscriber.get("Type") == "SNS":
                yield subscription, subscriber.get("Address")
    for budget in templates.resources("AWS::Budgets::Budget"):
        for notification in budget.get("NotificationsWithSubscribers", default=[]) or []:
            for subscriber in (notification or {}).get("Subscribers") or []:
                if isinstance(subscriber, Mapping) and subscriber.get("SubscriptionType") == "SNS":
                    yield budget, subscriber.get("Address")
    for alarm in templates.resources(*_ALARMS):
        for key in _ALARM_ACTIONS:
            actions = alarm.get(key, default=[])
            for action in actions if isinstance(actions, list) else []:
                yield alarm, action


def _subscribed(templates: Templates) -> set[Resource]:
    found: set[Resource] = set()
    for subscription in templates.resources("AWS::SNS::Subscription"):
        topic = _topic(templates, subscription, subscription.get("TopicArn"))
        if topic:
            found.add(topic)
    for topic in templates.resources(TOPIC):
        if topic.get("Subscription"):
            found.add(topic)
    for chat in templates.resources(*_CHAT):
        arns = chat.get("SnsTopicArns", default=[])
        for value in arns if isinstance(arns, list) else []:
            topic = _topic(templates, chat, value)
            if topic:
                found.add(topic)
    return found


def _check(templates: Templates) -> Iterator[tuple]:
    subscribed = _subscribed(templates)
    notified: dict[Resource, set[str]] = {}
    for source, value in _targets(templates):
        topic = _topic(templates, source, value)
        if topic and topic not in subscribed:
            notified.setdefault(topic, set()).add(f"{source} ({source.type})")
    for topic, sources in notified.items():
        yield topic, "notified by " + ", ".join(sorted(sources)) + ", and nothing in the app subscribes to it"


RULE = Rule(
    name="UnsubscribedNotificationTopic",
    trap=(
        "AWS Budgets, Cost Anomaly Detection (IMMEDIATE alerts go only to SNS) and CloudWatch alarms publish "
        "to the topic, and SNS delivers a message only to the topic's subscriptions: with none, every alert "
        "is dropped and the stack deploys and runs as if monitored. Only subscriptions in the app count (an "
        "AWS::SNS::Subscription, a topic's inline Subscription, an AWS Chatbot channel); a topic subscribed "
        "outside CloudFormation must be acknowledged."
    ),
    fix=(
        "Subscribe someone in the app: e-mail addresses (CostGuard and AlarmSet subscribe profile.alarms.emails), "
        "an sns.Subscription to a queue, function or HTTPS endpoint, or an AWS Chatbot channel; or notify a topic "
        "that has subscribers. If the subscriber lives outside the app, acknowledge the rule on the topic with "
        "who receives the alerts."
    ),
    check=_check,
)
