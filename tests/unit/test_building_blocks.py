"""building_blocks under every preset: a team's own log group and role, asserted on the template."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, building_blocks, profiles

PRESETS = support.PRESET_NAMES
# Literal expectations per preset (not read from the presets).
#: Log group retention (profile.protection.log_retention_days), days.
LOG_RETENTION_DAYS = {"development": 14, "qa": 30, "sandbox": 7, "staging": 90, "production": 365}
#: Presets whose log groups and keys survive stack deletion.
RETAINED = {"staging", "production"}


def _build(stack, profile):
    """A team's worker: its log group and role, made only from the building blocks."""
    key = building_blocks.log_encryption_key(stack, "LogsKey", profile=profile, description="Worker logs")
    log_group = building_blocks.log_group(stack, "WorkerLogs", profile=profile, encryption_key=key)
    # The same retention by hand: the group is the team's, and so is Control Tower's verdict on it.
    logs.LogGroup(
        stack,
        "OwnLogs",
        encryption_key=key,
        retention=building_blocks.log_retention(profile),
        removal_policy=building_blocks.removal_policy(profile),
    )
    role = building_blocks.ManagedPolicyRole(
        stack, "WorkerRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), policy_description="Worker grants"
    )
    log_group.grant_write(role)
    ssm.StringParameter(stack, "Setting", string_value="on").grant_read(role)
    # A role nobody grants anything to gets no policy at all.
    building_blocks.ManagedPolicyRole(stack, "IdleRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


@pytest.fixture(scope="session")
def synth():
    """Given the worker per preset, when the app is synthesized with the four packs on."""
    result = support.synthesize("BuildingBlocks", _build)
    yield result
    support.cleanup(result)


def _one(template, resource_type: str) -> dict:
    (resource,) = support.resources_of_type(template, resource_type).values()
    return resource


@pytest.mark.parametrize("preset", PRESETS)
def test_log_group_retention_and_removal_per_preset(synth, preset):
    groups = support.resources_of_type(synth.template(preset), "AWS::Logs::LogGroup")
    # The building block's group and the hand-made one: both exactly, none skipped.
    assert sorted(next(p for p in ("OwnLogs", "WorkerLogs") if k.startswith(p)) for k in groups) == ["OwnLogs", "WorkerLogs"]
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == LOG_RETENTION_DAYS[preset]
        assert group["DeletionPolicy"] == ("Retain" if preset in RETAINED else "Delete")
        assert "KmsKeyId" in group["Properties"]


@pytest.mark.parametrize("preset", PRESETS)
def test_log_key_rotates_and_admits_only_this_accounts_log_groups(synth, preset):
    profile = profiles.PRESETS[preset]
    key = _one(synth.template(preset), "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["PendingWindowInDays"] == (30 if preset in RETAINED else 7)
    assert key["DeletionPolicy"] == ("Retain" if preset in RETAINED else "Delete")
    (logs_statement,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowCloudWatchLogsOfThisAccount"]
    assert logs_statement["Principal"] == {"Service": f"logs.{profile.region}.amazonaws.com"}
    arn = logs_statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert f":logs:{profile.region}:{support.TEST_ACCOUNT}:log-group:*" in str(arn)


@pytest.mark.parametrize("preset", PRESETS)
def test_grants_land_in_one_managed_policy_never_inline(synth, preset):
    template = synth.template(preset)
    assert support.resources_of_type(template, "AWS::IAM::Policy") == {}
    (policy,) = support.resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["Description"] == "Worker grants"
    actions = {a for s in policy["Properties"]["PolicyDocument"]["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParameter"} <= actions
    assert len(policy["Properties"]["Roles"]) == 1  # the idle role has none


@pytest.mark.parametrize("preset", PRESETS)
def test_no_findings_but_control_towers_on_the_teams_own_short_lived_group(synth, preset):
    found = [(f.pack, f.rule, f.path.split("/", 1)[1]) for f in synth.findings_for(preset)]
    if LOG_RETENTION_DAYS[preset] < 365:
        # building_blocks.log_group carries the library's exception; a hand-made group does not.
        assert found == [("ControlTower", "CT.CLOUDWATCH.PR.2", "OwnLogs/Resource")]
    else:
        assert found == []


@pytest.mark.slow
def test_cfn_lint_clean(synth):
    code, output = support.cfn_lint(synth.template_file(p) for p in PRESETS)
    assert code == 0, output


@pytest.mark.parametrize("call", [
    lambda scope: building_blocks.log_retention("production"),
    lambda scope: building_blocks.removal_policy(None),
    lambda scope: building_blocks.log_encryption_key(scope, "Key", profile={"name": "qa"}, description="x"),
])
def test_a_profile_is_required(call):
    stack = EnvironmentStack(cdk.App(), "Bad", profile=support.profile_for_tests("qa"))
    with pytest.raises(ConfigurationError, match="profile = .* is not allowed; allowed: an EnvironmentProfile"):
        call(stack)
