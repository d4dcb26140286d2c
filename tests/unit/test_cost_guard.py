"""CostGuard under every preset profile, asserted on the synthesized template."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
import pytest

import support
from finefinds_constructs import EnvironmentStack, profiles
from finefinds_constructs.cost_guard import CostGuard
from finefinds_constructs.errors import ConfigurationError

PRESETS = support.PRESET_NAMES
EMAILS = ("finops@example.com", "platform@example.com")
MANIFEST = Path(__file__).with_name("logical_ids_cost_guard.json")
PINNED_TYPES = ("AWS::KMS::Key", "AWS::SNS::Topic", "AWS::Budgets::Budget", "AWS::CE::AnomalyMonitor")

# Literal expectations per preset (not read from the presets or the module under test).
MONTHLY_BUDGET_USD = {"development": 400, "qa": 300, "sandbox": 200, "staging": 1500, "production": 6000}
#: Budget notifications: actual spend and forecast, percent of the budget.
ACTUAL_PERCENT, FORECAST_PERCENT = 80, 100
#: Cost anomalies alerted immediately from this total impact, USD.
ANOMALY_THRESHOLD_USD = {"development": 25, "qa": 25, "sandbox": 25, "staging": 50, "production": 200}
#: Presets whose key survives stack deletion.
RETAINED = {"staging", "production"}
COST_ALLOCATION_TAGS = ("Environment", "Project", "Owner", "CostCenter", "ManagedBy")


def organisation_tags(preset: str) -> dict[str, str]:
    return {
        "Environment": preset,
        "Project": "FineFinds",
        "Owner": "platform-engineering",
        "CostCenter": "CC-1000",
        "ManagedBy": "aws-cdk/finefinds-constructs",
    }


def _with_emails(profile: profiles.EnvironmentProfile, emails=EMAILS) -> profiles.EnvironmentProfile:
    return dataclasses.replace(profile, alarms=dataclasses.replace(profile.alarms, emails=emails))


def _build(stack, profile):
    guard = CostGuard(stack, "Cost", profile=_with_emails(profile))
    # A second guard notifying an existing topic (subscribed by the first), with no e-mail.
    CostGuard(stack, "SharedTopic", profile=profile, topic=guard.topic, enforce_required_tags=False)


@pytest.fixture(scope="session")
def synth():
    """Given CostGuards per preset, when the app is synthesized with the four packs on."""
    result = support.synthesize("CostGuard", _build, checkov=True)
    yield result
    support.cleanup(result)


def _mine(template, resource_type: str, prefix: str = "Cost") -> dict:
    return {k: v for k, v in support.resources_of_type(template, resource_type).items() if k.startswith(prefix)}


# ------------------------------------------------------------------------------ budget


@pytest.mark.parametrize("preset", PRESETS)
def test_monthly_cost_budget_per_preset(synth, preset):
    (budget,) = _mine(synth.template(preset), "AWS::Budgets::Budget").values()
    data = budget["Properties"]["Budget"]
    assert data["BudgetType"] == "COST"
    assert data["TimeUnit"] == "MONTHLY"
    assert data["BudgetLimit"] == {"Amount": MONTHLY_BUDGET_USD[preset], "Unit": "USD"}


@pytest.mark.parametrize("preset", PRESETS)
def test_actual_80_percent_and_forecast_100_percent_notify_email_and_topic(synth, preset):
    template = synth.template(preset)
    (budget,) = _mine(template, "AWS::Budgets::Budget").values()
    (topic_id,) = _mine(template, "AWS::SNS::Topic")
    notes = {n["Notification"]["NotificationType"]: n for n in budget["Properties"]["NotificationsWithSubscribers"]}
    assert set(notes) == {"ACTUAL", "FORECASTED"}
    assert notes["ACTUAL"]["Notification"]["Threshold"] == ACTUAL_PERCENT
    assert notes["FORECASTED"]["Notification"]["Threshold"] == FORECAST_PERCENT
    for note in notes.values():
        assert note["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert note["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        subs = note["Subscribers"]
        assert {"SubscriptionType": "SNS", "Address": {"Ref": topic_id}} in subs
        assert sorted(s["Address"] for s in subs if s["SubscriptionType"] == "EMAIL") == sorted(EMAILS)


@pytest.mark.parametrize("preset", PRESETS)
def test_given_topic_is_used_and_no_topic_is_created(synth, preset):
    template = synth.template(preset)
    assert _mine(template, "AWS::SNS::Topic", "SharedTopic") == {}
    (budget,) = _mine(template, "AWS::Budgets::Budget", "SharedTopic").values()
    (topic_id,) = _mine(template, "AWS::SNS::Topic")
    notes = budget["Properties"]["NotificationsWithSubscribers"]
    assert len(notes) == 2
    for note in notes:
        assert note["Subscribers"] == [{"SubscriptionType": "SNS", "Address": {"Ref": topic_id}}]


# ------------------------------------------------------------------------------ topic


@pytest.mark.parametrize("preset", PRESETS)
def test_topic_is_kms_encrypted_and_tls_only(synth, preset):
    template = synth.template(preset)
    (topic,) = _mine(template, "AWS::SNS::Topic").values()
    (key_id, key), = _mine(template, "AWS::KMS::Key").items()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    (policy,) = _mine(template, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_only_budgets_and_cost_alerts_of_this_account_may_publish(synth, preset):
    template = synth.template(preset)
    services = ["budgets.amazonaws.com", "costalerts.amazonaws.com"]
    (policy,) = _mine(template, "AWS::SNS::TopicPolicy").values()
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Action"] == "sns:Publish"
    assert sorted(allow["Principal"]["Service"]) == services
    assert allow["Condition"] == {"StringEquals": {"aws:SourceAccount": support.TEST_ACCOUNT}}
    (key,) = _mine(template, "AWS::KMS::Key").values()
    (for_services,) = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowPublishingServicesToUseTheKey"
    ]
    assert sorted(for_services["Principal"]["Service"]) == services
    assert for_services["Condition"] == {"StringEquals": {"aws:SourceAccount": support.TEST_ACCOUNT}}


@pytest.mark.parametrize("preset", PRESETS)
def test_key_removal_per_preset(synth, preset):
    (key,) = _mine(synth.template(preset), "AWS::KMS::Key").values()
    expected = "Retain" if preset in RETAINED else "Delete"
    assert key["DeletionPolicy"] == expected


# ------------------------------------------------------------------------------ anomalies


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("prefix", ["Cost", "SharedTopic"])
def test_environment_tag_monitor_by_default(synth, preset, prefix):
    """A CUSTOM monitor per environment: no account-wide DIMENSIONAL singleton to collide with."""
    (monitor,) = _mine(synth.template(preset), "AWS::CE::AnomalyMonitor", prefix).values()
    assert monitor["Properties"]["MonitorType"] == "CUSTOM"
    assert "MonitorDimension" not in monitor["Properties"]
    spec = json.loads(monitor["Properties"]["MonitorSpecification"])
    assert spec == {"Tags": {"Key": "Environment", "Values": [preset]}}


@pytest.mark.parametrize("preset", PRESETS)
def test_anomalies_go_to_the_topic_immediately_above_the_preset_threshold(synth, preset):
    template = synth.template(preset)
    (topic_id,) = _mine(template, "AWS::SNS::Topic")
    (monitor_id,) = _mine(template, "AWS::CE::AnomalyMonitor")
    subs = _mine(template, "AWS::CE::AnomalySubscription")
    immediate = [s["Properties"] for s in subs.values() if s["Properties"]["Frequency"] == "IMMEDIATE"]
    (props,) = immediate
    assert props["Subscribers"] == [{"Type": "SNS", "Address": {"Ref": topic_id}}]
    assert props["MonitorArnList"] == [{"Fn::GetAtt": [monitor_id, "MonitorArn"]}]
    expression = json.loads(props["ThresholdExpression"])["Dimensions"]
    assert expression["Key"] == "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
    assert expression["MatchOptions"] == ["GREATER_THAN_OR_EQUAL"]
    assert float(expression["Values"][0]) == ANOMALY_THRESHOLD_USD[preset]


@pytest.mark.parametrize("preset", PRESETS)
def test_emails_get_a_daily_anomaly_digest(synth, preset):
    subs = _mine(synth.template(preset), "AWS::CE::AnomalySubscription")
    (daily,) = [s["Properties"] for s in subs.values() if s["Properties"]["Frequency"] == "DAILY"]
    assert sorted(s["Address"] for s in daily["Subscribers"]) == sorted(EMAILS)
    assert _mine(synth.template(preset), "AWS::CE::AnomalySubscription", "SharedTopic").__len__() == 1


@pytest.mark.parametrize("preset", PRESETS)
def test_topic_has_an_email_subscription_per_address(synth, preset):
    """Immediate anomaly alerts reach people only through the topic: it must have subscribers."""
    template = synth.template(preset)
    (topic_id,) = _mine(template, "AWS::SNS::Topic")
    subscriptions = _mine(template, "AWS::SNS::Subscription").values()
    assert sorted((s["Properties"]["Protocol"], s["Properties"]["Endpoint"]) for s in subscriptions) == [
        ("email", "finops@example.com"),
        ("email", "platform@example.com"),
    ]
    assert all(s["Properties"]["TopicArn"] == {"Ref": topic_id} for s in subscriptions)
    assert _mine(template, "AWS::SNS::Subscription", "SharedTopic") == {}  # a topic you bring keeps its own


# ------------------------------------------------------------------------------ tags


@pytest.mark.parametrize("preset", PRESETS)
def test_required_tags_rule_enforces_the_organisation_tags(synth, preset):
    template = synth.template(preset)
    (rule,) = _mine(template, "AWS::Config::ConfigRule").values()
    assert rule["Properties"]["Source"] == {"Owner": "AWS", "SourceIdentifier": "REQUIRED_TAGS"}
    params = rule["Properties"]["InputParameters"]
    assert sorted(params.values()) == sorted(COST_ALLOCATION_TAGS)
    assert _mine(template, "AWS::Config::ConfigRule", "SharedTopic") == {}


@pytest.mark.parametrize("preset", PRESETS)
def test_organisation_tags_on_taggable_resources(synth, preset):
    template = synth.template(preset)
    tags = organisation_tags(preset)
    for resource_type in ("AWS::KMS::Key", "AWS::SNS::Topic"):
        found = _mine(template, resource_type)
        assert found, resource_type
        for resource in found.values():
            present = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
            assert tags.items() <= present.items(), resource_type


# ------------------------------------------------------------------------------ gates


@pytest.mark.parametrize("preset", PRESETS)
def test_no_findings(synth, preset):
    findings = synth.findings_for(preset)
    assert findings == [], "\n".join(f"{f.pack} {f.rule} {f.path}" for f in findings)
    assert synth.error is None, synth.error


@pytest.mark.slow
def test_cfn_lint_clean(synth):
    code, output = support.cfn_lint(synth.template_file(p) for p in PRESETS)
    assert code == 0, output


@pytest.mark.slow
def test_checkov_clean(synth):
    reports = support.checkov(synth.outdir)
    assert sum(r.get("summary", {}).get("passed", 0) for r in reports) > 0, "checkov checked nothing"
    failed = support.checkov_checks(reports)
    assert failed == [], sorted({f"{c['check_id']} {c['resource']}" for c in failed})


def test_logical_ids_are_pinned(synth):
    """Stateful logical ids never change; ``UPDATE_LOGICAL_IDS=1`` regenerates the manifest on purpose."""
    actual = {
        preset: {t: sorted(support.resources_of_type(synth.template(preset), t)) for t in PINNED_TYPES}
        for preset in PRESETS
    }
    support.assert_logical_ids_pinned(actual, MANIFEST)


# ------------------------------------------------------------------------------ bad input


def _stack(preset: str = "development"):
    profile = _with_emails(support.profile_for_tests(preset))
    return EnvironmentStack(cdk.App(), "Bad", profile=profile), profile


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"monthly_budget_usd": 0}, "monthly_budget_usd = 0 is not allowed"),
        ({"monthly_budget_usd": -5}, "monthly_budget_usd = -5 is not allowed"),
        ({"monthly_budget_usd": "100"}, "monthly_budget_usd = '100' is not allowed"),
        ({"actual_threshold_percent": 0}, "actual_threshold_percent = 0 is not allowed; allowed: 1..1000"),
        ({"forecast_threshold_percent": 1001}, "forecast_threshold_percent = 1001 is not allowed; allowed: 1..1000"),
        ({"anomaly_threshold_usd": 0}, "anomaly_threshold_usd = 0 is not allowed"),
        ({"emails": ["not-an-address"]}, "emails = 'not-an-address' is not allowed"),
        ({"emails": [f"u{i}@example.com" for i in range(11)]}, "at most 10 addresses"),
        ({"emails": []}, "at least one address, subscribers=, or a topic= that someone subscribes to"),
        ({"anomaly_monitor": "LINKED_ACCOUNT"}, "anomaly_monitor = 'LINKED_ACCOUNT' is not allowed"),
        ({"anomaly_monitor": "EXISTING"}, "anomaly_monitor_arn = None is not allowed; allowed: an ARN exactly when"),
        ({"anomaly_monitor_arn": "arn:aws:ce::123:monitor"}, "a cost anomaly monitor ARN like"),
        (
            {"anomaly_monitor": "SERVICE", "anomaly_monitor_arn": f"arn:aws:ce::{support.TEST_ACCOUNT}:anomalymonitor/abc"},
            "an ARN exactly when cost.anomaly_monitor is 'EXISTING' (cost.anomaly_monitor is 'SERVICE')",
        ),
        (
            {"anomaly_monitor_arn": "arn:aws:ce::210987654321:anomalymonitor/abc"},
            f"a monitor of this stack's account ({support.TEST_ACCOUNT})",
        ),
    ],
)
def test_bad_input_is_a_configuration_error(kwargs, message):
    stack, profile = _stack()
    with pytest.raises(ConfigurationError) as info:
        CostGuard(stack, "Cost", profile=profile, **kwargs)
    assert message in str(info.value)
    assert "Bad/Cost" in str(info.value)


def test_no_email_and_no_topic_is_an_error_under_the_bare_presets():
    stack = EnvironmentStack(cdk.App(), "Bare", profile=profiles.DEVELOPMENT)
    with pytest.raises(ConfigurationError, match=r"set profile.alarms.emails \(or emails=\), pass subscribers="):
        CostGuard(stack, "Cost", profile=profiles.DEVELOPMENT)


def test_a_caller_subscriber_is_enough_without_emails():
    from aws_cdk import aws_sns_subscriptions as subscriptions
    from aws_cdk import aws_sqs as sqs

    stack, profile = _stack()
    queue = sqs.Queue(stack, "Alerts")
    CostGuard(stack, "Cost", profile=profile, emails=[], subscribers=[subscriptions.SqsSubscription(queue)])
    template = cdk.assertions.Template.from_stack(stack)
    (sub,) = support.resources_of_type(template, "AWS::SNS::Subscription").values()
    assert sub["Properties"]["Protocol"] == "sqs"
    assert sub["Properties"]["Endpoint"] == {"Fn::GetAtt": [stack.get_logical_id(queue.node.default_child), "Arn"]}
    (topic_id,) = support.resources_of_type(template, "AWS::SNS::Topic")
    assert sub["Properties"]["TopicArn"] == {"Ref": topic_id}
    template.resource_count_is("AWS::CE::AnomalySubscription", 1)  # no e-mail digest without addresses


ARN = f"arn:aws:ce::{support.TEST_ACCOUNT}:anomalymonitor/0a1b2c3d-1234-4ea0-84cc-918a97d736ef"


@pytest.mark.parametrize("how", ["profile", "argument"])
def test_an_existing_monitor_is_subscribed_to_and_none_created(how):
    """In a member account only the AWS services monitor exists: subscribe to it, create none."""
    stack, profile = _stack()
    if how == "profile":
        profile = dataclasses.replace(profile, cost=dataclasses.replace(profile.cost, anomaly_monitor="EXISTING", anomaly_monitor_arn=ARN))
        guard = CostGuard(stack, "Cost", profile=profile)
    else:
        guard = CostGuard(stack, "Cost", profile=profile, anomaly_monitor_arn=ARN)
    assert guard.anomaly_monitor is None and guard.anomaly_monitor_arn == ARN
    template = cdk.assertions.Template.from_stack(stack)
    template.resource_count_is("AWS::CE::AnomalyMonitor", 0)
    subs = support.resources_of_type(template, "AWS::CE::AnomalySubscription").values()
    assert [s["Properties"]["MonitorArnList"] for s in subs] == [[ARN], [ARN]]


def test_service_monitor_only_when_asked_for():
    """DIMENSIONAL/SERVICE is one per account (AWS may have created one): only on request."""
    stack, profile = _stack()
    guard = CostGuard(stack, "Cost", profile=profile, anomaly_monitor="SERVICE")
    (monitor,) = support.resources_of_type(cdk.assertions.Template.from_stack(stack), "AWS::CE::AnomalyMonitor").values()
    assert monitor["Properties"]["MonitorType"] == "DIMENSIONAL"
    assert monitor["Properties"]["MonitorDimension"] == "SERVICE"
    assert "MonitorSpecification" not in monitor["Properties"]
    assert guard.anomaly_monitor is not None
    assert profiles.CostSettings().anomaly_monitor == "ENVIRONMENT_TAG"


def test_profile_thresholds_are_validated():
    with pytest.raises(ConfigurationError, match=r"cost.actual_threshold_percent = 0 is not allowed; allowed: 1..1000"):
        dataclasses.replace(profiles.PRODUCTION.cost, actual_threshold_percent=0)
    with pytest.raises(ConfigurationError, match="cost.anomaly_monitor"):
        profiles.EnvironmentProfile.from_mapping({"cost": {"anomaly_monitor": "LINKED_ACCOUNT"}})


def test_profile_is_required():
    stack, _ = _stack()
    with pytest.raises(ConfigurationError, match="an EnvironmentProfile"):
        CostGuard(stack, "Cost", profile="production")  # type: ignore[arg-type]


def test_explicit_arguments_override_the_profile():
    stack, profile = _stack()
    CostGuard(
        stack,
        "Cost",
        profile=profile,
        monthly_budget_usd=1234.5,
        actual_threshold_percent=50,
        forecast_threshold_percent=120,
        anomaly_threshold_usd=1_000_000,
        emails=["cfo@example.com"],
        enforce_required_tags=False,
    )
    template = cdk.assertions.Template.from_stack(stack)
    (budget,) = support.resources_of_type(template, "AWS::Budgets::Budget").values()
    assert budget["Properties"]["Budget"]["BudgetLimit"]["Amount"] == 1234.5
    thresholds = sorted(n["Notification"]["Threshold"] for n in budget["Properties"]["NotificationsWithSubscribers"])
    assert thresholds == [50, 120]
    subscriptions = support.resources_of_type(template, "AWS::CE::AnomalySubscription")
    assert subscriptions
    for sub in subscriptions.values():
        assert json.loads(sub["Properties"]["ThresholdExpression"])["Dimensions"]["Values"] == ["1000000"]
    template.resource_count_is("AWS::Config::ConfigRule", 0)


# ------------------------------------------------------------------------------ the Config recorder
def test_required_tags_rule_waits_for_the_recorder_in_the_same_stack():
    """Given the account's recorder, when CostGuard enforces tags, then the rule deploys after it."""
    from aws_cdk import aws_config as config

    stack, profile = _stack()
    recorder = config.CfnConfigurationRecorder(stack, "Recorder", role_arn="arn:aws:iam::123456789012:role/config")
    CostGuard(stack, "Cost", profile=profile, enforce_required_tags=True, config_recorder=recorder)
    (rule,) = support.resources_of_type(cdk.assertions.Template.from_stack(stack), "AWS::Config::ConfigRule").values()
    assert stack.get_logical_id(recorder) in rule["DependsOn"]


def test_required_tags_rule_in_another_stack_makes_a_stack_dependency():
    """Given AuditTrail's recorder in another stack, then the cost stack deploys after that stack."""
    from finefinds_constructs import AuditTrail

    app = cdk.App()
    profile = _with_emails(support.profile_for_tests("staging"))
    audit_stack = EnvironmentStack(app, "Audit", profile=profile)
    audit = AuditTrail(audit_stack, "Audit", profile=profile)
    cost_stack = EnvironmentStack(app, "Cost", profile=profile)
    CostGuard(cost_stack, "Cost", profile=profile, enforce_required_tags=True, config_recorder=audit.recorder)
    artifact = app.synth().get_stack_artifact(cost_stack.artifact_id)
    assert audit_stack.artifact_id in [d.id for d in artifact.dependencies]


def test_a_recorder_elsewhere_or_of_the_wrong_type_is_refused():
    from aws_cdk import aws_config as config

    app = cdk.App()
    profile = _with_emails(support.profile_for_tests("staging"))
    elsewhere = dataclasses.replace(profile, region="us-east-1", availability_zones=("us-east-1a", "us-east-1b", "us-east-1c"))
    other = EnvironmentStack(app, "OtherRegion", profile=elsewhere)
    recorder = config.CfnConfigurationRecorder(other, "Recorder", role_arn="arn:aws:iam::123456789012:role/config")
    stack = EnvironmentStack(app, "Cost", profile=profile)
    with pytest.raises(ConfigurationError, match=r"config_recorder = .*us-east-1.* is not allowed.*eu-west-1"):
        CostGuard(stack, "Cost", profile=profile, enforce_required_tags=True, config_recorder=recorder)
    with pytest.raises(ConfigurationError, match=r"config_recorder = 'str' is not allowed; allowed: an aws_config.CfnConfigurationRecorder"):
        CostGuard(stack, "Cost2", profile=profile, enforce_required_tags=True, config_recorder="recorder")  # type: ignore[arg-type]
