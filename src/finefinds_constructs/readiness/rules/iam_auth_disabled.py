"""IAM sign-in to a database (directly or through an end-to-end IAM proxy) needs IAM authentication on it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import Rule
from ..model import Resource, Templates

from .proxy_iam_connect import POLICY_HOLDERS, _allows_connect, _documents, _listed

CLUSTER = "AWS::RDS::DBCluster"
INSTANCE = "AWS::RDS::DBInstance"
PROXY = "AWS::RDS::DBProxy"
TARGET_GROUP = "AWS::RDS::DBProxyTargetGroup"


def _off(templates: Templates, database: Resource) -> bool:
    """Whether IAM database authentication is certainly off (an intrinsic value may be on: not judged)."""
    if database.type == INSTANCE and database.get("DBClusterIdentifier") is not None:
        # An Aurora instance takes the setting of its cluster.
        clusters = [c for c in templates.named(database.stack, database.get("DBClusterIdentifier")) if c.type == CLUSTER]
        return any(_off(templates, c) for c in clusters)
    value: Any = database.get("EnableIAMDatabaseAuthentication")
    return value is None or value is False or (isinstance(value, str) and value.lower() == "false")


def _granted_databases(templates: Templates, holder: Resource) -> Iterator[Resource]:
    """Databases (not proxies) whose users an Allow rds-db:connect statement of ``holder`` names."""
    for document in _documents(holder):
        for statement in _listed(document.get("Statement")):
            if not isinstance(statement, Mapping) or not _allows_connect(statement):
                continue
            for resource in _listed(statement.get("Resource")):
                yield from (r for r in templates.named(holder.stack, resource) if r.type in (CLUSTER, INSTANCE))


def _check(templates: Templates) -> Iterator[tuple]:
    for holder in templates.resources(*POLICY_HOLDERS):
        for database in sorted(set(_granted_databases(templates, holder)), key=str):
            if _off(templates, database):
                yield holder, (
                    f"allows rds-db:connect as a database user of {database}, whose IAM database authentication "
                    "is off (EnableIAMDatabaseAuthentication is not true): every IAM sign-in to it fails"
                )
    for proxy in templates.resources(PROXY):
        if proxy.get("DefaultAuthScheme") != "IAM_AUTH":
            continue
        for group in templates.in_stack(proxy.stack, TARGET_GROUP):
            if proxy not in templates.named(group.stack, group.get("DBProxyName")):
                continue
            targets = [group.get("DBClusterIdentifiers"), group.get("DBInstanceIdentifiers")]
            for database in sorted(templates.named(group.stack, targets), key=str):
                if database.type in (CLUSTER, INSTANCE) and _off(templates, database):
                    yield proxy, (
                        f"signs in to {database} with IAM (DefaultAuthScheme IAM_AUTH), whose IAM database "
                        "authentication is off: the proxy cannot open a connection to it"
                    )


RULE = Rule(
    name="IamDatabaseAuthDisabled",
    trap=(
        "An IAM authentication token is accepted only by a DB cluster or instance with IAM database "
        "authentication enabled (Aurora user guide, 'Enabling and disabling IAM database authentication'). "
        "A role granted rds-db:connect on a database user of a cluster without it, or an RDS Proxy with "
        "end-to-end IAM authentication (DefaultAuthScheme IAM_AUTH, which signs in to its targets with IAM: "
        "'Configuring IAM authentication for RDS Proxy') in front of one, deploys fine and then fails every "
        "sign-in."
    ),
    fix=(
        "Enable IAM database authentication on the cluster or instance (EnableIAMDatabaseAuthentication: "
        "true; aws-cdk-lib: iam_authentication=True; the library's AuroraCluster always does), and grant the "
        "database user rds_iam. Or sign in with a password and do not grant rds-db:connect."
    ),
    check=_check,
)
