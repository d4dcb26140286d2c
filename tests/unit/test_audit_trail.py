"""AuditTrail under every preset: trail, key policy, locked bucket, log group, Config recorder and rules."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
import pytest

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, profiles
from finefinds_constructs.audit_trail import CONFIG_PREFIX, TRAIL_PREFIX, AuditTrail

PRESETS = support.PRESET_NAMES
MANIFEST = Path(__file__).with_name("logical_ids_audit_trail.json")
PINNED_TYPES = ("AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::CloudTrail::Trail")

# Literal expectations per preset (not read from the presets): shorter audit retention fails a
# test named after it.
#: Audit bucket: (days before S3 Glacier, days before expiry).
AUDIT_RETENTION = {
    "development": (30, 90),
    "qa": (30, 90),
    "sandbox": (30, 90),
    "staging": (90, 365),
    "production": (90, 2557),  # seven years
}
#: The trail's CloudWatch log group retention, days.
LOG_RETENTION_DAYS = {"development": 30, "qa": 30, "sandbox": 30, "staging": 90, "production": 365}
#: Presets whose audit records survive stack deletion.
RETAINED = {"staging", "production"}
#: The AWS managed Config rules deployed by default.
CONFIG_RULES = [
    "CLOUD_TRAIL_ENABLED",
    "CLOUD_TRAIL_ENCRYPTION_ENABLED",
    "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
    "CMK_BACKING_KEY_ROTATION_ENABLED",
    "ENCRYPTED_VOLUMES",
    "IAM_ROOT_ACCESS_KEY_CHECK",
    "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
    "RDS_STORAGE_ENCRYPTED",
    "ROOT_ACCOUNT_MFA_ENABLED",
    "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    "S3_BUCKET_SSL_REQUESTS_ONLY",
    "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
    "VPC_FLOW_LOGS_ENABLED",
]


def _build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    AuditTrail(stack, "Audit", profile=profile)


@pytest.fixture(scope="session")
def synth():
    # One AuditTrail per account and app: the presets share the test account, so each preset
    # gets an app of its own.
    results = {preset: support.synthesize("audit", _build, presets=[preset], checkov=True) for preset in PRESETS}
    yield results
    for result in results.values():
        support.cleanup(result)


def _profile(preset: str) -> profiles.EnvironmentProfile:
    return support.profile_for_tests(preset)


def _template(synth, preset: str) -> dict:
    return synth[preset].template_json(preset)


def _of_type(synth, preset: str, resource_type: str) -> dict[str, dict]:
    return support.resources_of_type(synth[preset].template(preset), resource_type)


def _one(synth, preset: str, resource_type: str) -> tuple[str, dict]:
    found = _of_type(synth, preset, resource_type)
    assert len(found) == 1, list(found)
    return next(iter(found.items()))


def _audit_bucket(synth, preset: str) -> tuple[str, dict]:
    found = {k: v for k, v in _of_type(synth, preset, "AWS::S3::Bucket").items() if k.startswith("AuditBucket") and "AccessLogs" not in k}
    assert len(found) == 1, list(found)
    return next(iter(found.items()))


@pytest.mark.parametrize("preset", PRESETS)
def test_multi_region_trail_with_validation_and_kms(synth, preset):
    _, trail = _one(synth, preset, "AWS::CloudTrail::Trail")
    props = trail["Properties"]
    assert props["IsMultiRegionTrail"] is True
    assert props["IncludeGlobalServiceEvents"] is True
    assert props["EnableLogFileValidation"] is True
    assert props["IsLogging"] is True
    assert props["S3KeyPrefix"] == TRAIL_PREFIX
    assert props["KMSKeyId"]["Fn::GetAtt"][0].startswith("AuditKey")
    bucket_id, _ = _audit_bucket(synth, preset)
    assert props["S3BucketName"] == {"Ref": bucket_id}
    assert props["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0].startswith("AuditLogGroup")
    assert props["CloudWatchLogsRoleArn"]["Fn::GetAtt"][0].startswith("AuditTrailLogsRole")


@pytest.mark.parametrize("preset", PRESETS)
def test_key_rotates_and_lets_cloudtrail_encrypt_for_this_account_only(synth, preset):
    key_id, key = _one(synth, preset, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    encrypt = statements["AllowCloudTrailToEncryptForThisAccount"]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"]["StringEquals"] == {"aws:SourceAccount": support.TEST_ACCOUNT}
    assert encrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{support.TEST_ACCOUNT}:trail/*"
    }
    assert "AllowCloudWatchLogsOfThisAccount" in statements


@pytest.mark.parametrize("preset", PRESETS)
def test_bucket_locked_down(synth, preset):
    bucket_id, bucket = _audit_bucket(synth, preset)
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True
    }
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption["SSEAlgorithm"] == "aws:kms"
    assert encryption["KMSMasterKeyID"]["Fn::GetAtt"][0].startswith("AuditKey")
    policies = [p for p in _of_type(synth, preset, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": bucket_id}]
    (policy,) = policies
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    tls = [s for s in statements if s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s.get("Condition", {}))]
    assert tls, "requests without TLS must be denied"
    (deny_delete,) = [s for s in statements if s.get("Sid") == "DenyDeletingAuditRecords"]
    assert deny_delete["Effect"] == "Deny"
    assert deny_delete["Principal"] == {"AWS": "*"}
    assert deny_delete["Action"] == ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    if preset in RETAINED:
        assert "Condition" not in deny_delete
    else:  # only the auto-delete handler may empty a destroyable environment's bucket
        assert list(deny_delete["Condition"]) == ["ArnNotEquals"]
    principals = json.dumps([s.get("Principal") for s in statements])
    assert "cloudtrail.amazonaws.com" in principals


@pytest.mark.parametrize("preset", PRESETS)
def test_lifecycle_archives_then_expires_after_preset_retention(synth, preset):
    glacier_after, expire_after = AUDIT_RETENTION[preset]
    _, bucket = _audit_bucket(synth, preset)
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    rule = rules["ArchiveThenExpire"]
    assert rule["ExpirationInDays"] == expire_after
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": expire_after}
    assert rule["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": glacier_after}]


def test_production_keeps_audit_logs_seven_years(synth):
    _, bucket = _audit_bucket(synth, "production")
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["ArchiveThenExpire"]["ExpirationInDays"] == 2557


@pytest.mark.parametrize("preset", PRESETS)
def test_log_group_encrypted_with_preset_retention(synth, preset):
    _, group = _one(synth, preset, "AWS::Logs::LogGroup")
    assert group["Properties"]["RetentionInDays"] == LOG_RETENTION_DAYS[preset]
    assert group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0].startswith("AuditKey")
    assert group["DeletionPolicy"] == ("Retain" if preset in RETAINED else "Delete")


@pytest.mark.parametrize("preset", PRESETS)
def test_config_recorder_and_delivery_channel(synth, preset):
    _, recorder = _one(synth, preset, "AWS::Config::ConfigurationRecorder")
    assert recorder["Properties"]["RecordingGroup"] == {"AllSupported": True, "IncludeGlobalResourceTypes": True}
    _, channel = _one(synth, preset, "AWS::Config::DeliveryChannel")
    bucket_id, _ = _audit_bucket(synth, preset)
    assert channel["Properties"]["S3BucketName"] == {"Ref": bucket_id}
    assert channel["Properties"]["S3KeyPrefix"] == CONFIG_PREFIX
    assert channel["Properties"]["S3KmsKeyArn"]["Fn::GetAtt"][0].startswith("AuditKey")


@pytest.mark.parametrize("preset", PRESETS)
def test_recorder_and_channel_wait_for_the_policies_not_for_each_other(synth, preset):
    """Either waiting for the other hangs the stack ~30 min, then NoAvailableDeliveryChannelException."""
    recorder_id, recorder = _one(synth, preset, "AWS::Config::ConfigurationRecorder")
    channel_id, channel = _one(synth, preset, "AWS::Config::DeliveryChannel")
    bucket_id, _ = _audit_bucket(synth, preset)
    (bucket_policy_id,) = [
        k for k, v in _of_type(synth, preset, "AWS::S3::BucketPolicy").items() if v["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    (role_policy_id,) = [k for k in _of_type(synth, preset, "AWS::IAM::ManagedPolicy") if k.startswith("AuditConfigRolePolicy")]
    assert sorted(channel["DependsOn"]) == sorted([bucket_policy_id, role_policy_id])
    assert sorted(recorder["DependsOn"]) == sorted([bucket_policy_id, role_policy_id])
    assert recorder_id not in json.dumps(channel)
    assert channel_id not in json.dumps(recorder)


@pytest.mark.parametrize("preset", PRESETS)
def test_fifteen_managed_config_rules_by_default(synth, preset):
    rules = _of_type(synth, preset, "AWS::Config::ConfigRule")
    identifiers = sorted(r["Properties"]["Source"]["SourceIdentifier"] for r in rules.values())
    assert identifiers == CONFIG_RULES
    assert all(r["Properties"]["Source"]["Owner"] == "AWS" for r in rules.values())
    assert all(any(d.startswith("AuditRecorder") for d in r["DependsOn"]) for r in rules.values())


@pytest.mark.parametrize("preset", PRESETS)
def test_no_inline_policies(synth, preset):
    assert _of_type(synth, preset, "AWS::IAM::Policy") == {}


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synth, preset):
    assert synth[preset].findings_for(preset) == [], synth[preset].error


@pytest.mark.slow
def test_cfn_lint_clean(synth):
    code, output = support.cfn_lint(synth[p].template_file(p) for p in PRESETS)
    assert code == 0, output


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.slow
def test_checkov_clean(synth, preset):
    reports = support.checkov(synth[preset].outdir)
    failed = support.checkov_checks(reports)
    assert failed == [], sorted({f"{c['check_id']} {c['resource']}" for c in failed})


def test_logical_ids_are_pinned(synth):
    """Stateful logical ids never change. Accept a deliberate change with ``UPDATE_LOGICAL_IDS=1``."""
    actual = {preset: {t: sorted(_of_type(synth, preset, t)) for t in PINNED_TYPES} for preset in PRESETS}
    support.assert_logical_ids_pinned(actual, MANIFEST)


# ---------------------------------------------------------------------------------------------- behaviour without synthesis


def _stack(app: cdk.App, name: str = "Audit", preset: str = "production", **changes) -> cdk.Stack:
    profile = dataclasses.replace(_profile(preset), **changes)
    return EnvironmentStack(app, name, profile=profile)


def test_two_recorders_in_one_account_and_region_are_refused():
    """Two environments of one app in one account and region: the second recorder would fail to deploy."""
    app = cdk.App()
    AuditTrail(_stack(app, "First"), "Audit", profile=_profile("production"))
    with pytest.raises(ConfigurationError) as err:
        AuditTrail(_stack(app, "Second", "staging"), "Audit", profile=_profile("staging"))
    message = str(err.value)
    assert "audit.config_recorder = 'create' is not allowed" in message
    assert f"one AWS Config recorder per account and region (First/Audit already creates the one of {support.TEST_ACCOUNT}/eu-west-1)" in message
    assert "set audit.enabled = false in one environment's profile" in message
    assert "Second/Audit" in message
    # another account is fine, and a new app starts afresh
    other = dataclasses.replace(_profile("staging"), account="210987654321")
    AuditTrail(EnvironmentStack(app, "Other", profile=other), "Audit", profile=other)
    AuditTrail(_stack(cdk.App(), "Again"), "Audit", profile=_profile("production"))


def test_one_trail_per_account_across_regions():
    app = cdk.App()
    AuditTrail(_stack(app, "First"), "Audit", profile=_profile("production"))
    elsewhere = dataclasses.replace(_profile("staging"), region="us-east-1", availability_zones=("us-east-1a", "us-east-1b"))
    with pytest.raises(ConfigurationError, match=r"one AuditTrail per account \(account 123456789012 has First/Audit\)"):
        AuditTrail(EnvironmentStack(app, "Second", profile=elsewhere), "Audit", profile=elsewhere)


def _existing(preset: str = "production") -> profiles.EnvironmentProfile:
    profile = _profile(preset)
    return dataclasses.replace(profile, audit=dataclasses.replace(profile.audit, config_recorder="existing"))


@pytest.mark.parametrize("how", ["profile", "argument"])
def test_account_that_already_records_gets_only_the_rules(how):
    """Under Control Tower or Security Hub the account has a recorder: add rules, no recorder, channel or role."""
    profile = _existing() if how == "profile" else _profile("production")
    stack = EnvironmentStack(cdk.App(), "Audit", profile=profile)
    kwargs = {} if how == "profile" else {"config_recorder": "existing"}
    trail = AuditTrail(stack, "Audit", profile=profile, **kwargs)
    assert trail.recorder is None and trail.delivery_channel is None and trail.config_role is None
    resources = cdk.assertions.Template.from_stack(stack).to_json()["Resources"]
    types = [r["Type"] for r in resources.values()]
    assert "AWS::Config::ConfigurationRecorder" not in types
    assert "AWS::Config::DeliveryChannel" not in types
    assert not [k for k in resources if k.startswith("AuditConfigRole")]
    rules = {k: r for k, r in resources.items() if r["Type"] == "AWS::Config::ConfigRule"}
    assert len(rules) == len(CONFIG_RULES)
    assert all("DependsOn" not in r for r in rules.values())
    assert types.count("AWS::CloudTrail::Trail") == 1


def test_existing_recorder_does_not_claim_the_region():
    """An AuditTrail that creates no recorder leaves the registry's recorder slot free (its trail still counts)."""
    app = cdk.App()
    AuditTrail(_stack(app, "First"), "Audit", profile=_existing())
    with pytest.raises(ConfigurationError, match="one AuditTrail per account") as err:
        AuditTrail(_stack(app, "Second", "staging"), "Audit", profile=_profile("staging"))
    assert "one AWS Config recorder" not in str(err.value)


def test_global_resources_only_in_the_home_region():
    profile = dataclasses.replace(
        _profile("production"), audit=dataclasses.replace(profiles.PRODUCTION.audit, home_region="us-east-1")
    )
    stack = EnvironmentStack(cdk.App(), "Audit", profile=profile)
    trail = AuditTrail(stack, "Audit", profile=profile)
    assert stack.resolve(trail.recorder.recording_group)["includeGlobalResourceTypes"] is False


def test_config_rules_argument_overrides_profile():
    stack = _stack(cdk.App())
    trail = AuditTrail(stack, "Audit", profile=_profile("production"), config_rules=["S3_BUCKET_SSL_REQUESTS_ONLY"])
    assert list(trail.rules) == ["S3_BUCKET_SSL_REQUESTS_ONLY"]
    cdk.assertions.Template.from_stack(stack).resource_count_is("AWS::Config::ConfigRule", 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(config_rules=["s3-bucket-ssl"]), "managed rule identifiers"),
        (dict(config_rules=["RDS_STORAGE_ENCRYPTED", "RDS_STORAGE_ENCRYPTED"]), "each rule once"),
        (dict(config_recorder="maybe"), "config_recorder = 'maybe' is not allowed; allowed: 'create' | 'existing'"),
        (dict(trail_props={"enable_file_validation": False}), "log-file validation is always on"),
        (dict(trail_props={"is_multi_region_trail": False}), "the trail always covers every region"),
        (dict(trail_props={"insight_type": []}), "did you mean 'insight_types'"),
    ],
)
def test_bad_input_raises_configuration_error(kwargs, message):
    with pytest.raises(ConfigurationError) as err:
        AuditTrail(_stack(cdk.App()), "Audit", profile=_profile("production"), **kwargs)
    assert message in str(err.value)


def test_disabled_profile_is_refused():
    profile = dataclasses.replace(_profile("sandbox"), audit=dataclasses.replace(profiles.SANDBOX.audit, enabled=False))
    with pytest.raises(ConfigurationError, match="profile.audit.enabled"):
        AuditTrail(EnvironmentStack(cdk.App(), "Audit", profile=profile), "Audit", profile=profile)


def test_profile_validates_retention():
    with pytest.raises(ConfigurationError, match="audit.retention_days"):
        profiles.AuditSettings(retention_days=30, glacier_after_days=90)
    with pytest.raises(ConfigurationError, match="audit.retention_days"):
        profiles.AuditSettings(retention_days=0)
    with pytest.raises(ConfigurationError, match="audit.log_retention_days"):
        profiles.AuditSettings(log_retention_days=10)
    with pytest.raises(ConfigurationError, match=r"audit.config_recorder = 'exists' is not allowed.*did you mean 'existing'"):
        profiles.EnvironmentProfile.from_mapping({"audit": {"config_recorder": "exists"}})


def test_profile_must_be_a_profile():
    with pytest.raises(ConfigurationError, match="an EnvironmentProfile"):
        AuditTrail(_stack(cdk.App()), "Audit", profile="production")  # type: ignore[arg-type]


@pytest.mark.parametrize("home_region, explicit", [(None, False), ("us-east-1", True)])
def test_record_global_resources_argument_overrides_the_home_region(home_region, explicit):
    profile = dataclasses.replace(
        _profile("production"), audit=dataclasses.replace(profiles.PRODUCTION.audit, home_region=home_region)
    )
    stack = EnvironmentStack(cdk.App(), "Audit", profile=profile)
    trail = AuditTrail(stack, "Audit", profile=profile, record_global_resources=explicit)
    assert stack.resolve(trail.recorder.recording_group) == {"allSupported": True, "includeGlobalResourceTypes": explicit}
