"""Cognito: a user pool cannot send through an SES identity that its own stack is still creating."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import Rule
from ..model import Templates, references

POOL = "AWS::Cognito::UserPool"
IDENTITY = "AWS::SES::EmailIdentity"


def _text(value: Any) -> str:
    """The literal text of ``value``: strings and the string parts of Fn::Join / Fn::Sub."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(_text(part) for part in arg[1])
        if key == "Fn::Sub":
            return _text(arg[0] if isinstance(arg, list) else arg)
    return "\x00"  # an intrinsic: matches nothing literal


def _check(templates: Templates) -> Iterator[tuple]:
    for stack in templates.stacks:
        identities = {i.logical_id: i for i in templates.in_stack(stack, IDENTITY)}
        if not identities:
            continue
        names = {str(i.get("EmailIdentity")).lower(): i for i in identities.values() if isinstance(i.get("EmailIdentity"), str)}
        for pool in templates.in_stack(stack, POOL):
            email = pool.get("EmailConfiguration") or {}
            if email.get("EmailSendingAccount") != "DEVELOPER":
                continue
            source = email.get("SourceArn")
            created = [identities[r] for r in references(source) if r in identities]
            tail = _text(source).rsplit(":identity/", 1)
            if len(tail) == 2 and tail[1].lower() in names:
                created.append(names[tail[1].lower()])
            for identity in dict.fromkeys(created):
                yield pool, f"it sends e-mail through the SES identity {identity.logical_id} created in the same stack"


RULE = Rule(
    name="CognitoEmailIdentityInSameStack",
    trap=(
        "Cognito checks a user pool's SES identity (EmailSendingAccount DEVELOPER) when the pool is created "
        "or updated and refuses one SES has not verified ('Email address is not verified', "
        "InvalidParameterException; aws-cdk #18964, #28531). SES verifies a new domain identity minutes to "
        "hours after its DKIM records resolve, so a pool created in the same stack as its identity fails on "
        "the first deploy."
    ),
    fix=(
        "Create the identity (EmailSender) in its own stack, deploy it and wait for SES to show it verified, "
        "then deploy the pool's stack (AuthPool(email_sender=...) adds that stack dependency)."
    ),
    check=_check,
)
