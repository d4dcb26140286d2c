"""Encrypted SNS topics that AWS services of this account publish to (CostGuard, EmailSender)."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from ..profiles import EnvironmentProfile
from .logs import rotating_key


def encrypted_service_topic(
    scope: Construct,
    *,
    profile: EnvironmentProfile,
    services: Sequence[str],
    display_name: str,
    purpose: str,
    allow_publish: bool = True,
) -> tuple[kms.Key, sns.Topic]:
    """A KMS-encrypted, TLS-only SNS topic that only ``services`` of this account may publish to.

    The key lets the services create data keys (they publish to an encrypted topic) and the topic
    policy admits them, both scoped with ``aws:SourceAccount`` to this stack's account. With
    ``allow_publish=False`` the caller adds the topic-policy statement itself (aws-cdk-lib does for
    SES event destinations, scoped to the configuration set).
    """
    stack = cdk.Stack.of(scope)
    principals = [iam.ServicePrincipal(s) for s in services]
    key = rotating_key(scope, "TopicKey", description=f"Encrypts {purpose} of {scope.node.path}", retain=profile.is_retained)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowPublishingServicesToUseTheKey",
            principals=principals,
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        )
    )
    topic = sns.Topic(
        scope,
        "Topic",
        display_name=display_name[:100],
        master_key=key,
        enforce_ssl=True,
        signature_version="2",
    )
    if not allow_publish:
        return key, topic
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowThisAccountsServicesToPublish",
            principals=principals,
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        )
    )
    return key, topic
