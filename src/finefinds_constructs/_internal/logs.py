"""Retention, removal-policy and customer-managed-key helpers shared by the constructs."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

# jsii exposes RetentionDays as a name-valued enum; profiles speak in days.
_RETENTION_BY_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def retention(days: int) -> logs.RetentionDays:
    """The ``RetentionDays`` member for ``days`` (profiles only allow valid values)."""
    return _RETENTION_BY_DAYS[days]


def removal_policy(retain: bool) -> cdk.RemovalPolicy:
    """RETAIN for environments that keep their data, DESTROY for those that tear down cleanly."""
    return cdk.RemovalPolicy.RETAIN if retain else cdk.RemovalPolicy.DESTROY


def deletion_window(retain: bool) -> cdk.Duration:
    """A KMS key's deletion waiting period: the longest (30 days) where data is kept, else the shortest."""
    return cdk.Duration.days(30 if retain else 7)


def deny_grants_except_for_aws_services(key: kms.Key) -> None:
    """Key-policy statement: only AWS services, for AWS resources, may create grants on ``key``.

    Grants are the one way to delegate a key's use outside its policy; services (RDS, EBS, Secrets
    Manager, ...) create them on a caller's behalf with ``kms:GrantIsForAWSResource``. This is the
    statement Control Tower's proactive control CT.KMS.PR.3 asks for.
    """
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyGrantsExceptForAwsServices",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
        )
    )


def rotating_key(scope: Construct, id: str, *, description: str, retain: bool) -> kms.Key:
    """A customer-managed symmetric KMS key with yearly rotation, kept or destroyed with its data.

    Only AWS services may create grants on it (:func:`deny_grants_except_for_aws_services`).
    """
    key = kms.Key(
        scope,
        id,
        description=description,
        enable_key_rotation=True,
        removal_policy=removal_policy(retain),
        pending_window=deletion_window(retain),
    )
    deny_grants_except_for_aws_services(key)
    return key


def log_encryption_key(scope: Construct, id: str, *, description: str, retain: bool) -> kms.Key:
    """A customer-managed KMS key (rotation on) that CloudWatch Logs may use for this account's log groups.

    CloudWatch Logs encrypts with the key on the log group's behalf; the key policy admits the
    regional Logs service principal only for log groups of this account and region (via the
    encryption context).
    """
    stack = cdk.Stack.of(scope)
    key = rotating_key(scope, id, description=description, retain=retain)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                }
            },
        )
    )
    return key
