"""SNS: a topic that AWS services notify must have a subscriber, or the notifications reach nobody."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Resource, Templates
from ._notifications import TOPIC, publishers, topic_of

# AWS Chatbot (Amazon Q Developer in chat applications) subscribes itself to the topics it is given.
_CHAT = ("AWS::Chatbot::SlackChannelConfiguration", "AWS::Chatbot::MicrosoftTeamsChannelConfiguration")


def _subscribed(templates: Templates) -> set[Resource]:
    found: set[Resource] = set()
    for subscription in templates.resources("AWS::SNS::Subscription"):
        topic = topic_of(templates, subscription, subscription.get("TopicArn"))
        if topic:
            found.add(topic)
    for topic in templates.resources(TOPIC):
        if topic.get("Subscription"):
            found.add(topic)
    for chat in templates.resources(*_CHAT):
        arns = chat.get("SnsTopicArns", default=[])
        for value in arns if isinstance(arns, list) else []:
            topic = topic_of(templates, chat, value)
            if topic:
                found.add(topic)
    return found


def _check(templates: Templates) -> Iterator[tuple]:
    subscribed = _subscribed(templates)
    notified: dict[Resource, set[str]] = {}
    for source, value, _ in publishers(templates):
        topic = topic_of(templates, source, value)
        if topic and topic not in subscribed:
            notified.setdefault(topic, set()).add(f"{source} ({source.type})")
    for topic, sources in notified.items():
        yield topic, "notified by " + ", ".join(sorted(sources)) + ", and nothing in the app subscribes to it"


RULE = Rule(
    name="UnsubscribedNotificationTopic",
    trap=(
        "AWS Budgets, Cost Anomaly Detection (IMMEDIATE alerts go only to SNS), CloudWatch alarms and "
        "EventBridge rules publish to the topic, and SNS delivers a message only to the topic's subscriptions: with none, every alert "
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
