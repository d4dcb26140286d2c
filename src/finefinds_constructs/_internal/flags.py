"""aws-cdk-lib feature flags a construct turns on for its own subtree.

An app made years ago, or without ``cdk init``, has few flags in its ``cdk.json``. Where a flag
changes what a construct deploys, the construct sets it on itself, so its template is the same
whatever the app's ``cdk.json`` says (and resources a team adds elsewhere keep the app's choice).
"""

from __future__ import annotations

from constructs import Construct

#: Without it ECS services get an empty ``DeploymentConfiguration.Alarms`` block, which fails to
#: deploy where ECS has no alarm-based rollback (aws-cdk #26574, cn-north-1).
ECS_NO_DEFAULT_DEPLOYMENT_ALARM = "@aws-cdk/aws-ecs:removeDefaultDeploymentAlarm"
#: Without it a policy added through a database's secret attachment (rotation's deny of
#: DeleteSecret) is an ``AWS::SecretsManager::ResourcePolicy`` under another logical id. Turning the
#: flag on later replaces that resource, and both write the secret's one resource policy, so
#: deleting the old one can take the new one's statements with it.
SECRET_ATTACHMENT_POLICY_ON_SECRET = "@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments"
#: Without it the default policy of an imported role gets another logical id (and name).
IMPORTED_ROLE_UNIQUE_POLICY_NAME = "@aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName"
#: S3 server-access-log delivery granted by a bucket policy (scoped to the source bucket and
#: account) instead of the legacy LogDeliveryWrite ACL.
S3_ACCESS_LOGS_BY_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


def enable_flags(scope: Construct, *flags: str) -> None:
    """Turn ``flags`` on for ``scope`` and everything under it.

    Call it before ``scope`` has a child: CDK freezes a node's context after that.
    """
    for flag in flags:
        scope.node.set_context(flag, True)
