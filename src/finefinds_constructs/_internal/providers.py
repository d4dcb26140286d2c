"""aws-cdk-lib's stack-level custom-resource providers that the constructs cause."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

#: Empties the VPC's default security group (``restrict_default_security_group``).
RESTRICT_DEFAULT_SG_PROVIDER = "Custom::VpcRestrictDefaultSGCustomResourceProvider"
#: Empties a bucket before CloudFormation deletes it (``auto_delete_objects``).
AUTO_DELETE_OBJECTS_PROVIDER = "Custom::S3AutoDeleteObjectsCustomResourceProvider"
#: Writes a subdomain's NS record in another account's parent zone (``CrossAccountZoneDelegationRecord``).
CROSS_ACCOUNT_DELEGATION_PROVIDER = "Custom::CrossAccountZoneDelegationCustomResourceProvider"
#: Carry strong references between stacks in two regions through SSM parameters: aws-cdk-lib adds
#: them while it prepares the app, only where references are strong (the default without
#: ``"@aws-cdk/core:defaultCrossStackReferences": "weak"``).
CROSS_REGION_EXPORT_PROVIDERS = (
    "Custom::CrossRegionExportWriterCustomResourceProvider",
    "Custom::CrossRegionExportReaderCustomResourceProvider",
)


def drop_redundant_dependency(scope: Construct, provider_id: str) -> None:
    """Remove the DependsOn aws-cdk-lib puts beside a GetAtt on a provider's handler.

    The handler already references its role with Fn::GetAtt, so the DependsOn is redundant and
    cfn-lint reports it (W3005); ordering is unchanged without it.
    """
    provider = cdk.Stack.of(scope).node.try_find_child(provider_id)
    handler = provider.node.try_find_child("Handler") if provider else None
    if isinstance(handler, cdk.CfnResource):
        handler.add_deletion_override("DependsOn")
