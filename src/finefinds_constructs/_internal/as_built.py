"""Acknowledgements that hold only while a resource is as the library built it.

Some resources are built by the library and extended by teams: they add containers to a
service's task definition, grant its task role access (``ManagedPolicyRole`` puts every grant in
the role's one policy) or open its load balancer's security group. cdk-nag judges such a
resource as a whole (``AwsSolutions-ECS2``: *a* container has environment variables) or names a
finding by its text only (``AwsSolutions-IAM5[Resource::*]``), so an acknowledgement written for
the library's part would silently cover what a team adds. These entries are applied when the app
is synthesized, and only if the part of the resource the rule judges still holds nothing but
what it held when the library acknowledged it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import jsii
from constructs import IConstruct

__all__ = ["CHECKS", "acknowledge_while_as_built"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


# None of these resolves a Lazy: aws-cdk-lib caches a Lazy's first resolution, so a task definition
# resolved before a team adds its sidecar would be synthesized without it. They read the L2 objects
# instead (a container's own rendering, a policy document's statements as written); world-ingress
# resolves the security group's rules, a mutable box, and only at synthesis.


def _environment(resource: IConstruct) -> frozenset[Hashable]:
    """The containers of a task definition that have environment variables (by construct id)."""
    from aws_cdk import aws_ecs as ecs

    task_definition = resource.node.scope
    return frozenset(
        c.node.id
        for c in (task_definition.node.children if task_definition is not None else [])
        if isinstance(c, ecs.ContainerDefinition) and c.render_container_definition().environment
    )


#: The ports ``world-ingress`` admits from anywhere: the load balancer's listeners (HTTP, HTTPS).
LISTENER_PORTS = (80, 443)


def _world_ingress(resource: IConstruct) -> frozenset[Hashable]:
    """A security group's inline rules from anywhere (IPv4 or IPv6) to anything but TCP 80 or 443.

    The rules are a mutable box, not a cached Lazy: resolving them changes nothing.
    """
    found: set[Hashable] = set()
    for rule in _as_list(cdk.Stack.of(resource).resolve(getattr(resource, "security_group_ingress", None))):
        if not isinstance(rule, dict) or not (rule.get("cidrIp") == "0.0.0.0/0" or rule.get("cidrIpv6") == "::/0"):
            continue
        port = rule.get("fromPort")
        if not (rule.get("ipProtocol") == "tcp" and port == rule.get("toPort") and port in LISTENER_PORTS):
            found.add(json.dumps(rule, sort_keys=True, default=str))
    return frozenset(found)


def _wildcard_statements(resource: IConstruct) -> frozenset[Hashable]:
    """A policy's allowed (action, resource, condition) triples with a ``*`` in the action or resource.

    Read from the policy document's statements as written (``toJSON``, which neither resolves nor
    freezes them, unlike resolving the document); tokens stay in their string form.
    """
    document = getattr(resource.node.scope, "document", None)
    rendered = document.to_json() if document is not None else None
    found: set[Hashable] = set()
    for statement in _as_list((rendered or {}).get("Statement")):
        if any(key in statement for key in ("NotAction", "NotResource", "NotPrincipal")):
            found.add(json.dumps(statement, sort_keys=True, default=str))  # inverted: compared whole
            continue
        if statement.get("Effect") != "Allow":
            continue
        condition = json.dumps(statement.get("Condition"), sort_keys=True, default=str)
        for action in _as_list(statement.get("Action")):
            for target in _as_list(statement.get("Resource")):
                spelled = json.dumps(target, sort_keys=True, default=str)
                if "*" in str(action) or "*" in spelled:
                    found.add((str(action), spelled, condition))
    return frozenset(found)


def _same_finding(rule: str, item: Hashable) -> bool:
    """Whether a wildcard ``item`` adds to the IAM5 finding ``rule`` names (its ``[Action::...]`` or
    ``[Resource::...]`` detail): a team's ``Resource: "*"`` grant leaves the log-stream wildcard's
    acknowledgement standing, and the reverse."""
    detail = rule.partition("[")[2].removesuffix("]")
    if not isinstance(item, tuple):  # an inverted statement
        return True
    action, resource, _ = item
    if detail == "Resource::*":
        return resource == '"*"'
    if detail.startswith("Resource::"):
        return "*" in resource and resource != '"*"'
    if detail.startswith("Action::"):
        return "*" in action
    return True


@dataclass(frozen=True)
class Check:
    """What ``Acknowledgement.as_built`` names: the part of a resource its rule judges.

    ``items`` lists it; the entry applies while no item is new since it was applied (``compared``)
    or, if not compared, while there is none; ``relevant(rule, item)`` narrows which new items
    break which entry. Default of ``relevant``: every item breaks every entry.
    """

    items: Callable[[IConstruct], frozenset[Hashable]]
    compared: bool = True
    relevant: Callable[[str, Hashable], bool] | None = None


#: The checks an ``Acknowledgement.as_built`` may name.
CHECKS: dict[str, Check] = {
    "environment": Check(_environment),
    "world-ingress": Check(_world_ingress, compared=False),  # resolved only at synthesis
    "wildcard-statements": Check(_wildcard_statements, relevant=_same_finding),
}


@jsii.implements(cdk.IAspect)
class _WhileAsBuilt:
    """Acknowledges on the resource at synthesis if its check finds nothing new that matters to the rule."""

    def __init__(self, resource: IConstruct, check: str, acknowledgment: cdk.Acknowledgment) -> None:
        self._path = resource.node.path
        self._check = CHECKS[check]
        self._built = self._check.items(resource) if self._check.compared else frozenset()
        self._acknowledgment = acknowledgment

    def visit(self, node: IConstruct) -> None:
        if node.node.path != self._path:
            return
        rule, relevant = self._acknowledgment.id, self._check.relevant
        added = [item for item in self._check.items(node) - self._built if relevant is None or relevant(rule, item)]
        if not added:
            cdk.Validations.of(node).acknowledge(self._acknowledgment)


def acknowledge_while_as_built(resource: IConstruct, check: str, acknowledgment: cdk.Acknowledgment) -> None:
    """Apply ``acknowledgment`` to ``resource`` when the app is synthesized, if ``CHECKS[check]``
    then finds nothing new (aspects run before any validation plugin)."""
    cdk.Aspects.of(resource).add(_WhileAsBuilt(resource, check, acknowledgment))
