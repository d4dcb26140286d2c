"""Deploy-readiness rules of cost alerting (CostGuard): one DIMENSIONAL monitor per account, subscribed topics."""

from __future__ import annotations

import copy
import dataclasses
import functools

import aws_cdk as cdk
import pytest

import support
from finefinds_constructs import EnvironmentStack, readiness
from finefinds_constructs.cost_guard import CostGuard
from finefinds_constructs.readiness import Templates

PRESETS = support.PRESET_NAMES
ACCOUNT, REGION = support.TEST_ACCOUNT, "eu-west-1"
EMAILS = ("finops@example.com",)


def violations(rule: str, templates: Templates) -> list[readiness.Violation]:
    return [v for v in readiness.check(templates) if v.rule == f"DeployReadiness::{rule}"]


@functools.lru_cache(maxsize=None)
def cost_template(preset: str, *, anomaly_monitor: str = "ENVIRONMENT_TAG") -> dict:
    profile = support.profile_for_tests(preset)
    profile = dataclasses.replace(
        profile,
        alarms=dataclasses.replace(profile.alarms, emails=EMAILS),
        cost=dataclasses.replace(profile.cost, anomaly_monitor=anomaly_monitor),
    )
    stack = EnvironmentStack(cdk.App(), f"Cost-{preset}", profile=profile)
    CostGuard(stack, "Cost", profile=profile)
    return cdk.assertions.Template.from_stack(stack).to_json()


def _in_one_account(templates: dict) -> Templates:
    return Templates.of(templates, environments={name: (ACCOUNT, REGION) for name in templates})


# --------------------------------------------------------------------------------- AnomalyMonitorPerAccount
def monitor(monitor_type: str = "DIMENSIONAL", **properties) -> dict:
    return {"Type": "AWS::CE::AnomalyMonitor", "Properties": {"MonitorName": "m", "MonitorType": monitor_type, **properties}}


SERVICES = monitor(MonitorDimension="SERVICE")
TAGGED = monitor("CUSTOM", MonitorSpecification='{"Tags": {"Key": "Environment", "Values": ["qa"]}}')


def test_given_two_service_monitors_in_one_account_then_both_are_violations():
    """The reproduction of CloudFormation coverage roadmap #2515, split over two stacks of one account."""
    templates = Templates.of(
        {"Dev": {"Resources": {"Monitor": SERVICES}}, "Qa": {"Resources": {"Monitor": SERVICES}}},
        environments={"Dev": ("111111111111", "eu-west-1"), "Qa": ("111111111111", "us-east-1")},  # CE is global
    )
    found = sorted((v.where, v.message) for v in violations("AnomalyMonitorPerAccount", templates))
    assert found == [
        ("Dev/Monitor", "a second DIMENSIONAL SERVICE monitor in account 111111111111 (also Qa/Monitor)"),
        ("Qa/Monitor", "a second DIMENSIONAL SERVICE monitor in account 111111111111 (also Dev/Monitor)"),
    ]


def test_given_two_service_monitors_in_one_agnostic_template_then_it_is_a_violation():
    found = violations("AnomalyMonitorPerAccount", Templates.of({"Team": {"Resources": {"A": SERVICES, "B": SERVICES}}}))
    assert sorted(v.where for v in found) == ["Team/A", "Team/B"]


@pytest.mark.parametrize(
    "resources, environments",
    [
        ({"Dev": {"A": SERVICES}, "Qa": {"A": SERVICES}}, {"Dev": ("111111111111", REGION), "Qa": ("222222222222", REGION)}),
        ({"Dev": {"A": SERVICES, "B": TAGGED, "C": TAGGED}}, {}),
        # One per dimension: a SERVICE and a LINKED_ACCOUNT monitor do not collide.
        ({"Dev": {"A": SERVICES, "B": monitor(MonitorDimension="LINKED_ACCOUNT")}}, {}),
        # A single DIMENSIONAL monitor is not flagged: whether the account already has one is not in any template.
        ({"Dev": {"A": SERVICES}}, {"Dev": ("111111111111", REGION)}),
    ],
    ids=["other-accounts", "custom-monitors", "other-dimension", "single"],
)
def test_given_one_dimensional_monitor_per_dimension_and_account_then_it_is_not(resources, environments):
    templates = Templates.of({name: {"Resources": r} for name, r in resources.items()}, environments=environments)
    assert violations("AnomalyMonitorPerAccount", templates) == []


def test_cost_guards_asked_for_service_monitors_in_one_account_trip_the_rule():
    """Negative control on real output: the old default (SERVICE) in two environments of one account."""
    templates = _in_one_account(
        {"Dev": cost_template("development", anomaly_monitor="SERVICE"), "Qa": cost_template("qa", anomaly_monitor="SERVICE")}
    )
    assert sorted(v.where.split("/")[0] for v in violations("AnomalyMonitorPerAccount", templates)) == ["Dev", "Qa"]


def test_cost_guards_of_every_preset_in_one_account_are_clean():
    """The default CUSTOM monitor: every environment of one account gets its own, with no collision."""
    templates = _in_one_account({preset: cost_template(preset) for preset in PRESETS})
    assert readiness.check(templates) == []


# --------------------------------------------------------------------------------- UnsubscribedNotificationTopic
TOPIC = {"Type": "AWS::SNS::Topic"}
BUDGET = {
    "Type": "AWS::Budgets::Budget",
    "Properties": {
        "Budget": {"BudgetType": "COST", "TimeUnit": "MONTHLY"},
        "NotificationsWithSubscribers": [{"Subscribers": [{"SubscriptionType": "SNS", "Address": {"Ref": "Topic"}}]}],
    },
}
ANOMALIES = {
    "Type": "AWS::CE::AnomalySubscription",
    "Properties": {"Frequency": "IMMEDIATE", "Subscribers": [{"Type": "SNS", "Address": {"Ref": "Topic"}}]},
}
ALARM = {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": [{"Ref": "Topic"}], "OKActions": [{"Ref": "Topic"}]}}
EMAIL = {"Type": "AWS::SNS::Subscription", "Properties": {"Protocol": "email", "Endpoint": "a@example.com", "TopicArn": {"Ref": "Topic"}}}


@pytest.mark.parametrize("source", [BUDGET, ANOMALIES, ALARM], ids=["budget", "anomaly-subscription", "alarm"])
def test_given_a_notified_topic_without_subscriber_then_it_is_a_violation(source):
    templates = Templates.of({"Cost": {"Resources": {"Topic": TOPIC, "Source": source}}})
    (violation,) = violations("UnsubscribedNotificationTopic", templates)
    assert violation.where == "Cost/Topic"
    assert violation.message == f"notified by Cost/Source ({source['Type']}), and nothing in the app subscribes to it"


@pytest.mark.parametrize(
    "subscriber",
    [
        {"Sub": EMAIL},
        {"Sub": {**EMAIL, "Properties": {**EMAIL["Properties"], "TopicArn": {"Fn::GetAtt": ["Topic", "TopicArn"]}}}},
        {"Topic": {**TOPIC, "Properties": {"Subscription": [{"Protocol": "email", "Endpoint": "a@example.com"}]}}},
        {"Chat": {"Type": "AWS::Chatbot::SlackChannelConfiguration", "Properties": {"SnsTopicArns": [{"Ref": "Topic"}]}}},
    ],
    ids=["subscription", "subscription-getatt", "inline", "chatbot"],
)
def test_given_the_topic_has_a_subscriber_then_it_is_not(subscriber):
    resources = {"Topic": TOPIC, "Budget": BUDGET, "Anomalies": ANOMALIES, **subscriber}
    assert violations("UnsubscribedNotificationTopic", Templates.of({"Cost": {"Resources": resources}})) == []


def _shared(with_subscription: bool) -> dict:
    """A topic in one stack, exported the way aws-cdk-lib shares it, notified from another stack."""
    export = "Alerts:ExportsOutputRefTopic"
    alerts = {
        "Resources": {"Topic": TOPIC, **({"Sub": EMAIL} if with_subscription else {})},
        "Outputs": {"ExportsOutputRefTopic": {"Value": {"Ref": "Topic"}, "Export": {"Name": export}}},
    }
    budget = copy.deepcopy(BUDGET)
    budget["Properties"]["NotificationsWithSubscribers"][0]["Subscribers"][0]["Address"] = {"Fn::ImportValue": export}
    return {"Alerts": alerts, "Cost": {"Resources": {"Budget": budget}}}


def test_a_topic_notified_from_another_stack_is_judged_where_it_lives():
    (violation,) = violations("UnsubscribedNotificationTopic", Templates.of(_shared(with_subscription=False)))
    assert violation.where == "Alerts/Topic" and "Cost/Budget (AWS::Budgets::Budget)" in violation.message
    assert violations("UnsubscribedNotificationTopic", Templates.of(_shared(with_subscription=True))) == []


def test_a_topic_outside_the_app_is_not_judged():
    budget = copy.deepcopy(BUDGET)
    budget["Properties"]["NotificationsWithSubscribers"][0]["Subscribers"][0]["Address"] = "arn:aws:sns:eu-west-1:123456789012:ops"
    assert violations("UnsubscribedNotificationTopic", Templates.of({"Cost": {"Resources": {"Budget": budget}}})) == []


def test_cost_guard_as_it_was_trips_the_rule():
    """Negative control on real output: CostGuard's template without its topic subscriptions (trap 11)."""
    template = copy.deepcopy(cost_template("production"))
    template["Resources"] = {k: v for k, v in template["Resources"].items() if v["Type"] != "AWS::SNS::Subscription"}
    (violation,) = violations("UnsubscribedNotificationTopic", _in_one_account({"Cost": template}))
    assert violation.resource.type == "AWS::SNS::Topic"
    assert "AWS::Budgets::Budget" in violation.message and "AWS::CE::AnomalySubscription" in violation.message
