"""Logical-ID stability of every stateful resource of every environment.

A stateful resource whose logical id changes is *replaced* by CloudFormation: the database, bucket,
user pool or key is created anew and the old one deleted (or orphaned). The ids are pinned in
``stateful_logical_ids.json``; this test fails on any change. A deliberate rename is a breaking
change: regenerate with ``UPDATE_LOGICAL_IDS=1 python3 scripts/dev.py test -k logical_ids`` and say
so in the changelog with a migration note.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MANIFEST = Path(__file__).with_name("stateful_logical_ids.json")

STATEFUL_TYPES = (
    "AWS::EC2::VPC",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::S3::Bucket",
    "AWS::Cognito::UserPool",
    "AWS::KMS::Key",
    "AWS::SecretsManager::Secret",
    "AWS::Logs::LogGroup",
    "AWS::Backup::BackupVault",
    "AWS::Route53::HostedZone",
    "AWS::CloudTrail::Trail",
    "AWS::DynamoDB::Table",
)


def stateful_ids(platform) -> dict[str, dict[str, list[str]]]:
    result: dict[str, dict[str, list[str]]] = {}
    for stack, template in sorted(platform["stacks"].items()):
        by_type: dict[str, list[str]] = {}
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] in STATEFUL_TYPES:
                by_type.setdefault(resource["Type"], []).append(logical_id)
        if by_type:
            result[stack] = {t: sorted(ids) for t, ids in sorted(by_type.items())}
    return result


def test_stateful_logical_ids_are_stable(platform):
    current = stateful_ids(platform)
    if os.environ.get("UPDATE_LOGICAL_IDS") == "1":
        MANIFEST.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    pinned = json.loads(MANIFEST.read_text())
    changes = []
    for stack in sorted(set(pinned) | set(current)):
        for resource_type in sorted(set(pinned.get(stack, {})) | set(current.get(stack, {}))):
            before = set(pinned.get(stack, {}).get(resource_type, []))
            after = set(current.get(stack, {}).get(resource_type, []))
            changes += [f"{stack}: {resource_type} {i} would be REPLACED/DELETED" for i in sorted(before - after)]
            changes += [f"{stack}: {resource_type} {i} is new (pin it)" for i in sorted(after - before)]
    assert not changes, "\n".join(changes)


def test_manifest_covers_every_environment_and_stateful_concern(platform):
    pinned = json.loads(MANIFEST.read_text())
    for env in ("Development", "Qa", "Sandbox", "Staging", "Production"):
        assert "AWS::EC2::VPC" in pinned[f"FineFinds-{env}-Network"]
        data = pinned[f"FineFinds-{env}-Data"]
        assert {"AWS::RDS::DBCluster", "AWS::ElastiCache::ReplicationGroup", "AWS::KMS::Key"} <= set(data)
        assert "AWS::Cognito::UserPool" in pinned[f"FineFinds-{env}-Identity"]
        assert "AWS::S3::Bucket" in pinned[f"FineFinds-{env}-Edge"]
        assert "AWS::Route53::HostedZone" in pinned[f"FineFinds-{env}-Dns"]
        assert {"AWS::CloudTrail::Trail", "AWS::S3::Bucket"} <= set(pinned[f"FineFinds-{env}-Audit"])
        assert "AWS::Backup::BackupVault" in pinned[f"FineFinds-{env}-Backup"]
