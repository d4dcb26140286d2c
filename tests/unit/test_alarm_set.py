"""AlarmSet: synthesized under every preset with the four cdk-nag packs on."""

from __future__ import annotations

import dataclasses
import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

import support
from finefinds_constructs import AlarmSpec, EnvironmentStack, profiles
from finefinds_constructs._internal.iam import ManagedPolicyRole
from finefinds_constructs.alarm_set import (
    HANDLERS,
    METRICS_IN_ANOTHER_REGION,
    AlarmSet,
    estimated_max_connections,
)
from finefinds_constructs.aurora_cluster import AuroraCluster
from finefinds_constructs.auth_pool import AuthPool
from finefinds_constructs.cdn_bucket import CdnBucket
from finefinds_constructs.errors import ConfigurationError
from finefinds_constructs.fargate_web_service import FargateWebService
from finefinds_constructs.redis_cache import RedisCache
from finefinds_constructs.secure_vpc import SecureVpc
from finefinds_constructs.waf_protection import WafProtection

SUPPORTED = ("SecureVpc", "Vpc", "WafProtection", "FargateWebService", "AuroraCluster", "RedisCache", "CdnBucket", "AuthPool")
WEB_ACL = f"arn:aws:wafv2:us-east-1:{support.TEST_ACCOUNT}:global/webacl/edge/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"

EMAILS = ("ops@example.com", "oncall@example.com")

# Literal expectations (not read from the library or the presets): a changed threshold or period
# fails a test named after the alarm, instead of only a snapshot.
EVALUATION_PERIODS, DATAPOINTS_TO_ALARM, PERIOD_SECONDS = 3, 2, 60
NAT_PACKET_DROP_PERCENT = 0.01  # AWS's recommended threshold
WAF_BLOCKED_PERCENT = 25
MIN_REQUESTS = 20
CPU_PERCENT = 80
MEMORY_PERCENT = 80
ERROR_RATE_PERCENT = 5
LATENCY_P99_MS = {"development": 1000, "qa": 1000, "sandbox": 1000, "staging": 1000, "production": 200}
REPLICA_LAG_MS = 2000
SIGN_IN_FAILURE_PERCENT = 50
ACU_AT_MAX_PERCENT = 95
NAT_GATEWAYS = {"development": 1, "qa": 1, "sandbox": 1, "staging": 1, "production": 3}
#: Aurora per preset: (readers, serverless?, DbFreeableMemoryLow bytes, DbConnectionsHigh count):
#: 20 % of the memory (2 GiB per maximum ACU; r7g.large: 16 GiB) and 80 % of the estimated
#: max_connections (memory / 9,531,392 bytes, capped at 2000 for a 0-ACU minimum).
DATABASE_ALARMS = {
    "development": (0, True, 858993459, 360),  # 2 ACU: 4 GiB, 450 connections
    "qa": (0, True, 1717986918, 721),  # 4 ACU: 8 GiB, 901 connections
    "sandbox": (0, True, 858993459, 360),
    "staging": (0, True, 3435973837, 1442),  # 8 ACU: 16 GiB, 1802 connections
    "production": (2, False, 3435973837, 1442),  # r7g.large: 16 GiB, 1802 connections
}
CACHE_REPLICAS = {"development": 0, "qa": 0, "sandbox": 0, "staging": 1, "production": 2}


def with_emails(profile: profiles.EnvironmentProfile) -> profiles.EnvironmentProfile:
    return dataclasses.replace(profile, alarms=dataclasses.replace(profile.alarms, emails=EMAILS))


def build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    profile = with_emails(profile)
    network = SecureVpc(stack, "Network", profile=profile)
    waf = WafProtection(stack, "Waf", profile=profile)
    AlarmSet(stack, "Alarms", profile=profile).monitor(network, waf)


def build_web(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    profile = with_emails(profile)  # a topic nobody subscribes to fails the deploy-readiness gate
    network = SecureVpc(stack, "Network", profile=profile)
    certificate = acm.Certificate.from_certificate_arn(
        stack, "Certificate", f"arn:aws:acm:{profile.region}:{support.TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
    )
    web = FargateWebService(
        stack,
        "Web",
        profile=profile,
        vpc=network,
        image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:1.27"),
        certificate=certificate,
    )
    AlarmSet(stack, "Alarms", profile=profile).monitor(web)


def cdn(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> CdnBucket:
    return CdnBucket(stack, "Site", profile=profile, **({"web_acl_arn": WEB_ACL} if profile.waf.enabled else {}))


def edge_name(stack_name: str) -> str:
    return f"{stack_name}-Edge"


def build_data(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    """Aurora, Redis, Cognito and CloudFront monitored from the profile's region (eu-west-1), and the
    CloudFront distribution of a us-east-1 edge stack monitored from there."""
    profile = with_emails(profile)
    network = SecureVpc(stack, "Network", profile=profile)
    database = AuroraCluster(stack, "Database", profile=profile, vpc=network.vpc)
    # An application allowed to sign in: a proxy nobody may connect to fails the deploy-readiness gate.
    database.grant_connect(ManagedPolicyRole(stack, "AppRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com")))
    cache = RedisCache(stack, "Cache", profile=profile, vpc=network.vpc)
    # E-mail is not what these alarms watch: Cognito's own sender, so production needs no EmailSender here.
    cognito_email = dataclasses.replace(profile, auth=dataclasses.replace(profile.auth, email="COGNITO"))
    auth = AuthPool(stack, "Auth", profile=cognito_email, callback_urls=["https://www.example.com/callback"], logout_urls=[])
    regional = AlarmSet(stack, "Alarms", profile=profile).monitor(database, cache, auth, cdn(stack, profile))
    # The CDN here is the dashboard-only case these tests look at; the warning is asserted elsewhere.
    cdk.Annotations.of(regional).acknowledge_warning(METRICS_IN_ANOTHER_REGION, "dashboard-only fallback under test")
    edge = EnvironmentStack(
        stack.node.scope,
        edge_name(stack.node.id),
        profile=profile,
        env=cdk.Environment(account=support.TEST_ACCOUNT, region="us-east-1"),
    )
    AlarmSet(edge, "Alarms", profile=profile).monitor(cdn(edge, profile))


@pytest.fixture(scope="session")
def result():
    synthesized = support.synthesize("Alarms", build)
    yield synthesized
    support.cleanup(synthesized)


@pytest.fixture(scope="session")
def web_result():
    synthesized = support.synthesize("AlarmsWeb", build_web, lint=False)
    yield synthesized
    support.cleanup(synthesized)


@pytest.fixture(scope="session")
def data_result():
    synthesized = support.synthesize("AlarmsData", build_data)
    yield synthesized
    support.cleanup(synthesized)


def edge_template(data_result, preset: str) -> Template:
    stack = data_result.stacks[preset].node.scope.node.find_child(edge_name(data_result.stacks[preset].node.id))
    return Template.from_json(json.loads((data_result.outdir / f"{stack.artifact_id}.template.json").read_text()))


def alarms(template) -> dict[str, dict]:
    return {k: v["Properties"] for k, v in support.resources_of_type(template, "AWS::CloudWatch::Alarm").items()}


def alarms_named(template, name: str) -> list[dict]:
    return [p for k, p in alarms(template).items() if name in k]


def periods_of(alarm: dict) -> set[int]:
    """The metric periods of a single-metric or a math-expression alarm."""
    if "Metrics" not in alarm:
        return {alarm["Period"]}
    return {m["MetricStat"]["Period"] for m in alarm["Metrics"] if "MetricStat" in m} | {
        m["Period"] for m in alarm["Metrics"] if "Period" in m
    }


def metric_names(alarm: dict) -> set[str]:
    if "MetricName" in alarm:
        return {alarm["MetricName"]}
    return {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}


# -------------------------------------------------------------------------------------------- gates
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_no_cdk_nag_findings(result, preset):
    assert result.error is None, result.error
    assert result.findings_for(preset) == []


@pytest.mark.slow
def test_cfn_lint_clean(result):
    code, output = support.cfn_lint(result.template_file(p) for p in support.PRESET_NAMES)
    assert code == 0, output


# -------------------------------------------------------------------------------------------- topic
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_topic_encrypted_with_rotating_key(result, preset):
    template = result.template(preset)
    (topic_id, topic), = support.resources_of_type(template, "AWS::SNS::Topic").items()
    key_ref = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = support.resources_of_type(template, "AWS::KMS::Key")[key_ref]["Properties"]
    assert key["EnableKeyRotation"] is True
    cloudwatch = [s for s in key["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch and set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_topic_policy_enforces_tls_and_admits_own_alarms(result, preset):
    template = result.template(preset)
    (policy,) = support.resources_of_type(template, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert allow[0]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": support.TEST_ACCOUNT}


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_email_subscriptions_from_profile(result, preset):
    subs = support.resources_of_type(result.template(preset), "AWS::SNS::Subscription")
    assert sorted((s["Properties"]["Protocol"], s["Properties"]["Endpoint"]) for s in subs.values()) == sorted(
        ("email", e) for e in EMAILS
    )


# -------------------------------------------------------------------------------------------- alarms
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_every_alarm_notifies_on_alarm_and_ok_and_breaches_2_of_3_one_minute_periods(result, preset):
    found = alarms(result.template(preset))
    assert found
    for alarm in found.values():
        assert alarm["AlarmActions"] == alarm["OKActions"]
        assert alarm["AlarmActions"][0]["Ref"].startswith("AlarmsTopic")
        assert alarm["EvaluationPeriods"] == EVALUATION_PERIODS
        assert alarm["DatapointsToAlarm"] == DATAPOINTS_TO_ALARM
        assert periods_of(alarm) == {PERIOD_SECONDS}
        assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_nat_gateways_alarm_on_port_allocation_errors_and_0_01_percent_packets_dropped(result, preset):
    template = result.template(preset)
    nat_ids = sorted(support.resources_of_type(template, "AWS::EC2::NatGateway"))
    assert len(nat_ids) == NAT_GATEWAYS[preset]
    port = alarms_named(template, "PortAllocationErrors")
    assert sorted(a["Dimensions"][0]["Value"]["Ref"] for a in port) == nat_ids
    for alarm in port:
        assert (alarm["MetricName"], alarm["Namespace"], alarm["Threshold"]) == ("ErrorPortAllocation", "AWS/NATGateway", 0)
    dropped = alarms_named(template, "PacketsDropped")
    assert len(dropped) == len(nat_ids)
    for alarm in dropped:
        assert alarm["Threshold"] == NAT_PACKET_DROP_PERCENT
        assert metric_names(alarm) == {"PacketsDropCount", "PacketsInFromSource", "PacketsInFromDestination"}


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_waf_alarms_when_it_blocks_25_percent_of_at_least_20_requests(result, preset):
    (alarm,) = alarms_named(result.template(preset), "BlockedRequestsSpike")
    assert alarm["Threshold"] == WAF_BLOCKED_PERCENT
    assert metric_names(alarm) == {"BlockedRequests", "AllowedRequests"}
    expression = next(m["Expression"] for m in alarm["Metrics"] if m.get("ReturnData", True) and "Expression" in m)
    assert f">= {MIN_REQUESTS}" in expression
    waf_dims = next(m for m in alarm["Metrics"] if "MetricStat" in m)["MetricStat"]["Metric"]["Dimensions"]
    assert {d["Name"] for d in waf_dims} == {"WebACL", "Rule", "Region"}


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_composite_alarm_combines_critical_alarms(result, preset):
    template = result.template(preset)
    (composite,) = support.resources_of_type(template, "AWS::CloudWatch::CompositeAlarm").values()
    rule = json.dumps(composite["Properties"]["AlarmRule"])
    critical = [k for k, p in alarms(template).items() if p["AlarmDescription"].startswith("[critical]")]
    assert critical
    for logical_id in critical:
        assert logical_id in rule
    for logical_id in alarms(template):
        if logical_id not in critical:
            assert logical_id not in rule
    assert composite["Properties"]["AlarmActions"] == composite["Properties"]["OKActions"]


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_dashboard_shows_monitored_resources(result, preset):
    template = result.template(preset)
    (dashboard,) = support.resources_of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for text in ("AWS/NATGateway", "AWS/WAFV2", "BlockedRequests", "ErrorPortAllocation", '\\"alarm\\"'):
        assert text in body


# -------------------------------------------------------------------------------------------- web service
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_web_service_alarms_at_80_percent_cpu_and_memory_5_percent_5xx_and_p99_budget(web_result, preset):
    assert preset in web_result.templates, web_result.error
    template = web_result.template(preset)

    def one(name: str) -> dict:
        (alarm,) = alarms_named(template, name)
        return alarm

    assert (one("CpuHigh")["MetricName"], one("CpuHigh")["Threshold"]) == ("CPUUtilization", CPU_PERCENT)
    assert (one("MemoryHigh")["MetricName"], one("MemoryHigh")["Threshold"]) == ("MemoryUtilization", MEMORY_PERCENT)
    assert metric_names(one("RunningTasksBelowDesired")) == {"RunningTaskCount", "DesiredTaskCount"}
    assert metric_names(one("LoadBalancer5xxRate")) == {"HTTPCode_ELB_5XX_Count", "RequestCount"}
    assert one("LoadBalancer5xxRate")["Threshold"] == ERROR_RATE_PERCENT
    assert metric_names(one("Target5xxRate")) == {"HTTPCode_Target_5XX_Count", "RequestCount"}
    assert one("Target5xxRate")["Threshold"] == ERROR_RATE_PERCENT
    latency = one("LatencyP99High")
    assert (latency["MetricName"], latency["ExtendedStatistic"]) == ("TargetResponseTime", "p99")
    assert latency["Threshold"] == LATENCY_P99_MS[preset] / 1000
    for alarm in alarms(template).values():
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (EVALUATION_PERIODS, DATAPOINTS_TO_ALARM)
        assert periods_of(alarm) == {PERIOD_SECONDS}
    assert one("UnhealthyTargets")["MetricName"] == "UnHealthyHostCount"
    assert one("RejectedConnections")["MetricName"] == "RejectedConnectionCount"
    (composite,) = support.resources_of_type(template, "AWS::CloudWatch::CompositeAlarm").values()
    assert "Target5xxRate" in json.dumps(composite["Properties"]["AlarmRule"])


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_web_service_alarm_set_adds_no_findings(web_result, preset):
    # The service's own findings are FargateWebService's tests' business; the AlarmSet adds none.
    stack = f"AlarmsWeb-{preset}"
    assert [f for f in web_result.findings if f.path.startswith(f"{stack}/Alarms/")] == []


# -------------------------------------------------------------------------------------------- API and bad input
def stack() -> cdk.Stack:
    return EnvironmentStack(cdk.App(), "Unit", profile=support.profile_for_tests("development"))


def test_monitor_rejects_unsupported_objects_naming_supported_types():
    alarm_set = AlarmSet(stack(), "Alarms", profile=profiles.DEVELOPMENT)
    with pytest.raises(ConfigurationError) as err:
        alarm_set.monitor(sns.Topic(alarm_set, "Other"))
    message = str(err.value)
    assert "Topic" in message
    assert "one of " + ", ".join(SUPPORTED) in message
    with pytest.raises(ConfigurationError, match=r"'str'"):
        alarm_set.monitor("my-vpc")


def test_monitor_twice_rejected_and_chains():
    s = stack()
    network = SecureVpc(s, "Network", profile=profiles.DEVELOPMENT)
    alarm_set = AlarmSet(s, "Alarms", profile=profiles.DEVELOPMENT)
    assert alarm_set.monitor(network) is alarm_set
    with pytest.raises(ConfigurationError, match=r"monitor each construct once"):
        alarm_set.monitor(network)


def test_no_composite_without_critical_alarms_and_own_topic_kept():
    s = stack()
    topic = sns.Topic.from_topic_arn(s, "Existing", f"arn:aws:sns:eu-west-1:{support.TEST_ACCOUNT}:ops")
    alarm_set = AlarmSet(s, "Alarms", profile=with_emails(profiles.DEVELOPMENT), topic=topic)
    assert alarm_set.service_unavailable is None and alarm_set.key is None and alarm_set.topic is topic
    template = Template.from_stack(s)
    template.resource_count_is("AWS::CloudWatch::CompositeAlarm", 0)
    template.resource_count_is("AWS::SNS::Subscription", 0)  # a topic you bring keeps its own subscriptions
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_alarm_set_attributes_after_monitoring():
    s = stack()
    network = SecureVpc(s, "Network", profile=profiles.DEVELOPMENT)
    alarm_set = AlarmSet(s, "Alarms", profile=profiles.DEVELOPMENT).monitor(network)
    assert set(alarm_set.alarms) == {
        "Unit/Network/NatGateway1PortAllocationErrors",
        "Unit/Network/NatGateway1PacketsDropped",
    }
    assert alarm_set.critical_alarms == [alarm_set.alarms["Unit/Network/NatGateway1PortAllocationErrors"]]
    assert alarm_set.service_unavailable is not None


def test_team_alarms_its_own_metric_with_the_public_alarm_spec():
    s = stack()
    network = SecureVpc(s, "Network", profile=profiles.DEVELOPMENT)
    orders = Construct(s, "Orders")  # a team's own construct, of no type monitor() knows
    alarm_set = AlarmSet(s, "Alarms", profile=profiles.DEVELOPMENT).monitor(network)
    failed = cloudwatch.Metric(namespace="Shop/Orders", metric_name="FailedOrders", statistic="Sum", period=alarm_set.period)
    created = alarm_set.add_alarms(orders, "Orders", [AlarmSpec("OrdersFailing", failed, 5, "More than 5 orders failed.", critical=True)])
    # A construct monitor() alarmed already takes more alarms (they share its scope in the AlarmSet).
    egress = cloudwatch.Metric(namespace="Shop/Network", metric_name="EgressDenied", statistic="Sum", period=alarm_set.period)
    alarm_set.add_alarms(network, "Network extras", [AlarmSpec("EgressDenied", egress, 0, "Egress was denied.", critical=False)])

    assert created == [alarm_set.alarms["Unit/Orders/OrdersFailing"]]
    assert "Unit/Network/EgressDenied" in alarm_set.alarms
    assert alarm_set.alarms["Unit/Orders/OrdersFailing"] in alarm_set.critical_alarms
    template = Template.from_stack(s)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "Shop/Orders",
            "MetricName": "FailedOrders",
            "Statistic": "Sum",
            "Period": 60,
            "Threshold": 5,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "AlarmDescription": "[critical] development Unit/Orders: More than 5 orders failed.",
            "AlarmActions": [{"Ref": Match.string_like_regexp("^AlarmsTopic")}],
            "OKActions": [{"Ref": Match.string_like_regexp("^AlarmsTopic")}],
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "EgressDenied", "Threshold": 0, "AlarmDescription": "development Unit/Network: Egress was denied."}
    )
    rule = json.dumps(template.find_resources("AWS::CloudWatch::CompositeAlarm"))
    assert "OrdersFailing" in rule and "EgressDenied" not in rule


def test_add_alarms_rejects_a_name_the_construct_has_already():
    s = stack()
    network = SecureVpc(s, "Network", profile=profiles.DEVELOPMENT)
    alarm_set = AlarmSet(s, "Alarms", profile=profiles.DEVELOPMENT).monitor(network)
    metric = cloudwatch.Metric(namespace="Shop/Network", metric_name="Drops")
    with pytest.raises(ConfigurationError) as err:
        alarm_set.add_alarms(network, "Extras", [AlarmSpec("NatGateway1PacketsDropped", metric, 1, "Drops.", critical=False)])
    assert str(err.value) == (
        "Unit/Alarms: AlarmSpec.name = 'NatGateway1PacketsDropped' is not allowed; allowed: a name no other "
        "alarm of Unit/Network has. Fix: give the alarm another name"
    )


def test_handlers_table_covers_library_constructs():
    assert set(HANDLERS) == {SecureVpc, cdk.aws_ec2.Vpc, WafProtection, FargateWebService, AuroraCluster, RedisCache, CdnBucket, AuthPool}


def test_profile_rejects_bad_alarm_settings():
    with pytest.raises(ConfigurationError, match=r"alarms.waf_blocked_percent"):
        dataclasses.replace(profiles.PRODUCTION.alarms, waf_blocked_percent=0)
    with pytest.raises(ConfigurationError, match=r"alarms.emails"):
        dataclasses.replace(profiles.PRODUCTION.alarms, emails=("not-an-address",))
    with pytest.raises(ConfigurationError, match=r"alarms.connections_percent"):
        dataclasses.replace(profiles.PRODUCTION.alarms, connections_percent=0)
    with pytest.raises(ConfigurationError, match=r"alarms.replica_lag_ms"):
        dataclasses.replace(profiles.PRODUCTION.alarms, replica_lag_ms=0)
    with pytest.raises(ConfigurationError, match=r"alarms.sign_in_failure_percent"):
        dataclasses.replace(profiles.PRODUCTION.alarms, sign_in_failure_percent=101)


def test_cross_region_waf_gets_dashboard_only():
    app = cdk.App()
    profile = support.profile_for_tests("production")
    edge = EnvironmentStack(app, "Edge", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region="us-east-1"))
    waf = WafProtection(edge, "Waf", profile=profile, web_acl_scope="CLOUDFRONT")
    monitoring = EnvironmentStack(app, "Monitoring", profile=profile)
    alarm_set = AlarmSet(monitoring, "Alarms", profile=profile).monitor(waf)
    assert alarm_set.alarms == {}
    template = Template.from_stack(monitoring)
    template.resource_count_is("AWS::CloudWatch::Alarm", 0)
    template.has_resource_properties(
        "AWS::CloudWatch::Dashboard", {"DashboardBody": Match.any_value()}
    )
    assert "us-east-1" in json.dumps(template.to_json())
    # Not a silent note: a warning at synth, naming the construct and where to alarm it.
    Annotations.from_stack(monitoring).has_warning(
        "/Monitoring/Alarms",
        "Edge/Waf is not alarmed: WAF metrics are in us-east-1 and alarms of this AlarmSet (eu-west-1) cannot "
        "watch them; only dashboard widgets were added. Monitor it from an AlarmSet in a us-east-1 stack. "
        f"[ack: {METRICS_IN_ANOTHER_REGION}]",
    )


def test_cdn_from_another_region_warns_and_us_east_1_alarm_set_does_not():
    """A CloudFront distribution monitored from eu-west-1 warns; the same from us-east-1 alarms, silently."""
    app = cdk.App()
    profile = support.profile_for_tests("production")
    edge = EnvironmentStack(app, "Edge", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region="us-east-1"))
    site = CdnBucket(edge, "Site", profile=profile, web_acl_arn=WEB_ACL)
    regional = EnvironmentStack(app, "Regional", profile=profile)
    AlarmSet(regional, "Alarms", profile=profile).monitor(site)
    edge_alarms = AlarmSet(edge, "Alarms", profile=profile).monitor(site)
    assert sorted(k.rsplit("/", 1)[1] for k in edge_alarms.alarms) == ["Cdn5xxRate", "CdnOriginLatencyP99High"]
    warnings = Annotations.from_stack(regional).find_warning("*", Match.string_like_regexp("Edge/Site is not alarmed"))
    assert [w.id for w in warnings] == ["/Regional/Alarms"]
    assert Annotations.from_stack(edge).find_warning("*", Match.any_value()) == []


# -------------------------------------------------------------------------------------------- data, cache, sign-in, CDN
def expression_of(alarm: dict) -> str:
    return next(m["Expression"] for m in alarm["Metrics"] if m.get("ReturnData", True) and "Expression" in m)


def stats(alarm: dict) -> list[dict]:
    return [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]


def named(template, name: str) -> dict:
    (alarm,) = alarms_named(template, name)
    return alarm


def critical_ids(template) -> set[str]:
    return {k for k, p in alarms(template).items() if p["AlarmDescription"].startswith("[critical]")}


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_data_stacks_have_no_cdk_nag_findings(data_result, preset):
    assert data_result.error is None, data_result.error
    assert data_result.findings_for(preset) == []
    edge = edge_name(data_result.stacks[preset].stack_name)
    assert [f for f in data_result.findings if f.path.split("/")[0] == edge] == []


@pytest.mark.slow
def test_data_stacks_cfn_lint_clean(data_result):
    files = []
    for preset in support.PRESET_NAMES:
        stack = data_result.stacks[preset]
        edge = stack.node.scope.node.find_child(edge_name(stack.node.id))
        files += [data_result.template_file(preset), data_result.outdir / f"{edge.artifact_id}.template.json"]
    code, output = support.cfn_lint(files)
    assert code == 0, output


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_data_alarms_notify_and_treat_missing_data_explicitly(data_result, preset):
    for template in (data_result.template(preset), edge_template(data_result, preset)):
        found = alarms(template)
        assert found
        for alarm in found.values():
            assert alarm["AlarmActions"] == alarm["OKActions"]
            assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (EVALUATION_PERIODS, DATAPOINTS_TO_ALARM)
            assert periods_of(alarm) == {PERIOD_SECONDS}
            assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_aurora_alarms_at_80_percent_cpu_20_percent_free_memory_80_percent_connections(data_result, preset):
    readers, serverless, free_bytes, connection_limit = DATABASE_ALARMS[preset]
    template = data_result.template(preset)
    (cluster_id,) = support.resources_of_type(template, "AWS::RDS::DBCluster")
    names = {k for k in alarms(template) if "Database" in k}
    expected = {"DbCpuHigh", "DbFreeableMemoryLow", "DbConnectionsHigh"}
    expected |= {"DbReplicaLagHigh"} if readers else set()
    expected |= {"DbCapacityAtMaximum"} if serverless else set()
    assert {n for n in ("DbCpuHigh", "DbFreeableMemoryLow", "DbConnectionsHigh", "DbReplicaLagHigh", "DbCapacityAtMaximum")
            if any(n in k for k in names)} == expected
    assert len(names) == len(expected)
    for name in expected:
        alarm = named(template, name)
        assert alarm["Namespace"] == "AWS/RDS"
        assert alarm["Dimensions"] == [{"Name": "DBClusterIdentifier", "Value": {"Ref": cluster_id}}]
        assert not alarm["AlarmDescription"].startswith("[critical]")

    cpu = named(template, "DbCpuHigh")
    assert (cpu["MetricName"], cpu["Statistic"], cpu["Threshold"]) == ("CPUUtilization", "Maximum", CPU_PERCENT)
    free = named(template, "DbFreeableMemoryLow")
    assert (free["MetricName"], free["Statistic"], free["ComparisonOperator"]) == ("FreeableMemory", "Minimum", "LessThanThreshold")
    assert free["Threshold"] == free_bytes
    connections = named(template, "DbConnectionsHigh")
    assert (connections["MetricName"], connections["Statistic"]) == ("DatabaseConnections", "Maximum")
    assert connections["Threshold"] == connection_limit
    if readers:
        lag = named(template, "DbReplicaLagHigh")
        assert (lag["MetricName"], lag["Threshold"]) == ("AuroraReplicaLag", REPLICA_LAG_MS)
    if serverless:
        acu = named(template, "DbCapacityAtMaximum")
        assert (acu["MetricName"], acu["Statistic"], acu["ComparisonOperator"], acu["Threshold"]) == (
            "ACUUtilization",
            "Maximum",
            "GreaterThanOrEqualToThreshold",
            ACU_AT_MAX_PERCENT,
        )


def test_estimated_max_connections_matches_aurora_formula():
    assert estimated_max_connections(16) == 1802  # db.r7g.large, as RDS reports it
    assert estimated_max_connections(4) == 450
    assert estimated_max_connections(512) == 5000
    assert estimated_max_connections(64, cap=2000) == 2000


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_redis_alarms_cover_every_member_cluster(data_result, preset):
    replicas = CACHE_REPLICAS[preset]
    template = data_result.template(preset)
    (group_id,) = support.resources_of_type(template, "AWS::ElastiCache::ReplicationGroup")
    members = [{"Fn::Join": ["", [{"Ref": group_id}, f"-{i:03d}"]]} for i in range(1, replicas + 2)]
    expected = {
        "CacheEngineCpuHigh": ("EngineCPUUtilization", "Maximum", "MAX", CPU_PERCENT),
        "CacheMemoryHigh": ("DatabaseMemoryUsagePercentage", "Maximum", "MAX", MEMORY_PERCENT),
        "CacheEvictions": ("Evictions", "Sum", "SUM", 0),
    }
    if replicas:
        expected["CacheReplicationLagHigh"] = ("ReplicationLag", "Maximum", "MAX", REPLICA_LAG_MS / 1000)
    else:
        assert alarms_named(template, "CacheReplicationLag") == []
    assert len([k for k in alarms(template) if "Cache" in k]) == len(expected)
    for name, (metric, statistic, function, threshold) in expected.items():
        alarm = named(template, name)
        assert alarm["Threshold"] == threshold
        assert expression_of(alarm).startswith(f"{function}([")
        assert [(m["Metric"]["MetricName"], m["Stat"]) for m in stats(alarm)] == [(metric, statistic)] * len(members)
        assert [m["Metric"]["Dimensions"] for m in stats(alarm)] == [[{"Name": "CacheClusterId", "Value": v}] for v in members]
        assert not alarm["AlarmDescription"].startswith("[critical]")


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_auth_alarms_on_throttling_and_50_percent_failed_sign_ins(data_result, preset):
    template = data_result.template(preset)
    (pool_id,) = support.resources_of_type(template, "AWS::Cognito::UserPool")
    (client_id,) = support.resources_of_type(template, "AWS::Cognito::UserPoolClient")
    dimensions = [{"Name": "UserPool", "Value": {"Ref": pool_id}}, {"Name": "UserPoolClient", "Value": {"Ref": client_id}}]
    throttled = named(template, "AuthThrottled")
    assert throttled["Threshold"] == 0 and throttled["AlarmDescription"].startswith("[critical]")
    assert metric_names(throttled) == {"SignInThrottles", "TokenRefreshThrottles", "SignUpThrottles"}
    failures = named(template, "SignInFailuresHigh")
    assert failures["Threshold"] == SIGN_IN_FAILURE_PERCENT
    assert not failures["AlarmDescription"].startswith("[critical]")
    assert sorted(m["Stat"] for m in stats(failures)) == ["SampleCount", "Sum"]
    assert metric_names(failures) == {"SignInSuccesses"}
    assert f"attempts >= {MIN_REQUESTS}" in expression_of(failures)
    for alarm in (throttled, failures):
        for stat in stats(alarm):
            assert (stat["Metric"]["Namespace"], stat["Metric"]["Dimensions"]) == ("AWS/Cognito", dimensions)


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_cdn_alarms_from_a_us_east_1_alarm_set_at_5_percent_5xx_and_p99_budget(data_result, preset):
    template = edge_template(data_result, preset)
    (distribution_id,) = support.resources_of_type(template, "AWS::CloudFront::Distribution")
    (subscription,) = support.resources_of_type(template, "AWS::CloudFront::MonitoringSubscription").values()
    assert subscription["Properties"] == {
        "DistributionId": {"Ref": distribution_id},
        "MonitoringSubscription": {"RealtimeMetricsSubscriptionConfig": {"RealtimeMetricsSubscriptionStatus": "Enabled"}},
    }
    dimensions = [{"Name": "DistributionId", "Value": {"Ref": distribution_id}}, {"Name": "Region", "Value": "Global"}]
    rate = named(template, "Cdn5xxRate")
    assert rate["Threshold"] == ERROR_RATE_PERCENT and rate["AlarmDescription"].startswith("[critical]")
    assert metric_names(rate) == {"5xxErrorRate", "Requests"}
    assert f">= {MIN_REQUESTS}" in expression_of(rate)
    assert all(s["Metric"]["Dimensions"] == dimensions for s in stats(rate))
    latency = named(template, "CdnOriginLatencyP99High")
    assert (latency["MetricName"], latency["ExtendedStatistic"], latency["Threshold"]) == ("OriginLatency", "p99", LATENCY_P99_MS[preset])
    assert latency["Dimensions"] == dimensions
    assert set(alarms(template)) == {k for k in alarms(template) if "Cdn5xxRate" in k or "CdnOriginLatency" in k}
    (composite,) = support.resources_of_type(template, "AWS::CloudWatch::CompositeAlarm").values()
    rule = json.dumps(composite["Properties"]["AlarmRule"])
    assert [k for k in alarms(template) if k in rule] == [k for k in alarms(template) if "Cdn5xxRate" in k]


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_cdn_outside_us_east_1_gets_dashboard_widgets_only(data_result, preset):
    template = data_result.template(preset)
    assert alarms_named(template, "Cdn") == []
    assert len(support.resources_of_type(template, "AWS::CloudFront::MonitoringSubscription")) == 1
    (dashboard,) = support.resources_of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "AWS/CloudFront" in body and "OriginLatency" in body and "us-east-1" in body


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_data_composite_holds_exactly_the_critical_alarms(data_result, preset):
    template = data_result.template(preset)
    critical = critical_ids(template)
    assert critical == {k for k in alarms(template) if "AuthThrottled" in k}
    (composite,) = support.resources_of_type(template, "AWS::CloudWatch::CompositeAlarm").values()
    rule = json.dumps(composite["Properties"]["AlarmRule"])
    assert {k for k in alarms(template) if k in rule} == critical


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_data_dashboard_shows_each_construct(data_result, preset):
    (dashboard,) = support.resources_of_type(data_result.template(preset), "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for text in ("AWS/RDS", "FreeableMemory", "AWS/ElastiCache", "EngineCPUUtilization", "AWS/Cognito", "SignInSuccesses", "AWS/CloudFront"):
        assert text in body


def test_alarm_set_keys_and_critical_alarms_for_new_constructs():
    s = stack()
    profile = support.profile_for_tests("development")
    network = SecureVpc(s, "Network", profile=profile)
    database = AuroraCluster(s, "Database", profile=profile, vpc=network.vpc)
    auth = AuthPool(s, "Auth", profile=profile, callback_urls=["https://www.example.com/callback"], logout_urls=[])
    alarm_set = AlarmSet(s, "Alarms", profile=profile).monitor(database, auth)
    assert set(alarm_set.alarms) == {
        "Unit/Database/DbCpuHigh",
        "Unit/Database/DbFreeableMemoryLow",
        "Unit/Database/DbConnectionsHigh",
        "Unit/Database/DbCapacityAtMaximum",
        "Unit/Auth/AuthThrottled",
        "Unit/Auth/SignInFailuresHigh",
    }
    assert alarm_set.critical_alarms == [alarm_set.alarms["Unit/Auth/AuthThrottled"]]


def test_cdn_monitored_by_two_alarm_sets_gets_one_monitoring_subscription():
    app = cdk.App()
    profile = support.profile_for_tests("development")
    edge = EnvironmentStack(app, "Edge", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region="us-east-1"))
    site = cdn(edge, profile)
    AlarmSet(edge, "Alarms", profile=profile).monitor(site)
    AlarmSet(edge, "MoreAlarms", profile=profile).monitor(site)
    Template.from_stack(edge).resource_count_is("AWS::CloudFront::MonitoringSubscription", 1)


def test_cdn_publishing_additional_metrics_itself_gets_no_second_subscription():
    app = cdk.App()
    profile = support.profile_for_tests("development")
    edge = EnvironmentStack(app, "Edge", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region="us-east-1"))
    site = CdnBucket(edge, "Site", profile=profile, distribution_props={"publish_additional_metrics": True})
    AlarmSet(edge, "Alarms", profile=profile).monitor(site)
    template = Template.from_stack(edge)
    template.resource_count_is("AWS::CloudFront::MonitoringSubscription", 1)
    assert alarms_named(template, "CdnOriginLatencyP99High")


def test_cross_region_aurora_gets_dashboard_only():
    app = cdk.App()
    profile = support.profile_for_tests("development")
    data = EnvironmentStack(app, "Data", profile=profile)
    network = SecureVpc(data, "Network", profile=profile)
    database = AuroraCluster(data, "Database", profile=profile, vpc=network.vpc)
    monitoring = EnvironmentStack(app, "Monitoring", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region="us-east-1"), cross_region_references=True)
    alarm_set = AlarmSet(monitoring, "Alarms", profile=profile).monitor(database)
    assert alarm_set.alarms == {}
