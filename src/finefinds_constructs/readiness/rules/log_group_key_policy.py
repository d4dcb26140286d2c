"""An encrypted log group's key must let CloudWatch Logs use it."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates
from ._keys import admits_service

_USES = ("kms:*", "kms:Encrypt*", "kms:Encrypt", "kms:GenerateDataKey*", "kms:GenerateDataKey")


def _check(templates: Templates) -> Iterator[tuple]:
    for group in templates.resources("AWS::Logs::LogGroup"):
        key = templates.target(group, group.get("KmsKeyId"))
        if key is not None and key.type == "AWS::KMS::Key" and not admits_service(key, ("logs.", "amazonaws.com"), _USES):
            yield group, f"encrypted with {key}, whose key policy does not admit the CloudWatch Logs service principal"


RULE = Rule(
    name="LogGroupKeyPolicy",
    trap=(
        "CloudWatch Logs encrypts a log group with its KMS key on the group's behalf, as the service principal "
        "logs.<region>.amazonaws.com: unless the key policy allows that principal kms:Encrypt*/GenerateDataKey*, "
        "creating the log group fails ('The specified KMS key does not exist or is not allowed to be used'). "
        "IAM permissions of the account do not help (CloudWatch Logs user guide, 'Encrypt log data using AWS KMS')."
    ),
    fix=(
        "Add a key-policy statement for Service logs.<region>.amazonaws.com with kms:Encrypt*, kms:Decrypt*, "
        "kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe*, conditioned on the log group ARN (the "
        "library's log_encryption_key does)."
    ),
    check=_check,
)
