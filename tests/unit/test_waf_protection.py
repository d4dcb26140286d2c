"""WafProtection: synthesized under every preset with the four cdk-nag packs on."""

from __future__ import annotations

import dataclasses
import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Match, Template

import support
from finefinds_constructs import EnvironmentStack, profiles
from finefinds_constructs.errors import ConfigurationError
from finefinds_constructs.waf_protection import WafProtection

ALLOWED = ["203.0.113.0/24", "2001:db8::/32"]
BLOCKED = ["198.51.100.7/32"]
ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef"
USER_POOL_ARN = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123"
# Literal expectations (not read from the module under test): dropping or reordering a managed
# rule group, or moving a rule's priority slot, fails a test named after it.
#: The AWS managed rule groups every web ACL runs, with their priorities.
BASE_GROUPS = {
    "AWSManagedRulesAmazonIpReputationList": 10,
    "AWSManagedRulesAnonymousIpList": 11,
    "AWSManagedRulesCommonRuleSet": 12,
    "AWSManagedRulesKnownBadInputsRuleSet": 13,
    "AWSManagedRulesSQLiRuleSet": 14,
}
#: Where ``profile.waf.linux_rules`` is on.
LINUX_GROUP = {"AWSManagedRulesLinuxRuleSet": 15}
ALL_GROUPS = {**BASE_GROUPS, **LINUX_GROUP}
#: The construct's own rules; fixed slots.
OWN_RULES = {"AllowListedIps": 0, "BlockListedIps": 1, "GeoBlock": 2, "RateLimitPerIp": 3}
#: Requests per IP per 5 minutes, per preset.
RATE_LIMIT = {"development": 2000, "qa": 2000, "sandbox": 2000, "staging": 2000, "production": 2000}
#: WAF log retention (days) per preset (profile.protection.log_retention_days).
LOG_RETENTION_DAYS = {"development": 14, "qa": 30, "sandbox": 7, "staging": 90, "production": 365}
#: Presets whose stateful resources survive stack deletion.
RETAINED = {"staging", "production"}


def tuned(profile: profiles.EnvironmentProfile) -> profiles.EnvironmentProfile:
    """The preset with every optional WAF feature on."""
    waf = dataclasses.replace(
        profile.waf,
        rate_limit=100,
        blocked_countries=("KP", "IR"),
        linux_rules=True,
        count_only_rules=("AWSManagedRulesCommonRuleSet", "AWSManagedRulesLinuxRuleSet"),
    )
    return dataclasses.replace(profile, waf=waf)


def edge_stack_name(preset: str) -> str:
    return f"WafEdge-{preset}"


def build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    waf = WafProtection(stack, "Waf", profile=profile, allowed_ips=ALLOWED, blocked_ips=BLOCKED)
    alb = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack, "Alb", load_balancer_arn=ALB_ARN, security_group_id="sg-0123456789abcdef0"
    )
    waf.associate(alb)
    waf.associate(cognito.UserPool.from_user_pool_arn(stack, "UserPool", USER_POOL_ARN))
    WafProtection(
        stack,
        "Tuned",
        profile=tuned(profile),
        # A header a trusted proxy sets to the viewer alone (e.g. a CloudFront Function).
        client_ip_header="True-Client-IP",
        rule_action_overrides={"AWSManagedRulesKnownBadInputsRuleSet": ["Host_localhost_HEADER"]},
    )
    # The regional ACL of an origin only CloudFront reaches (the platform's application ALB).
    WafProtection(stack, "Origin", profile=tuned(profile), behind_cloudfront=True, allowed_ips=ALLOWED, blocked_ips=BLOCKED)
    # The documented CLOUDFRONT pattern: a sibling stack pinned to us-east-1.
    edge = EnvironmentStack(
        stack.node.scope,
        edge_stack_name(profile.name),
        profile=profile,
        env=cdk.Environment(account=profile.account, region="us-east-1"),
    )
    WafProtection(edge, "EdgeWaf", profile=profile, web_acl_scope="CLOUDFRONT")


@pytest.fixture(scope="session")
def result():
    synthesized = support.synthesize("Waf", build)
    yield synthesized
    support.cleanup(synthesized)


def edge_template(result: support.Synthesized, preset: str) -> Template:
    return Template.from_json(json.loads((result.outdir / f"{edge_stack_name(preset)}.template.json").read_text()))


def web_acl(template: Template, prefix: str) -> dict:
    acls = support.resources_of_type(template, "AWS::WAFv2::WebACL")
    (acl,) = [v for k, v in acls.items() if k.startswith(prefix)]
    return acl["Properties"]


def rules_by_name(acl: dict) -> dict[str, dict]:
    return {r["Name"]: r for r in acl["Rules"]}


# -------------------------------------------------------------------------------------------- gates
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_no_cdk_nag_findings(result, preset):
    assert result.error is None, result.error
    findings = [f for f in result.findings if f.path.split("/")[0] in (f"Waf-{preset}", edge_stack_name(preset))]
    assert findings == []


def test_no_findings_at_all(result):
    assert result.findings == []


@pytest.mark.slow
def test_cfn_lint_clean(result):
    files = []
    for preset in support.PRESET_NAMES:
        files += [result.template_file(preset), result.outdir / f"{edge_stack_name(preset)}.template.json"]
    code, output = support.cfn_lint(files)
    assert code == 0, output


# -------------------------------------------------------------------------------------------- rules
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_rules_in_fixed_priority_order(result, preset):
    acl = web_acl(result.template(preset), "Waf")
    priorities = {r["Name"]: r["Priority"] for r in acl["Rules"]}
    assert priorities == {"AllowListedIps": 0, "BlockListedIps": 1, "RateLimitPerIp": 3, **BASE_GROUPS}
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_every_acl_runs_the_five_aws_managed_rule_groups(result, preset):
    """Each ACL of every preset (regional, tuned, origin, edge) runs the five groups by name, at 10 to 14."""
    acls = [web_acl(result.template(preset), prefix) for prefix in ("Waf", "Tuned", "Origin")]
    acls.append(web_acl(edge_template(result, preset), "EdgeWaf"))
    for acl in acls:
        managed = {
            r["Statement"]["ManagedRuleGroupStatement"]["Name"]: r["Priority"]
            for r in acl["Rules"]
            if "ManagedRuleGroupStatement" in r["Statement"]
        }
        assert {g: p for g, p in managed.items() if g in BASE_GROUPS} == BASE_GROUPS, acl["Name"]


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_managed_groups_block_by_default(result, preset):
    rules = rules_by_name(web_acl(result.template(preset), "Waf"))
    for group in BASE_GROUPS:
        assert rules[group]["Statement"] == {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": group}}
        assert rules[group]["OverrideAction"] == {"None": {}}
    assert "AWSManagedRulesLinuxRuleSet" not in rules
    assert "GeoBlock" not in rules


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_rate_limit_blocks_above_2000_requests_per_5_minutes(result, preset):
    rule = rules_by_name(web_acl(result.template(preset), "Waf"))["RateLimitPerIp"]
    assert rule["Action"] == {"Block": {}}
    assert rule["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP",
        "EvaluationWindowSec": 300,
        "Limit": RATE_LIMIT[preset],
    }


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_metrics_and_sampling_on_everywhere(result, preset):
    for prefix in ("Waf", "Tuned"):
        acl = web_acl(result.template(preset), prefix)
        assert acl["VisibilityConfig"] == {
            "CloudWatchMetricsEnabled": True,
            "SampledRequestsEnabled": True,
            "MetricName": acl["Name"],
        }
        assert acl["Rules"]
        for rule in acl["Rules"]:
            assert rule["VisibilityConfig"] == {
                "CloudWatchMetricsEnabled": True,
                "SampledRequestsEnabled": True,
                "MetricName": rule["Name"],
            }


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_ip_sets_allow_first_then_deny(result, preset):
    template = result.template(preset)
    sets = support.resources_of_type(template, "AWS::WAFv2::IPSet")
    by_id = {k: v["Properties"] for k, v in sets.items() if k.startswith("Waf")}
    v4 = next(p for k, p in by_id.items() if "AllowListV4" in k)
    v6 = next(p for k, p in by_id.items() if "AllowListV6" in k)
    deny = next(p for k, p in by_id.items() if "DenyListV4" in k)
    assert (v4["Addresses"], v4["IPAddressVersion"], v4["Scope"]) == (["203.0.113.0/24"], "IPV4", "REGIONAL")
    assert (v6["Addresses"], v6["IPAddressVersion"]) == (["2001:db8::/32"], "IPV6")
    assert deny["Addresses"] == BLOCKED
    assert not any("DenyListV6" in k for k in by_id)
    rules = rules_by_name(web_acl(template, "Waf"))
    allow = rules["AllowListedIps"]
    assert allow["Priority"] == 0 and allow["Action"] == {"Allow": {}}
    assert len(allow["Statement"]["OrStatement"]["Statements"]) == 2
    block = rules["BlockListedIps"]
    assert block["Priority"] == 1 and block["Action"] == {"Block": {}}
    assert "IPSetReferenceStatement" in block["Statement"]


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_geo_count_mode_linux_and_forwarded_ip(result, preset):
    rules = rules_by_name(web_acl(result.template(preset), "Tuned"))
    assert {name: rule["Priority"] for name, rule in rules.items()} == {"GeoBlock": 2, "RateLimitPerIp": 3, **ALL_GROUPS}
    geo = rules["GeoBlock"]
    assert geo["Priority"] == 2 and geo["Action"] == {"Block": {}}
    assert geo["Statement"]["GeoMatchStatement"]["CountryCodes"] == ["KP", "IR"]
    rate = rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]
    assert rate["Limit"] == 100
    assert rate["AggregateKeyType"] == "FORWARDED_IP"
    assert rate["ForwardedIPConfig"] == {"HeaderName": "True-Client-IP", "FallbackBehavior": "NO_MATCH"}
    assert rules["AWSManagedRulesCommonRuleSet"]["OverrideAction"] == {"Count": {}}
    assert rules["AWSManagedRulesLinuxRuleSet"]["OverrideAction"] == {"Count": {}}
    assert rules["AWSManagedRulesSQLiRuleSet"]["OverrideAction"] == {"None": {}}
    known_bad = rules["AWSManagedRulesKnownBadInputsRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert known_bad["RuleActionOverrides"] == [{"Name": "Host_localhost_HEADER", "ActionToUse": {"Count": {}}}]
    assert "RuleActionOverrides" not in rules["AWSManagedRulesSQLiRuleSet"]["Statement"]["ManagedRuleGroupStatement"]


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_behind_cloudfront_leaves_rate_limit_and_geo_to_the_edge(result, preset):
    """Trap 13: the source IP is CloudFront's and the first X-Forwarded-For address is the client's own."""
    acl = web_acl(result.template(preset), "Origin")
    priorities = {r["Name"]: r["Priority"] for r in acl["Rules"]}
    assert priorities == {"AllowListedIps": 0, "BlockListedIps": 1, **ALL_GROUPS}
    assert '"ForwardedIPConfig"' not in json.dumps(acl)
    rules = rules_by_name(acl)
    allow = [s["IPSetReferenceStatement"]["IPSetForwardedIPConfig"] for s in rules["AllowListedIps"]["Statement"]["OrStatement"]["Statements"]]
    block = rules["BlockListedIps"]["Statement"]["IPSetReferenceStatement"]["IPSetForwardedIPConfig"]
    # LAST: the address CloudFront appended (the viewer's); an earlier one is whatever the client sent.
    assert allow == [{"HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH", "Position": "LAST"}] * 2
    assert block == {"HeaderName": "X-Forwarded-For", "FallbackBehavior": "MATCH", "Position": "LAST"}


def test_x_forwarded_for_as_client_ip_header_is_refused():
    with pytest.raises(ConfigurationError) as err:
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, client_ip_header="x-forwarded-for")
    message = str(err.value)
    assert "client_ip_header = 'x-forwarded-for' is not allowed" in message
    assert "first X-Forwarded-For address, which the client writes" in message and "behind_cloudfront=True" in message


def test_behind_cloudfront_refuses_a_rate_limit_and_the_cloudfront_scope():
    with pytest.raises(ConfigurationError, match=r"rate_limit = 100 is not allowed.*CLOUDFRONT-scope"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, behind_cloudfront=True, rate_limit=100)
    with pytest.raises(ConfigurationError, match=r"behind_cloudfront = True is not allowed; allowed: False for a CLOUDFRONT-scope"):
        WafProtection(stack_in("us-east-1"), "Waf", profile=profiles.PRODUCTION, web_acl_scope="CLOUDFRONT", behind_cloudfront=True)
    # With a header a trusted proxy sets, the origin's ACL can rate-limit the viewer itself.
    waf = WafProtection(
        stack_in(), "Waf", profile=profiles.PRODUCTION, behind_cloudfront=True, rate_limit=100, client_ip_header="True-Client-IP"
    )
    assert "RateLimitPerIp" in waf.rule_names


# -------------------------------------------------------------------------------------------- logging
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_log_group_prefix_encryption_retention(result, preset):
    template = result.template(preset)
    groups = support.resources_of_type(template, "AWS::Logs::LogGroup")
    assert len(groups) == 3
    stack_id_piece = {"Fn::Select": [0, {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]}]}
    for logical_id, group in groups.items():
        props = group["Properties"]
        # Trap 6: the prefix WAF needs, then a piece of the stack id (new on each create), so a group
        # retained by a deleted stack never blocks the next create.
        (prefix, piece), = [props["LogGroupName"]["Fn::Join"][1]]
        assert props["LogGroupName"]["Fn::Join"][0] == "-"
        assert prefix.startswith("aws-waf-logs-Waf" + preset + "-") and piece == stack_id_piece
        assert "KmsKeyId" in props
        assert props["RetentionInDays"] == LOG_RETENTION_DAYS[preset]
        expected = ("RetainExceptOnCreate", "Retain") if preset in RETAINED else ("Delete", "Delete")
        assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == expected
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_logging_configuration_redacts_credentials(result, preset):
    template = result.template(preset)
    configs = support.resources_of_type(template, "AWS::WAFv2::LoggingConfiguration")
    assert len(configs) == 3
    for config in configs.values():
        props = config["Properties"]
        assert props["RedactedFields"] == [{"SingleHeader": {"Name": "authorization"}}, {"SingleHeader": {"Name": "cookie"}}]
        destination = json.dumps(props["LogDestinationConfigs"])
        assert ":log-group:" in destination and ":*" not in destination
    template.has_resource_properties(
        "AWS::WAFv2::LoggingConfiguration",
        {"ResourceArn": {"Fn::GetAtt": [Match.string_like_regexp("^WafWebAcl"), "Arn"]}},
    )


# -------------------------------------------------------------------------------------------- associations
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_associations_alb_and_user_pool(result, preset):
    associations = support.resources_of_type(result.template(preset), "AWS::WAFv2::WebACLAssociation")
    arns = sorted(a["Properties"]["ResourceArn"] for a in associations.values())
    assert arns == sorted([ALB_ARN, USER_POOL_ARN])
    for association in associations.values():
        assert association["Properties"]["WebACLArn"]["Fn::GetAtt"][0].startswith("WafWebAcl")


# -------------------------------------------------------------------------------------------- CLOUDFRONT
@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_cloudfront_scope_in_us_east_1_stack(result, preset):
    template = edge_template(result, preset)
    acl = web_acl(template, "EdgeWaf")
    assert acl["Scope"] == "CLOUDFRONT"
    (group,) = support.resources_of_type(template, "AWS::Logs::LogGroup").values()
    assert group["Properties"]["LogGroupName"]["Fn::Join"][1][0].startswith("aws-waf-logs-")
    template.has_resource_properties(
        "AWS::KMS::Key",
        {"KeyPolicy": {"Statement": Match.array_with([Match.object_like({"Principal": {"Service": "logs.us-east-1.amazonaws.com"}})])}},
    )


def test_cloudfront_scope_in_agnostic_stack_adds_region_rule():
    app = cdk.App()
    stack = cdk.Stack(app, "Agnostic")
    WafProtection(stack, "Waf", profile=profiles.PRODUCTION, web_acl_scope="CLOUDFRONT")
    rules = Template.from_stack(stack).to_json()["Rules"]
    assert any("us-east-1" in json.dumps(rule) for rule in rules.values())


def test_enabled_for_follows_profile():
    assert WafProtection.enabled_for(profiles.PRODUCTION) is True
    assert WafProtection.enabled_for(profiles.DEVELOPMENT) is False


# -------------------------------------------------------------------------------------------- bad input
def stack_in(region: str = "eu-west-1") -> cdk.Stack:
    app = cdk.App()
    profile = support.profile_for_tests("production")
    return EnvironmentStack(app, "Bad", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region=region))


def test_cloudfront_scope_in_wrong_region_explains_fix():
    with pytest.raises(ConfigurationError) as err:
        WafProtection(stack_in("eu-west-1"), "Waf", profile=profiles.PRODUCTION, web_acl_scope="CLOUDFRONT")
    message = str(err.value)
    assert "us-east-1" in message and "cross_region_references=True" in message and "web_acl_arn" in message
    assert "EnvironmentStack" in message


def test_rate_limit_below_minimum():
    with pytest.raises(ConfigurationError, match=r"rate_limit = 5 .*at least 10"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, rate_limit=5)
    with pytest.raises(ConfigurationError, match=r"rate_limit"):
        dataclasses.replace(profiles.PRODUCTION.waf, rate_limit=9)


def test_unknown_count_only_rule_suggests_closest():
    # The profile refuses the name (naming the entry); the construct argument is checked the same way.
    with pytest.raises(ConfigurationError, match=r"waf.count_only_rules\[0\] .*did you mean 'AWSManagedRulesCommonRuleSet'\?"):
        dataclasses.replace(profiles.PRODUCTION.waf, count_only_rules=("AWSManagedRulesCommonRuleset",))
    with pytest.raises(ConfigurationError, match=r"did you mean 'AWSManagedRulesCommonRuleSet'\?"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, count_only_rules=["AWSManagedRulesCommonRuleset"])


def test_count_only_linux_requires_linux_rules():
    with pytest.raises(ConfigurationError, match=r"linux_rules"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, count_only_rules=["AWSManagedRulesLinuxRuleSet"])


def test_rule_action_overrides_checked():
    with pytest.raises(ConfigurationError, match=r"rule_action_overrides = 'AWSManagedRulesSQLiRuleSt'.*did you mean"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, rule_action_overrides={"AWSManagedRulesSQLiRuleSt": ["SQLi_BODY"]})
    with pytest.raises(ConfigurationError, match=r"a list of rule names"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, rule_action_overrides={"AWSManagedRulesSQLiRuleSet": "SQLi_BODY"})


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [("10.0.0.1/24", r"use '10.0.0.0/24'"), ("0.0.0.0/0", r"WAF rejects /0"), ("not-an-ip", r"network/prefix")],
)
def test_bad_cidrs(cidr, expected):
    with pytest.raises(ConfigurationError, match=expected):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, blocked_ips=[cidr])


def test_cidr_string_instead_of_list():
    with pytest.raises(ConfigurationError, match=r"a list of CIDRs"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, allowed_ips="203.0.113.0/24")


def test_bad_scope_suggests_closest():
    with pytest.raises(ConfigurationError, match=r"did you mean 'REGIONAL'\?"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, web_acl_scope="regional")


def test_web_acl_props_cannot_replace_rules_and_checks_keys():
    with pytest.raises(ConfigurationError, match=r"web_acl_props\['rules'\]"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, web_acl_props={"rules": []})
    with pytest.raises(ConfigurationError, match=r"did you mean 'description'\?"):
        WafProtection(stack_in(), "Waf", profile=profiles.PRODUCTION, web_acl_props={"descripton": "x"})


def test_associate_rejects_unsupported_resources():
    stack = stack_in()
    waf = WafProtection(stack, "Waf", profile=profiles.PRODUCTION)
    nlb = elbv2.NetworkLoadBalancer.from_network_load_balancer_attributes(
        stack, "Nlb", load_balancer_arn="arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/n/1"
    )
    with pytest.raises(ConfigurationError, match=r"INetworkLoadBalancer.*IApplicationLoadBalancer"):
        waf.associate(nlb)
    with pytest.raises(ConfigurationError, match=r"associate"):
        waf.associate("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1")


def test_associate_twice_and_cloudfront_association_rejected():
    stack = stack_in()
    waf = WafProtection(stack, "Waf", profile=profiles.PRODUCTION)
    pool = cognito.UserPool.from_user_pool_arn(stack, "Pool", USER_POOL_ARN)
    waf.associate(pool)
    with pytest.raises(ConfigurationError, match=r"once per resource"):
        waf.associate(pool)
    edge = stack_in("us-east-1")
    edge_waf = WafProtection(edge, "Waf", profile=profiles.PRODUCTION, web_acl_scope="CLOUDFRONT")
    with pytest.raises(ConfigurationError, match=r"web_acl_id"):
        edge_waf.associate(cognito.UserPool.from_user_pool_arn(edge, "Pool", USER_POOL_ARN))


def test_metric_dimensions():
    stack = stack_in()
    waf = WafProtection(stack, "Waf", profile=profiles.PRODUCTION)
    metric = waf.metric("BlockedRequests")
    assert metric.namespace == "AWS/WAFV2"
    assert set(metric.dimensions) == {"WebACL", "Rule", "Region"}


def test_cloudfront_metric_is_read_in_us_east_1_without_a_region_dimension():
    edge = stack_in("us-east-1")
    metric = WafProtection(edge, "Waf", profile=profiles.PRODUCTION, web_acl_scope="CLOUDFRONT").metric("AllowedRequests")
    assert (metric.namespace, metric.metric_name, metric.region) == ("AWS/WAFV2", "AllowedRequests", "us-east-1")
    assert set(metric.dimensions) == {"WebACL", "Rule"}
    assert metric.dimensions["Rule"] == "ALL"


def test_rest_api_stage_and_graphql_api_are_associated_by_arn():
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_appsync as appsync

    stack = stack_in()
    waf = WafProtection(stack, "Waf", profile=profiles.PRODUCTION)
    api = apigateway.RestApi.from_rest_api_id(stack, "Api", "a1b2c3d4e5")
    stage = apigateway.Stage(stack, "Stage", deployment=apigateway.Deployment(stack, "Deployment", api=api), stage_name="live")
    graphql_arn = "arn:aws:appsync:eu-west-1:123456789012:apis/abcdefghijklmnopqrstuvwxyz"
    graphql = appsync.GraphqlApi.from_graphql_api_attributes(
        stack, "Graphql", graphql_api_id="abcdefghijklmnopqrstuvwxyz", graphql_api_arn=graphql_arn
    )
    arns = [stack.resolve(waf.associate(resource).resource_arn) for resource in (stage, graphql)]
    assert arns == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/", {"Ref": "Stage0E8C2AF5"}]]},
        graphql_arn,
    ]
