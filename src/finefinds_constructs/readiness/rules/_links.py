"""Which resources of the app a property value names, within its stack or across stacks.

A value can name a resource of its own stack (Ref, Fn::GetAtt, Fn::Sub) or of another stack of the
app: through an export (``Fn::ImportValue``) or, as aws-cdk-lib writes cross-stack references when
``Fn::GetStackOutput`` is on, through another stack's output by name. Both forms are followed, at
any depth of the value (an ARN joined with a JSON-key suffix still names its secret).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Resource, Stack, Templates, references

__all__ = ["named", "outputs_named"]


def _walk(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def outputs_named(templates: Templates, value: Any) -> Iterator[tuple[Stack, Any]]:
    """The (stack, output value) of every other-stack output ``value`` imports."""
    for node in _walk(value):
        imported = node.get("Fn::ImportValue")
        if isinstance(imported, str):
            for stack in templates.stacks:
                for output in (stack.template.get("Outputs") or {}).values():
                    if (output.get("Export") or {}).get("Name") == imported:
                        yield stack, output.get("Value")
        wanted = node.get("Fn::GetStackOutput")
        if isinstance(wanted, Mapping) and isinstance(wanted.get("OutputName"), str):
            for stack in templates.stacks:
                if stack.name != wanted.get("StackName"):
                    continue
                if isinstance(wanted.get("Region"), str) and stack.region and stack.region != wanted["Region"]:
                    continue
                output = (stack.template.get("Outputs") or {}).get(wanted["OutputName"])
                if output is not None:
                    yield stack, output.get("Value")


def named(templates: Templates, stack: Stack, value: Any) -> set[Resource]:
    """Every resource of the app that ``value`` (a property tree in ``stack``) refers to."""
    found = {r for r in (templates.resource(stack, i) for i in references(value)) if r is not None}
    for other, output_value in outputs_named(templates, value):
        found |= {r for r in (templates.resource(other, i) for i in references(output_value)) if r is not None}
    return found
