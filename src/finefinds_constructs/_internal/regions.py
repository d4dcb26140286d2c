"""Availability zones pinned per region, so synthesis never needs a lookup or cdk.context.json.

Zone *names* map to different physical zones per account, but the set of names a region offers
is fixed; listing them here lets profiles validate an AZ against its region offline.
"""

from __future__ import annotations

REGION_AZS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"),
    "us-east-2": ("us-east-2a", "us-east-2b", "us-east-2c"),
    "us-west-1": ("us-west-1a", "us-west-1c"),
    "us-west-2": ("us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"),
    "ca-central-1": ("ca-central-1a", "ca-central-1b", "ca-central-1d"),
    "eu-west-1": ("eu-west-1a", "eu-west-1b", "eu-west-1c"),
    "eu-west-2": ("eu-west-2a", "eu-west-2b", "eu-west-2c"),
    "eu-west-3": ("eu-west-3a", "eu-west-3b", "eu-west-3c"),
    "eu-central-1": ("eu-central-1a", "eu-central-1b", "eu-central-1c"),
    "eu-north-1": ("eu-north-1a", "eu-north-1b", "eu-north-1c"),
    "eu-south-1": ("eu-south-1a", "eu-south-1b", "eu-south-1c"),
    "ap-southeast-1": ("ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"),
    "ap-southeast-2": ("ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"),
    "ap-northeast-1": ("ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"),
    "ap-northeast-2": ("ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"),
    "ap-south-1": ("ap-south-1a", "ap-south-1b", "ap-south-1c"),
    "sa-east-1": ("sa-east-1a", "sa-east-1b", "sa-east-1c"),
}


def default_azs(region: str, count: int) -> tuple[str, ...]:
    """The first ``count`` pinned zones of ``region``."""
    return REGION_AZS[region][:count]


def availability_zone_context_key(account: str, region: str) -> str:
    """The context key under which a CDK stack looks up its availability zones."""
    return f"availability-zones:account={account}:region={region}"


#: Id of the AWS-managed prefix list ``com.amazonaws.global.cloudfront.origin-facing`` per region:
#: the addresses CloudFront uses to reach origins. AWS publishes one list per region with a
#: different id in each; the ids are stable. Source: the AWS blog post "Limit access to your origins
#: using the AWS-managed prefix list for Amazon CloudFront" (2022-02) and, to re-check a region,
#: ``aws ec2 describe-managed-prefix-lists --region <region> --filters
#: Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing``.
#: A test keeps this table covering every region of :data:`REGION_AZS`.
CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS: dict[str, str] = {
    "us-east-1": "pl-3b927c52",
    "us-east-2": "pl-b6a144df",
    "us-west-1": "pl-4ea04527",
    "us-west-2": "pl-82a045eb",
    "ca-central-1": "pl-38a64351",
    "eu-west-1": "pl-4fa04526",
    "eu-west-2": "pl-93a247fa",
    "eu-west-3": "pl-75b1541c",
    "eu-central-1": "pl-a3a144ca",
    "eu-north-1": "pl-fab65393",
    "eu-south-1": "pl-1bbc5972",
    "ap-southeast-1": "pl-31a34658",
    "ap-southeast-2": "pl-b8a742d1",
    "ap-northeast-1": "pl-58a04531",
    "ap-northeast-2": "pl-22a6434b",
    "ap-south-1": "pl-9aa247f3",
    "sa-east-1": "pl-5da64334",
}
