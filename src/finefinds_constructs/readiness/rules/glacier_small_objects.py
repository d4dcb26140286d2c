"""S3 lifecycle: archiving small objects to Glacier costs more than it saves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import Rule
from ..model import Templates

BUCKET = "AWS::S3::Bucket"
#: The classes S3 lets objects under 128 KB into under 'varies_by_storage_class'.
_ARCHIVES = ("GLACIER", "DEEP_ARCHIVE")


def _classes(rule: Any) -> set[str]:
    transitions = list(rule.get("Transitions") or []) + list(rule.get("NoncurrentVersionTransitions") or [])
    for single in ("Transition", "NoncurrentVersionTransition"):
        if isinstance(rule.get(single), dict):
            transitions.append(rule[single])
    return {str(t.get("StorageClass")) for t in transitions if isinstance(t, dict)}


def _check(templates: Templates) -> Iterator[tuple]:
    for bucket in templates.resources(BUCKET):
        lifecycle = bucket.get("LifecycleConfiguration") or {}
        # Omitted, the default since September 2024 applies: all_storage_classes_128K.
        if lifecycle.get("TransitionDefaultMinimumObjectSize") != "varies_by_storage_class":
            continue
        for index, rule in enumerate(lifecycle.get("Rules") or []):
            if not isinstance(rule, dict) or rule.get("Status") == "Disabled" or "ObjectSizeGreaterThan" in rule:
                continue
            archives = sorted(_classes(rule) & set(_ARCHIVES))
            if archives:
                yield bucket, (
                    f"lifecycle rule {rule.get('Id') or index} moves objects of any size to {' and '.join(archives)} "
                    "(TransitionDefaultMinimumObjectSize varies_by_storage_class, no ObjectSizeGreaterThan)"
                )


RULE = Rule(
    name="GlacierTransitionOfSmallObjects",
    trap=(
        "With TransitionDefaultMinimumObjectSize 'varies_by_storage_class', S3 moves objects under 128 KB to "
        "Glacier Flexible Retrieval and Deep Archive too. Each archived object carries 40 KB of billed "
        "overhead (32 KB at the archive rate, 8 KB at S3 Standard) and each transition is a billed request, "
        "so for log-sized objects (CloudTrail, Config, access logs: a few KB) archiving costs more than "
        "keeping them in Standard (S3 User Guide, lifecycle transition considerations and archival storage "
        "cost considerations)."
    ),
    fix=(
        "Leave TransitionDefaultMinimumObjectSize at 'all_storage_classes_128K' (the default since September "
        "2024; SecureBucket sets it), or give the rule ObjectSizeGreaterThan (e.g. 131072)."
    ),
    check=_check,
)
