"""Retained data must not be encrypted with a key that is deleted with the stack."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates

KEY = "AWS::KMS::Key"
KEEPS = ("Retain", "RetainExceptOnCreate", "Snapshot")


def _check(templates: Templates) -> Iterator[tuple]:
    for resource in templates.resources():
        if resource.deletion_policy not in KEEPS or resource.type == KEY:
            continue
        keys = [k for k in templates.named(resource.stack, resource.properties) if k.type == KEY]
        for key in sorted(keys, key=str):
            if key.deletion_policy not in KEEPS:
                yield resource, f"kept on deletion ({resource.deletion_policy}) but encrypted with {key}, which is deleted"


RULE = Rule(
    name="RetainedDataDeletedKey",
    trap=(
        "CloudFormation keeps a resource with DeletionPolicy Retain or Snapshot when the stack is deleted, but "
        "schedules the deletion of a KMS key whose policy is Delete: once the waiting period ends, the retained "
        "bucket, log group, database snapshot or secret can never be decrypted again, so the data 'kept' is lost."
    ),
    fix=(
        "Give the key the same removal policy as the data it encrypts (the library's keys follow "
        "profile.protection.retain_data), or do not retain the data."
    ),
    check=_check,
)
