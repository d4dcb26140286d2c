"""The reference platform, synthesized once per session with the real AWS CDK CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import background
import support
from finefinds_constructs import compliance, profiles

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "examples" / "platform"
CDK = ROOT / "node_modules" / ".bin" / "cdk"
from conftest import ENVIRONMENTS, STACKS, expected_concerns


def test_cdk_cli_is_the_pinned_2x_line():
    out = subprocess.run([str(CDK), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("2."), out
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    assert out.split()[0] == pinned


def test_synth_command_succeeds_and_summarises_every_environment(platform):
    result = platform["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    # The status says which checks ran on the environment's stacks (from the gate's summary) ...
    status = "pass (0 findings, 4 packs, DeployReadiness, ControlTower)"
    for env in ENVIRONMENTS:
        (line,) = [line for line in result.stdout.splitlines() if line.startswith(env + " ")]
        assert line.endswith("  " + status), line
    assert "all 5 environments synthesized and compliant" in result.stdout
    # ... as the README quotes it.
    assert f"`{status}`" in " ".join((ROOT / "README.md").read_text().split())


def test_every_environment_has_exactly_its_stacks(platform):
    assert sorted(platform["stacks"]) == sorted(f"FineFinds-{env.capitalize()}-{c}" for env, c in STACKS)


def test_every_environment_has_its_network_stack(platform):
    for env in ENVIRONMENTS:
        name = f"FineFinds-{env.capitalize()}-Network"
        assert name in platform["stacks"], name
        vpcs = [r for r in platform["stacks"][name]["Resources"].values() if r["Type"] == "AWS::EC2::VPC"]
        assert len(vpcs) == 1


def test_stacks_are_placed_by_the_settings_files(platform):
    for env in ENVIRONMENTS:
        artifact = platform["manifest"]["artifacts"][f"FineFinds-{env.capitalize()}-Network"]
        profile = profiles.EnvironmentProfile.from_file(PLATFORM / "env" / f"{env}.toml")
        assert artifact["environment"] == f"aws://{profile.account}/{profile.region}"


def test_synthesis_needed_no_lookups(platform):
    assert "missing" not in platform["manifest"]
    assert not (PLATFORM / "cdk.context.json").exists()


def test_environment_differences(platform):
    def count(env: str, resource_type: str) -> int:
        stack = platform["stacks"][f"FineFinds-{env.capitalize()}-Network"]
        return sum(r["Type"] == resource_type for r in stack["Resources"].values())

    assert count("production", "AWS::EC2::NatGateway") == 3
    for env in ("development", "qa", "sandbox", "staging"):
        assert count(env, "AWS::EC2::NatGateway") == 1
        assert count(env, "AWS::EC2::Subnet") == 6
    assert count("production", "AWS::EC2::Subnet") == 9


def test_zero_cdk_nag_findings(platform):
    assert compliance.read_findings(platform["outdir"]) == []
    # ... from a gate that ran: every plugin, over every stack of every environment.
    assert len(platform["stacks"]) == len(STACKS)
    support.assert_gate_ran(platform["outdir"], stacks=len(STACKS), findings=0)


def test_the_gate_is_active_on_the_platform_app(tmp_path, monkeypatch):
    """Negative control: examples/platform/app.py, run as `cdk synth -c env=production` runs it,
    with one non-compliant stack planted in its app, fails, and only on that stack.

    A clean report only proves something if the gate ran; CDK lists a plugin in the report only
    when it found something, so this plants findings next to the platform's stacks and lets the
    app's own code (its ``compliance.enable`` included) synthesize them.
    """
    import aws_cdk as cdk
    from aws_cdk import aws_config as config
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_s3 as s3

    def plant(app: cdk.App) -> None:
        planted = cdk.Stack(app, "FineFinds-Production-Planted")
        ec2.CfnVPC(planted, "VpcWithoutFlowLogs", cidr_block="10.9.0.0/16")
        # A deploy trap (the Config channel waits for its recorder) and a Control Tower breach (a
        # bucket with none of the S3 controls), so the report shows the other two plugins ran too.
        recorder = config.CfnConfigurationRecorder(planted, "Recorder", role_arn="arn:aws:iam::555555555555:role/config")
        config.CfnDeliveryChannel(planted, "Channel", s3_bucket_name="planted").add_dependency(recorder)
        s3.CfnBucket(planted, "PlainBucket")

    # One environment is enough to show the gate runs on the platform's stacks (and keeps it quick).
    error = support.run_example_with_planted_resources(
        PLATFORM / "app.py", tmp_path, plant, monkeypatch, context={"env": "production"}
    )
    assert error is not None and "ValidationFailed" in error, error
    # Every plugin ran on the production stacks and the planted one, and each found something there.
    summary = support.assert_gate_ran(tmp_path, stacks=len(expected_concerns("production")) + 1, findings=None)
    assert all(run.findings > 0 for run in summary.plugins), summary.plugins
    findings = support.gate_findings(tmp_path)
    assert {
        ("AwsSolutions-VPC7", "FineFinds-Production-Planted/VpcWithoutFlowLogs"),
        ("DeployReadiness::ConfigRecorderChannelOrder", "FineFinds-Production-Planted/Channel"),
        ("ControlTower::CT.S3.PR.9", "FineFinds-Production-Planted/PlainBucket"),
    } <= set(findings)
    assert {path.split("/")[0] for _, path in findings} == {"FineFinds-Production-Planted"}
    assert summary.findings == len(findings)
    # ... and the README's synth command reports that environment as failed (its exit code is 1).
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import platform_summary

    rows, ok = platform_summary.summarise(tmp_path, ["production"])
    assert not ok and not rows[0]["passed"]
    assert any("VpcWithoutFlowLogs" in finding for finding in rows[0]["findings"])
    assert platform_summary.compliance_status(rows[0]) == f"FAIL ({len(findings)} findings)"


@pytest.mark.slow
def test_cfn_lint_zero_errors_and_warnings(platform):
    files = sorted(platform["outdir"].glob("*.template.json"))
    assert len(files) == len(platform["stacks"])
    code, output = support.cfn_lint(files)
    assert code == 0, output


#: Given the platform app, when the README's synth command runs with ``--env qa`` (``-c env=qa``).
qa_platform = background.fixture("qa_platform")


def test_single_environment_with_context(qa_platform):
    result = qa_platform["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "`cdk synth` of 1 environment(s)" in result.stdout
    assert sorted(qa_platform["stacks"]) == sorted(f"FineFinds-Qa-{c}" for c in expected_concerns("qa"))
    assert qa_platform["manifest"]["artifacts"]["FineFinds-Qa-Network"]["environment"].endswith("/eu-west-1")
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("qa ")]
    assert line.endswith("  pass (0 findings, 4 packs, DeployReadiness, ControlTower)"), line
    support.assert_gate_ran(qa_platform["outdir"], stacks=len(expected_concerns("qa")), findings=0)


def test_unknown_environment_fails_clearly(tmp_path):
    """The README's synth command names the allowed environments before starting `cdk synth`."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "platform_summary.py"), "--env", "prod", "--outdir", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ConfigurationError" in result.stdout and "--env = 'prod'" in result.stdout
    assert "development | qa | sandbox | staging | production" in result.stdout
    assert not (tmp_path / "out").exists()


def test_app_selects_environments_by_context_and_rejects_an_unknown_one(monkeypatch):
    """`cdk synth -c env=prod` straight from examples/platform: the app itself says what is allowed."""
    import aws_cdk as cdk

    from finefinds_constructs import ConfigurationError

    monkeypatch.syspath_prepend(str(PLATFORM))
    import app as platform_app

    assert list(profiles.environments_for(cdk.App(), platform_app.ENV_DIR)) == ENVIRONMENTS
    assert list(profiles.environments_for(cdk.App(context={"env": "qa"}), platform_app.ENV_DIR)) == ["qa"]
    with pytest.raises(ConfigurationError, match=r"env \(cdk context\) = 'prod' is not allowed; allowed: development \| qa \| sandbox \| staging \| production\. Fix: did you mean 'production'"):
        platform_app.build(cdk.App(context={"env": "prod"}))


def test_the_platform_code_hard_codes_no_arns_or_accounts():
    """Stacks exchange typed construct attributes; accounts come from the settings files only."""
    import re

    for source in sorted(PLATFORM.glob("*.py")):
        text = source.read_text()
        assert "arn:" not in text, f"{source.name} spells out an ARN"
        assert not re.search(r"\b\d{12}\b", text), f"{source.name} spells out an account id"


def test_no_environment_refers_to_another_environments_account(platform):
    import re

    accounts = {
        env: profiles.EnvironmentProfile.from_file(PLATFORM / "env" / f"{env}.toml").account for env in ENVIRONMENTS
    }
    assert len(set(accounts.values())) == len(ENVIRONMENTS)
    for env, concern in STACKS:
        text = json.dumps(platform["stacks"][f"FineFinds-{env.capitalize()}-{concern}"])
        mentioned = set(re.findall(r"\b\d{12}\b", text)) & set(accounts.values())
        allowed = {accounts[env]}
        if concern == "Dns":
            # ... but for the parent zone's account, whose delegation role the Dns stack assumes,
            # and, in the parent, the accounts its delegation roles trust.
            dns = profiles.EnvironmentProfile.from_file(PLATFORM / "env" / f"{env}.toml").dns
            allowed |= {dns.parent_account} if dns.parent_account else set()
            allowed |= {entry.split("=", 1)[1] for entry in dns.delegations}
        assert mentioned <= allowed, f"{env} {concern} names {mentioned - allowed}"


def test_environment_zones_are_delegated_from_productions_account(platform):
    """dev, qa, sandbox and staging are subdomains of production's zone, in production's account."""
    for env in ("development", "qa", "sandbox", "staging"):
        dns = platform["stacks"][f"FineFinds-{env.capitalize()}-Dns"]
        (delegation,) = [r for r in dns["Resources"].values() if r["Type"] == "Custom::CrossAccountZoneDelegation"]
        assert delegation["Properties"]["ParentZoneName"] == "finefinds.example"
        assert "arn:aws:iam::555555555555:role/" in json.dumps(delegation["Properties"]["AssumeRoleArn"])
    production = platform["stacks"]["FineFinds-Production-Dns"]
    roles = [r for r in production["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    trusted = {json.dumps(r["Properties"]["AssumeRolePolicyDocument"]) for r in roles}
    for account in ("111111111111", "222222222222", "333333333333", "444444444444"):
        assert any(account in t for t in trusted), account


def test_cost_stacks_deploy_after_the_config_recorder(platform):
    """The required-tags Config rule (Cost) needs the account's recorder (Audit) to exist first."""
    for env in ENVIRONMENTS:
        if "Audit" not in expected_concerns(env):
            continue
        prefix = f"FineFinds-{env.capitalize()}"
        assert f"{prefix}-Audit" in platform["manifest"]["artifacts"][f"{prefix}-Cost"]["dependencies"], env


def test_synth_command_reports_every_example_app_in_order_and_fails_if_one_fails(platform, monkeypatch, capsys, tmp_path):
    """The apps are synthesized side by side and reported one after the other; one failure fails the command.

    The platform's part is the session's real assembly; the marketing site's `cdk synth` "fails".
    """
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import platform_summary

    examples = tmp_path / "examples"
    for app in ("marketing_site", "platform"):
        (examples / app / "env").mkdir(parents=True)
        (examples / app / "cdk.json").write_text("{}")
        (examples / app / "env" / "production.toml").write_text('extends = "production"\n')
    (examples / "platform" / "cdk.out").symlink_to(platform["outdir"])

    def synthesize(app_dir, outdir, env_name):
        assert env_name == "production"
        return (1, 0.1, "boom: the marketing site failed") if app_dir.name == "marketing_site" else (0, 0.1, "")

    monkeypatch.setattr(platform_summary, "EXAMPLES", examples)
    monkeypatch.setattr(platform_summary, "synthesize", synthesize)
    assert platform_summary.main(["--env", "production"]) == 1
    out = capsys.readouterr().out
    assert out.index("examples/marketing_site:") < out.index("examples/platform:")
    assert "boom: the marketing site failed" in out
    assert "all 1 environments synthesized and compliant" in out  # the platform's production passed
