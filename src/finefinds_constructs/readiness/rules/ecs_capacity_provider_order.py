"""ECS: a service that runs on capacity providers waits for (and outlives) the cluster's associations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import Rule
from ..model import Resource, Templates, references

SERVICE = "AWS::ECS::Service"
ASSOCIATIONS = "AWS::ECS::ClusterCapacityProviderAssociations"


def _same_cluster(a: Any, b: Any) -> bool:
    """Whether two ``Cluster`` values name the same cluster (one Ref/GetAtt target, or one literal)."""
    a = "default" if a is None else a
    b = "default" if b is None else b
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return bool(references(a) & references(b)) or a == b


def _uses_capacity_providers(service: Resource, associations: Resource) -> bool:
    if service.get("CapacityProviderStrategy"):
        return True
    # No launch type and no strategy of its own: the service takes the cluster's default strategy.
    return not service.get("LaunchType") and bool(associations.get("DefaultCapacityProviderStrategy"))


def _check(templates: Templates) -> Iterator[tuple]:
    for stack in templates.stacks:
        associations = list(templates.in_stack(stack, ASSOCIATIONS))
        for service in templates.in_stack(stack, SERVICE):
            for association in associations:
                if not _same_cluster(service.get("Cluster"), association.get("Cluster")):
                    continue
                if _uses_capacity_providers(service, association) and not templates.needs(service, association.logical_id):
                    yield service, (
                        f"the service runs on capacity providers of the cluster but does not wait for {association.logical_id}"
                    )


RULE = Rule(
    name="EcsServiceWaitsForCapacityProviders",
    trap=(
        "A service whose capacity-provider strategy (or the cluster's default strategy) names providers can "
        "only start once the cluster's AWS::ECS::ClusterCapacityProviderAssociations exist; without a "
        "dependency CloudFormation creates both at once (a race: the service fails if it comes first) and, "
        "on delete, removes the associations while the service still runs: 'The specified capacity provider "
        "is in use and cannot be removed' (aws/containers-roadmap #631; CDK adds no such dependency)."
    ),
    fix=(
        "Make the service depend on the associations (DependsOn; in CDK service.node.add_dependency(...) on the "
        "CfnClusterCapacityProviderAssociations, which CDK's Cluster creates in an aspect); FargateWebService does."
    ),
    check=_check,
)
