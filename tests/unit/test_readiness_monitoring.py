"""Deploy-readiness rule for alarms on metrics their region never has (the unmonitored front door)."""

from __future__ import annotations

import copy
import dataclasses

import aws_cdk as cdk
import pytest

import support
from finefinds_constructs import EnvironmentStack, readiness
from finefinds_constructs.alarm_set import METRICS_IN_ANOTHER_REGION, AlarmSet
from finefinds_constructs.cdn_bucket import CdnBucket
from finefinds_constructs.readiness import Templates
from finefinds_constructs.waf_protection import WafProtection

RULE = "DeployReadiness::AlarmOnMetricsOfAnotherRegion"
EU = ("111111111111", "eu-west-1")
US = ("111111111111", "us-east-1")

CDN_ALARM = {
    "Type": "AWS::CloudWatch::Alarm",
    "Properties": {
        "Namespace": "AWS/CloudFront",
        "MetricName": "5xxErrorRate",
        "Dimensions": [{"Name": "DistributionId", "Value": "E2EXAMPLE"}, {"Name": "Region", "Value": "Global"}],
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 3,
        "Threshold": 5,
        "ComparisonOperator": "GreaterThanThreshold",
    },
}


def waf_alarm(*dimensions: tuple[str, str]) -> dict:
    """A metric-math alarm on a web ACL's blocked requests, as AlarmSet writes them."""
    metric = {"Namespace": "AWS/WAFV2", "MetricName": "BlockedRequests", "Dimensions": [{"Name": n, "Value": v} for n, v in dimensions]}
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "EvaluationPeriods": 3,
            "Threshold": 25,
            "ComparisonOperator": "GreaterThanThreshold",
            "Metrics": [
                {"Id": "blocked", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
                {"Id": "expr", "Expression": "blocked * 1", "ReturnData": True},
            ],
        },
    }


def violations(templates: dict, environments: dict) -> list[readiness.Violation]:
    return [v for v in readiness.check(Templates.of(templates, environments=environments)) if v.rule == RULE]


def test_cloudfront_alarm_outside_us_east_1_is_a_violation():
    found = violations({"Monitoring": {"Resources": {"Cdn5xx": CDN_ALARM}}}, {"Monitoring": EU})
    assert [(v.resource.logical_id, v.message) for v in found] == [
        ("Cdn5xx", "it watches AWS/CloudFront from eu-west-1: CloudFront publishes distribution metrics in us-east-1 only")
    ]


def test_cloudfront_alarm_in_us_east_1_or_an_agnostic_stack_is_fine():
    assert violations({"Edge": {"Resources": {"Cdn5xx": CDN_ALARM}}}, {"Edge": US}) == []
    assert violations({"Anywhere": {"Resources": {"Cdn5xx": CDN_ALARM}}}, {}) == []  # region decided at deploy


@pytest.mark.parametrize("namespace", ["AWS/Billing", "AWS/Route53"])
def test_other_us_east_1_only_namespaces(namespace):
    alarm = copy.deepcopy(CDN_ALARM)
    alarm["Properties"]["Namespace"] = namespace
    assert len(violations({"M": {"Resources": {"A": alarm}}}, {"M": EU})) == 1
    assert violations({"M": {"Resources": {"A": alarm}}}, {"M": US}) == []


def test_cloudfront_web_acl_alarm_outside_us_east_1_is_a_violation():
    """A CLOUDFRONT web ACL's metrics have no Region dimension and exist only in us-east-1."""
    alarm = waf_alarm(("WebACL", "edge-acl"), ("Rule", "ALL"))
    found = violations({"Monitoring": {"Resources": {"Blocked": alarm}}}, {"Monitoring": EU})
    assert [v.message for v in found] == [
        "it watches a CLOUDFRONT web ACL's AWS/WAFV2 metrics (no Region dimension) from eu-west-1"
    ]
    assert violations({"Edge": {"Resources": {"Blocked": alarm}}}, {"Edge": US}) == []


def test_regional_web_acl_alarm_only_in_its_own_region():
    alarm = waf_alarm(("WebACL", "app-acl"), ("Rule", "ALL"), ("Region", "eu-west-1"))
    assert violations({"Monitoring": {"Resources": {"Blocked": alarm}}}, {"Monitoring": EU}) == []
    found = violations({"Edge": {"Resources": {"Blocked": alarm}}}, {"Edge": US})
    assert [v.message for v in found] == ["it watches AWS/WAFV2 metrics of eu-west-1 from us-east-1"]


def test_regional_namespaces_are_not_judged():
    alarm = copy.deepcopy(CDN_ALARM)
    alarm["Properties"]["Namespace"] = "AWS/ApplicationELB"
    assert violations({"M": {"Resources": {"A": alarm}}}, {"M": EU}) == []


# --------------------------------------------------------------------------------- the library's output
@pytest.fixture(scope="module")
def edge_templates(tmp_path_factory) -> Templates:
    """Per preset, a distribution and its CLOUDFRONT web ACL in us-east-1, monitored from us-east-1 and
    (dashboard only, with the warning acknowledged) from the profile's region."""
    outdir = tmp_path_factory.mktemp("readiness-monitoring")
    app = cdk.App(outdir=str(outdir), context=support.RECOMMENDED_CONTEXT)
    for preset in support.PRESET_NAMES:
        profile = support.profile_for_tests(preset)
        profile = dataclasses.replace(profile, alarms=dataclasses.replace(profile.alarms, emails=("ops@example.com",)))
        edge = EnvironmentStack(app, f"Edge-{preset}", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region="us-east-1"))
        waf = WafProtection(edge, "Waf", profile=profile, web_acl_scope="CLOUDFRONT")
        site = CdnBucket(edge, "Site", profile=profile, web_acl_arn=waf.web_acl_arn)
        AlarmSet(edge, "Alarms", profile=profile).monitor(site, waf)
        regional = EnvironmentStack(app, f"Regional-{preset}", profile=profile, cross_region_references=True)
        alarm_set = AlarmSet(regional, "Alarms", profile=profile).monitor(site, waf)
        cdk.Annotations.of(alarm_set).acknowledge_warning(METRICS_IN_ANOTHER_REGION, "dashboard-only under test")
    app.synth()
    return Templates.from_paths(str(p) for p in outdir.glob("*.template.json"))


def test_alarm_sets_never_alarm_on_another_regions_metrics(edge_templates):
    assert [v for v in readiness.check(edge_templates) if v.rule == RULE] == []
    by_stack: dict[str, int] = {}
    for alarm in edge_templates.resources("AWS::CloudWatch::Alarm"):
        by_stack[alarm.stack.name.split("-")[0]] = by_stack.get(alarm.stack.name.split("-")[0], 0) + 1
    # Three per preset in us-east-1 (5xx rate, origin latency, WAF blocked share); none in the region.
    assert by_stack == {"Edge": 3 * len(support.PRESET_NAMES)}
