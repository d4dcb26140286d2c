"""BackupPlan under every preset: vault, key, lock, tiers, continuous backup, DR copy, tag selection."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, profiles, readiness
from finefinds_constructs.backup_plan import SELECTION_TAG, BackupPlan, default_vault_name
from finefinds_constructs.secure_bucket import SecureBucket

PRESETS = support.PRESET_NAMES
MANIFEST = Path(__file__).with_name("logical_ids_backup_plan.json")
PINNED_TYPES = ("AWS::Backup::BackupVault", "AWS::KMS::Key")
DR_ARN = "arn:aws:backup:eu-central-1:123456789012:backup-vault:dr"
#: The retained vault's name: its prefix and the first group of the stack id's UUID.
STACK_UNIQUE = {
    "Fn::Select": [0, {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]}]
}
#: preset → the DR-region stack whose vault its copies go to.
DR_STACKS: dict[str, cdk.Stack] = {}

# Literal expectations per preset (not read from the presets): a shorter retention, a lost vault
# lock or cross-region copy fails a test named after it.
#: Backup rule → DeleteAfterDays.
TIERS = {
    "development": {"Daily": 7},
    "qa": {"Daily": 7},
    "sandbox": {"Daily": 7},
    "staging": {"Daily": 14, "Weekly": 35},
    "production": {"Daily": 35, "Weekly": 90, "Monthly": 365},
}
#: Presets whose daily rule backs up continuously (point-in-time restore).
CONTINUOUS = {"staging", "production"}
#: Vault lock minimum retention (days) per preset that locks its vault.
VAULT_LOCK_DAYS = {"production": 7}
#: Region daily backups are copied to, per preset that copies.
DR_REGION = {"production": "eu-central-1"}
#: Presets whose vault is retained on stack deletion.
RETAINED = {"staging", "production"}


def _build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    dr_vault_arn = None
    if profile.backup.dr_region:
        # The platform's pattern: the same plan in a DR-region stack, its vault's ARN passed across regions.
        local = dataclasses.replace(profile, backup=dataclasses.replace(profile.backup, dr_region=None))
        dr = EnvironmentStack(
            stack.node.scope, f"{stack.stack_name}-Dr", profile=local,
            env=cdk.Environment(account=support.TEST_ACCOUNT, region=profile.backup.dr_region),
        )
        DR_STACKS[profile.name] = dr
        dr_vault_arn = BackupPlan(dr, "Backup", profile=local).vault.backup_vault_arn
    plan = BackupPlan(stack, "Backup", profile=profile, dr_vault_arn=dr_vault_arn)
    plan.protect(SecureBucket(stack, "Media", profile=profile))


@pytest.fixture(scope="session")
def synth():
    result = support.synthesize("backup", _build, checkov=True)
    yield result
    support.cleanup(result)


def _profile(preset: str) -> profiles.EnvironmentProfile:
    return support.profile_for_tests(preset)


def _one(template, resource_type: str) -> dict:
    found = support.resources_of_type(template, resource_type)
    assert len(found) == 1, list(found)
    return next(iter(found.values()))


def _rules(template) -> dict[str, dict]:
    plan = _one(template, "AWS::Backup::BackupPlan")["Properties"]["BackupPlan"]
    return {r["RuleName"]: r for r in plan["BackupPlanRule"]}


@pytest.mark.parametrize("preset", PRESETS)
def test_vault_encrypted_with_rotating_customer_managed_key(synth, preset):
    template = synth.template(preset)
    vault = _one(template, "AWS::Backup::BackupVault")
    keys = support.resources_of_type(template, "AWS::KMS::Key")
    key_id = vault["Properties"]["EncryptionKeyArn"]["Fn::GetAtt"][0]
    assert key_id.startswith("BackupKey")
    assert keys[key_id]["Properties"]["EnableKeyRotation"] is True
    name = default_vault_name(_profile(preset))
    if preset in RETAINED:
        # Kept on deletion, so unique to the stack: the stack created again makes a vault of its own.
        assert vault["Properties"]["BackupVaultName"] == {"Fn::Join": ["-", [name, STACK_UNIQUE]]}
    else:
        assert vault["Properties"]["BackupVaultName"] == name


@pytest.mark.parametrize("preset", PRESETS)
def test_vault_lock_and_removal_per_preset(synth, preset):
    vault = _one(synth.template(preset), "AWS::Backup::BackupVault")
    lock = vault["Properties"].get("LockConfiguration")
    if preset in VAULT_LOCK_DAYS:
        assert lock == {"MinRetentionDays": VAULT_LOCK_DAYS[preset]}
    else:
        assert lock is None
    assert (vault["DeletionPolicy"], vault["UpdateReplacePolicy"]) == (
        ("RetainExceptOnCreate", "Retain") if preset in RETAINED else ("Delete", "Delete")
    )
    assert ("AccessPolicy" in vault["Properties"]) is (preset in RETAINED)


def test_production_locks_its_vault_for_7_days(synth):
    vault = _one(synth.template("production"), "AWS::Backup::BackupVault")
    assert vault["Properties"]["LockConfiguration"] == {"MinRetentionDays": 7}


def test_production_keeps_daily_backups_35_days_weekly_90_monthly_365(synth):
    rules = _rules(synth.template("production"))
    assert {name: rule["Lifecycle"]["DeleteAfterDays"] for name, rule in rules.items()} == {"Daily": 35, "Weekly": 90, "Monthly": 365}
    assert rules["Daily"]["EnableContinuousBackup"] is True


@pytest.mark.parametrize("preset", PRESETS)
def test_retention_tiers_per_preset(synth, preset):
    rules = _rules(synth.template(preset))
    assert {name: rule["Lifecycle"]["DeleteAfterDays"] for name, rule in rules.items()} == TIERS[preset]
    assert rules["Daily"]["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert bool(rules["Daily"].get("EnableContinuousBackup")) is (preset in CONTINUOUS)
    for name in ("Weekly", "Monthly"):
        if name in rules:
            assert "EnableContinuousBackup" not in rules[name]


def _dr_template(synth) -> dict:
    return json.loads((synth.outdir / f"{DR_STACKS['production'].artifact_id}.template.json").read_text())


@pytest.mark.parametrize("preset", PRESETS)
def test_cross_region_copy_to_the_dr_stacks_vault(synth, preset):
    rules = _rules(synth.template(preset))
    assert rules
    for rule in rules.values():
        copies = rule.get("CopyActions")
        if preset not in DR_REGION:
            assert copies is None
            continue
        (output,) = _dr_template(synth)["Outputs"]
        assert copies == [
            {
                "DestinationBackupVaultArn": {
                    "Fn::GetStackOutput": {"OutputName": output, "Region": DR_REGION[preset], "StackName": "backup-production-Dr"}
                },
                "Lifecycle": {"DeleteAfterDays": rule["Lifecycle"]["DeleteAfterDays"]},
            }
        ]
    if preset in DR_REGION:
        (vault_id, vault), = support.resources_of_type(cdk.assertions.Template.from_json(_dr_template(synth)), "AWS::Backup::BackupVault").items()
        assert _dr_template(synth)["Outputs"][output]["Value"] == {"Fn::GetAtt": [vault_id, "BackupVaultArn"]}
        assert vault["DeletionPolicy"] == "RetainExceptOnCreate"
        assert DR_STACKS[preset] in synth.stacks[preset].dependencies


@pytest.mark.parametrize("preset", PRESETS)
def test_destroyable_vault_is_emptied_before_it_is_deleted(synth, preset):
    template = synth.template(preset)
    resources = template.to_json()["Resources"]
    cleanups = support.resources_of_type(template, "Custom::BackupVaultRecoveryPointsCleanup")
    if preset in RETAINED:
        assert cleanups == {}
        return
    ((cleanup_id, cleanup),) = cleanups.items()
    (vault_id,) = support.resources_of_type(template, "AWS::Backup::BackupVault")
    assert {k: v for k, v in cleanup["Properties"].items() if k != "ServiceToken"} == {
        "BackupVaultName": {"Fn::GetAtt": [vault_id, "BackupVaultName"]},
        "BackupVaultArn": {"Fn::GetAtt": [vault_id, "BackupVaultArn"]},
    }
    assert cleanup["Metadata"]["finefinds:empties-on-delete"] == "recovery points"
    # The plan goes first on deletion: no scheduled backup starts while the vault is emptied.
    ((_, plan),) = support.resources_of_type(template, "AWS::Backup::BackupPlan").items()
    assert cleanup_id in plan["DependsOn"]
    handler = resources[cleanup["Properties"]["ServiceToken"]["Fn::GetAtt"][0]]
    role = resources[handler["Properties"]["Role"]["Fn::GetAtt"][0]]
    assert role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": {"Ref": "AWS::StackId"}},
        {"Effect": "Allow", "Action": "backup:ListRecoveryPointsByBackupVault", "Resource": {"Fn::GetAtt": [vault_id, "BackupVaultArn"]}},
        {"Effect": "Allow", "Action": "backup:DeleteRecoveryPoint", "Resource": "arn:aws:backup:eu-west-1:123456789012:recovery-point:*"},
        {"Effect": "Allow", "Action": ["backup:ListBackupJobs", "backup:ListCopyJobs"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "arn:aws:iam::123456789012:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
            "Condition": {"StringEquals": {"iam:AWSServiceName": "backup.amazonaws.com"}},
        },
    ]
    assert handler["Properties"]["Timeout"] == 900


def test_the_teardown_handler_waits_for_an_empty_vault():
    source = (support.ROOT / "src" / "finefinds_constructs" / "_internal" / "handlers" / "teardown" / "index.js").read_text()
    assert 'status === "DELETE_IN_PROGRESS"' in source
    assert "if (points.length === 0 && jobs === 0) {" in source
    assert 'ByDestinationVaultArn: vaultArn' in source


@pytest.mark.parametrize("preset", PRESETS)
def test_no_deploy_readiness_violation(synth, preset):
    names = {synth.stacks[preset].stack_name} | ({DR_STACKS[preset].stack_name} if preset in DR_STACKS else set())
    templates = readiness.Templates.of(
        {p.stem.removesuffix(".template"): json.loads(p.read_text()) for p in synth.outdir.glob("*.template.json")}
    )
    assert [str(v.where) for v in readiness.check(templates) if v.stack and v.stack.name in names] == []


@pytest.mark.parametrize("preset", PRESETS)
def test_selection_by_tag_and_protect_tags_the_bucket(synth, preset):
    template = synth.template(preset)
    plan_name = f"{default_vault_name(_profile(preset))}-plan"
    selection = _one(template, "AWS::Backup::BackupSelection")["Properties"]["BackupSelection"]
    assert selection["ListOfTags"] == [
        {"ConditionKey": SELECTION_TAG, "ConditionType": "STRINGEQUALS", "ConditionValue": plan_name}
    ]
    buckets = support.resources_of_type(template, "AWS::S3::Bucket")
    tagged = [k for k, v in buckets.items() if {"Key": SELECTION_TAG, "Value": plan_name} in v["Properties"].get("Tags", [])]
    assert tagged and tagged == [k for k in buckets if k.startswith("MediaBucket")]


@pytest.mark.parametrize("preset", PRESETS)
def test_backup_role_only_for_aws_backup_without_inline_policies(synth, preset):
    template = synth.template(preset)
    roles = {k: v for k, v in support.resources_of_type(template, "AWS::IAM::Role").items() if k.startswith("BackupRole")}
    (role,) = roles.values()
    statement = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": support.TEST_ACCOUNT}},
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
        }
    ]
    assert "Policies" not in role["Properties"]
    assert support.resources_of_type(template, "AWS::IAM::Policy") == {}


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synth, preset):
    assert synth.findings_for(preset) == [], synth.error


@pytest.mark.slow
def test_cfn_lint_clean(synth):
    code, output = support.cfn_lint(synth.template_file(p) for p in PRESETS)
    assert code == 0, output


@pytest.mark.slow
def test_checkov_clean(synth):
    reports = support.checkov(synth.outdir)
    failed = support.checkov_checks(reports)
    assert failed == [], sorted({f"{c['check_id']} {c['resource']}" for c in failed})


def test_logical_ids_are_pinned(synth):
    """Stateful logical ids never change. Accept a deliberate change with ``UPDATE_LOGICAL_IDS=1``."""
    actual = {
        preset: {
            t: sorted(k for k in support.resources_of_type(synth.template(preset), t) if k.startswith("Backup"))
            for t in PINNED_TYPES
        }
        for preset in PRESETS
    }
    support.assert_logical_ids_pinned(actual, MANIFEST)


# ---------------------------------------------------------------------------------------------- bad input


def _stack(preset: str = "production") -> cdk.Stack:
    app = cdk.App()
    return EnvironmentStack(app, "Bad", profile=_profile(preset))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(daily_retention_days=0), "daily_retention_days"),
        (dict(daily_retention_days=-3), "daily_retention_days"),
        (dict(weekly_retention_days=10), "weekly backups must outlive daily ones"),
        (dict(monthly_retention_days=40), "monthly backups must outlive weekly and daily ones"),
        (dict(dr_region="eu-west-1"), "a region other than the stack's (eu-west-1)"),
        (dict(dr_region="mars-1"), "dr_region"),
        (dict(vault_name="bad name!"), "vault_name"),
        (dict(plan_name="x"), "plan_name"),
        (dict(vault_props={"encryption_key": None}), "vault_props['encryption_key']"),
        (dict(vault_props={"lock_configuration": None}), "backup.vault_lock_days"),
        (dict(vault_props={"notifcation_topic": None}), "did you mean 'notification_topic'"),
    ],
)
def test_bad_input_raises_configuration_error(kwargs, message):
    with pytest.raises(ConfigurationError) as err:
        BackupPlan(_stack(), "Backup", profile=_profile("production"), **{"dr_vault_arn": DR_ARN, **kwargs})
    assert message in str(err.value)


def test_a_vault_lock_in_a_destroyable_environment_is_refused():
    profile = dataclasses.replace(_profile("development"), backup=dataclasses.replace(profiles.DEVELOPMENT.backup, vault_lock_days=3))
    with pytest.raises(ConfigurationError, match=r"profile.backup.vault_lock_days = 3.*could not be emptied and deleted"):
        BackupPlan(_stack("development"), "Backup", profile=profile)


def test_a_retained_plan_copying_to_another_region_needs_the_dr_vaults_arn():
    with pytest.raises(ConfigurationError, match=r"dr_vault_arn = None.*backup_vault_arn"):
        BackupPlan(_stack(), "Backup", profile=_profile("production"))


def test_an_explicit_vault_name_is_used_as_given():
    stack = _stack()
    BackupPlan(stack, "Backup", profile=_profile("production"), vault_name="team-vault")
    template = cdk.assertions.Template.from_stack(stack)
    (vault,) = support.resources_of_type(template, "AWS::Backup::BackupVault").values()
    assert vault["Properties"]["BackupVaultName"] == "team-vault"
    (plan,) = support.resources_of_type(template, "AWS::Backup::BackupPlan").values()
    assert plan["Properties"]["BackupPlan"]["BackupPlanRule"][0]["CopyActions"][0]["DestinationBackupVaultArn"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":backup:eu-central-1:123456789012:backup-vault:team-vault"]]
    }


def test_continuous_backup_limits_daily_retention():
    with pytest.raises(ConfigurationError, match="continuous backups are kept at most 35 days"):
        BackupPlan(_stack(), "Backup", profile=_profile("staging"), daily_retention_days=40, weekly_retention_days=60)


def test_dr_vault_arn_needs_a_dr_region():
    with pytest.raises(ConfigurationError, match="dr_vault_arn"):
        BackupPlan(_stack("development"), "Backup", profile=_profile("development"), dr_vault_arn="arn:aws:backup:x")


def test_profile_settings_validate_tier_ordering():
    with pytest.raises(ConfigurationError, match="backup.weekly_retention_days"):
        profiles.BackupSettings(daily_retention_days=14, weekly_retention_days=7)
    with pytest.raises(ConfigurationError, match="backup.monthly_retention_days"):
        profiles.BackupSettings(daily_retention_days=7, weekly_retention_days=30, monthly_retention_days=14)
    with pytest.raises(ConfigurationError, match="backup.vault_lock_days"):
        profiles.BackupSettings(daily_retention_days=7, vault_lock_days=8)
    with pytest.raises(ConfigurationError, match="backup.daily_retention_days"):
        profiles.BackupSettings(daily_retention_days=0)


def test_disabled_profile_is_refused():
    import dataclasses

    profile = dataclasses.replace(_profile("sandbox"), backup=dataclasses.replace(profiles.SANDBOX.backup, enabled=False))
    with pytest.raises(ConfigurationError, match="profile.backup.enabled"):
        BackupPlan(EnvironmentStack(cdk.App(), "Bad", profile=profile), "Backup", profile=profile)


def test_profile_must_be_a_profile():
    with pytest.raises(ConfigurationError, match="an EnvironmentProfile"):
        BackupPlan(_stack(), "Backup", profile="production")  # type: ignore[arg-type]


def test_explicit_dr_vault_arn_is_used():
    stack = _stack()
    arn = "arn:aws:backup:eu-central-1:123456789012:backup-vault:dr"
    BackupPlan(stack, "Backup", profile=_profile("production"), dr_vault_arn=arn)
    template = cdk.assertions.Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Backup::BackupPlan",
        {"BackupPlan": {"BackupPlanRule": Match.array_with([Match.object_like({"CopyActions": [Match.object_like({"DestinationBackupVaultArn": arn})]})])}},
    )


def test_protect_accepts_plain_resources_and_rejects_unsupported_ones():
    stack = _stack()
    plan = BackupPlan(stack, "Backup", profile=_profile("production"), dr_vault_arn=DR_ARN)
    table = dynamodb.TableV2(stack, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING))
    versioned = s3.Bucket(stack, "Versioned", versioned=True)
    assert plan.protect(table, versioned) is plan
    with pytest.raises(ConfigurationError, match="a versioned S3 bucket"):
        plan.protect(s3.Bucket(stack, "Unversioned"))
    with pytest.raises(ConfigurationError, match="AWS Backup does not support it"):
        plan.protect(cdk.aws_sns.Topic(stack, "Topic"))
    template = cdk.assertions.Template.from_stack(stack)
    tag = {"Key": SELECTION_TAG, "Value": plan.plan_name}
    template.has_resource_properties("AWS::DynamoDB::GlobalTable", {"Replicas": [Match.object_like({"Tags": Match.array_with([tag])})]})
    template.has_resource_properties("AWS::S3::Bucket", {"Tags": Match.array_with([tag])})


def test_protect_aurora_cluster_tags_only_the_cluster():
    from finefinds_constructs.aurora_cluster import AuroraCluster
    from finefinds_constructs.secure_vpc import SecureVpc

    stack = _stack("development")
    profile = _profile("development")
    plan = BackupPlan(stack, "Backup", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    plan.protect(AuroraCluster(stack, "Database", profile=profile, vpc=network.vpc))
    template = cdk.assertions.Template.from_stack(stack)
    tag = {"Key": SELECTION_TAG, "Value": plan.plan_name}
    template.has_resource_properties("AWS::RDS::DBCluster", {"Tags": Match.array_with([tag])})
    instances = support.resources_of_type(template, "AWS::RDS::DBInstance")
    assert instances
    for instance in instances.values():
        assert tag not in instance["Properties"].get("Tags", [])
