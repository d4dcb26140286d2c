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

TopicKey = tuple[str, str]  # (stack name, logical id)


def _exports(templates: Templates) -> dict[str, TopicKey]:
    """Export name -> the topic whose ARN a stack exports under it (how CDK shares a topic across stacks)."""
    found: dict[str, TopicKey] = {}
    for stack in templates.stacks:
        resources = stack.template.get("Resources") or {}
        for output in (stack.template.get("Outputs") or {}).values():
            name = (output.get("Export") or {}).get("Name")
            logical_id = _local_ref(output.get("Value"))
            if isinstance(name, str) and logical_id and (resources.get(logical_id) or {}).get("Type") == TOPIC:
                found[name] = (stack.name, logical_id)
    return found


def _local_ref(value: Any) -> str | None:
    if isinstance(value, Mapping) and len(value) == 1:
        if isinstance(value.get("Ref"), str):
            return value["Ref"]
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and len(attribute) == 2 and attribute[1] == "TopicArn":
            return attribute[0]
    return None


def _topic(resource: Resource, value: Any, exports: Mapping[str, TopicKey]) -> TopicKey | None:
    """The app's topic ``value`` (a property of ``resource``) names, if it names one."""
    logical_id = _local_ref(value)
    if logical_id:
        body = (resource.stack.template.get("Resources") or {}).get(logical_id) or {}
        return (resource.stack.name, logical_id) if body.get("Type") == TOPIC else None
    if isinstance(value, Mapping) and isinstance(value.get("Fn::ImportValue"), str):
        return exports.get(value["Fn::ImportValue"])
    return None  # a literal ARN or an imported topic: not the app's to judge


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


def _subscribed(templates: Templates, exports: Mapping[str, TopicKey]) -> set[TopicKey]:
    found: set[TopicKey] = set()
    for subscription in templates.resources("AWS::SNS::Subscription"):
        topic = _topic(subscription, subscription.get("TopicArn"), exports)
        if topic:
            found.add(topic)
    for topic in templates.resources(TOPIC):
        if topic.get("Subscription"):
            found.add((topic.stack.name, topic.logical_id))
    for chat in templates.resources(*_CHAT):
        arns = chat.get("SnsTopicArns", default=[])
        for value in arns if isinstance(arns, list) else []:
            topic = _topic(chat, value, exports)
            if topic:
                found.add(topic)
    return found


def _check(templates: Templates) -> Iterator[tuple]:
    exports = _exports(templates)
    subscribed = _subscribed(templates, exports)
    notified: dict[TopicKey, set[str]] = {}
    for source, value in _targets(templates):
        topic = _topic(source, value, exports)
        if topic and topic not in subscribed:
            notified.setdefault(topic, set()).add(f"{source} ({source.type})")
    stacks = {stack.name: stack for stack in templates.stacks}
    for (stack_name, logical_id), sources in notified.items():
        topic = templates.resource(stacks[stack_name], logical_id)
        if topic is not None:
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
