"""An encrypted SNS topic's key must let the AWS services that publish to it use it."""

from __future__ import annotations

import json
from collections.abc import Iterator

from .. import Rule
from ..model import Resource, Templates
from ._notifications import TOPIC, publishers, topic_of

def _admits(key: Resource, service: str) -> bool:
    statements = key.get("KeyPolicy", "Statement", default=[]) or []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        services = json.dumps(principal.get("Service") if isinstance(principal, dict) else None)
        actions = statement.get("Action", [])
        actions = {a for a in (actions if isinstance(actions, list) else [actions]) if isinstance(a, str)}
        if service in services and actions & {"kms:*", "kms:GenerateDataKey*", "kms:GenerateDataKey"}:
            return True
    return False


def _check(templates: Templates) -> Iterator[tuple]:
    seen: set[tuple[str, str]] = set()
    for source, value, service in publishers(templates):
        topic = topic_of(templates, source, value)
        if topic is None or (str(topic), service) in seen:
            continue
        key_id = topic.get("KmsMasterKeyId")
        if key_id is None:
            continue
        seen.add((str(topic), service))
        if isinstance(key_id, str) and key_id.startswith("alias/aws/sns"):
            yield topic, f"{service} publishes to it ({source}) and it is encrypted with the AWS managed key alias/aws/sns"
            continue
        key = templates.target(topic, key_id)
        if key is not None and key.type == "AWS::KMS::Key" and not _admits(key, service):
            yield topic, f"{service} publishes to it ({source}) and its key {key} does not admit {service}"


RULE = Rule(
    name="TopicKeyAdmitsPublishers",
    trap=(
        "An AWS service publishing to an SSE-KMS SNS topic needs kms:GenerateDataKey* and kms:Decrypt on the "
        "topic's key, granted to its service principal in the key policy (cloudwatch.amazonaws.com for alarms, "
        "budgets.amazonaws.com, costalerts.amazonaws.com for anomaly alerts, events.amazonaws.com). Without it, "
        "or with the AWS managed key alias/aws/sns whose policy no service can be added to, every notification "
        "is silently dropped: the stack deploys, the alarm fires, nobody hears."
    ),
    fix=(
        "Encrypt the topic with a customer-managed key whose policy admits the publishing services, scoped "
        "with aws:SourceAccount (the library's AlarmSet and CostGuard topics do)."
    ),
    check=_check,
)
