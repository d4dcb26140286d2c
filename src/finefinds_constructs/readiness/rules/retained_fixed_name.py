"""A resource kept with DeletionPolicy Retain must not have a fixed name that is unique in its account."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .. import Rule
from ..model import Resource, Templates, references

#: Types whose name is unique per account (and region), with the property that names them: a second
#: resource of the same name cannot be created while the first exists.
NAME_PROPERTIES = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Backup::BackupVault": "BackupVaultName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::WAFv2::WebACL": "Name",
    "AWS::WAFv2::IPSet": "Name",
    "AWS::WAFv2::RegexPatternSet": "Name",
    "AWS::WAFv2::RuleGroup": "Name",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::RDS::DBCluster": "DBClusterIdentifier",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::ElastiCache::ReplicationGroup": "ReplicationGroupId",
    "AWS::SSM::Parameter": "Name",
    "AWS::Kinesis::Stream": "Name",
    "AWS::IAM::Role": "RoleName",
    "AWS::CloudTrail::Trail": "TrailName",
    "AWS::Events::EventBus": "Name",
    "AWS::OpenSearchService::Domain": "DomainName",
    "AWS::Cognito::UserPoolDomain": "Domain",
}


def _fixed(value: Any, resource: Resource) -> bool:
    """Whether ``value`` is the same on every create: literals, pseudo parameters (not the stack id,
    which is new on each create) and template parameters, but nothing another resource generates."""
    if isinstance(value, str):
        return True
    if not isinstance(value, (dict, list)):
        return False
    text = json.dumps(value)
    if "AWS::StackId" in text or "Fn::ImportValue" in text or "Fn::GetStackOutput" in text:
        return False
    parameters = resource.stack.template.get("Parameters") or {}
    return all(name in parameters for name in references(value))


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _check(templates: Templates) -> Iterator[tuple]:
    for resource in templates.resources(*NAME_PROPERTIES):
        if resource.deletion_policy != "Retain":
            continue
        prop = NAME_PROPERTIES[resource.type]
        value = resource.get(prop)
        if value is not None and _fixed(value, resource):
            yield resource, (
                f"DeletionPolicy Retain with the fixed {prop} {_shown(value)}: it blocks re-creation after a "
                "delete or a rolled-back first create"
            )


RULE = Rule(
    name="RetainedFixedName",
    trap=(
        "CloudFormation keeps a resource whose DeletionPolicy is Retain when the stack is deleted and also "
        "when the operation that created it rolls back (a failed first deploy). Its name is unique in the "
        "account and region, so the next create of the stack fails with 'already exists' until someone "
        "deletes or imports the orphan. RetainExceptOnCreate deletes what a rolled-back operation created "
        "and retains it otherwise (CloudFormation DeletionPolicy attribute)."
    ),
    fix=(
        "Drop the fixed name where the service does not need one (CloudFormation then generates a unique "
        "one), or retain with RetainExceptOnCreate (aws-cdk-lib: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE). "
        "Where the service dictates the name (RDS writes to /aws/rds/cluster/<id>/<log>), re-creating a "
        "deleted stack still needs the retained resource imported or deleted first: that is the retention."
    ),
    check=_check,
)
