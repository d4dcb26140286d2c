"""S3 server access logs: the destination bucket must be one S3 can deliver to."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Resource, Templates

BUCKET = "AWS::S3::Bucket"


def _kms_encrypted(bucket: Resource) -> bool:
    rules = bucket.get("BucketEncryption", "ServerSideEncryptionConfiguration", default=[]) or []
    for rule in rules:
        algorithm = (rule.get("ServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
        if algorithm in ("aws:kms", "aws:kms:dsse"):
            return True
    return False


def _check(templates: Templates) -> Iterator[tuple]:
    for stack in templates.stacks:
        buckets = {b.logical_id: b for b in templates.in_stack(stack, BUCKET)}
        for source in buckets.values():
            target = source.get("LoggingConfiguration", "DestinationBucketName")
            if not (isinstance(target, dict) and isinstance(target.get("Ref"), str)):
                continue  # a name from elsewhere: not judged here
            destination = buckets.get(target["Ref"])
            if destination is None:
                continue
            if destination.get("ObjectLockEnabled") in (True, "true", "Enabled"):
                yield source, f"its access logs go to {destination.logical_id}, which has Object Lock on"
            if _kms_encrypted(destination):
                yield source, f"its access logs go to {destination.logical_id}, whose default encryption is SSE-KMS"


RULE = Rule(
    name="AccessLogDestination",
    trap=(
        "S3 delivers server access logs only to a bucket without Object Lock and whose default encryption "
        "is SSE-S3: with Object Lock or SSE-KMS on the destination, the source bucket deploys but no log "
        "is ever delivered, so the access record an audit relies on silently does not exist (Amazon S3 "
        "User Guide, 'Enabling Amazon S3 server access logging')."
    ),
    fix=(
        "Send access logs to a bucket with SSE-S3 (AES256) default encryption and no Object Lock, e.g. a "
        "SecureBucket(purpose='logs')."
    ),
    check=_check,
)
