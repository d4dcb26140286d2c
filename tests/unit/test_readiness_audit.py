"""Deploy-readiness rules of AWS Config (AuditTrail): recorder/channel order, one recorder per account and region."""

from __future__ import annotations

import dataclasses
import functools

import aws_cdk as cdk
import pytest
from aws_cdk import aws_config as config

import support
from finefinds_constructs import EnvironmentStack, readiness
from finefinds_constructs.audit_trail import AuditTrail
from finefinds_constructs.readiness import Templates

PRESETS = support.PRESET_NAMES
ACCOUNT, REGION = support.TEST_ACCOUNT, "eu-west-1"
ROLE = {"Type": "AWS::IAM::Role"}
POLICY = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": [{"Ref": "Role"}]}}
BUCKET_POLICY = {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Bucket"}}}


def recorder(**extra) -> dict:
    return {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {"RoleARN": {"Fn::GetAtt": ["Role", "Arn"]}}, **extra}


def channel(**extra) -> dict:
    return {"Type": "AWS::Config::DeliveryChannel", "Properties": {"S3BucketName": {"Ref": "Bucket"}}, **extra}


def violations(rule: str, templates: Templates) -> list[readiness.Violation]:
    return [v for v in readiness.check(templates) if v.rule == f"DeployReadiness::{rule}"]


@functools.lru_cache(maxsize=None)
def audit_template(preset: str, *, config_recorder: str = "create", channel_waits: bool = False) -> dict:
    """AuditTrail's template under ``preset`` (with ``channel_waits``: the trap as it was, re-planted)."""
    profile = support.profile_for_tests(preset)
    profile = dataclasses.replace(profile, audit=dataclasses.replace(profile.audit, config_recorder=config_recorder))
    stack = EnvironmentStack(cdk.App(), f"Audit-{preset}", profile=profile)
    trail = AuditTrail(stack, "Audit", profile=profile)
    if channel_waits:
        trail.delivery_channel.add_dependency(trail.recorder)
    return cdk.assertions.Template.from_stack(stack).to_json()


# --------------------------------------------------------------------------------- ConfigRecorderChannelOrder
def test_given_the_channel_waiting_for_the_recorder_then_it_is_a_violation():
    """The trap as the issue found it: DependsOn from the channel to the recorder (aws-cdk #9001)."""
    templates = Templates.of({"Audit": {"Resources": {"Role": ROLE, "Recorder": recorder(), "Channel": channel(DependsOn=["Recorder"])}}})
    (violation,) = violations("ConfigRecorderChannelOrder", templates)
    assert violation.where == "Audit/Channel"
    assert violation.message == "the delivery channel waits for the recorder Recorder"


def test_given_both_waiting_only_for_the_policies_then_it_is_not():
    resources = {
        "Role": ROLE,
        "Policy": POLICY,
        "BucketPolicy": BUCKET_POLICY,
        "Recorder": recorder(DependsOn=["BucketPolicy", "Policy"]),
        "Channel": channel(DependsOn=["BucketPolicy", "Policy"]),
    }
    assert violations("ConfigRecorderChannelOrder", Templates.of({"Audit": {"Resources": resources}})) == []


def test_audit_trail_as_it_was_trips_the_rule():
    """Negative control on real output: re-adding the old DependsOn makes AuditTrail's template fail."""
    templates = Templates.of({"Audit": audit_template("production", channel_waits=True)})
    (violation,) = violations("ConfigRecorderChannelOrder", templates)
    assert violation.resource.type == "AWS::Config::DeliveryChannel"


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("config_recorder", ["create", "existing"])
def test_audit_trail_output_is_clean(preset, config_recorder):
    templates = Templates.of({"Audit": audit_template(preset, config_recorder=config_recorder)}, environments={"Audit": (ACCOUNT, REGION)})
    assert readiness.check(templates) == []


# --------------------------------------------------------------------------------- ConfigRecorderPerAccountRegion
def _config_stack() -> dict:
    return {"Resources": {"Role": ROLE, "Bucket": {"Type": "AWS::S3::Bucket"}, "Recorder": recorder(), "Channel": channel()}}


def test_given_two_stacks_recording_in_one_account_and_region_then_both_recorders_and_channels_are_violations():
    templates = Templates.of(
        {"Dev": _config_stack(), "Qa": _config_stack()},
        environments={"Dev": ("111111111111", REGION), "Qa": ("111111111111", REGION)},
    )
    found = sorted((v.where, v.message) for v in violations("ConfigRecorderPerAccountRegion", templates))
    assert found == [
        ("Dev/Channel", "a second Config delivery channel in 111111111111/eu-west-1 (also Qa/Channel)"),
        ("Dev/Recorder", "a second Config recorder in 111111111111/eu-west-1 (also Qa/Recorder)"),
        ("Qa/Channel", "a second Config delivery channel in 111111111111/eu-west-1 (also Dev/Channel)"),
        ("Qa/Recorder", "a second Config recorder in 111111111111/eu-west-1 (also Dev/Recorder)"),
    ]


def test_given_two_recorders_in_one_environment_agnostic_template_then_it_is_a_violation():
    resources = {**_config_stack()["Resources"], "Recorder2": recorder()}
    found = violations("ConfigRecorderPerAccountRegion", Templates.of({"Team": {"Resources": resources}}))
    assert sorted(v.where for v in found) == ["Team/Recorder", "Team/Recorder2"]
    assert "in the one environment of stack Team" in found[0].message


@pytest.mark.parametrize(
    "environments",
    [
        {"Dev": ("111111111111", REGION), "Qa": ("222222222222", REGION)},
        {"Dev": ("111111111111", REGION), "Qa": ("111111111111", "us-east-1")},
        {},  # environment-agnostic stacks: where they deploy is not known at synth
    ],
    ids=["other-account", "other-region", "agnostic"],
)
def test_given_recorders_in_different_accounts_or_regions_then_it_is_not(environments):
    templates = Templates.of({"Dev": _config_stack(), "Qa": _config_stack()}, environments=environments)
    assert violations("ConfigRecorderPerAccountRegion", templates) == []


def test_two_audit_trails_of_one_account_and_region_trip_the_rule():
    """Negative control on real output: two apps' AuditTrails (each alone is fine) in one account and region."""
    templates = Templates.of(
        {"Dev": audit_template("development"), "Qa": audit_template("qa")},
        environments={"Dev": (ACCOUNT, REGION), "Qa": (ACCOUNT, REGION)},
    )
    found = violations("ConfigRecorderPerAccountRegion", templates)
    assert sorted(v.resource.type for v in found) == ["AWS::Config::ConfigurationRecorder"] * 2 + ["AWS::Config::DeliveryChannel"] * 2


def test_an_audit_trail_beside_one_that_only_adds_rules_is_clean():
    """config_recorder = "existing" creates no recorder: nothing to collide with."""
    templates = Templates.of(
        {"Dev": audit_template("development"), "Qa": audit_template("qa", config_recorder="existing")},
        environments={"Dev": (ACCOUNT, REGION), "Qa": (ACCOUNT, REGION)},
    )
    assert readiness.check(templates) == []


def test_a_teams_raw_second_recorder_fails_the_app_synth(tmp_path):
    """The gate, as a team's app meets it: two stacks, one account and region, raw Cfn recorders."""
    from finefinds_constructs import compliance

    app = cdk.App(outdir=str(tmp_path))
    for name in ("A", "B"):
        stack = cdk.Stack(app, name, env=cdk.Environment(account="123456789012", region="eu-west-1"))
        config.CfnConfigurationRecorder(stack, "Recorder", role_arn="arn:aws:iam::123456789012:role/config")
    compliance.enable(app, packs=(), control_tower=False)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert [(f.pack, f.rule) for f in compliance.read_findings(tmp_path)] == [("DeployReadiness", "ConfigRecorderPerAccountRegion")] * 2
