"""SecureBucket by purpose, asserted on the synthesized template.

Media, logs and backups buckets are also built (and asserted) by test_cdn_bucket.py; here each
purpose's lifecycle is pinned rule for rule, so a purpose sent down another purpose's branch (an
uploads bucket whose objects expire like logs) fails.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

import support
from finefinds_constructs import EnvironmentStack, SecureBucket

#: Production: the environment whose data is retained, where a silent expiry would hurt most.
PRESET = "production"
#: What production's profile sets (protection.log_retention_days), written out.
LOG_RETENTION_DAYS = 365

ABORT_UPLOADS = {"Id": "AbortIncompleteMultipartUploads", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}, "Status": "Enabled"}


def _noncurrent(days: int) -> dict:
    return {"Id": "ExpireNoncurrentVersions", "NoncurrentVersionExpiration": {"NoncurrentDays": days}, "Status": "Enabled"}


TIERING = {"Id": "IntelligentTiering", "Transitions": [{"StorageClass": "INTELLIGENT_TIERING", "TransitionInDays": 0}], "Status": "Enabled"}

#: Every lifecycle rule of each purpose, in order. Only logs expire current objects.
RULES = {
    "Uploads": [ABORT_UPLOADS, _noncurrent(30), TIERING],
    "Media": [ABORT_UPLOADS, _noncurrent(30), TIERING],
    "Backups": [
        ABORT_UPLOADS,
        _noncurrent(90),
        {"Id": "ArchiveToGlacier", "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 30}], "Status": "Enabled"},
    ],
    "Logs": [
        ABORT_UPLOADS,
        _noncurrent(7),
        {"Id": "ExpireLogs", "ExpirationInDays": LOG_RETENTION_DAYS, "Status": "Enabled"},
        {"Id": "RemoveExpiredDeleteMarkers", "ExpiredObjectDeleteMarker": True, "Status": "Enabled"},
    ],
}


def build(stack: cdk.Stack, profile) -> None:
    # One log bucket for all: each purpose's bucket then has exactly one bucket of its own.
    logs = SecureBucket(stack, "Logs", profile=profile, purpose="logs")
    for purpose in ("uploads", "media", "backups"):
        SecureBucket(stack, purpose.capitalize(), profile=profile, purpose=purpose, server_access_logs_bucket=logs.bucket)


@pytest.fixture(scope="session")  # read again by the late cfn-lint check: synthesized once
def synthesized():
    """Given a bucket of each purpose in production, synthesized with the whole gate on."""
    result = support.synthesize("SecureBucket", build, presets=(PRESET,))
    yield result
    support.cleanup(result)


def _bucket(synthesized, name: str) -> tuple[str, dict]:
    found = {
        k: v
        for k, v in support.resources_of_type(synthesized.template(PRESET), "AWS::S3::Bucket").items()
        if k.startswith(f"{name}Bucket")
    }
    assert len(found) == 1, list(found)
    return next(iter(found.items()))


@pytest.mark.parametrize("name", list(RULES))
def test_lifecycle_rules_per_purpose(synthesized, name):
    _, bucket = _bucket(synthesized, name)
    assert bucket["Properties"]["LifecycleConfiguration"] == {
        "Rules": RULES[name],
        "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K",
    }


def test_uploads_never_expire_current_objects(synthesized):
    """Users' uploads stay until the application deletes them: no rule expires a current version."""
    _, bucket = _bucket(synthesized, "Uploads")
    for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]:
        assert not {"ExpirationInDays", "ExpirationDate", "ExpiredObjectDeleteMarker"} & set(rule), rule


def test_uploads_are_kms_encrypted_versioned_and_logged(synthesized):
    _, bucket = _bucket(synthesized, "Uploads")
    log_id, _ = _bucket(synthesized, "Logs")
    props = bucket["Properties"]
    (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]["Fn::GetAtt"][0].startswith("UploadsKey")
    assert sse["BucketKeyEnabled"] is True
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": log_id}, "LogFilePrefix": "s3/Uploads/"}
    assert bucket["DeletionPolicy"] == "Retain"


def test_a_given_log_bucket_is_used_and_no_other_is_created(synthesized):
    synthesized.template(PRESET).resource_count_is("AWS::S3::Bucket", 4)


def test_no_findings(synthesized):
    assert synthesized.error is None, synthesized.error
    assert synthesized.findings == []


@pytest.mark.slow
def test_cfn_lint_clean(synthesized):
    code, output = support.cfn_lint([synthesized.template_file(PRESET)])
    assert code == 0, output


# ------------------------------------------------------------------------------ without synthesis


def _stack() -> tuple[cdk.Stack, object]:
    profile = support.profile_for_tests("development")
    return EnvironmentStack(cdk.App(), "Bucket", profile=profile), profile


def _acknowledged(bucket: SecureBucket) -> set[str]:
    node = bucket.bucket.node.default_child
    return {
        k.split("::", 1)[-1]
        for m in node.node.metadata
        if m.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for k in m.data
    }


def test_sse_s3_asked_for_makes_no_key():
    stack, profile = _stack()
    bucket = SecureBucket(stack, "Plain", profile=profile, bucket_props={"encryption": s3.BucketEncryption.S3_MANAGED})
    assert bucket.key is None
    (sse,) = stack.resolve(bucket.bucket.node.default_child.bucket_encryption)["serverSideEncryptionConfiguration"]
    assert sse["serverSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert "bucketKeyEnabled" not in sse


def test_object_lock_and_replication_drop_their_acknowledgements():
    """The no-object-lock and unreplicated acceptances apply only to buckets that lack them."""
    stack, profile = _stack()
    plain = _acknowledged(SecureBucket(stack, "Plain", profile=profile))
    locked = _acknowledged(SecureBucket(stack, "Locked", profile=profile, bucket_props={"object_lock_enabled": True}))
    rule = s3.ReplicationRule(destination=s3.Bucket.from_bucket_name(stack, "Replica", "replica-bucket"), priority=1)
    replicated = _acknowledged(SecureBucket(stack, "Replicated", profile=profile, bucket_props={"replication_rules": [rule]}))
    assert plain - locked == {"CT.S3.PR.9"}
    assert plain - replicated == {
        "NIST.800.53.R5-S3BucketReplicationEnabled",
        "PCI.DSS.321-S3BucketReplicationEnabled",
        "HIPAA.Security-S3BucketReplicationEnabled",
    }
    assert locked < plain and replicated < plain
