"""AWS Config: one recorder and one delivery channel per account and region, across the app."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Resource, Stack, Templates, crowded

RECORDER = "AWS::Config::ConfigurationRecorder"
CHANNEL = "AWS::Config::DeliveryChannel"
_KINDS = {RECORDER: "Config recorder", CHANNEL: "Config delivery channel"}


def _place(stack: Stack) -> tuple[str, ...]:
    """Where a stack's resources land: its account and region, or (agnostic) only its own template."""
    if stack.account and stack.region:
        return ("environment", stack.account, stack.region)
    return ("template", stack.name)


def _check(templates: Templates) -> Iterator[tuple]:
    for resource_type, kind in _KINDS.items():
        placed: dict[tuple[str, ...], list[Resource]] = {}
        for resource in templates.resources(resource_type):
            placed.setdefault(_place(resource.stack), []).append(resource)
        for place, resource, others in crowded(placed):
            where = f"{place[1]}/{place[2]}" if place[0] == "environment" else f"the one environment of stack {place[1]}"
            yield resource, f"a second {kind} in {where} (also {others})"


RULE = Rule(
    name="ConfigRecorderPerAccountRegion",
    trap=(
        "AWS Config allows one customer managed configuration recorder and one delivery channel per account "
        "and region (AWS Config developer guide, 'Considerations'; PutConfigurationRecorder and "
        "PutDeliveryChannel fail with MaxNumberOf...ExceededException): of two stacks that each create one "
        "there, the second fails to deploy. Accounts under Control Tower or with Security Hub already have a "
        "recorder that no template of the app shows."
    ),
    fix=(
        "Create the recorder and channel once per account and region (AuditTrail: audit.enabled = false in the "
        "other environments of that account), or record with the existing recorder "
        "(AuditTrail: audit.config_recorder = \"existing\" deploys only the Config rules)."
    ),
    check=_check,
)
