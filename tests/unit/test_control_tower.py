"""AWS Control Tower's proactive controls in the gate: real cfn-guard, real bundled rules."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from finefinds_constructs import ConfigurationError, EnvironmentStack, SecureBucket, compliance, profiles
from finefinds_constructs.control_tower import ControlTowerChecks, bundled_rules, control_of


def _violations(outdir) -> dict[str, list[str]]:
    report = json.loads((outdir / "validation-report.json").read_text())
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "ControlTower"]
    return {v["ruleName"]: sorted(c["constructPath"] for c in v["violatingConstructs"]) for v in plugin["violations"]}


@pytest.fixture(scope="module")
def team_app(tmp_path_factory):
    """Given a team's plain bucket beside a library SecureBucket, with the gate on."""
    outdir = tmp_path_factory.mktemp("ct")
    app = cdk.App(outdir=str(outdir))
    stack = EnvironmentStack(app, "Team", profile=profiles.PRODUCTION)
    SecureBucket(stack, "Library", profile=profiles.PRODUCTION, purpose="media")
    s3.CfnBucket(stack, "Plain")
    compliance.enable(app, packs=(), deploy_readiness=False)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    return _violations(outdir)


def test_a_plain_bucket_fails_the_s3_controls(team_app):
    for control in ("CT.S3.PR.1", "CT.S3.PR.2", "CT.S3.PR.4", "CT.S3.PR.9", "CT.S3.PR.10"):
        assert "Team/Plain" in team_app[control], control


def test_the_library_bucket_meets_or_acknowledges_every_control_and_the_acknowledgement_stops_at_it(team_app):
    flagged = {path for paths in team_app.values() for path in paths}
    assert not any(path.startswith("Team/Library") for path in flagged), flagged
    # Object Lock is acknowledged on the SecureBucket only: the team's bucket still fails it.
    assert team_app["CT.S3.PR.9"] == ["Team/Plain"]


def test_only_rules_for_resource_types_in_the_app_run():
    checks = ControlTowerChecks()
    unused = set(checks._unused(["AWS::S3::Bucket"]))
    s3_rules = {name for name, types in bundled_rules().items() if "AWS::S3::Bucket" in types}
    assert "ct-s3-pr-9" in s3_rules and not (s3_rules & unused)
    assert "ct-rds-pr-3" in unused and len(unused) + len(s3_rules) == len(bundled_rules())


def test_a_disabled_control_does_not_run(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    bucket = s3.CfnBucket(cdk.Stack(app, "S"), "Plain")
    del bucket  # only its controls matter
    compliance.enable(app, packs=(), deploy_readiness=False, disabled_controls=["ct-s3-pr-9"])
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    found = _violations(tmp_path)
    assert "CT.S3.PR.9" not in found and "CT.S3.PR.2" in found


def test_an_unknown_control_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match=r"disabled_controls = \['CT.S3.PR.9'\].*'ct-s3-pr-9'"):
        ControlTowerChecks(disabled_controls=["CT.S3.PR.9"])


def test_control_ids_are_read_from_the_rule_description():
    assert control_of("[CT.KMS.PR.3]: Require an AWS KMS key policy ...") == "CT.KMS.PR.3"
    assert control_of("no id") is None
