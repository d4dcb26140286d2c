"""SecureBucket: a private, encrypted, versioned S3 bucket with TLS enforced and lifecycle rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import compliance
from ._internal.flags import S3_ACCESS_LOGS_BY_BUCKET_POLICY, enable_flags
from ._internal.logs import removal_policy, rotating_key
from ._internal.providers import AUTO_DELETE_OBJECTS_PROVIDER, drop_redundant_dependency
from ._internal.props import merge_props
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["SecureBucket", "PURPOSES"]

#: The purposes a bucket can serve; each gets its own lifecycle and encryption defaults.
PURPOSES = ("media", "uploads", "backups", "logs")

# Keys of `bucket_props` the construct owns: changing them would undo a guarantee it makes.
_ENFORCED = {
    "enforce_ssl": "requests without TLS are always denied",
    "minimum_tls_version": "requests below TLS 1.2 are always denied",
    "block_public_access": "all four public-access blocks are always on",
    "public_read_access": "buckets are private; serve content through CloudFront (CdnBucket)",
    "access_control": "ACLs are not used to grant access; use bucket policies",
    "versioned": "versioning protects against overwrites and deletes and cannot be turned off",
    "server_access_logs_bucket": "use the server_access_logs_bucket= argument",
    "removal_policy": "the profile decides (protection.retain_data)",
    "auto_delete_objects": "the profile decides (protection.retain_data)",
    "website_index_document": "website hosting needs a public bucket; use CdnBucket",
    "website_error_document": "website hosting needs a public bucket; use CdnBucket",
    "website_redirect": "website hosting needs a public bucket; use CdnBucket",
    "website_routing_rules": "website hosting needs a public bucket; use CdnBucket",
}

# Server access logs and CloudFront standard logs are only delivered to SSE-S3 buckets.
_LOG_ENCRYPTIONS = (s3.BucketEncryption.S3_MANAGED,)

#: Days after which superseded (noncurrent) object versions are deleted, per purpose.
NONCURRENT_VERSION_DAYS = {"media": 30, "uploads": 30, "backups": 90, "logs": 7}
#: Days after which backups move to S3 Glacier Flexible Retrieval.
BACKUP_GLACIER_DAYS = 30
#: Days after which an unfinished multipart upload is aborted.
ABORT_MULTIPART_DAYS = 7


class SecureBucket(Construct):
    """A private S3 bucket that cannot be made public or unencrypted.

    What it creates, per profile:

    * an S3 bucket with all four public-access blocks on, ACLs disabled (bucket-owner enforced)
      except for log buckets, which keep bucket-owner-preferred ACLs because CloudFront standard
      logging delivers through an ACL grant;
    * a bucket policy that denies every request without TLS or below TLS 1.2;
    * encryption: a customer-managed KMS key (rotation on, S3 bucket key on) for media, uploads
      and backups; SSE-S3 for ``purpose="logs"``, because S3 server access logs and CloudFront
      standard logs can only be delivered to SSE-S3 buckets; SSE-C uploads are blocked;
    * versioning, with noncurrent versions expired (:data:`NONCURRENT_VERSION_DAYS`) and
      incomplete multipart uploads aborted after :data:`ABORT_MULTIPART_DAYS` days;
    * per-purpose lifecycle: media and uploads move to S3 Intelligent-Tiering at once; backups
      move to Glacier Flexible Retrieval after :data:`BACKUP_GLACIER_DAYS` days; logs expire
      after ``profile.protection.log_retention_days``; no transition moves objects under 128 KB
      (``TransitionDefaultMinimumObjectSize`` ``all_storage_classes_128K``, stated in the template);
    * server access logging to ``server_access_logs_bucket``, or to a log bucket of its own
      (``purpose="logs"`` buckets receive logs and do not log themselves);
    * removal policy from the profile: RETAIN where ``profile.is_retained``, else DESTROY with
      the objects deleted on stack deletion (CDK's auto-delete custom resource).

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the bucket (a breaking change).
    profile : EnvironmentProfile
        The environment profile; required.
    purpose : str, optional
        ``"media"``, ``"uploads"``, ``"backups"`` or ``"logs"``; selects lifecycle and
        encryption. Default: ``"media"``.
    server_access_logs_bucket : aws_cdk.aws_s3.IBucket, optional
        Where the bucket's server access logs go (an SSE-S3 bucket, e.g. another SecureBucket
        with ``purpose="logs"``). Not allowed with ``purpose="logs"``.
        Default: a ``purpose="logs"`` SecureBucket created alongside (``.log_bucket``).
    encryption_key : aws_cdk.aws_kms.IKey, optional
        The KMS key for a media, uploads or backups bucket. Not allowed with ``purpose="logs"``.
        Default: a new customer-managed key with rotation on (``.key``).
    server_access_logs_prefix : str, optional
        Key prefix of this bucket's server access logs. Default: ``"s3/<construct id>/"``.
    bucket_props : Mapping[str, Any], optional
        Extra ``s3.BucketProps`` keyword arguments, applied over everything else except what the
        construct enforces (TLS, public access, versioning, removal). ``encryption`` may be
        changed but never to ``UNENCRYPTED`` (nor away from SSE-S3 for log buckets).
        Default: ``None``.

    Attributes
    ----------
    bucket : aws_cdk.aws_s3.Bucket
        The bucket.
    key : aws_cdk.aws_kms.IKey or None
        The key encrypting the bucket (``None`` for SSE-S3 buckets).
    log_bucket : aws_cdk.aws_s3.IBucket or None
        Where server access logs go (``None`` for ``purpose="logs"``).
    purpose : str
        The purpose the bucket was created for.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        purpose: str = "media",
        server_access_logs_bucket: s3.IBucket | None = None,
        encryption_key: kms.IKey | None = None,
        server_access_logs_prefix: str | None = None,
        bucket_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        if purpose not in PURPOSES:
            raise ConfigurationError(
                "purpose", purpose, " | ".join(repr(p) for p in PURPOSES), fix="pick the purpose the bucket serves", source=self.node.path
            )
        is_log = purpose == "logs"
        if is_log and server_access_logs_bucket is not None:
            raise ConfigurationError(
                "server_access_logs_bucket",
                "a bucket",
                "None for purpose='logs'",
                fix="a log bucket receives access logs and does not log itself; drop the argument",
                source=self.node.path,
            )
        if is_log and encryption_key is not None:
            raise ConfigurationError(
                "encryption_key",
                "a KMS key",
                "None for purpose='logs'",
                fix="S3 server access logs and CloudFront standard logs are only delivered to SSE-S3 buckets",
                source=self.node.path,
            )
        # Before any child exists; the same template whatever the app's cdk.json says.
        enable_flags(self, S3_ACCESS_LOGS_BY_BUCKET_POLICY)
        self.profile = profile
        self.purpose = purpose
        retained = profile.is_retained

        defaults: dict[str, Any] = dict(
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            object_ownership=(
                s3.ObjectOwnership.BUCKET_OWNER_PREFERRED if is_log else s3.ObjectOwnership.BUCKET_OWNER_ENFORCED
            ),
            blocked_encryption_types=[s3.BlockedEncryptionType.SSE_C],
            lifecycle_rules=self._lifecycle_rules(profile, purpose),
            # Stated, not left to S3's default: no transition of objects under 128 KB, which in Glacier
            # would carry 40 KB of billed overhead and a billed transition request each.
            transition_default_minimum_object_size=s3.TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
            removal_policy=removal_policy(retained),
            auto_delete_objects=not retained,
        )
        props = merge_props(
            parameter="bucket_props", defaults=defaults, overrides=bucket_props, props_class=s3.BucketProps, enforced=_ENFORCED,
            source=self.node.path,
        )
        self._check_encryption(props, is_log)

        self.key: kms.IKey | None = None
        if is_log:
            props.setdefault("encryption", s3.BucketEncryption.S3_MANAGED)
        elif props.get("encryption") in (None, s3.BucketEncryption.KMS):
            self.key = encryption_key or props.get("encryption_key") or rotating_key(
                self, "Key", description=f"Encrypts the {purpose} bucket {self.node.path}", retain=retained
            )
            props["encryption"] = s3.BucketEncryption.KMS
            props["encryption_key"] = self.key
            props.setdefault("bucket_key_enabled", True)

        self.log_bucket: s3.IBucket | None = None
        if not is_log:
            if server_access_logs_bucket is None:
                server_access_logs_bucket = SecureBucket(self, "AccessLogs", profile=profile, purpose="logs").bucket
            self.log_bucket = server_access_logs_bucket
            props["server_access_logs_bucket"] = server_access_logs_bucket
            props["server_access_logs_prefix"] = server_access_logs_prefix or f"s3/{id}/"

        self.bucket = s3.Bucket(self, "Bucket", **props)
        self._send_events_to_eventbridge()
        if props.get("auto_delete_objects"):
            drop_redundant_dependency(self, AUTO_DELETE_OBJECTS_PROVIDER)

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "SecureBucket")
        if not props.get("object_lock_enabled"):
            compliance.apply_acknowledgements(self, "SecureBucket[no-object-lock]")
        if not props.get("replication_rules"):
            compliance.apply_acknowledgements(self, "SecureBucket[unreplicated]")
        if is_log:
            compliance.apply_acknowledgements(self, "SecureBucket[logs]")
        if props.get("auto_delete_objects"):
            compliance.apply_acknowledgements(self, "SecureBucket[auto-delete]")

    # ------------------------------------------------------------------------------------------
    def _send_events_to_eventbridge(self) -> None:
        """Publish the bucket's object events to EventBridge (Control Tower's CT.S3.PR.4).

        Set on the CloudFormation resource, not with ``event_bridge_enabled``: aws-cdk-lib would add
        its notifications custom resource (a Lambda function) for what the bucket's own
        ``NotificationConfiguration`` property does. Events of AWS services on the default bus cost
        nothing; they are there for a team's rules (malware scans, audits).
        """
        cfn = self.bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        if cfn.notification_configuration is None:
            cfn.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True)
            )

    def _check_encryption(self, props: Mapping[str, Any], is_log: bool) -> None:
        encryption = props.get("encryption")
        if encryption == s3.BucketEncryption.UNENCRYPTED:
            raise ConfigurationError(
                "bucket_props['encryption']",
                "UNENCRYPTED",
                "S3_MANAGED, KMS, KMS_MANAGED, DSSE or DSSE_MANAGED",
                fix="remove 'encryption': SecureBucket buckets are always encrypted",
                source=self.node.path,
            )
        if is_log and (
            (encryption is not None and encryption not in _LOG_ENCRYPTIONS) or props.get("encryption_key") is not None
        ):
            raise ConfigurationError(
                "bucket_props['encryption']",
                getattr(encryption, "name", encryption) if encryption is not None else "a KMS key",
                "S3_MANAGED for purpose='logs'",
                fix="S3 server access logs and CloudFront standard logs are only delivered to SSE-S3 buckets",
                source=self.node.path,
            )

    @staticmethod
    def _lifecycle_rules(profile: EnvironmentProfile, purpose: str) -> list[s3.LifecycleRule]:
        rules = [
            s3.LifecycleRule(
                id="AbortIncompleteMultipartUploads",
                abort_incomplete_multipart_upload_after=cdk.Duration.days(ABORT_MULTIPART_DAYS),
            ),
            s3.LifecycleRule(
                id="ExpireNoncurrentVersions",
                noncurrent_version_expiration=cdk.Duration.days(NONCURRENT_VERSION_DAYS[purpose]),
            ),
        ]
        if purpose in ("media", "uploads"):
            rules.append(
                s3.LifecycleRule(
                    id="IntelligentTiering",
                    transitions=[
                        s3.Transition(storage_class=s3.StorageClass.INTELLIGENT_TIERING, transition_after=cdk.Duration.days(0))
                    ],
                )
            )
        elif purpose == "backups":
            rules.append(
                s3.LifecycleRule(
                    id="ArchiveToGlacier",
                    transitions=[
                        s3.Transition(storage_class=s3.StorageClass.GLACIER, transition_after=cdk.Duration.days(BACKUP_GLACIER_DAYS))
                    ],
                )
            )
        else:  # logs
            rules.append(
                s3.LifecycleRule(
                    id="ExpireLogs", expiration=cdk.Duration.days(profile.protection.log_retention_days)
                )
            )
            rules.append(s3.LifecycleRule(id="RemoveExpiredDeleteMarkers", expired_object_delete_marker=True))
        return rules


