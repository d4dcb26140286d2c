"""The marketing-site example (examples/marketing_site), synthesized once with the real AWS CDK CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import background
import support
from finefinds_constructs import EnvironmentProfile, compliance, profiles

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "examples" / "marketing_site"
ENVIRONMENTS = ["development", "production"]
CONCERNS = ["Dns", "Email", "Storage", "ContactForm", "Monitoring", "EdgeMonitoring"]
EDGE_CONCERNS = {"Dns", "Storage", "EdgeMonitoring"}

pytestmark = pytest.mark.slow


def stack_name(env: str, concern: str) -> str:
    return f"FineFindsMarketing-{env.capitalize()}-{concern}"


def profile(env: str) -> EnvironmentProfile:
    return EnvironmentProfile.from_file(SITE / "env" / f"{env}.toml")


#: Given the marketing-site app, when the README's synth command runs it (``--app marketing_site``:
#: `cdk synth`, then the summary), then this is what it made: ``result``, ``outdir``, ``manifest``,
#: ``artifacts`` and ``stacks`` (run in the background from the start of the session).
marketing_site = background.fixture("marketing_site")


def resources(template: dict, type_: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == type_}


def the(template: dict, type_: str) -> dict:
    (resource,) = resources(template, type_).values()
    return resource["Properties"]


# ------------------------------------------------------------------------------ the assembly
def test_synth_succeeds(marketing_site):
    result = marketing_site["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    # The status says which checks ran on the environment's stacks (from the gate's summary).
    for env in ENVIRONMENTS:
        (line,) = [line for line in result.stdout.splitlines() if line.startswith(env + " ")]
        assert line.endswith("  pass (0 findings, 4 packs, DeployReadiness, ControlTower)"), line
    assert "all 2 environments synthesized and compliant" in result.stdout


def test_both_environments_have_exactly_their_stacks(marketing_site):
    assert sorted(marketing_site["stacks"]) == sorted(stack_name(e, c) for e in ENVIRONMENTS for c in CONCERNS)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_stacks_are_in_the_environments_account_and_the_right_region(marketing_site, env):
    p = profile(env)
    for concern in CONCERNS:
        environment = marketing_site["artifacts"][stack_name(env, concern)]["environment"]
        region = "us-east-1" if concern in EDGE_CONCERNS else p.region
        assert environment == f"aws://{p.account}/{region}", concern


def test_no_cdk_nag_findings(marketing_site):
    findings = compliance.read_findings(marketing_site["outdir"])
    assert findings == [], "\n".join(f"{f.pack} {f.rule} {f.path}" for f in findings)
    # ... from a gate that ran: every plugin, over the 12 stacks of both environments.
    assert len(marketing_site["stacks"]) == len(ENVIRONMENTS) * len(CONCERNS) == 12
    support.assert_gate_ran(marketing_site["outdir"], stacks=12, findings=0)


def test_the_gate_is_active_on_the_marketing_site_app(tmp_path, monkeypatch):
    """Negative control: examples/marketing_site/app.py, run as `cdk synth -c env=production` runs it,
    with a plain bucket planted in its app, fails on that bucket, and only there."""
    error = support.run_example_with_planted_resources(
        SITE / "app.py", tmp_path, support.plant_bucket, monkeypatch, context={"env": "production"}
    )
    assert error is not None and "ValidationFailed" in error, error
    # Every plugin ran on production's 6 stacks and the planted one, and each found the bucket.
    summary = support.assert_gate_ran(tmp_path, stacks=7, findings=None)
    assert all(run.findings > 0 for run in summary.plugins), summary.plugins
    findings = support.gate_findings(tmp_path)
    assert set(support.PLANTED_BUCKET_FINDINGS) <= set(findings)
    assert {path for _, path in findings} == {"Planted/Bucket"}


def test_cfn_lint_is_clean(marketing_site):
    code, output = support.cfn_lint(sorted(marketing_site["outdir"].glob("*.template.json")))
    assert code == 0, output


def test_checkov_reports_no_failed_checks(marketing_site):
    reports = support.checkov(marketing_site["outdir"])
    failed = support.checkov_checks(reports)
    assert failed == [], sorted({f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in failed})
    skipped = support.checkov_checks(reports, "skipped_checks")
    marketing_skips = {"CKV_AWS_116", "CKV_AWS_117"}
    assert marketing_skips <= {c["check_id"] for c in skipped}


def test_every_acknowledgement_has_a_reason_and_one_home():
    sys.path.insert(0, str(SITE))
    try:
        import marketing_stacks
    finally:
        sys.path.remove(str(SITE))
    keys = [(a.stack, a.path, a.rule) for a in marketing_stacks.ACKNOWLEDGEMENTS]
    assert len(keys) == len(set(keys))
    assert all(len(a.reason) > 80 for a in marketing_stacks.ACKNOWLEDGEMENTS)
    sources = [p for p in SITE.rglob("*.py") if "cdk.out" not in p.parts]
    assert [p.name for p in sources if "Acknowledgment(" in p.read_text()] == ["marketing_stacks.py"]


# ------------------------------------------------------------------------- the contact form
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_contact_form_function(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "ContactForm")]
    function = the(template, "AWS::Lambda::Function")
    assert function["Runtime"] == "python3.14"
    assert function["Handler"] == "handler.handler"
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["ReservedConcurrentExecutions"] >= 1
    assert "KmsKeyArn" in function
    assert set(function["Environment"]["Variables"]) == {"SENDER", "RECIPIENT", "CONFIGURATION_SET"}
    assert function["Environment"]["Variables"]["SENDER"].endswith("@" + profile(env).domain_name)
    assert "LogGroup" in function["LoggingConfig"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_contact_form_logs_are_encrypted_and_expire(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "ContactForm")]
    groups = resources(template, "AWS::Logs::LogGroup")
    assert len(groups) == 2
    for group in groups.values():
        assert "KmsKeyId" in group["Properties"]
        assert group["Properties"]["RetentionInDays"] == profile(env).protection.log_retention_days


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_api_stage_is_throttled_and_logged(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "ContactForm")]
    stage = the(template, "AWS::ApiGatewayV2::Stage")
    throttle = stage["DefaultRouteSettings"]
    assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] > 0
    assert "DestinationArn" in stage["AccessLogSettings"]
    route = the(template, "AWS::ApiGatewayV2::Route")
    assert route["RouteKey"] == "POST /contact"
    api = the(template, "AWS::ApiGatewayV2::Api")
    assert api["CorsConfiguration"]["AllowOrigins"] == [f"https://{profile(env).domain_name}"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_function_may_send_only_through_the_sites_identity(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "ContactForm")]
    policy = the(template, "AWS::IAM::ManagedPolicy")["PolicyDocument"]
    (ses,) = [s for s in policy["Statement"] if any(a.startswith("ses:") for a in s["Action"])]
    assert sorted(ses["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"]
    assert "*" not in json.dumps(ses["Resource"])
    assert resources(template, "AWS::IAM::Policy") == {}  # no inline policies


# ----------------------------------------------------------------------- e-mail, DNS, storage
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_ses_identity_for_the_sites_domain(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "Email")]
    identity = the(template, "AWS::SES::EmailIdentity")
    assert identity["EmailIdentity"] == profile(env).domain_name
    assert resources(template, "AWS::SES::ConfigurationSet")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_alias_records_point_at_the_distribution(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "Storage")]
    records = [r["Properties"] for r in resources(template, "AWS::Route53::RecordSet").values()]
    assert sorted(r["Type"] for r in records if "AliasTarget" in r) == ["A", "AAAA"]
    for record in records:
        assert record["Name"].rstrip(".") == profile(env).domain_name
    distribution = the(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    assert distribution["Aliases"] == [profile(env).domain_name]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_zone_and_certificate(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "Dns")]
    zone = the(template, "AWS::Route53::HostedZone")
    assert zone["Name"].rstrip(".") == profile(env).domain_name
    assert resources(template, "AWS::CertificateManager::Certificate")


# ------------------------------------------------------------------------------- monitoring
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_function_alarms_notify_the_alarm_topic(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "Monitoring")]
    alarms = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]
    by_metric = {a["MetricName"]: a for a in alarms if a.get("Namespace") == "AWS/Lambda"}
    assert set(by_metric) == {"Errors", "Throttles"}
    (topic,) = resources(template, "AWS::SNS::Topic")
    for alarm in by_metric.values():
        assert alarm["AlarmActions"] == [{"Ref": topic}]
    subscriptions = {s["Properties"]["Endpoint"] for s in resources(template, "AWS::SNS::Subscription").values()}
    assert subscriptions == set(profile(env).alarms.emails)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_distribution_is_alarmed_in_us_east_1(marketing_site, env):
    template = marketing_site["stacks"][stack_name(env, "EdgeMonitoring")]
    alarms = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]
    assert any(a.get("Namespace") == "AWS/CloudFront" for a in alarms)


# ---------------------------------------------------------------------- environment selection
def test_env_context_selects_one_environment():
    import aws_cdk as cdk

    from finefinds_constructs import ConfigurationError

    sys.path.insert(0, str(SITE))
    try:
        spec = __import__("importlib.util").util.spec_from_file_location("marketing_site_app", SITE / "app.py")
        app_module = __import__("importlib.util").util.module_from_spec(spec)
        spec.loader.exec_module(app_module)
    finally:
        sys.path.remove(str(SITE))
    assert list(profiles.environments_for(cdk.App(), app_module.ENV_DIR)) == ENVIRONMENTS
    assert list(profiles.environments_for(cdk.App(context={"env": "production"}), app_module.ENV_DIR)) == ["production"]
    with pytest.raises(ConfigurationError, match=r"'staging' is not allowed; allowed: development \| production"):
        app_module.build(cdk.App(context={"env": "staging"}))
