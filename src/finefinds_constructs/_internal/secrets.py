"""Secrets whose read grants to another stack's role land in that role's policy, not in the key policy.

aws-cdk-lib's ``Secret.grant_read`` also grants ``kms:Decrypt`` on the secret's customer-managed
key through a ``ViaServicePrincipal``, which can only be written into the *key policy*. When the
reader (an ECS execution role, a Lambda function's role) lives in another stack, the producer's
key policy then names the consumer's role while the consumer already references the producer's
secret: ``DependencyCycle: 'X-Data' depends on 'X-Web'`` at synth (aws-cdk #14213).

These secrets grant such a reader on the reader's side instead: ``GetSecretValue`` on the
secret and ``kms:Decrypt`` on its key, conditioned on ``kms:ViaService`` (Secrets Manager of the
secret's region) and on the secret's ARN in the encryption context, both in the reader's own
policy. That is equivalent, because every key of the
library trusts the account's IAM policies (the key policy's account-root statement), and the
reference then runs one way only: consumer to producer. Readers in the same stack, or in
another account or region, get aws-cdk-lib's own grant.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from ..errors import ConfigurationError


def _reader_stack(grantee: iam.IGrantable) -> cdk.Stack | None:
    principal = grantee.grant_principal
    return cdk.Stack.of(principal) if isinstance(principal, Construct) else None


def _same_environment(a: cdk.Stack, b: cdk.Stack) -> bool:
    def same(x: str, y: str) -> bool:
        # Two environment-agnostic stacks (both tokens) deploy to the same place, as aws-cdk-lib assumes.
        x_token, y_token = cdk.Token.is_unresolved(x), cdk.Token.is_unresolved(y)
        return x_token and y_token if x_token or y_token else x == y

    return same(a.account, b.account) and same(a.region, b.region)


def grant_read_on_reader_side(
    secret: secretsmanager.ISecret, key: kms.IKey | None, grantee: iam.IGrantable, version_stages: Any
) -> iam.Grant | None:
    """The grant made in ``grantee``'s own policy, or ``None`` where aws-cdk-lib's grant is right."""
    reader = _reader_stack(grantee)
    owner = cdk.Stack.of(secret)
    if reader is None or reader is owner or not _same_environment(reader, owner):
        return None
    conditions = {"ForAnyValue:StringEquals": {"secretsmanager:VersionStage": list(version_stages)}} if version_stages else None
    grant = iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        resource_arns=[secret.secret_full_arn or f"{secret.secret_arn}-??????"],
        conditions=conditions,
    )
    if not grant.success:
        raise ConfigurationError(
            "grantee",
            grantee.grant_principal.node.path if isinstance(grantee.grant_principal, Construct) else str(grantee),
            "a principal with an identity policy (a role, user or group) when it reads a secret of another stack",
            fix=(
                f"create the reader in the stack of {secret.node.path} ({owner.stack_name}), or grant a role of "
                f"{reader.stack_name} instead: a key policy naming another stack's principal makes the stacks depend "
                "on each other"
            ),
            source=secret.node.path,
        )
    if key is not None:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["kms:Decrypt"],
            resource_arns=[key.key_arn],
            conditions={
                "StringEquals": {
                    "kms:ViaService": f"secretsmanager.{owner.region}.amazonaws.com",
                    # Secrets Manager puts the secret's ARN in the encryption context: only this secret.
                    "kms:EncryptionContext:SecretARN": secret.secret_arn,
                }
            },
        )
    return grant


class _GrantsReadOnReaderSide:
    """``grant_read`` on the reader's side (jsii calls this override from aws-cdk-lib too)."""

    def grant_read(self, grantee: iam.IGrantable, version_stages: Any = None) -> iam.Grant:
        grant = grant_read_on_reader_side(self, self.encryption_key, grantee, version_stages)  # type: ignore[arg-type, attr-defined]
        return grant if grant is not None else super().grant_read(grantee, version_stages)  # type: ignore[misc]


class ReaderSideSecret(_GrantsReadOnReaderSide, secretsmanager.Secret):
    """A ``secretsmanager.Secret`` whose cross-stack read grants land in the reader's stack.

    Parameters
    ----------
    scope, id, **props
        As for ``secretsmanager.Secret``.
    """


class ReaderSideAttachment(_GrantsReadOnReaderSide, secretsmanager.SecretTargetAttachment):
    """The attachment of a :class:`ReaderSideDatabaseSecret` to its database: what consumers read."""


class ReaderSideDatabaseSecret(_GrantsReadOnReaderSide, rds.DatabaseSecret):
    """An ``rds.DatabaseSecret`` whose cross-stack read grants land in the reader's stack.

    The database's ``secret`` is the secret's attachment (host, port and database name filled
    in), so the attachment is made a :class:`ReaderSideAttachment` too, with aws-cdk-lib's id.

    Parameters
    ----------
    scope, id, **props
        As for ``rds.DatabaseSecret``.
    """

    def attach(self, target: Any) -> secretsmanager.ISecret:
        # aws-cdk-lib's own attach() under the same id ("Attachment"), so the logical id stays.
        return ReaderSideAttachment(self, "Attachment", secret=self, target=target)
