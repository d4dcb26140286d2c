"""The synthesized app as the deploy-readiness rules see it: every template, every resource.

Rules read CloudFormation, not constructs, so a team's raw ``Cfn*`` resources are checked exactly
like the library's own. The whole app is loaded at once, because several traps are cross-stack
facts (two Config recorders in one account and region, a zone nothing delegates to).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Resource", "Stack", "Templates", "Violation", "crowded", "references"]

#: Template metadata key aws-cdk-lib writes with each resource's construct path.
PATH_METADATA = "aws:cdk:path"
#: aws-cdk-lib's custom resources for strong cross-region references (SSM parameters).
EXPORT_WRITER = "Custom::CrossRegionExportWriter"
EXPORT_READER = "Custom::CrossRegionExportReader"


def _intrinsics(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every cross-stack intrinsic (Fn::GetStackOutput, Fn::ImportValue, Fn::GetAtt) in ``value``."""
    if isinstance(value, Mapping):
        if len(value) == 1 and next(iter(value)) in ("Fn::GetStackOutput", "Fn::ImportValue", "Fn::GetAtt"):
            yield value
        for child in value.values():
            yield from _intrinsics(child)
    elif isinstance(value, list):
        for child in value:
            yield from _intrinsics(child)


def references(value: Any) -> set[str]:
    """Logical ids that ``value`` (a property tree) refers to with Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if len(node) == 1:
                (key, arg), = node.items()
                if key == "Ref" and isinstance(arg, str) and not arg.startswith("AWS::"):
                    found.add(arg)
                elif key == "Fn::GetAtt":
                    target = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
                    found.add(target)
                elif key == "Fn::Sub":
                    text = arg[0] if isinstance(arg, list) else arg
                    if isinstance(text, str):
                        for part in text.split("${")[1:]:
                            name = part.split("}", 1)[0].split(".", 1)[0]
                            if not name.startswith(("AWS::", "!")):
                                found.add(name)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(value)
    return found


@dataclass(frozen=True, eq=False)
class Stack:
    """One template, with the account and region its stack deploys to (None: agnostic)."""

    name: str
    template: Mapping[str, Any]
    account: str | None = None
    region: str | None = None
    template_path: str | None = None

    @property
    def environment(self) -> str:
        return f"{self.account or '<any account>'}/{self.region or '<any region>'}"


@dataclass(frozen=True, eq=False)
class Resource:
    """One resource of one template (equal to another view of the same stack and logical id)."""

    stack: Stack
    logical_id: str
    body: Mapping[str, Any]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and (self.stack.name, self.logical_id) == (other.stack.name, other.logical_id)

    def __hash__(self) -> int:
        return hash((self.stack.name, self.logical_id))

    @property
    def type(self) -> str:
        return str(self.body.get("Type", ""))

    @property
    def properties(self) -> Mapping[str, Any]:
        return self.body.get("Properties") or {}

    @property
    def path(self) -> str | None:
        """The construct path aws-cdk-lib recorded (None for hand-written templates)."""
        return (self.body.get("Metadata") or {}).get(PATH_METADATA)

    @property
    def depends_on(self) -> set[str]:
        """Explicit ``DependsOn`` targets."""
        value = self.body.get("DependsOn") or []
        return {value} if isinstance(value, str) else set(value)

    @property
    def refers_to(self) -> set[str]:
        """Logical ids this resource needs first: ``DependsOn`` and every Ref/GetAtt/Sub."""
        return self.depends_on | references(self.properties)

    @property
    def deletion_policy(self) -> str:
        return str(self.body.get("DeletionPolicy", "Delete"))

    def get(self, *keys: str, default: Any = None) -> Any:
        """A nested property, e.g. ``resource.get("RecordingGroup", "AllSupported")``."""
        node: Any = self.properties
        for key in keys:
            if not isinstance(node, Mapping) or key not in node:
                return default
            node = node[key]
        return node

    def __str__(self) -> str:
        return f"{self.stack.name}/{self.logical_id}"


@dataclass
class Templates:
    """Every stack of an app (or a test's planted templates)."""

    stacks: list[Stack] = field(default_factory=list)

    @classmethod
    def of(cls, templates: Mapping[str, Mapping[str, Any]], *, environments: Mapping[str, tuple[str | None, str | None]] | None = None) -> "Templates":
        """Templates by stack name, with optional ``(account, region)`` per stack name."""
        environments = environments or {}
        return cls([Stack(name, t, *environments.get(name, (None, None))) for name, t in templates.items()])

    @classmethod
    def from_paths(cls, paths: Iterable[str]) -> "Templates":
        """Load templates from a cloud assembly, taking each stack's environment from its manifest."""
        stacks: list[Stack] = []
        manifests: dict[Path, dict[str, Any]] = {}
        for raw in paths:
            path = Path(raw)
            manifest = manifests.get(path.parent)
            if manifest is None:
                manifest_file = path.parent / "manifest.json"
                manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {}
                manifests[path.parent] = manifest
            name, account, region = path.name.removesuffix(".template.json"), None, None
            for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
                if (artifact.get("properties") or {}).get("templateFile") == path.name:
                    name = artifact_id
                    env = str(artifact.get("environment", "")).removeprefix("aws://").split("/")
                    if len(env) == 2:
                        account = None if env[0].startswith("unknown") else env[0]
                        region = None if env[1].startswith("unknown") else env[1]
                    break
            stacks.append(Stack(name, json.loads(path.read_text()), account, region, str(path)))
        return cls(stacks)

    def resources(self, *types: str) -> Iterator[Resource]:
        """Every resource (of the given types, when any are given)."""
        for stack in self.stacks:
            yield from self.in_stack(stack, *types)

    def in_stack(self, stack: Stack, *types: str) -> Iterator[Resource]:
        """The resources of one stack (of the given types, when any are given)."""
        for logical_id, body in (stack.template.get("Resources") or {}).items():
            if not types or body.get("Type") in types:
                yield Resource(stack, logical_id, body)

    def resource(self, stack: Stack, logical_id: str) -> Resource | None:
        body = (stack.template.get("Resources") or {}).get(logical_id)
        return Resource(stack, logical_id, body) if body is not None else None

    # -- following references --------------------------------------------------------------
    # aws-cdk-lib passes values between stacks as Fn::GetStackOutput (weak references, any region),
    # Fn::ImportValue (strong references in one region) or an Fn::GetAtt of its cross-region
    # exports reader (strong references across regions); these follow all three to the resource.

    def stack_named(self, name: Any) -> Stack | None:
        return next((s for s in self.stacks if s.name == name), None)

    def _outputs(self, value: Mapping[str, Any]) -> Iterator[tuple[Stack, Any]]:
        """(stack, output value) of the other-stack output that ``value`` (one intrinsic) names."""
        (key, arg), = value.items()
        if key == "Fn::GetStackOutput" and isinstance(arg, Mapping):
            source = self.stack_named(arg.get("StackName"))
            output = ((source.template.get("Outputs") or {}).get(arg.get("OutputName")) if source else None) or {}
            if source is not None and "Value" in output:
                yield source, output["Value"]
        elif key == "Fn::ImportValue" and isinstance(arg, str):
            for source in self.stacks:
                for output in (source.template.get("Outputs") or {}).values():
                    if (output.get("Export") or {}).get("Name") == arg:
                        yield source, output.get("Value")
        elif key == "Fn::GetAtt":
            # An attribute of the exports reader is the name of a parameter some writer exports.
            attribute = arg[1] if isinstance(arg, list) and len(arg) == 2 else str(arg).split(".", 1)[-1]
            for writer in self.resources(EXPORT_WRITER):
                exports = writer.get("WriterProps", "exports") or {}
                if attribute in exports:
                    yield writer.stack, exports[attribute]

    def target(self, resource: Resource, value: Any) -> Resource | None:
        """The app's resource that ``value`` (a property of ``resource``) names: a Ref or Fn::GetAtt in its
        stack, or another stack's resource through an output or a cross-region export. None for literals
        and anything else."""
        return self._target(resource.stack, value, 0)

    def _target(self, stack: Stack, value: Any, depth: int) -> Resource | None:
        if depth > 4 or not isinstance(value, Mapping) or len(value) != 1:
            return None
        (key, arg), = value.items()
        if key == "Ref" and isinstance(arg, str):
            return self.resource(stack, arg)
        if key == "Fn::GetAtt":
            logical_id = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
            found = self.resource(stack, logical_id)
            if found is None or found.type != EXPORT_READER:
                return found
        if key in ("Fn::GetAtt", "Fn::GetStackOutput", "Fn::ImportValue"):
            for source, output_value in self._outputs(value):
                found = self._target(source, output_value, depth + 1)
                if found is not None:
                    return found
        return None

    def named(self, stack: Stack, value: Any) -> set[Resource]:
        """Every resource of the app that ``value`` (a property tree in ``stack``) refers to, at any
        depth (an ARN joined with a suffix still names its resource), within or across stacks."""
        found: set[Resource] = set()
        for logical_id in references(value):
            resource = self.resource(stack, logical_id)
            if resource is not None and resource.type != EXPORT_READER:
                found.add(resource)
        for node in _intrinsics(value):
            target = self._target(stack, node, 0)
            if target is not None:
                found.add(target)
        return found

    def needs(self, resource: Resource, logical_id: str) -> bool:
        """Whether ``resource`` waits for ``logical_id`` (of its stack), directly or transitively."""
        seen: set[str] = set()
        todo = [resource.logical_id]
        resources = resource.stack.template.get("Resources") or {}
        while todo:
            current = todo.pop()
            body = resources.get(current)
            if body is None or current in seen:
                continue
            seen.add(current)
            nexts = Resource(resource.stack, current, body).refers_to
            if logical_id in nexts:
                return True
            todo.extend(nexts)
        return False


def crowded(placed: Mapping[Any, list[Resource]]) -> Iterator[tuple[Any, Resource, str]]:
    """(place, resource, the others there) for every resource that shares its place with another.

    For the account singletons: group resources by where they land (account, region, ...), and
    each of a group of two or more is a violation naming the rest.
    """
    for place, resources in placed.items():
        if len(resources) < 2:
            continue
        for resource in resources:
            yield place, resource, ", ".join(str(r) for r in resources if r is not resource)


@dataclass(frozen=True)
class Violation:
    """One resource (or stack) that breaks one rule."""

    rule: str
    resource: Resource | None
    message: str
    stack: Stack | None = None

    @property
    def where(self) -> str:
        if self.resource is not None:
            return str(self.resource)
        return self.stack.name if self.stack else "(app)"
