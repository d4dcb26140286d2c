"""A database secret that ECS injects at task start must not be rotated single-user."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import Rule
from ..model import Resource, Templates


TASK_DEFINITION = "AWS::ECS::TaskDefinition"
SCHEDULE = "AWS::SecretsManager::RotationSchedule"
ATTACHMENT = "AWS::SecretsManager::SecretTargetAttachment"
SECRET = "AWS::SecretsManager::Secret"
SAR_APPLICATION = "AWS::Serverless::Application"
# Databases whose master password RDS itself keeps in Secrets Manager and rotates (single user).
RDS_MANAGED = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")


def _secret(resource: Resource, templates: Templates) -> Resource | None:
    """The secret itself, looking through a SecretTargetAttachment (whose Ref is the secret's ARN)."""
    if resource.type == SECRET:
        return resource
    if resource.type == ATTACHMENT:
        return next((r for r in templates.named(resource.stack, resource.get("SecretId")) if r.type == SECRET), None)
    return None


def _injected(templates: Templates) -> dict[Resource, set[Resource]]:
    """Secret (or RDS-managed database) → the task definitions whose containers inject it."""
    found: dict[Resource, set[Resource]] = {}
    for task in templates.resources(TASK_DEFINITION):
        for container in task.get("ContainerDefinitions", default=[]) or []:
            if not isinstance(container, Mapping):
                continue
            for entry in container.get("Secrets") or []:
                if not isinstance(entry, Mapping):
                    continue
                for target in templates.named(task.stack, entry.get("ValueFrom")):
                    key = _secret(target, templates) or (target if target.type in RDS_MANAGED else None)
                    if key is not None:
                        found.setdefault(key, set()).add(task)
    return found


def _mapped(resource: Resource, value: Any) -> list[Any]:
    """A literal, or every value an Fn::FindInMap can take (any partition)."""
    if not isinstance(value, Mapping) or "Fn::FindInMap" not in value:
        return [value]
    name, _, key = (value["Fn::FindInMap"] + [None, None, None])[:3]
    mapping = (resource.stack.template.get("Mappings") or {}).get(name) if isinstance(name, str) else None
    if not isinstance(mapping, Mapping):
        return []
    return [entry.get(key) for entry in mapping.values() if isinstance(entry, Mapping)]


def _single_user(schedule: Resource, templates: Templates) -> str | None:
    """How the schedule shows it rotates single-user (None: multi-user or not known)."""
    hosted = schedule.get("HostedRotationLambda")
    if isinstance(hosted, Mapping):
        kind = hosted.get("RotationType")
        return f"hosted rotation {kind}" if isinstance(kind, str) and kind.endswith("SingleUser") else None
    for function in templates.named(schedule.stack, schedule.get("RotationLambdaARN")):
        if function.type != SAR_APPLICATION:
            continue
        location = function.get("Location")
        ids = _mapped(function, location.get("ApplicationId")) if isinstance(location, Mapping) else []
        for application in ids:
            if isinstance(application, str) and application.endswith("SingleUser"):
                return f"the rotation function {application.rsplit('/', 1)[-1]}"
    return None


def _check(templates: Templates) -> Iterator[tuple]:
    injected = _injected(templates)
    for schedule in templates.resources(SCHEDULE):
        how = _single_user(schedule, templates)
        if how is None:
            continue
        for target in templates.named(schedule.stack, schedule.get("SecretId")):
            secret = _secret(target, templates)
            tasks = injected.get(secret) if secret is not None else None
            if tasks:
                yield schedule, (
                    f"rotates {secret} single-user ({how}), and {', '.join(sorted(map(str, tasks)))} "
                    "injects it into its containers"
                )
    for database, tasks in injected.items():
        if database.type in RDS_MANAGED and database.get("ManageMasterUserPassword") is True:
            for task in sorted(tasks, key=str):
                yield task, (
                    f"injects the master user secret that RDS manages for {database}; RDS rotates it "
                    "(single user, every 7 days by default)"
                )


RULE = Rule(
    name="InjectedSecretSingleUserRotation",
    trap=(
        "ECS injects a Secrets Manager secret into a container only when the task starts; a rotated value "
        "reaches only tasks started afterwards (Amazon ECS developer guide, 'Pass Secrets Manager secrets "
        "through Amazon ECS environment variables'). Single-user rotation changes the password the running "
        "tasks hold, so every new database connection they open fails after each rotation until the tasks "
        "are replaced. The same holds for a master password RDS manages (ManageMasterUserPassword)."
    ),
    fix=(
        "Give the application its own database user, rotated with alternating users (the multi-user "
        "rotation function, masterarn naming a superuser secret): the password a task read stays valid for "
        "a rotation interval after the next rotation. Or authenticate with IAM (an RDS Proxy or the "
        "cluster with IAM authentication) and inject no password. Keep the master secret for administration."
    ),
    check=_check,
)
