"""Which resource of the app a property value names, across stacks and regions.

A certificate in one stack validates through a zone in another; a backup plan copies into a vault
in another region. CDK passes such values as ``Fn::GetStackOutput`` (weak references),
``Fn::ImportValue`` (strong references in one region) or an ``Fn::GetAtt`` of its cross-region
exports reader (strong references across regions); this module follows all three to the resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Resource, Stack, Templates

#: aws-cdk-lib's custom resources for strong cross-region references (SSM parameters).
EXPORT_WRITER = "Custom::CrossRegionExportWriter"
EXPORT_READER = "Custom::CrossRegionExportReader"


def _stack(templates: Templates, name: Any) -> Stack | None:
    return next((s for s in templates.stacks if s.name == name), None)


def _in(templates: Templates, stack: Stack, value: Any, depth: int) -> Resource | None:
    """The resource that ``value`` (a Ref or Fn::GetAtt in ``stack``) names, through outputs and readers."""
    if depth > 4 or not isinstance(value, Mapping) or len(value) != 1:
        return None
    (key, arg), = value.items()
    if key == "Ref" and isinstance(arg, str):
        return templates.resource(stack, arg)
    if key == "Fn::GetAtt":
        logical_id, attribute = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (str(arg).split(".", 1) + [""])[:2]
        target = templates.resource(stack, logical_id)
        if target is not None and target.type == EXPORT_READER:
            return _exported(templates, attribute, depth)
        return target
    if key == "Fn::GetStackOutput" and isinstance(arg, Mapping):
        source = _stack(templates, arg.get("StackName"))
        output = ((source.template.get("Outputs") or {}).get(arg.get("OutputName")) if source else None) or {}
        return _in(templates, source, output.get("Value"), depth + 1) if source else None
    if key == "Fn::ImportValue" and isinstance(arg, str):
        for source in templates.stacks:
            for output in (source.template.get("Outputs") or {}).values():
                if (output.get("Export") or {}).get("Name") == arg:
                    return _in(templates, source, output.get("Value"), depth + 1)
    return None


def _exported(templates: Templates, parameter: str, depth: int) -> Resource | None:
    for writer in templates.resources(EXPORT_WRITER):
        exports = writer.get("WriterProps", "exports") or {}
        if parameter in exports:
            return _in(templates, writer.stack, exports[parameter], depth + 1)
    return None


def resolve(templates: Templates, resource: Resource, value: Any) -> Resource | None:
    """The app's resource that ``value``, a property of ``resource``, names; None for literals."""
    return _in(templates, resource.stack, value, 0)

