"""Clean-up on stack deletion, so that destroyable environments really tear down.

CloudFormation deletes a hosted zone or a backup vault only when it is empty, and two things it
creates itself leave them non-empty:

* ACM's DNS-validation CNAMEs, which the certificate handler writes into the zone and never
  removes (cloudformation-coverage-roadmap #837, #1603): ``HostedZoneNotEmpty``;
* the recovery points a backup plan writes into its vault (AWS Backup deletes only empty vaults).

One handler (``handlers/teardown/index.js``, a stack-level provider) serves both custom resource
types. It acts only while the whole stack is being deleted: when the custom resource alone goes
(the profile now retains data, the resource is replaced or rolled back) the zone or vault stays,
and so does its content. Each custom resource carries :data:`EMPTIES_ON_DELETE` metadata, which
the deploy-readiness rules ``HostedZoneNotEmptied`` and ``BackupVaultNotEmptied`` look for.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_route53 as route53
from constructs import Construct

from .markers import EMPTIES_ON_DELETE
from .providers import drop_redundant_dependency

__all__ = ["TEARDOWN_PROVIDER", "empty_vault_on_delete", "delete_validation_records_on_delete"]

#: The stack-level provider's construct id (aws-cdk-lib appends "CustomResourceProvider").
TEARDOWN_PROVIDER = "Custom::FineFindsTeardownCustomResourceProvider"

_HANDLER = Path(__file__).resolve().parent / "handlers" / "teardown"
ACM_RECORDS_TYPE = "Custom::AcmValidationRecordsCleanup"
RECOVERY_POINTS_TYPE = "Custom::BackupVaultRecoveryPointsCleanup"


def _provider(scope: Construct) -> cdk.CustomResourceProvider:
    stack = cdk.Stack.of(scope)
    created = stack.node.try_find_child(TEARDOWN_PROVIDER) is None
    provider = cdk.CustomResourceProvider.get_or_create_provider(
        scope,
        "Custom::FineFindsTeardown",
        code_directory=str(_HANDLER),
        runtime=cdk.CustomResourceProviderRuntime.NODEJS_24_X,
        # Emptying a vault waits for AWS Backup's asynchronous deletions.
        timeout=cdk.Duration.minutes(15),
        description="finefinds-constructs: empties hosted zones and backup vaults of a stack being deleted",
    )
    if created:
        drop_redundant_dependency(scope, TEARDOWN_PROVIDER)
        # Only the stack's own status: the handler acts while the stack is DELETE_IN_PROGRESS.
        provider.add_to_role_policy(
            {"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": cdk.Aws.STACK_ID}
        )
    return provider


def _mark(resource: cdk.CustomResource, what: str) -> None:
    cfn = resource.node.default_child
    assert isinstance(cfn, cdk.CfnResource)
    cfn.add_metadata(EMPTIES_ON_DELETE, what)


def delete_validation_records_on_delete(scope: Construct, id: str, zone: route53.IHostedZone) -> cdk.CustomResource:
    """A custom resource that deletes ACM's validation CNAMEs from ``zone`` when the stack is deleted.

    Only CNAMEs named ``_...`` whose every value ends in ``.acm-validations.aws.`` are deleted:
    records a team added by hand still stop the zone's deletion, as they should.
    """
    provider = _provider(scope)
    provider.add_to_role_policy(
        {
            "Effect": "Allow",
            "Action": ["route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets"],
            "Resource": zone.hosted_zone_arn,
        }
    )
    resource = cdk.CustomResource(
        scope,
        id,
        resource_type=ACM_RECORDS_TYPE,
        service_token=provider.service_token,
        properties={"HostedZoneId": zone.hosted_zone_id},
    )
    _mark(resource, "ACM validation records")
    return resource


def empty_vault_on_delete(scope: Construct, id: str, vault: backup.IBackupVault) -> cdk.CustomResource:
    """A custom resource that deletes every recovery point of ``vault`` when the stack is deleted.

    It waits until running backup and copy jobs into the vault have finished and the vault is
    empty (up to Lambda's 15 minutes; then the stack deletion fails and can be retried). AWS
    Backup deletes recovery points through its service-linked role (created on first use, hence
    ``iam:CreateServiceLinkedRole``), for every resource type but EC2 instances.
    """
    stack = cdk.Stack.of(scope)
    provider = _provider(scope)
    for statement in (
        {"Action": "backup:ListRecoveryPointsByBackupVault", "Resource": vault.backup_vault_arn},
        {
            "Action": "backup:DeleteRecoveryPoint",
            "Resource": f"arn:{stack.partition}:backup:{stack.region}:{stack.account}:recovery-point:*",
        },
        # Neither list action supports resource-level permissions.
        {"Action": ["backup:ListBackupJobs", "backup:ListCopyJobs"], "Resource": "*"},
        {
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": f"arn:{stack.partition}:iam::{stack.account}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
            "Condition": {"StringEquals": {"iam:AWSServiceName": "backup.amazonaws.com"}},
        },
    ):
        provider.add_to_role_policy({"Effect": "Allow", **statement})
    resource = cdk.CustomResource(
        scope,
        id,
        resource_type=RECOVERY_POINTS_TYPE,
        service_token=provider.service_token,
        properties={"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn},
    )
    _mark(resource, "recovery points")
    return resource
