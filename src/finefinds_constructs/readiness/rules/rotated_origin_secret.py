"""A CloudFront origin header must not carry a secret that rotates on its own."""

from __future__ import annotations

import json
from collections.abc import Iterator

from .. import Rule
from ..model import Templates

SECRET = "AWS::SecretsManager::Secret"


def _check(templates: Templates) -> Iterator[tuple]:
    rotated = {
        secret
        for schedule in templates.resources("AWS::SecretsManager::RotationSchedule")
        for secret in templates.named(schedule.stack, schedule.get("SecretId"))
        if secret.type == SECRET
    }
    for distribution in templates.resources("AWS::CloudFront::Distribution"):
        for origin in distribution.get("DistributionConfig", "Origins", default=[]) or []:
            for header in (origin or {}).get("OriginCustomHeaders") or []:
                value = (header or {}).get("HeaderValue")
                if "{{resolve:secretsmanager:" not in json.dumps(value):
                    continue
                for secret in sorted(templates.named(distribution.stack, value) & rotated, key=str):
                    yield distribution, f"origin header {header.get('HeaderName')} is the rotated secret {secret}"


RULE = Rule(
    name="RotatedOriginSecret",
    trap=(
        "CloudFormation resolves a {{resolve:secretsmanager:...}} reference once, when the stack deploys: "
        "when Secrets Manager rotates the secret, the distribution keeps sending the old value while the "
        "origin's check (a listener rule or the application, deployed from another stack or reading the "
        "secret itself) moves to the new one, so every request through that origin gets 403 until both "
        "stacks are redeployed in the right order."
    ),
    fix=(
        "Reach a private origin without a shared secret: a CloudFront VPC origin to an internal load "
        "balancer (FargateWebService's default, cloudfront_access='vpc-origin'); or rotate the header "
        "value by deploying a new secret version to both stacks together, with no automatic rotation."
    ),
    check=_check,
)
