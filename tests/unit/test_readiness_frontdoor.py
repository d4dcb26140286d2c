"""Deploy-readiness rules of the front door: ECS capacity providers, the SPA fallback, WAF's forwarded IP.

Each rule: a planted template that must fail, the same template fixed that must pass, and the
library's constructs (FargateWebService, CdnBucket, WafProtection) clean under every preset.
"""

from __future__ import annotations

import copy
import functools

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Template

import support
from finefinds_constructs import CdnBucket, EnvironmentStack, FargateWebService, SecureVpc, WafProtection, readiness
from finefinds_constructs.readiness import Templates

PRESETS = support.PRESET_NAMES
ACCOUNT, REGION = support.TEST_ACCOUNT, "eu-west-1"
FRONT_DOOR_RULES = ("EcsServiceWaitsForCapacityProviders", "SpaFallbackMasksOriginErrors", "WafForwardedIpForgeable")
ALB_ARN = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/app/app/123"


def violations(rule: str, templates: Templates) -> list[readiness.Violation]:
    return [v for v in readiness.check(templates) if v.rule == f"DeployReadiness::{rule}"]


def front_door_violations(templates: Templates) -> list[readiness.Violation]:
    return [v for v in readiness.check(templates) if v.rule.split("::")[1] in FRONT_DOOR_RULES]


# --------------------------------------------------------------------------------- EcsServiceWaitsForCapacityProviders
CLUSTER = {"Type": "AWS::ECS::Cluster"}
ASSOCIATIONS = {
    "Type": "AWS::ECS::ClusterCapacityProviderAssociations",
    "Properties": {"Cluster": {"Ref": "Cluster"}, "CapacityProviders": ["FARGATE", "FARGATE_SPOT"], "DefaultCapacityProviderStrategy": []},
}


def service(**extra) -> dict:
    properties = {
        "Cluster": {"Ref": "Cluster"},
        "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}],
        "TaskDefinition": "task:1",
    }
    properties.update(extra.pop("Properties", {}))
    return {"Type": "AWS::ECS::Service", "Properties": properties, **extra}


def ecs_templates(svc: dict, associations: dict = ASSOCIATIONS) -> Templates:
    return Templates.of({"App": {"Resources": {"Cluster": CLUSTER, "Associations": associations, "Service": svc}}})


def test_given_a_capacity_provider_service_not_waiting_for_the_associations_then_it_is_a_violation():
    """The trap as the issue found it in FargateWebService (aws/containers-roadmap #631)."""
    (violation,) = violations("EcsServiceWaitsForCapacityProviders", ecs_templates(service()))
    assert violation.where == "App/Service"
    assert violation.message == "the service runs on capacity providers of the cluster but does not wait for Associations"


def test_given_the_service_depending_on_the_associations_then_it_is_not():
    assert violations("EcsServiceWaitsForCapacityProviders", ecs_templates(service(DependsOn=["Associations"]))) == []
    # Transitively, through another resource that waits for them, counts as waiting too.
    resources = {
        "Cluster": CLUSTER,
        "Associations": ASSOCIATIONS,
        "Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "DependsOn": "Associations"},
        "Service": service(DependsOn="Listener"),
    }
    assert violations("EcsServiceWaitsForCapacityProviders", Templates.of({"App": {"Resources": resources}})) == []


def test_given_the_cluster_default_strategy_then_a_service_without_a_launch_type_uses_it():
    with_default = copy.deepcopy(ASSOCIATIONS)
    with_default["Properties"]["DefaultCapacityProviderStrategy"] = [{"CapacityProvider": "FARGATE", "Weight": 1}]
    plain = {"Type": "AWS::ECS::Service", "Properties": {"Cluster": {"Ref": "Cluster"}, "TaskDefinition": "task:1"}}
    assert len(violations("EcsServiceWaitsForCapacityProviders", ecs_templates(plain, with_default))) == 1
    launch_type = copy.deepcopy(plain)
    launch_type["Properties"]["LaunchType"] = "FARGATE"
    assert violations("EcsServiceWaitsForCapacityProviders", ecs_templates(launch_type, with_default)) == []
    # Another cluster's associations say nothing about this service.
    other = service(Properties={"Cluster": "other-cluster"})
    assert violations("EcsServiceWaitsForCapacityProviders", ecs_templates(other)) == []


@functools.lru_cache(maxsize=None)
def fargate_template(preset: str) -> dict:
    profile = support.profile_for_tests(preset)
    stack = EnvironmentStack(cdk.App(), f"Web-{preset}", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    certificate = None
    if not profile.compute.allow_http:
        from aws_cdk import aws_certificatemanager as acm

        certificate = acm.Certificate.from_certificate_arn(stack, "Cert", f"arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/1")
    FargateWebService(
        stack, "Web", profile=profile, vpc=network, image=ecs.ContainerImage.from_registry("nginx"), certificate=certificate
    )
    return Template.from_stack(stack).to_json()


def test_fargate_web_service_as_it_was_trips_the_rule():
    """Negative control on real output: without the DependsOn the construct's service is flagged."""
    template = copy.deepcopy(fargate_template("production"))
    (service_id,) = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::ECS::Service"]
    template["Resources"][service_id]["DependsOn"].remove("WebCluster07B7FBCB")
    (violation,) = violations("EcsServiceWaitsForCapacityProviders", Templates.of({"Web": template}))
    assert violation.where == f"Web/{service_id}"


# --------------------------------------------------------------------------------- SpaFallbackMasksOriginErrors
S3_ORIGIN = {"Id": "S3", "DomainName": {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}, "S3OriginConfig": {"OriginAccessIdentity": ""}}
API_ORIGIN = {"Id": "Api", "DomainName": "api.example.com", "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"}}
SPA_ERRORS = [
    {"ErrorCode": 403, "ResponseCode": 200, "ResponsePagePath": "/index.html"},
    {"ErrorCode": 404, "ResponseCode": "200", "ResponsePagePath": "/index.html"},
]


def distribution(*, origins: list, behaviours: list, errors: list | None = SPA_ERRORS) -> Templates:
    config = {
        "Enabled": True,
        "Origins": origins,
        "DefaultCacheBehavior": {"TargetOriginId": "S3", "ViewerProtocolPolicy": "redirect-to-https"},
        "CacheBehaviors": behaviours,
    }
    if errors is not None:
        config["CustomErrorResponses"] = errors
    resources = {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Distribution": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": config}},
    }
    return Templates.of({"Edge": {"Resources": resources}})


API_BEHAVIOUR = {"PathPattern": "/api/*", "TargetOriginId": "Api", "ViewerProtocolPolicy": "https-only"}


def test_given_a_spa_fallback_with_an_api_behaviour_then_it_is_a_violation():
    """The trap as CdnBucket(spa=True) + add_api_origin built it: /api/* errors became 200 HTML."""
    (violation,) = violations("SpaFallbackMasksOriginErrors", distribution(origins=[S3_ORIGIN, API_ORIGIN], behaviours=[API_BEHAVIOUR]))
    assert violation.where == "Edge/Distribution"
    assert violation.message == (
        "CustomErrorResponses answer 403/404 with status 200 for the whole distribution, so also for the "
        "behaviours /api/* and the non-S3 origins Api"
    )


def test_given_no_distribution_wide_fallback_then_it_is_not():
    assert violations("SpaFallbackMasksOriginErrors", distribution(origins=[S3_ORIGIN, API_ORIGIN], behaviours=[API_BEHAVIOUR], errors=None)) == []
    # A 404 page with its own status masks nothing.
    honest = [{"ErrorCode": 404, "ResponseCode": 404, "ResponsePagePath": "/404.html"}]
    assert violations("SpaFallbackMasksOriginErrors", distribution(origins=[S3_ORIGIN, API_ORIGIN], behaviours=[API_BEHAVIOUR], errors=honest)) == []


def test_given_a_bucket_only_spa_then_the_fallback_is_the_design():
    """One behaviour on S3 (also an S3 website endpoint): every path is the SPA, nothing else is masked."""
    assert violations("SpaFallbackMasksOriginErrors", distribution(origins=[S3_ORIGIN], behaviours=[])) == []
    website = {"Id": "S3", "DomainName": "site.s3-website-eu-west-1.amazonaws.com", "CustomOriginConfig": {"OriginProtocolPolicy": "http-only"}}
    assert violations("SpaFallbackMasksOriginErrors", distribution(origins=[website], behaviours=[])) == []
    # A custom origin behind the only behaviour: its own errors are masked, so it is flagged.
    assert len(violations("SpaFallbackMasksOriginErrors", distribution(origins=[API_ORIGIN], behaviours=[]))) == 1


def _alb(stack: cdk.Stack) -> elbv2.IApplicationLoadBalancer:
    return elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack, "Alb", load_balancer_arn=ALB_ARN, security_group_id="sg-1", load_balancer_dns_name="internal-app.eu-west-1.elb.amazonaws.com"
    )


@functools.lru_cache(maxsize=None)
def cdn_template(preset: str, *, old_fallback: bool = False) -> dict:
    profile = support.profile_for_tests(preset)
    stack = EnvironmentStack(cdk.App(), f"Edge-{preset}", profile=profile)
    extra = {}
    if old_fallback:  # the distribution-wide fallback as CdnBucket(spa=True) built it
        extra["distribution_props"] = {
            "error_responses": [
                cloudfront.ErrorResponse(http_status=code, response_http_status=200, response_page_path="/index.html")
                for code in (403, 404)
            ]
        }
    cdn = CdnBucket(
        stack, "Cdn", profile=profile, spa=True,
        web_acl_arn=f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/edge/1" if profile.waf.enabled else None, **extra,
    )
    protocol = cloudfront.OriginProtocolPolicy.HTTP_ONLY if profile.compute.allow_http else cloudfront.OriginProtocolPolicy.HTTPS_ONLY
    cdn.add_api_origin(_alb(stack), protocol=protocol)
    return Template.from_stack(stack).to_json()


def test_cdn_bucket_with_the_old_fallback_trips_the_rule():
    (violation,) = violations("SpaFallbackMasksOriginErrors", Templates.of({"Edge": cdn_template("production", old_fallback=True)}))
    assert violation.resource.type == "AWS::CloudFront::Distribution"
    assert "the behaviours /api/*" in violation.message


# --------------------------------------------------------------------------------- WafForwardedIpForgeable
def web_acl(*rules: dict) -> Templates:
    acl = {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {"Scope": "REGIONAL", "DefaultAction": {"Allow": {}}, "Rules": list(rules)},
    }
    return Templates.of({"App": {"Resources": {"Acl": acl}}})


XFF = {"HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH"}
RATE_ON_XFF = {
    "Name": "RateLimitPerIp",
    "Priority": 3,
    "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "FORWARDED_IP", "ForwardedIPConfig": XFF}},
}
GEO_ON_XFF = {
    "Name": "GeoBlock",
    "Priority": 2,
    "Statement": {"NotStatement": {"Statement": {"GeoMatchStatement": {"CountryCodes": ["DE"], "ForwardedIPConfig": XFF}}}},
}


def ip_set_rule(position: str) -> dict:
    config = {"HeaderName": "x-forwarded-for", "FallbackBehavior": "NO_MATCH", "Position": position}
    return {"Name": "AllowListedIps", "Priority": 0, "Statement": {"IPSetReferenceStatement": {"Arn": "arn:ipset", "IPSetForwardedIPConfig": config}}}


def test_given_rate_and_geo_rules_on_x_forwarded_for_then_they_are_violations():
    """The trap as the platform's regional ACL had it (client_ip_header='X-Forwarded-For')."""
    found = violations("WafForwardedIpForgeable", web_acl(RATE_ON_XFF, GEO_ON_XFF, ip_set_rule("FIRST"), ip_set_rule("ANY")))
    assert [v.message for v in found] == [
        "rule RateLimitPerIp: RateBasedStatement (the first X-Forwarded-For address)",
        "rule GeoBlock: NotStatement.GeoMatchStatement (the first X-Forwarded-For address)",
        "rule AllowListedIps: IPSetReferenceStatement (FIRST x-forwarded-for address)",
        "rule AllowListedIps: IPSetReferenceStatement (ANY x-forwarded-for address)",
    ]
    assert {v.where for v in found} == {"App/Acl"}


def test_given_the_source_ip_or_the_last_address_then_it_is_not():
    rate_on_ip = {"Name": "RateLimitPerIp", "Priority": 3, "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}}}
    trusted = copy.deepcopy(RATE_ON_XFF)
    trusted["Statement"]["RateBasedStatement"]["ForwardedIPConfig"] = {"HeaderName": "True-Client-IP", "FallbackBehavior": "NO_MATCH"}
    assert violations("WafForwardedIpForgeable", web_acl(rate_on_ip, trusted, ip_set_rule("LAST"))) == []


def test_given_a_rule_group_scope_down_on_x_forwarded_for_then_it_is_a_violation():
    scoped = {
        "Name": "Scoped",
        "Priority": 1,
        "Statement": {
            "RateBasedStatement": {
                "Limit": 100,
                "AggregateKeyType": "IP",
                "ScopeDownStatement": {"AndStatement": {"Statements": [GEO_ON_XFF["Statement"], {"ByteMatchStatement": {}}]}},
            }
        },
    }
    group = {"Type": "AWS::WAFv2::RuleGroup", "Properties": {"Scope": "REGIONAL", "Capacity": 100, "Rules": [scoped]}}
    (violation,) = violations("WafForwardedIpForgeable", Templates.of({"App": {"Resources": {"Group": group}}}))
    assert violation.message == (
        "rule Scoped: RateBasedStatement.AndStatement.NotStatement.GeoMatchStatement (the first X-Forwarded-For address)"
    )


@functools.lru_cache(maxsize=None)
def waf_template(preset: str) -> dict:
    profile = support.profile_for_tests(preset)
    # Every optional rule on, so the rate limit and geo block would exist if anything built them.
    import dataclasses

    profile = dataclasses.replace(profile, waf=dataclasses.replace(profile.waf, blocked_countries=("KP",)))
    stack = EnvironmentStack(cdk.App(), f"App-{preset}", profile=profile)
    waf = WafProtection(stack, "Waf", profile=profile, behind_cloudfront=True, allowed_ips=["203.0.113.0/24"], blocked_ips=["198.51.100.0/24"])
    waf.associate(_alb(stack))
    return Template.from_stack(stack).to_json()


# --------------------------------------------------------------------------------- every preset, every rule
@pytest.mark.parametrize("preset", PRESETS)
def test_front_door_constructs_are_clean(preset):
    templates = Templates.of(
        {"Web": fargate_template(preset), "Edge": cdn_template(preset), "App": waf_template(preset)},
        environments={"Web": (ACCOUNT, REGION), "Edge": (ACCOUNT, REGION), "App": (ACCOUNT, REGION)},
    )
    assert front_door_violations(templates) == []


def test_the_rules_are_registered_and_explain_themselves():
    rules = {r.name: r for r in readiness.RULES}
    for name in FRONT_DOOR_RULES:
        assert name in rules
    assert "containers-roadmap #631" in rules["EcsServiceWaitsForCapacityProviders"].trap
    assert "only the first address" in rules["WafForwardedIpForgeable"].trap
    assert "appends the viewer's address to the end" in rules["WafForwardedIpForgeable"].trap
    assert "viewer-request CloudFront Function" in rules["SpaFallbackMasksOriginErrors"].fix
