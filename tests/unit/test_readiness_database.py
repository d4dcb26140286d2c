"""Deploy-readiness rules for databases: proxy sign-in, IAM sign-in, rotation of injected secrets, retained names.

Each rule: a planted template that must fail (the trap), the same template fixed that must pass,
and the library's own output (AuroraCluster under every preset, and wired to a FargateWebService
in another stack as the platform does) with no violation.
"""

from __future__ import annotations

import copy

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam

import support
from finefinds_constructs import EnvironmentStack, FargateWebService, readiness
from finefinds_constructs._internal.iam import ManagedPolicyRole
from finefinds_constructs.aurora_cluster import AuroraCluster
from finefinds_constructs.readiness import Templates
from finefinds_constructs.readiness.rules import iam_auth_disabled, injected_secret_rotation, proxy_iam_connect, retained_fixed_name
from finefinds_constructs.secure_vpc import SecureVpc

PROXY_RULE = proxy_iam_connect.RULE
IAM_RULE = iam_auth_disabled.RULE
ROTATION_RULE = injected_secret_rotation.RULE
NAME_RULE = retained_fixed_name.RULE
ENV = {"Data": ("111111111111", "eu-west-1"), "App": ("111111111111", "eu-west-1")}


def _violations(rule, templates: dict) -> list[tuple[str, str]]:
    return [(v.where, v.message) for v in readiness.check(Templates.of(templates, environments=ENV), [rule])]


# ------------------------------------------------------------------ ProxyIamAuthWithoutConnect

PROXY = {
    "Type": "AWS::RDS::DBProxy",
    "Properties": {
        "DBProxyName": "orders",
        "EngineFamily": "POSTGRESQL",
        "RoleArn": "arn:aws:iam::111111111111:role/proxy",
        "VpcSubnetIds": ["subnet-1", "subnet-2"],
        "Auth": [{"AuthScheme": "SECRETS", "IAMAuth": "REQUIRED", "SecretArn": {"Ref": "AppSecret"}}],
    },
}
SECRET = {"Type": "AWS::SecretsManager::Secret", "Properties": {"GenerateSecretString": {}}}
CLUSTER = {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql"}}


def _connect_policy(resource) -> dict:
    return {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "rds-db:connect", "Resource": resource}],
            }
        },
    }


def _proxy_dbuser(proxy_arn) -> dict:
    return {
        "Fn::Join": [
            "",
            ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:", {"Fn::Select": [6, {"Fn::Split": [":", proxy_arn]}]}, "/app"],
        ]
    }


def _proxy_templates(**app_resources) -> dict:
    data = {"Resources": {"Proxy": copy.deepcopy(PROXY), "AppSecret": SECRET, "Cluster": CLUSTER}}
    return {"Data": data, "App": {"Resources": app_resources}}


def test_proxy_requiring_iam_without_any_grant_fails():
    assert _violations(PROXY_RULE, _proxy_templates()) == [
        (
            "Data/Proxy",
            "requires IAM authentication, but no IAM policy in the app allows rds-db:connect on it "
            "(arn:<partition>:rds-db:<region>:<account>:dbuser:prx-<id>/<user>)",
        )
    ]


def test_proxy_with_connect_granted_on_the_cluster_instead_fails():
    """The trap as shipped: the grant (if any) names the cluster's resource id, not the proxy's."""
    templates = _proxy_templates()
    templates["Data"]["Resources"]["Policy"] = _connect_policy(
        {"Fn::Join": ["", ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:", {"Fn::GetAtt": ["Cluster", "DBClusterResourceId"]}, "/app"]]}
    )
    assert [where for where, _ in _violations(PROXY_RULE, templates)] == ["Data/Proxy"]


def test_proxy_with_connect_granted_in_its_stack_passes():
    templates = _proxy_templates()
    templates["Data"]["Resources"]["Policy"] = _connect_policy(_proxy_dbuser({"Fn::GetAtt": ["Proxy", "DBProxyArn"]}))
    assert _violations(PROXY_RULE, templates) == []


def test_proxy_with_connect_granted_from_another_stack_passes():
    """Granted where the application lives: through an export, or a stack output by name."""
    for reference, outputs in (
        ({"Fn::ImportValue": "Data:ProxyArn"}, {"ProxyArn": {"Value": {"Fn::GetAtt": ["Proxy", "DBProxyArn"]}, "Export": {"Name": "Data:ProxyArn"}}}),
        (
            {"Fn::GetStackOutput": {"StackName": "Data", "OutputName": "ProxyArn", "Region": "eu-west-1"}},
            {"ProxyArn": {"Value": {"Fn::GetAtt": ["Proxy", "DBProxyArn"]}}},
        ),
    ):
        templates = _proxy_templates(Policy=_connect_policy(_proxy_dbuser(reference)))
        templates["Data"]["Outputs"] = outputs
        assert _violations(PROXY_RULE, templates) == []


def test_proxy_without_iam_or_with_a_literal_proxy_grant_passes():
    templates = _proxy_templates()
    templates["Data"]["Resources"]["Proxy"]["Properties"]["Auth"][0]["IAMAuth"] = "DISABLED"
    assert _violations(PROXY_RULE, templates) == []
    # A proxy's resource id exists only after create: a prx- literal (or a wildcard) may be this proxy.
    literal = _proxy_templates(Policy=_connect_policy("arn:aws:rds-db:eu-west-1:111111111111:dbuser:prx-0a1b2c3d4e5f/app"))
    assert _violations(PROXY_RULE, literal) == []


def test_end_to_end_iam_proxy_needs_a_grant_too():
    templates = _proxy_templates()
    proxy = templates["Data"]["Resources"]["Proxy"]["Properties"]
    del proxy["Auth"]
    proxy["DefaultAuthScheme"] = "IAM_AUTH"
    assert [where for where, _ in _violations(PROXY_RULE, templates)] == ["Data/Proxy"]


# ------------------------------------------------------------------ IamDatabaseAuthDisabled


def _cluster_dbuser(cluster_id: str = "Cluster") -> dict:
    return {"Fn::Join": ["", ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:", {"Fn::GetAtt": [cluster_id, "DBClusterResourceId"]}, "/app"]]}


def _iam_cluster(enabled=None) -> dict:
    properties = {"Engine": "aurora-postgresql"}
    if enabled is not None:
        properties["EnableIAMDatabaseAuthentication"] = enabled
    return {"Type": "AWS::RDS::DBCluster", "Properties": properties}


def test_connect_granted_on_a_cluster_without_iam_authentication_fails():
    """The App stack's role may sign in as app, but the cluster accepts no IAM tokens."""
    templates = {
        "Data": {"Resources": {"Cluster": _iam_cluster()}, "Outputs": {"ClusterResourceId": {"Value": {"Fn::GetAtt": ["Cluster", "DBClusterResourceId"]}, "Export": {"Name": "Data:ClusterResourceId"}}}},
        "App": {
            "Resources": {
                "Policy": _connect_policy(
                    {"Fn::Join": ["", ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:", {"Fn::ImportValue": "Data:ClusterResourceId"}, "/app"]]}
                )
            }
        },
    }
    assert _violations(IAM_RULE, templates) == [
        (
            "App/Policy",
            "allows rds-db:connect as a database user of Data/Cluster, whose IAM database authentication is off "
            "(EnableIAMDatabaseAuthentication is not true): every IAM sign-in to it fails",
        )
    ]
    templates["Data"]["Resources"]["Cluster"] = _iam_cluster(True)
    assert _violations(IAM_RULE, templates) == []


@pytest.mark.parametrize("enabled", [False, "false"])
def test_connect_granted_on_an_aurora_instance_of_a_cluster_without_iam_fails(enabled):
    """An Aurora instance takes the cluster's setting; a literal false (boolean or string) is off."""
    instance = {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"}, "Engine": "aurora-postgresql"}}
    policy = _connect_policy(
        {"Fn::Join": ["", ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:", {"Fn::GetAtt": ["Writer", "DbiResourceId"]}, "/app"]]}
    )
    templates = {"Data": {"Resources": {"Cluster": _iam_cluster(enabled), "Writer": instance, "Policy": policy}}}
    assert [where for where, _ in _violations(IAM_RULE, templates)] == ["Data/Policy"]
    templates["Data"]["Resources"]["Cluster"] = _iam_cluster(True)
    assert _violations(IAM_RULE, templates) == []


def test_unknown_iam_setting_and_grants_on_proxies_are_not_judged():
    """An intrinsic setting may be on; a grant naming a proxy is ProxyIamAuthWithoutConnect's business."""
    templates = _proxy_templates()
    templates["Data"]["Resources"]["Cluster"] = _iam_cluster({"Fn::If": ["Prod", True, False]})
    templates["Data"]["Resources"]["Policy"] = _connect_policy(_cluster_dbuser())
    assert _violations(IAM_RULE, templates) == []
    templates["Data"]["Resources"]["Cluster"] = _iam_cluster()
    templates["Data"]["Resources"]["Policy"] = _connect_policy(_proxy_dbuser({"Fn::GetAtt": ["Proxy", "DBProxyArn"]}))
    assert _violations(IAM_RULE, templates) == []


def _end_to_end_proxy(cluster: dict) -> dict:
    proxy = copy.deepcopy(PROXY)
    del proxy["Properties"]["Auth"]
    proxy["Properties"]["DefaultAuthScheme"] = "IAM_AUTH"
    group = {
        "Type": "AWS::RDS::DBProxyTargetGroup",
        "Properties": {"DBProxyName": {"Ref": "Proxy"}, "TargetGroupName": "default", "DBClusterIdentifiers": [{"Ref": "Cluster"}]},
    }
    return {"Data": {"Resources": {"Cluster": cluster, "Proxy": proxy, "Targets": group}}}


def test_end_to_end_iam_proxy_in_front_of_a_cluster_without_iam_fails():
    assert _violations(IAM_RULE, _end_to_end_proxy(_iam_cluster())) == [
        (
            "Data/Proxy",
            "signs in to Data/Cluster with IAM (DefaultAuthScheme IAM_AUTH), whose IAM database authentication is off: "
            "the proxy cannot open a connection to it",
        )
    ]
    assert _violations(IAM_RULE, _end_to_end_proxy(_iam_cluster(True))) == []
    # A proxy signing in with secrets needs nothing of the cluster's IAM setting.
    secrets = _end_to_end_proxy(_iam_cluster())
    proxy = secrets["Data"]["Resources"]["Proxy"]["Properties"]
    del proxy["DefaultAuthScheme"]
    proxy["Auth"] = copy.deepcopy(PROXY["Properties"]["Auth"])
    assert _violations(IAM_RULE, secrets) == []


# ------------------------------------------------------------------ InjectedSecretSingleUserRotation

SAR_MAPPING = {
    "aws": {"applicationId": "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser"},
    "aws-cn": {"applicationId": "arn:aws-cn:serverlessrepo:cn-north-1:193023089310:applications/SecretsManagerRDSPostgreSQLRotationSingleUser"},
}


def _rotated_secret_templates(strategy: str = "SingleUser") -> dict:
    """A secret attached to a cluster and rotated by the SAR function, injected by a task in another stack."""
    mapping = {p: {"applicationId": v["applicationId"].replace("SingleUser", strategy)} for p, v in SAR_MAPPING.items()}
    data = {
        "Mappings": {"RotationMapping": mapping},
        "Resources": {
            "Secret": SECRET,
            "Cluster": CLUSTER,
            "Attachment": {
                "Type": "AWS::SecretsManager::SecretTargetAttachment",
                "Properties": {"SecretId": {"Ref": "Secret"}, "TargetId": {"Ref": "Cluster"}, "TargetType": "AWS::RDS::DBCluster"},
            },
            "Rotation": {
                "Type": "AWS::Serverless::Application",
                "Properties": {"Location": {"ApplicationId": {"Fn::FindInMap": ["RotationMapping", {"Ref": "AWS::Partition"}, "applicationId"]}, "SemanticVersion": "1.1.671"}},
            },
            "Schedule": {
                "Type": "AWS::SecretsManager::RotationSchedule",
                "Properties": {
                    "SecretId": {"Ref": "Attachment"},
                    "RotationLambdaARN": {"Fn::GetAtt": ["Rotation", "Outputs.RotationLambdaARN"]},
                    "RotationRules": {"ScheduleExpression": "rate(30 days)"},
                },
            },
        },
        "Outputs": {"SecretArn": {"Value": {"Ref": "Attachment"}}},
    }
    app = {"Resources": {"Task": _task({"Fn::GetStackOutput": {"StackName": "Data", "OutputName": "SecretArn", "Region": "eu-west-1"}})}}
    return {"Data": data, "App": app}


def _task(value_from) -> dict:
    return {
        "Type": "AWS::ECS::TaskDefinition",
        "Properties": {"ContainerDefinitions": [{"Name": "web", "Image": "nginx", "Secrets": [{"Name": "DATABASE_SECRET", "ValueFrom": value_from}]}]},
    }


def test_single_user_rotation_of_a_secret_a_task_injects_fails():
    assert _violations(ROTATION_RULE, _rotated_secret_templates()) == [
        (
            "Data/Schedule",
            "rotates Data/Secret single-user (the rotation function SecretsManagerRDSPostgreSQLRotationSingleUser), "
            "and App/Task injects it into its containers",
        )
    ]


def test_alternating_users_rotation_of_an_injected_secret_passes():
    assert _violations(ROTATION_RULE, _rotated_secret_templates("MultiUser")) == []


def test_single_user_rotation_of_a_secret_no_task_injects_passes():
    """A secret only an RDS Proxy (or the rotation itself) reads may rotate single-user."""
    templates = _rotated_secret_templates()
    templates["App"]["Resources"] = {}
    assert _violations(ROTATION_RULE, templates) == []


def test_hosted_single_user_rotation_of_an_injected_json_key_fails():
    """A raw template: the hosted rotation Lambda, and a task injecting one JSON key of the secret."""
    templates = {
        "Data": {
            "Resources": {
                "Secret": SECRET,
                "Schedule": {
                    "Type": "AWS::SecretsManager::RotationSchedule",
                    "Properties": {"SecretId": {"Ref": "Secret"}, "HostedRotationLambda": {"RotationType": "PostgreSQLSingleUser"}},
                },
                "Task": _task({"Fn::Join": ["", [{"Ref": "Secret"}, ":password::"]]}),
            }
        }
    }
    assert _violations(ROTATION_RULE, templates) == [
        ("Data/Schedule", "rotates Data/Secret single-user (hosted rotation PostgreSQLSingleUser), and Data/Task injects it into its containers")
    ]
    templates["Data"]["Resources"]["Schedule"]["Properties"]["HostedRotationLambda"]["RotationType"] = "PostgreSQLMultiUser"
    assert _violations(ROTATION_RULE, templates) == []


def test_injecting_the_master_secret_rds_manages_fails():
    cluster = {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql", "ManageMasterUserPassword": True}}
    templates = {"Data": {"Resources": {"Cluster": cluster, "Task": _task({"Fn::GetAtt": ["Cluster", "MasterUserSecret.SecretArn"]})}}}
    assert _violations(ROTATION_RULE, templates) == [
        (
            "Data/Task",
            "injects the master user secret that RDS manages for Data/Cluster; RDS rotates it (single user, every 7 days by default)",
        )
    ]


# ------------------------------------------------------------------ RetainedFixedName


def _named(resource_type: str, prop: str, name, policy: str = "Retain") -> dict:
    return {"Data": {"Parameters": {"Env": {"Type": "String"}}, "Resources": {"Thing": {"Type": resource_type, "DeletionPolicy": policy, "Properties": {prop: name}}}}}


@pytest.mark.parametrize(
    ("resource_type", "prop", "name"),
    [
        ("AWS::Logs::LogGroup", "LogGroupName", "/aws/rds/cluster/orders/postgresql"),
        ("AWS::SecretsManager::Secret", "Name", {"Fn::Sub": "orders-origin-${AWS::Region}"}),
        ("AWS::Backup::BackupVault", "BackupVaultName", {"Fn::Join": ["-", ["vault", {"Ref": "AWS::AccountId"}, {"Ref": "Env"}]]}),
        ("AWS::WAFv2::WebACL", "Name", "orders-edge"),
    ],
)
def test_retained_resource_with_a_fixed_name_fails(resource_type, prop, name):
    violations = _violations(NAME_RULE, _named(resource_type, prop, name))
    assert [where for where, _ in violations] == ["Data/Thing"]
    assert violations[0][1].startswith(f"DeletionPolicy Retain with the fixed {prop} ")
    assert violations[0][1].endswith("it blocks re-creation after a delete or a rolled-back first create")


def test_the_message_shows_the_name():
    assert _violations(NAME_RULE, _named("AWS::Logs::LogGroup", "LogGroupName", "/aws/rds/cluster/orders/postgresql")) == [
        (
            "Data/Thing",
            "DeletionPolicy Retain with the fixed LogGroupName /aws/rds/cluster/orders/postgresql: it blocks "
            "re-creation after a delete or a rolled-back first create",
        )
    ]


@pytest.mark.parametrize(
    ("policy", "name"),
    [
        ("RetainExceptOnCreate", "/aws/rds/cluster/orders/postgresql"),  # deleted when its create rolls back
        ("Delete", "/aws/rds/cluster/orders/postgresql"),
        ("Snapshot", "/aws/rds/cluster/orders/postgresql"),
        ("Retain", {"Fn::Join": ["-", ["logs", {"Ref": "Bucket"}]]}),  # another resource's generated name
        ("Retain", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}),  # new on each create
    ],
)
def test_retained_fixed_name_fixed(policy, name):
    templates = _named("AWS::Logs::LogGroup", "LogGroupName", name, policy)
    templates["Data"]["Resources"]["Bucket"] = {"Type": "AWS::S3::Bucket"}
    assert _violations(NAME_RULE, templates) == []


def test_retained_resource_without_a_name_passes():
    templates = {"Data": {"Resources": {"Vault": {"Type": "AWS::Backup::BackupVault", "DeletionPolicy": "Retain", "Properties": {}}}}}
    assert _violations(NAME_RULE, templates) == []


# ------------------------------------------------------------------ the library's output

RULES = (PROXY_RULE, IAM_RULE, ROTATION_RULE, NAME_RULE)


def _build(stack: cdk.Stack, profile) -> None:
    network = SecureVpc(stack, "Network", profile=profile)
    database = AuroraCluster(stack, "Database", profile=profile, vpc=network.vpc)
    role = ManagedPolicyRole(stack, "ClientRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    database.grant_connect(role)


@pytest.fixture(scope="module")
def aurora():
    result = support.synthesize("readiness-db", _build, lint=False)
    yield result
    support.cleanup(result)


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_aurora_cluster_output_passes(aurora, preset):
    assert aurora.error is None, aurora.error
    templates = Templates.of({"Database": aurora.template_json(preset)})
    assert readiness.check(templates, RULES) == []


def _platform_like(preset: str) -> Templates:
    """A data stack and an application stack wired as examples/platform wires them."""
    profile = support.profile_for_tests(preset)
    app = cdk.App(context=support.RECOMMENDED_CONTEXT)
    data = EnvironmentStack(app, "Data", profile=profile)
    network = SecureVpc(data, "Network", profile=profile)
    database = AuroraCluster(data, "Database", profile=profile, vpc=network.vpc)
    application = EnvironmentStack(app, "App", profile=profile)
    service = FargateWebService(
        application,
        "Web",
        profile=profile,
        vpc=network.vpc,
        image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:stable-alpine"),
        container_port=80,
        public_load_balancer_ingress=True,
        certificate=acm.Certificate.from_certificate_arn(
            application, "Certificate", f"arn:aws:acm:{profile.region}:{profile.account}:certificate/11111111-2222-3333-4444-555555555555"
        ),
        environment=database.connection_environment(),
    )
    database.allow_from(service.service)
    database.grant_connect(service.task_role)
    assembly = app.synth()
    return Templates.of(
        {name: assembly.get_stack_by_name(name).template for name in ("Data", "App")},
        environments={name: (profile.account, profile.region) for name in ("Data", "App")},
    )


@pytest.mark.parametrize("preset", ["development", "production"])
def test_database_wired_to_a_web_service_passes(preset):
    """IAM sign-in to the cluster (development) and end to end through the proxy (production): no
    database secret reaches the task."""
    templates = _platform_like(preset)
    assert readiness.check(templates, RULES) == []
    (task,) = templates.resources("AWS::ECS::TaskDefinition")
    (container,) = task.get("ContainerDefinitions")
    assert "Secrets" not in container
    environment = {e["Name"]: e["Value"] for e in container.get("Environment")}
    assert (environment["DATABASE_USER"], environment["DATABASE_AUTH"]) == ("app", "iam")


def test_grant_on_the_cluster_with_iam_authentication_switched_off_is_caught():
    """The library's wiring with the cluster's IAM authentication removed by an escape hatch."""
    templates = _platform_like("development")
    (cluster,) = templates.resources("AWS::RDS::DBCluster")
    broken = copy.deepcopy(dict(cluster.stack.template))
    del broken["Resources"][cluster.logical_id]["Properties"]["EnableIAMDatabaseAuthentication"]
    others = {s.name: s.template for s in templates.stacks if s.name != cluster.stack.name}
    violations = readiness.check(Templates.of({cluster.stack.name: broken, **others}, environments=ENV), [IAM_RULE])
    assert [v.where.split("/")[0] for v in violations] == ["App"]


def test_the_trap_as_it_was_is_caught():
    """The shipped wiring: the master secret (single-user rotation) injected into the task."""
    profile = support.profile_for_tests("development")
    app = cdk.App(context=support.RECOMMENDED_CONTEXT)
    stack = EnvironmentStack(app, "Data", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    database = AuroraCluster(stack, "Database", profile=profile, vpc=network.vpc)
    service = FargateWebService(
        stack,
        "Web",
        profile=profile,
        vpc=network.vpc,
        image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:stable-alpine"),
        container_port=80,
        public_load_balancer_ingress=True,
        secrets={"DATABASE_SECRET": ecs.Secret.from_secrets_manager(database.secret)},
    )
    assert service is not None
    template = app.synth().get_stack_by_name("Data").template
    violations = readiness.check(Templates.of({"Data": template}), [ROTATION_RULE])
    assert [(v.where, v.message.split(" (")[0]) for v in violations] == [
        ("Data/DatabaseSecretAttachmentRotationScheduleA4E9F034", "rotates Data/DatabaseSecret3B817195 single-user")
    ]
