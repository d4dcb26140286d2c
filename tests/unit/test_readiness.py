"""The deploy-readiness gate itself: the model, the plugin, acknowledgements, and the rules of no one construct."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_config as config
from aws_cdk import aws_s3 as s3

from finefinds_constructs import compliance, readiness
from finefinds_constructs.readiness import Templates
from finefinds_constructs.readiness.model import references

RECORDER = {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {"RoleARN": {"Fn::GetAtt": ["Role", "Arn"]}}}


def channel(**extra) -> dict:
    return {"Type": "AWS::Config::DeliveryChannel", "Properties": {"S3BucketName": {"Ref": "Bucket"}}, **extra}


def violations(rule: str, templates: dict, **kwargs) -> list[readiness.Violation]:
    return [v for v in readiness.check(Templates.of(templates, **kwargs)) if v.rule == f"DeployReadiness::{rule}"]


# --------------------------------------------------------------------------------- the model
def test_references_follow_ref_getatt_and_sub_but_not_pseudo_parameters():
    value = {
        "A": {"Ref": "Bucket"},
        "B": {"Fn::GetAtt": ["Role", "Arn"]},
        "C": {"Fn::GetAtt": "Key.Arn"},
        "D": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Logs}/x/${Topic.Name}"},
        "E": {"Ref": "AWS::Region"},
    }
    assert references(value) == {"Bucket", "Role", "Key", "Logs", "Topic"}


def test_needs_is_transitive_through_references_and_depends_on():
    templates = Templates.of(
        {"S": {"Resources": {"A": {"Type": "X", "DependsOn": "B"}, "B": {"Type": "X", "Properties": {"P": {"Ref": "C"}}}, "C": {"Type": "X"}}}}
    )
    stack = templates.stacks[0]
    a = templates.resource(stack, "A")
    assert templates.needs(a, "C") and templates.needs(a, "B")
    assert not templates.needs(templates.resource(stack, "C"), "A")


def test_templates_from_an_assembly_know_each_stacks_account_and_region(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    s3.CfnBucket(cdk.Stack(app, "Team", env=cdk.Environment(account="123456789012", region="eu-central-1")), "B")
    s3.CfnBucket(cdk.Stack(app, "Agnostic"), "B")
    app.synth()
    stacks = {s.name: s for s in Templates.from_paths(str(p) for p in tmp_path.glob("*.template.json")).stacks}
    assert (stacks["Team"].account, stacks["Team"].region) == ("123456789012", "eu-central-1")
    assert (stacks["Agnostic"].account, stacks["Agnostic"].region) == (None, None)


# --------------------------------------------------------------------------------- the plugin
def _team_app(tmp_path, *, acknowledge: bool = False) -> cdk.App:
    """A team's own app: raw Cfn resources, the gate attached as the README says."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "TeamAudit")
    recorder = config.CfnConfigurationRecorder(stack, "Recorder", role_arn="arn:aws:iam::123456789012:role/config")
    delivery = config.CfnDeliveryChannel(stack, "Channel", s3_bucket_name="team-config-bucket")
    delivery.add_dependency(recorder)
    if acknowledge:
        cdk.Validations.of(delivery).acknowledge(
            cdk.Acknowledgment(id="DeployReadiness::ConfigRecorderChannelOrder", reason="planted for the test")
        )
    compliance.enable(app, packs=(), control_tower=False)
    return app


def test_given_a_teams_raw_delivery_channel_waiting_for_its_recorder_when_synthesized_then_synthesis_fails(tmp_path):
    app = _team_app(tmp_path)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "DeployReadiness"]
    (violation,) = plugin["violations"]
    assert violation["ruleName"] == "ConfigRecorderChannelOrder"
    assert "NoAvailableDeliveryChannelException" in violation["description"]
    assert "no DependsOn between them" in violation["suggestedFix"]
    assert [c["constructPath"] for c in violation["violatingConstructs"]] == ["TeamAudit/Channel"]
    # ... and compliance.read_findings reports it like a cdk-nag finding.
    assert [(f.pack, f.rule) for f in compliance.read_findings(tmp_path)] == [("DeployReadiness", "ConfigRecorderChannelOrder")]


def test_an_acknowledged_violation_does_not_fail_synthesis(tmp_path):
    _team_app(tmp_path, acknowledge=True).synth()
    assert compliance.read_findings(tmp_path) == []


def test_the_gate_can_leave_the_check_out(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "S")
    recorder = config.CfnConfigurationRecorder(stack, "Recorder", role_arn="arn:aws:iam::123456789012:role/config")
    config.CfnDeliveryChannel(stack, "Channel", s3_bucket_name="b").add_dependency(recorder)
    compliance.enable(app, packs=(), deploy_readiness=False, control_tower=False)
    app.synth()


def test_every_rule_has_a_unique_name_a_trap_and_a_fix():
    names = [rule.name for rule in readiness.RULES]
    assert len(names) == len(set(names))
    for rule in readiness.RULES:
        assert rule.id == f"DeployReadiness::{rule.name}"
        assert len(rule.trap) > 80 and len(rule.fix) > 30, rule.name


# --------------------------------------------------------------------------------- ConfigRecorderChannelOrder
@pytest.mark.parametrize(
    "resources",
    [
        {"Recorder": RECORDER, "Channel": channel(DependsOn=["Recorder"])},
        {"Recorder": {**RECORDER, "DependsOn": "Channel"}, "Channel": channel()},
        # Transitively: the channel waits for a policy that waits for the recorder.
        {"Recorder": RECORDER, "Policy": {"Type": "AWS::IAM::Policy", "DependsOn": "Recorder"}, "Channel": channel(DependsOn="Policy")},
    ],
    ids=["channel-waits", "recorder-waits", "transitive"],
)
def test_a_channel_and_recorder_waiting_for_each_other_is_a_violation(resources):
    assert len(violations("ConfigRecorderChannelOrder", {"S": {"Resources": resources}})) == 1


def test_a_channel_and_recorder_side_by_side_is_not():
    resources = {"Recorder": {**RECORDER, "DependsOn": "Policy"}, "Policy": {"Type": "AWS::IAM::Policy"}, "Channel": channel(DependsOn="Policy")}
    assert violations("ConfigRecorderChannelOrder", {"S": {"Resources": resources}}) == []


# --------------------------------------------------------------------------------- AccessLogDestination
def _buckets(destination: dict) -> dict:
    return {
        "S": {
            "Resources": {
                "Source": {"Type": "AWS::S3::Bucket", "Properties": {"LoggingConfiguration": {"DestinationBucketName": {"Ref": "Logs"}}}},
                "Logs": {"Type": "AWS::S3::Bucket", "Properties": destination},
            }
        }
    }


SSE_S3 = {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}
SSE_KMS = {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}}


@pytest.mark.parametrize(
    "destination, expected",
    [
        ({**SSE_S3, "ObjectLockEnabled": True}, "which has Object Lock on"),
        (SSE_KMS, "whose default encryption is SSE-KMS"),
    ],
    ids=["object-lock", "sse-kms"],
)
def test_access_logs_to_a_bucket_s3_cannot_deliver_to_is_a_violation(destination, expected):
    (violation,) = violations("AccessLogDestination", _buckets(destination))
    assert violation.where == "S/Source" and expected in violation.message


def test_access_logs_to_an_sse_s3_bucket_without_object_lock_are_not():
    assert violations("AccessLogDestination", _buckets(SSE_S3)) == []
