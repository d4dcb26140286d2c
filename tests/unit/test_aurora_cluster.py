"""AuroraCluster under every preset: engine, capacity, encryption, TLS, rotation, logs, protection."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, profiles
from finefinds_constructs.aurora_cluster import DEFAULT_PORT, POSTGRES_PROXY_PORT, AuroraCluster
from finefinds_constructs._internal.iam import ManagedPolicyRole
from finefinds_constructs.secure_vpc import SecureVpc

PRESETS = support.PRESET_NAMES
MANIFEST = Path(__file__).with_name("logical_ids_aurora.json")
# Resource types whose logical ids must never change (a change replaces or orphans data).
PINNED_TYPES = (
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
)

# Literal expectations per preset (not read from the presets): a changed retention, protection
# or capacity fails a test named after it.
#: Automated backup retention (BackupRetentionPeriod), days.
BACKUP_RETENTION_DAYS = {"development": 1, "qa": 3, "sandbox": 1, "staging": 7, "production": 35}
#: Retention of the exported PostgreSQL logs, days.
LOG_RETENTION_DAYS = {"development": 14, "qa": 30, "sandbox": 7, "staging": 90, "production": 365}
#: Serverless v2 (min ACU, max ACU, seconds until auto-pause); production is provisioned.
SERVERLESS_CAPACITY = {"development": (0, 2, 600), "qa": (0, 4, 600), "sandbox": (0, 2, 600), "staging": (0, 8, 600)}
#: Instances (writer + readers) and their class.
INSTANCES = {
    "development": (1, "db.serverless"),
    "qa": (1, "db.serverless"),
    "sandbox": (1, "db.serverless"),
    "staging": (1, "db.serverless"),
    "production": (3, "db.r7g.large"),
}
#: Presets with an RDS Proxy in front of the cluster.
RDS_PROXY = {"production"}
#: Presets with deletion protection on and data snapshotted/retained on stack deletion.
PROTECTED = {"staging", "production"}


def _build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    network = SecureVpc(stack, "Network", profile=profile)
    database = AuroraCluster(stack, "Database", profile=profile, vpc=network.vpc)
    client = ec2.SecurityGroup(stack, "Client", vpc=network.vpc, description="an application")
    database.allow_from(client)
    role = ManagedPolicyRole(stack, "ClientRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    database.grant_connect(role)


@pytest.fixture(scope="session")
def synth():
    result = support.synthesize("aurora", _build)
    yield result
    support.cleanup(result)


def _profile(preset: str) -> profiles.EnvironmentProfile:
    return support.profile_for_tests(preset)


def _one(template: Template, resource_type: str, prefix: str = "Database") -> tuple[str, dict]:
    found = {k: v for k, v in support.resources_of_type(template, resource_type).items() if k.startswith(prefix)}
    assert len(found) == 1, f"expected one {resource_type}, found {list(found)}"
    return next(iter(found.items()))


def _cluster(template: Template) -> tuple[str, dict]:
    return _one(template, "AWS::RDS::DBCluster")


def _instances(template: Template) -> dict[str, dict]:
    return support.resources_of_type(template, "AWS::RDS::DBInstance")


def _getatt_arn(logical_id: str) -> dict:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _master_secret(template: Template) -> tuple[str, dict]:
    return _one(template, "AWS::SecretsManager::Secret", prefix="DatabaseSecret")


def _database(synth, preset: str) -> AuroraCluster:
    return synth.stacks[preset].node.find_child("Database")  # type: ignore[return-value]


# ------------------------------------------------------------------------------ engine & capacity


@pytest.mark.parametrize("preset", PRESETS)
def test_engine_is_current_aurora_postgresql(synth, preset):
    _, cluster = _cluster(synth.template(preset))
    props = cluster["Properties"]
    assert props["Engine"] == "aurora-postgresql"
    major, minor = (int(x) for x in props["EngineVersion"].split("."))
    # Scale-to-zero needs >= 16.3 (or 17.x); cfn-lint flags deprecated versions (tested below).
    assert (major, minor) >= (16, 3)
    assert props["Port"] == DEFAULT_PORT != 5432


@pytest.mark.parametrize("preset", PRESETS)
def test_capacity_per_preset(synth, preset):
    template = synth.template(preset)
    count, instance_class = INSTANCES[preset]
    _, cluster = _cluster(template)
    instances = _instances(template)
    assert len(instances) == count
    writers = [i for i in instances.values() if i["Properties"].get("PromotionTier", 0) == 0]
    assert writers, "a writer (promotion tier 0) must exist"
    assert {i["Properties"]["DBInstanceClass"] for i in instances.values()} == {instance_class}
    if preset in SERVERLESS_CAPACITY:
        scaling = cluster["Properties"]["ServerlessV2ScalingConfiguration"]
        assert (scaling["MinCapacity"], scaling["MaxCapacity"], scaling["SecondsUntilAutoPause"]) == SERVERLESS_CAPACITY[preset]
    else:
        assert "ServerlessV2ScalingConfiguration" not in cluster["Properties"]


@pytest.mark.parametrize("preset", ["development", "qa", "sandbox", "staging"])
def test_non_production_scales_to_zero_and_pauses(synth, preset):
    _, cluster = _cluster(synth.template(preset))
    scaling = cluster["Properties"]["ServerlessV2ScalingConfiguration"]
    assert scaling["MinCapacity"] == 0
    assert 300 <= scaling["SecondsUntilAutoPause"] <= 86400


def test_production_is_provisioned_graviton_multi_az_with_two_readers(synth):
    template = synth.template("production")
    instances = _instances(template)
    assert len(instances) == 3, "production runs a writer and two readers (Multi-AZ)"
    classes = {i["Properties"]["DBInstanceClass"] for i in instances.values()}
    assert classes == {"db.r7g.large"}
    zones = [i["Properties"]["AvailabilityZone"] for i in instances.values()]
    assert len(set(zones)) == len(zones) == 3, f"writer and readers spread over the zones: {zones}"


# ------------------------------------------------------------------------------ placement & network


@pytest.mark.parametrize("preset", PRESETS)
def test_cluster_in_isolated_subnets_not_public(synth, preset):
    template = synth.template(preset)
    _, group = _one(template, "AWS::RDS::DBSubnetGroup")
    subnet_refs = [s["Ref"] for s in group["Properties"]["SubnetIds"]]
    assert subnet_refs and all("IsolatedSubnet" in ref for ref in subnet_refs)
    instances = _instances(template)
    assert len(instances) == INSTANCES[preset][0]
    for instance in instances.values():
        assert instance["Properties"]["PubliclyAccessible"] is False


@pytest.mark.parametrize("preset", PRESETS)
def test_allow_from_makes_security_group_rules(synth, preset):
    template = synth.template(preset)
    sg_id, _ = _one(template, "AWS::EC2::SecurityGroup", prefix="DatabaseSecurityGroup")
    client_id, _ = _one(template, "AWS::EC2::SecurityGroup", prefix="Client")
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": {"Fn::GetAtt": [sg_id, "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [client_id, "GroupId"]},
            "FromPort": DEFAULT_PORT,
            "ToPort": DEFAULT_PORT,
            "IpProtocol": "tcp",
        },
    )
    ingress = support.resources_of_type(template, "AWS::EC2::SecurityGroupIngress")
    for rule in ingress.values():
        assert "CidrIp" not in rule["Properties"], "no CIDR-wide access to the database"


# ------------------------------------------------------------------------------ encryption, TLS, auth


@pytest.mark.parametrize("preset", PRESETS)
def test_customer_managed_key_encrypts_everything(synth, preset):
    template = synth.template(preset)
    key_id, key = _one(template, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    _, cluster = _cluster(template)
    props = cluster["Properties"]
    assert props["StorageEncrypted"] is True
    assert props["KmsKeyId"] == _getatt_arn(key_id)
    assert props["PerformanceInsightsEnabled"] is True
    assert props["PerformanceInsightsKmsKeyId"] == _getatt_arn(key_id)
    _, secret = _master_secret(template)
    assert secret["Properties"]["KmsKeyId"] == _getatt_arn(key_id)
    assert [s for s in support.resources_of_type(template, "AWS::SecretsManager::Secret")] == ["DatabaseSecret3B817195"]
    for prefix in ("DatabasePostgresqlLogs", "DatabaseAppUserLogs"):
        _, group = _one(template, "AWS::Logs::LogGroup", prefix=prefix)
        assert group["Properties"]["KmsKeyId"] == _getatt_arn(key_id)


@pytest.mark.parametrize("preset", PRESETS)
def test_tls_enforced_by_parameter_group(synth, preset):
    template = synth.template(preset)
    group_id, group = _one(template, "AWS::RDS::DBClusterParameterGroup")
    assert group["Properties"]["Parameters"] == {"rds.force_ssl": "1"}
    assert group["Properties"]["Family"].startswith("aurora-postgresql")
    _, cluster = _cluster(template)
    assert cluster["Properties"]["DBClusterParameterGroupName"] == {"Ref": group_id}


@pytest.mark.parametrize("preset", PRESETS)
def test_iam_authentication_and_generated_credentials(synth, preset):
    template = synth.template(preset)
    secret_id, secret = _master_secret(template)
    assert "GenerateSecretString" in secret["Properties"]
    _, cluster = _cluster(template)
    props = cluster["Properties"]
    assert props["EnableIAMDatabaseAuthentication"] is True
    assert props["EnableHttpEndpoint"] is True, "the Data API creates the application's user"
    assert secret_id in json.dumps(props["MasterUserPassword"])


def _rotation_application(template: Template, application_id: str) -> str:
    """The Serverless Application Repository application a rotation function comes from (commercial partition)."""
    application = template.to_json()["Resources"][application_id]["Properties"]["Location"]["ApplicationId"]
    mapping = application["Fn::FindInMap"][0]
    return template.to_json()["Mappings"][mapping]["aws"]["applicationId"].rsplit("/", 1)[1]


@pytest.mark.parametrize("preset", PRESETS)
def test_master_secret_rotates_single_user_at_deploy(synth, preset):
    template = synth.template(preset)
    key_id, _ = _one(template, "AWS::KMS::Key")
    _, schedule = _one(template, "AWS::SecretsManager::RotationSchedule", prefix="DatabaseSecretAttachment")
    assert schedule["Properties"] == {
        "RotationLambdaARN": {"Fn::GetAtt": ["DatabaseRotation6B6E1D86", "Outputs.RotationLambdaARN"]},
        "RotationRules": {"ScheduleExpression": "rate(30 days)"},
        "SecretId": {"Ref": "DatabaseSecretAttachmentE5D1B020"},
    }
    # The first rotation (at deploy time) starts after the Data API call that signs in with the secret.
    assert schedule["DependsOn"] == ["DatabaseAppUserB265EEA2"]
    assert _rotation_application(template, "DatabaseRotation6B6E1D86") == "SecretsManagerRDSPostgreSQLRotationSingleUser"
    app = template.to_json()["Resources"]["DatabaseRotation6B6E1D86"]
    assert app["Properties"]["Parameters"]["kmsKeyArn"] == _getatt_arn(key_id)


APP_USER_SQL = (
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app') THEN CREATE ROLE app LOGIN; END IF; "
    "GRANT rds_iam TO app; "
    "EXECUTE format('GRANT CONNECT, TEMPORARY, CREATE ON DATABASE %I TO app', current_database()); "
    "GRANT USAGE, CREATE ON SCHEMA public TO app; "
    "END $$"
)


def _app_user_call(preset: str) -> dict:
    """The Data API call in the custom resource's Create (and Update) property, as the handler gets it."""
    return {
        "Fn::Join": [
            "",
            [
                '{"action":"ExecuteStatement","service":"rds-data","parameters":{"resourceArn":"arn:aws:rds:'
                f'{_profile(preset).region}:{support.TEST_ACCOUNT}:cluster:',
                {"Ref": "DatabaseCluster5B53A178"},
                '","secretArn":"',
                {"Ref": "DatabaseSecretAttachmentE5D1B020"},
                '","database":"app","sql":' + json.dumps(APP_USER_SQL) + '},"physicalResourceId":{"id":"app"}}',
            ],
        ]
    }


@pytest.mark.parametrize("preset", PRESETS)
def test_application_user_created_at_deploy_through_the_data_api(synth, preset):
    """Traps 8/9: the application's own IAM-only user exists after the deploy, with no manual step."""
    template = synth.template(preset)
    user = template.to_json()["Resources"]["DatabaseAppUserB265EEA2"]
    assert user["Type"] == "Custom::AuroraIamUser"
    assert user["Properties"] == {
        "ServiceToken": {"Fn::GetAtt": ["AWS679f53fac002430cb0da5b7982bd22872D164C4C", "Arn"]},
        "Create": _app_user_call(preset),
        "Update": _app_user_call(preset),
        "InstallLatestAwsSdk": False,
    }
    # The Data API runs SQL on the writer, and the call needs its permissions first.
    assert user["DependsOn"] == ["DatabaseAppUserPolicyF618EE01", "DatabaseClusterWriterD43085C6"]
    assert "PASSWORD" not in json.dumps(user).upper()
    assert _database(synth, preset).app_username == "app"


@pytest.mark.parametrize("preset", PRESETS)
def test_application_user_call_has_exactly_its_permissions(synth, preset):
    template = synth.template(preset)
    region = _profile(preset).region
    _, policy = _one(template, "AWS::IAM::ManagedPolicy", prefix="DatabaseAppUserPolicy")
    assert policy["Properties"]["Roles"] == [{"Ref": "DatabaseAppUserRoleE63F30B1"}]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "rds-data:ExecuteStatement",
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [f"arn:aws:rds:{region}:{support.TEST_ACCOUNT}:cluster:", {"Ref": "DatabaseCluster5B53A178"}]]},
        },
        {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": {"Ref": "DatabaseSecretAttachmentE5D1B020"}},
        {
            "Action": "kms:Decrypt",
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": _getatt_arn("DatabaseKey5E5D9547"),
        },
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": _getatt_arn("DatabaseAppUserLogsCB88FC0F"),
        },
    ]
    _, role = _one(template, "AWS::IAM::Role", prefix="DatabaseAppUserRole")
    assert set(role["Properties"]) == {"AssumeRolePolicyDocument", "Description", "Tags"}, "no managed or inline policies"
    function = template.to_json()["Resources"]["AWS679f53fac002430cb0da5b7982bd22872D164C4C"]["Properties"]
    assert function["Role"] == _getatt_arn("DatabaseAppUserRoleE63F30B1")
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "DatabaseAppUserLogsCB88FC0F"}}
    assert "VpcConfig" not in function, "the Data API is an HTTPS API: the call needs no network path into the VPC"


@pytest.mark.parametrize("preset", PRESETS)
def test_no_application_secret_exists(synth, preset):
    """Trap 9: with IAM sign-in there is no application password to inject or rotate."""
    template = synth.template(preset)
    (schedule_id,) = support.resources_of_type(template, "AWS::SecretsManager::RotationSchedule")
    assert schedule_id == "DatabaseSecretAttachmentRotationScheduleA4E9F034", "only the master secret rotates"
    assert list(support.resources_of_type(template, "AWS::Serverless::Application")) == ["DatabaseRotation6B6E1D86"]
    assert not hasattr(_database(synth, preset), "app_secret")


@pytest.mark.parametrize("preset", PRESETS)
def test_application_is_handed_the_endpoint_it_must_use(synth, preset):
    """Trap 8: with a proxy the application connects to the proxy, else to the cluster; always with IAM."""
    database = _database(synth, preset)
    stack = synth.stacks[preset]
    environment = {k: stack.resolve(v) for k, v in database.connection_environment().items()}
    if preset in RDS_PROXY:
        host, port = {"Fn::GetAtt": ["DatabaseProxyE01FC4E6", "Endpoint"]}, str(POSTGRES_PROXY_PORT)
    else:
        host, port = {"Fn::GetAtt": ["DatabaseCluster5B53A178", "Endpoint.Address"]}, str(DEFAULT_PORT)
    assert environment == {
        "DATABASE_HOST": host,
        "DATABASE_PORT": port,
        "DATABASE_NAME": "app",
        "DATABASE_USER": "app",
        "DATABASE_AUTH": "iam",
    }


@pytest.mark.parametrize("preset", PRESETS)
def test_grant_connect_grants_rds_db_connect_where_the_application_connects(synth, preset):
    """Trap 8: rds-db:connect as the application user on the proxy, or on the cluster without one."""
    template = synth.template(preset)
    _, policy = _one(template, "AWS::IAM::ManagedPolicy", prefix="ClientRolePolicy")
    if preset in RDS_PROXY:
        resource_id = {"Fn::Select": [6, {"Fn::Split": [":", {"Fn::GetAtt": ["DatabaseProxyE01FC4E6", "DBProxyArn"]}]}]}
    else:
        resource_id = {"Fn::GetAtt": ["DatabaseCluster5B53A178", "DBClusterResourceId"]}
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "rds-db:connect",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [f"arn:aws:rds-db:{_profile(preset).region}:{support.TEST_ACCOUNT}:dbuser:", resource_id, "/app"],
                ]
            },
        }
    ]


# ------------------------------------------------------------------------------ backups, logs, monitoring


@pytest.mark.parametrize("preset", PRESETS)
def test_backup_retention_and_windows(synth, preset):
    _, cluster = _cluster(synth.template(preset))
    props = cluster["Properties"]
    assert props["BackupRetentionPeriod"] == BACKUP_RETENTION_DAYS[preset]
    assert props["PreferredBackupWindow"] == "02:00-03:00"
    assert props["PreferredMaintenanceWindow"] == "sun:03:30-sun:04:30"
    assert props["CopyTagsToSnapshot"] is True


@pytest.mark.parametrize("preset", PRESETS)
def test_postgresql_logs_exported_with_preset_retention(synth, preset):
    template = synth.template(preset)
    cluster_id, cluster = _cluster(template)
    props = cluster["Properties"]
    assert props["EnableCloudwatchLogsExports"] == ["postgresql"]
    group_id, group = _one(template, "AWS::Logs::LogGroup", prefix="DatabasePostgresqlLogs")
    assert group["Properties"]["LogGroupName"] == f"/aws/rds/cluster/{props['DBClusterIdentifier']}/postgresql"
    assert group["Properties"]["RetentionInDays"] == LOG_RETENTION_DAYS[preset]
    assert group_id in cluster.get("DependsOn", []), "the log group must exist before RDS writes to it"
    assert not support.resources_of_type(template, "Custom::LogRetention"), "no log-retention Lambda"


@pytest.mark.parametrize("preset", PRESETS)
def test_enhanced_monitoring_and_performance_insights(synth, preset):
    template = synth.template(preset)
    role_id, role = _one(template, "AWS::IAM::Role", prefix="DatabaseMonitoringRole")
    assert "ManagedPolicyArns" not in role["Properties"], "no AWS-managed policy"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "monitoring.rds.amazonaws.com"
    }
    instances = _instances(template)
    assert len(instances) == INSTANCES[preset][0]
    for instance in instances.values():
        assert instance["Properties"]["MonitoringInterval"] == 60
        assert instance["Properties"]["MonitoringRoleArn"] == _getatt_arn(role_id)


# ------------------------------------------------------------------------------ protection


@pytest.mark.parametrize("preset", PRESETS)
def test_deletion_protection_and_removal_policies(synth, preset):
    template = synth.template(preset)
    _, cluster = _cluster(template)
    _, key = _one(template, "AWS::KMS::Key")
    _, secret = _master_secret(template)
    _, group = _one(template, "AWS::Logs::LogGroup", prefix="DatabasePostgresqlLogs")
    # The Data API call's log group has a generated name, so keeping it blocks nothing.
    _, call_logs = _one(template, "AWS::Logs::LogGroup", prefix="DatabaseAppUserLogs")
    assert "LogGroupName" not in call_logs["Properties"]
    if preset in PROTECTED:
        assert cluster["Properties"]["DeletionProtection"] is True
        assert (cluster["DeletionPolicy"], cluster["UpdateReplacePolicy"]) == ("Snapshot", "Snapshot")
        for resource in (key, secret, call_logs):
            assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
        # Trap 6: the group's name is the one RDS writes to, so a group kept after a rolled-back
        # first create would make the retry fail with "already exists".
        assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    else:
        assert cluster["Properties"]["DeletionProtection"] is False
        assert (cluster["DeletionPolicy"], cluster["UpdateReplacePolicy"]) == ("Delete", "Delete")
        for resource in (key, secret, group, call_logs):
            assert resource["DeletionPolicy"] == "Delete"


def test_production_keeps_database_backups_35_days(synth):
    _, cluster = _cluster(synth.template("production"))
    assert cluster["Properties"]["BackupRetentionPeriod"] == 35


def test_production_and_staging_are_protected(synth):
    for preset in ("staging", "production"):
        _, cluster = _cluster(synth.template(preset))
        assert cluster["Properties"]["DeletionProtection"] is True
        assert cluster["DeletionPolicy"] == "Snapshot"


# ------------------------------------------------------------------------------ proxy


@pytest.mark.parametrize("preset", PRESETS)
def test_rds_proxy_per_profile(synth, preset):
    template = synth.template(preset)
    proxies = support.resources_of_type(template, "AWS::RDS::DBProxy")
    if preset not in RDS_PROXY:
        assert proxies == {}
        return
    (proxy_id, proxy), = proxies.items()
    props = proxy["Properties"]
    assert props["RequireTLS"] is True
    assert props["EngineFamily"] == "POSTGRESQL"
    # End-to-end IAM: clients sign in to the proxy with IAM as the application user, and the
    # proxy signs in to the cluster with IAM too; no secret.
    assert props["DefaultAuthScheme"] == "IAM_AUTH"
    assert "Auth" not in props
    assert props["DBProxyName"] != "Proxy", "proxy names are unique per cluster"
    sg_id, _ = _one(template, "AWS::EC2::SecurityGroup", prefix="DatabaseProxySecurityGroup")
    client_id, _ = _one(template, "AWS::EC2::SecurityGroup", prefix="Client")
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": {"Fn::GetAtt": [sg_id, "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [client_id, "GroupId"]},
            "FromPort": POSTGRES_PROXY_PORT,
        },
    )
    role = support.resources_of_type(template, "AWS::IAM::Role")[props["RoleArn"]["Fn::GetAtt"][0]]
    assert "Policies" not in role["Properties"], "no inline policy on the proxy role"
    policy_id, policy = _one(template, "AWS::IAM::ManagedPolicy", prefix="DatabaseProxyPolicy")
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "rds-db:connect",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        f"arn:aws:rds-db:{_profile(preset).region}:{support.TEST_ACCOUNT}:dbuser:",
                        {"Fn::GetAtt": ["DatabaseCluster5B53A178", "DBClusterResourceId"]},
                        "/app",
                    ],
                ]
            },
        }
    ]
    assert proxy["DependsOn"] == [policy_id], "the proxy's role has its permission before the proxy exists"
    _, target_group = _one(template, "AWS::RDS::DBProxyTargetGroup", prefix="DatabaseProxy")
    # The target is registered once the instances and the user the proxy signs in as exist.
    assert target_group["DependsOn"] == [
        "DatabaseClusterWriterD43085C6",
        "DatabaseClusterReader1D8B76102",
        "DatabaseClusterReader26C65DE14",
        "DatabaseAppUserB265EEA2",
    ]


# ------------------------------------------------------------------------------ compliance gates


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synth, preset):
    findings = synth.findings_for(preset)
    assert findings == [], "\n".join(f"{f.pack} {f.rule} {f.path}" for f in findings)


@pytest.mark.slow
def test_cfn_lint_clean(synth):
    code, output = support.cfn_lint(synth.template_file(p) for p in PRESETS)
    assert code == 0, output


def _stateful_ids(template: Template) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for resource_type in PINNED_TYPES:
        ids[resource_type] = sorted(k for k in support.resources_of_type(template, resource_type) if k.startswith("Database"))
    return ids


def test_logical_ids_are_pinned(synth):
    """Stateful logical ids never change; a rename must update the manifest on purpose.

    To accept a deliberate change: ``UPDATE_LOGICAL_IDS=1 pytest tests/unit/test_aurora_cluster.py``
    and explain the migration in the changelog.
    """
    actual = {preset: _stateful_ids(synth.template(preset)) for preset in PRESETS}
    support.assert_logical_ids_pinned(actual, MANIFEST)


# ------------------------------------------------------------------------------ bad input


def _stack(preset: str = "development") -> tuple[cdk.Stack, profiles.EnvironmentProfile, ec2.IVpc]:
    profile = _profile(preset)
    stack = EnvironmentStack(cdk.App(), "Bad", profile=profile)
    vpc = SecureVpc(stack, "Network", profile=profile).vpc
    return stack, profile, vpc


@pytest.mark.parametrize(
    ("preset", "kwargs", "message"),
    [
        ("production", {"readers": 16}, "readers = 16 is not allowed; allowed: 0..15"),
        ("production", {"readers": -1}, "readers = -1 is not allowed"),
        ("production", {"instance_class": ""}, "instance_class = '' is not allowed"),
        ("production", {"instance_class": "huge"}, "a provisioned cluster needs one"),
        ("development", {"backup_retention_days": 0}, "backup_retention_days = 0 is not allowed; allowed: 1..35 days"),
        ("production", {"backup_retention_days": 36}, "backup_retention_days = 36 is not allowed"),
        ("development", {"database_name": "1app"}, "database_name = '1app' is not allowed; allowed: a PostgreSQL identifier"),
        ("development", {"database_name": "my-db"}, "database_name = 'my-db' is not allowed"),
        ("development", {"database_name": "x" * 64}, "database_name"),
        ("development", {"database_name": "postgres"}, "database_name = 'postgres' is not allowed"),
        ("development", {"master_username": "rdsadmin"}, "master_username = 'rdsadmin' is not allowed"),
        ("development", {"master_username": "cluster_admin_user"}, "1-16 letters or digits"),
        ("development", {"app_username": "App"}, "app_username = 'App' is not allowed; allowed: 1-63 lower-case"),
        ("development", {"app_username": "x" * 64}, "app_username"),
        ("development", {"app_username": "app'; DROP"}, "app_username"),
        ("development", {"app_username": "pg_app"}, "not pg_* or rds*"),
        ("development", {"app_username": "rdsapp"}, "app_username = 'rdsapp' is not allowed"),
        ("development", {"app_username": "clusteradmin"}, "other than the master user"),
        (
            "development",
            {"engine_version": cdk.aws_rds.AuroraPostgresEngineVersion.VER_16_0},
            "engine_version = '16.0' is not allowed; allowed: a version the RDS Data API supports",
        ),
        (
            "development",
            {"engine_version": cdk.aws_rds.AuroraPostgresEngineVersion.VER_12_9},
            "engine_version = '12.9' is not allowed",
        ),
        ("production", {"instance_class": "t4g.medium"}, "a non-T instance class (the RDS Data API"),
        ("development", {"cluster_props": {"enable_data_api": False}}, "the Data API is always on"),
        ("development", {"port": 80}, "port = 80 is not allowed; allowed: 1150..65535"),
        ("development", {"rotation_days": 0}, "rotation_days = 0 is not allowed"),
        ("development", {"proxy": True}, "a 0-ACU cluster would never pause"),
        (
            "development",
            {"cluster_props": {"storage_encrypted": False}},
            "cluster_props['storage_encrypted'] = False is not allowed",
        ),
        (
            "development",
            {"cluster_props": {"storage_encryption_key": None}},
            "cluster_props['storage_encryption_key']",
        ),
        ("development", {"cluster_props": {"iam_authentication": False}}, "IAM database authentication is always on"),
        ("development", {"cluster_props": {"parameter_group": None}}, "rds.force_ssl"),
        ("development", {"cluster_props": {"deletion_protection": False}}, "profile.protection.deletion_protection"),
        ("development", {"cluster_props": {"copy_tags_to_snapshots": True}}, "did you mean 'copy_tags_to_snapshot'?"),
    ],
)
def test_bad_input_raises_configuration_error(preset, kwargs, message):
    stack, profile, vpc = _stack(preset)
    with pytest.raises(ConfigurationError) as info:
        AuroraCluster(stack, "Database", profile=profile, vpc=vpc, **kwargs)
    assert message in str(info.value)
    assert "Bad/Database" in str(info.value), "the error names the construct"


def test_profile_must_be_a_profile():
    stack, _, vpc = _stack()
    with pytest.raises(ConfigurationError, match="an EnvironmentProfile"):
        AuroraCluster(stack, "Database", profile="production", vpc=vpc)  # type: ignore[arg-type]


def test_vpc_needs_isolated_subnets_in_two_zones():
    profile = _profile("development")
    stack = EnvironmentStack(cdk.App(), "Bad", profile=profile)
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        availability_zones=list(profile.availability_zones),
        subnet_configuration=[ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    with pytest.raises(ConfigurationError, match="isolated subnets in at least two availability zones"):
        AuroraCluster(stack, "Database", profile=profile, vpc=vpc)


def test_allow_from_peer_and_bad_peer():
    stack, profile, vpc = _stack("qa")
    database = AuroraCluster(
        stack,
        "Database",
        profile=dataclasses.replace(profile, database=dataclasses.replace(profile.database, min_acu=0.5)),
        vpc=vpc,
        proxy=True,
        cluster_props={"storage_type": cdk.aws_rds.DBClusterStorageType.AURORA_IOPT1, "cluster_identifier": "QA-Orders"},
    )
    database.allow_from(ec2.Peer.ipv4("10.20.0.0/16"))
    with pytest.raises(ConfigurationError, match="peer"):
        database.allow_from("10.0.0.0/8")  # type: ignore[arg-type]
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        Match.object_like(
            {"SecurityGroupIngress": Match.array_with([Match.object_like({"CidrIp": "10.20.0.0/16", "FromPort": DEFAULT_PORT})])}
        ),
    )
    template.has_resource_properties(
        "AWS::RDS::DBCluster",
        {"StorageType": "aurora-iopt1", "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4}},
    )
    assert database.proxy is not None
    template.has_resource_properties("AWS::RDS::DBCluster", {"DBClusterIdentifier": "qa-orders"})
    template.has_resource_properties("AWS::Logs::LogGroup", {"LogGroupName": "/aws/rds/cluster/qa-orders/postgresql"})


def test_two_clusters_in_one_stack_share_the_data_api_function():
    """aws-cdk-lib keeps one AwsCustomResource function per stack: the second cluster's call
    permissions go to that function's role, and no second role or log group is made."""
    stack, profile, vpc = _stack("development")
    AuroraCluster(stack, "Orders", profile=profile, vpc=vpc)
    AuroraCluster(stack, "Billing", profile=profile, vpc=vpc)
    resources = Template.from_stack(stack).to_json()["Resources"]
    roles = [k for k, v in resources.items() if v["Type"] == "AWS::IAM::Role" and "AppUserRole" in k]
    assert len(roles) == 1 and roles[0].startswith("OrdersAppUserRole")
    policies = {k: v for k, v in resources.items() if v["Type"] == "AWS::IAM::ManagedPolicy" and "AppUserPolicy" in k}
    assert sorted(k.split("AppUser")[0] for k in policies) == ["Billing", "Orders"]
    for policy in policies.values():
        assert policy["Properties"]["Roles"] == [{"Ref": roles[0]}]
    assert len([k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function" and k.startswith("AWS679f")]) == 1


def test_serverless_readers_and_a_vpc_without_egress_subnets():
    """No preset runs serverless readers, a floor above 0 ACU or a VPC with isolated subnets only."""
    profile = _profile("development")
    profile = dataclasses.replace(profile, database=dataclasses.replace(profile.database, min_acu=0.5))
    stack = EnvironmentStack(cdk.App(), "Readers", profile=profile)
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0a1b2c3d4e5f60718",
        vpc_cidr_block="10.10.0.0/16",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        isolated_subnet_ids=["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"],
    )
    AuroraCluster(stack, "Database", profile=profile, vpc=vpc, readers=2)
    resources = Template.from_stack(stack).to_json()["Resources"]
    instances = {
        k.split("Cluster", 1)[1][:-8]: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::RDS::DBInstance"
    }
    # Reader1 scales with the writer (tier 1), so a failover lands on a warm instance; the zones alternate.
    assert {k: (p["DBInstanceClass"], p["PromotionTier"], p["AvailabilityZone"]) for k, p in instances.items()} == {
        "Writer": ("db.serverless", 0, "eu-west-1a"),
        "Reader1": ("db.serverless", 1, "eu-west-1b"),
        "Reader2": ("db.serverless", 2, "eu-west-1a"),
    }
    (cluster,) = [v for v in resources.values() if v["Type"] == "AWS::RDS::DBCluster"]
    # Above 0 ACU the cluster never pauses, so no auto-pause delay is set.
    assert cluster["Properties"]["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2}
    # Without private-with-egress subnets the rotation function runs in the isolated ones.
    (rotation,) = [v for v in resources.values() if v["Type"] == "AWS::Serverless::Application"]
    assert rotation["Properties"]["Parameters"]["vpcSubnetIds"] == "subnet-0a1b2c3d4e5f60718,subnet-0b1c2d3e4f5a60718"
