"""An encrypted SNS topic's key must let the AWS services that publish to it use it."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates
from ._keys import admits_service
from ._notifications import publishers, topic_of

#: What publishing to an encrypted topic needs of its key.
_PUBLISH = ("kms:*", "kms:GenerateDataKey*", "kms:GenerateDataKey")


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
        if key is not None and key.type == "AWS::KMS::Key" and not admits_service(key, (service,), _PUBLISH):
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
