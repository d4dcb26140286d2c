"""The application's IAM-authenticated PostgreSQL user, created at deploy time through the RDS Data API.

An Aurora cluster starts with its master user only. The application's user is created by one
idempotent SQL statement that an ``AwsCustomResource`` sends to the cluster's writer through the
Data API (``rds-data:ExecuteStatement``), signed in with the master secret: an SDK call, so no
Lambda code of ours, no network path into the VPC and no password in the template or the SQL.
The user gets ``rds_iam`` (IAM authentication only, no password) and what an application that
owns its schema needs: ``CONNECT``, ``TEMPORARY`` and ``CREATE`` on the database and ``USAGE``
and ``CREATE`` on its ``public`` schema.

Requirements checked by ``AuroraCluster``: the cluster's HTTP endpoint is on (``EnableHttpEndpoint``),
the engine version supports the Data API, and no T instance class (the Data API refuses them).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources as cr
from constructs import Construct

from .iam import ManagedPolicyRole
from .logs import removal_policy, retention

__all__ = ["SINGLETON_ID", "USER_RESOURCE_TYPE", "create_user_sql", "iam_database_user"]

#: The stack-level construct id of aws-cdk-lib's AwsCustomResource function ("AWS" + its uuid).
SINGLETON_ID = "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
#: The custom resource's type in the template.
USER_RESOURCE_TYPE = "Custom::AuroraIamUser"


def create_user_sql(username: str) -> str:
    """The one statement that creates ``username`` if missing and (re)grants what it needs.

    ``username`` is validated by the caller (a lower-case PostgreSQL identifier), so it is safe
    to embed; the database is named through ``current_database()``, never spelled in SQL. Every
    part can run again: an update or a retry changes nothing that is already there.
    """
    return (
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{username}') THEN CREATE ROLE {username} LOGIN; END IF; "
        f"GRANT rds_iam TO {username}; "
        f"EXECUTE format('GRANT CONNECT, TEMPORARY, CREATE ON DATABASE %I TO {username}', current_database()); "
        f"GRANT USAGE, CREATE ON SCHEMA public TO {username}; "
        "END $$"
    )


def iam_database_user(
    scope: Construct,
    id: str,
    *,
    cluster: rds.DatabaseCluster,
    master_secret: secretsmanager.ISecret,
    key: kms.IKey,
    database_name: str,
    username: str,
    log_retention_days: int,
    retain: bool,
) -> cr.AwsCustomResource:
    """Create ``username`` in ``database_name`` of ``cluster`` once its writer exists.

    The call's function is aws-cdk-lib's singleton for the stack. When this is the first
    ``AwsCustomResource`` of the stack it gets a role without AWS-managed or inline policies and
    an encrypted log group with the profile's retention; either way its role receives, in a
    customer-managed policy the call waits for, exactly: ``rds-data:ExecuteStatement`` on the
    cluster, ``secretsmanager:GetSecretValue`` on the master secret, ``kms:Decrypt`` of ``key``
    through Secrets Manager (the Data API reads the secret with the caller's permissions) and,
    with its own log group, writing to that group.
    """
    stack = cdk.Stack.of(scope)
    existing = stack.node.try_find_child(SINGLETON_ID)
    # The function exists already: name its role (aws-cdk-lib wants a role or a policy), which it keeps.
    role: iam.IRole | None = existing.role if existing is not None else None  # type: ignore[attr-defined]
    log_group = None
    if existing is None:
        role = ManagedPolicyRole(
            scope,
            f"{id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="aws-cdk-lib's AwsCustomResource function: SDK calls at deploy time",
        )
        log_group = logs.LogGroup(
            scope,
            f"{id}Logs",
            encryption_key=key,
            retention=retention(log_retention_days),
            removal_policy=removal_policy(retain),
        )
    statement = {
        "service": "rds-data",
        "action": "ExecuteStatement",
        "parameters": {
            "resourceArn": cluster.cluster_arn,
            "secretArn": master_secret.secret_arn,
            "database": database_name,
            "sql": create_user_sql(username),
        },
    }
    user = cr.AwsCustomResource(
        scope,
        id,
        resource_type=USER_RESOURCE_TYPE,
        on_create=cr.AwsSdkCall(**statement, physical_resource_id=cr.PhysicalResourceId.of(username)),
        on_update=cr.AwsSdkCall(**statement, physical_resource_id=cr.PhysicalResourceId.of(username)),
        # No on_delete: the user goes with the cluster; dropping it on its own would strand what it owns.
        role=role,
        log_group=log_group,
        # The Lambda runtime's SDK has the rds-data client; no npm install at deploy time.
        install_latest_aws_sdk=False,
        timeout=cdk.Duration.minutes(2),
    )
    statements = [
        iam.PolicyStatement(actions=["rds-data:ExecuteStatement"], resources=[cluster.cluster_arn]),
        iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[master_secret.secret_arn]),
        iam.PolicyStatement(
            actions=["kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"}},
        ),
    ]
    if log_group is not None:
        # In this policy (which the call waits for), not a grant the function's role gets later.
        statements.append(
            iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn])
        )
    policy = iam.ManagedPolicy(
        scope,
        f"{id}Policy",
        description=f"Create the application's database user of {cluster.node.path} through the Data API",
        statements=statements,
    )
    policy.attach_to_role(user.grant_principal)  # type: ignore[arg-type]  # the singleton's role
    if existing is None:
        # aws-cdk-lib puts a DependsOn on the role beside the function's GetAtt of it: redundant
        # (cfn-lint W3005), and ordering is the same without it.
        function = stack.node.find_child(SINGLETON_ID).node.default_child
        if isinstance(function, cdk.CfnResource):
            function.add_deletion_override("DependsOn")
    # The Data API runs SQL on the writer instance only: wait for it, and for the permissions.
    writer = cluster.node.find_child("Writer").node.default_child
    user.node.add_dependency(writer, policy)
    return user
