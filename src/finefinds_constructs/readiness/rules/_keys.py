"""What a KMS key's policy lets an AWS service do, as the rules about encrypted resources see it."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from ..model import Resource


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def admits_service(key: Resource, service: Collection[str], actions: Collection[str]) -> bool:
    """Whether an Allow statement of ``key``'s policy names a service principal containing every
    part of ``service`` (``("logs.", "amazonaws.com")`` also matches ``logs.<region>.amazonaws.com``
    joined from the region) and grants one of ``actions``."""
    for statement in _as_list(key.get("KeyPolicy", "Statement", default=[]) or []):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        services = json.dumps(principal.get("Service") if isinstance(principal, dict) else None)
        granted = {a for a in _as_list(statement.get("Action", [])) if isinstance(a, str)}
        if all(part in services for part in service) and granted & set(actions):
            return True
    return False
