"""AWS regions: availability zones pinned per region, DR partners and CloudFront prefix lists.

Every region of the commercial ``aws`` partition is listed, with the zone names it offers, so
synthesis never needs a lookup or cdk.context.json and a profile validates its zones offline.
Zone *names* map to different physical zones per account; where a region offers new accounts
fewer names than old ones (ap-northeast-1, ca-central-1, us-west-1), the new accounts' names are
listed. Regions launched since 2019 are opt-in: enable them in the account before deploying.
Source: the region and zone lists of cfn-lint 1.58 (``cfnlint.helpers.AVAILABILITY_ZONES``, kept
from AWS's own data), checked against the AWS Regions and Availability Zones documentation.
"""

from __future__ import annotations

REGION_AZS: dict[str, tuple[str, ...]] = {
    "us-east-1": ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"),
    "us-east-2": ("us-east-2a", "us-east-2b", "us-east-2c"),
    "us-west-1": ("us-west-1a", "us-west-1c"),
    "us-west-2": ("us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"),
    "ca-central-1": ("ca-central-1a", "ca-central-1b", "ca-central-1d"),
    "ca-west-1": ("ca-west-1a", "ca-west-1b", "ca-west-1c"),
    "mx-central-1": ("mx-central-1a", "mx-central-1b", "mx-central-1c"),
    "sa-east-1": ("sa-east-1a", "sa-east-1b", "sa-east-1c"),
    "eu-west-1": ("eu-west-1a", "eu-west-1b", "eu-west-1c"),
    "eu-west-2": ("eu-west-2a", "eu-west-2b", "eu-west-2c"),
    "eu-west-3": ("eu-west-3a", "eu-west-3b", "eu-west-3c"),
    "eu-central-1": ("eu-central-1a", "eu-central-1b", "eu-central-1c"),
    "eu-central-2": ("eu-central-2a", "eu-central-2b", "eu-central-2c"),
    "eu-north-1": ("eu-north-1a", "eu-north-1b", "eu-north-1c"),
    "eu-south-1": ("eu-south-1a", "eu-south-1b", "eu-south-1c"),
    "eu-south-2": ("eu-south-2a", "eu-south-2b", "eu-south-2c"),
    "il-central-1": ("il-central-1a", "il-central-1b", "il-central-1c"),
    "me-central-1": ("me-central-1a", "me-central-1b", "me-central-1c"),
    "me-south-1": ("me-south-1a", "me-south-1b", "me-south-1c"),
    "af-south-1": ("af-south-1a", "af-south-1b", "af-south-1c"),
    "ap-east-1": ("ap-east-1a", "ap-east-1b", "ap-east-1c"),
    "ap-east-2": ("ap-east-2a", "ap-east-2b", "ap-east-2c"),
    "ap-south-1": ("ap-south-1a", "ap-south-1b", "ap-south-1c"),
    "ap-south-2": ("ap-south-2a", "ap-south-2b", "ap-south-2c"),
    "ap-southeast-1": ("ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"),
    "ap-southeast-2": ("ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"),
    "ap-southeast-3": ("ap-southeast-3a", "ap-southeast-3b", "ap-southeast-3c"),
    "ap-southeast-4": ("ap-southeast-4a", "ap-southeast-4b", "ap-southeast-4c"),
    "ap-southeast-5": ("ap-southeast-5a", "ap-southeast-5b", "ap-southeast-5c"),
    "ap-southeast-6": ("ap-southeast-6a", "ap-southeast-6b", "ap-southeast-6c"),
    "ap-southeast-7": ("ap-southeast-7a", "ap-southeast-7b", "ap-southeast-7c"),
    "ap-northeast-1": ("ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"),
    "ap-northeast-2": ("ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"),
    "ap-northeast-3": ("ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c"),
}

#: The default disaster-recovery region of each home region (a preset's ``backup.dr_region``
#: follows it when a settings file moves the home region): another region in the same country
#: where AWS has one, else in the same jurisdiction or continent. Review it for your data
#: residency rules and set ``backup.dr_region`` where it does not fit.
DR_REGIONS: dict[str, str] = {
    "us-east-1": "us-west-2",
    "us-east-2": "us-west-2",
    "us-west-1": "us-west-2",
    "us-west-2": "us-east-1",
    "ca-central-1": "ca-west-1",
    "ca-west-1": "ca-central-1",
    "mx-central-1": "us-east-2",  # Mexico has one region
    "sa-east-1": "us-east-1",  # South America has one region
    "eu-west-1": "eu-central-1",
    "eu-west-2": "eu-west-1",  # the UK has one region
    "eu-west-3": "eu-central-1",
    "eu-central-1": "eu-west-1",
    "eu-central-2": "eu-central-1",  # Switzerland has one region
    "eu-north-1": "eu-central-1",
    "eu-south-1": "eu-central-1",
    "eu-south-2": "eu-west-3",
    "il-central-1": "eu-south-1",  # the nearest European region
    "me-central-1": "me-south-1",
    "me-south-1": "me-central-1",
    "af-south-1": "eu-west-1",  # Africa has one region
    "ap-east-1": "ap-southeast-1",
    "ap-east-2": "ap-northeast-1",
    "ap-south-1": "ap-south-2",
    "ap-south-2": "ap-south-1",
    "ap-southeast-1": "ap-southeast-5",
    "ap-southeast-2": "ap-southeast-4",
    "ap-southeast-3": "ap-southeast-1",
    "ap-southeast-4": "ap-southeast-2",
    "ap-southeast-5": "ap-southeast-1",
    "ap-southeast-6": "ap-southeast-2",  # New Zealand has one region
    "ap-southeast-7": "ap-southeast-1",
    "ap-northeast-1": "ap-northeast-3",
    "ap-northeast-2": "ap-northeast-1",
    "ap-northeast-3": "ap-northeast-1",
}

#: Region-code prefixes of the partitions this library does not target (GovCloud, China, ISO,
#: European Sovereign Cloud): a profile naming one gets an error that says so.
OTHER_PARTITION_PREFIXES = ("us-gov-", "cn-", "us-iso", "eu-iso", "eusc-")


def default_azs(region: str, count: int) -> tuple[str, ...]:
    """The first ``count`` pinned zones of ``region``."""
    return REGION_AZS[region][:count]


def default_dr_region(region: str) -> str:
    """The default disaster-recovery region of ``region`` (see :data:`DR_REGIONS`)."""
    return DR_REGIONS[region]


def availability_zone_context_key(account: str, region: str) -> str:
    """The context key under which a CDK stack looks up its availability zones."""
    return f"availability-zones:account={account}:region={region}"


#: Id of the AWS-managed prefix list ``com.amazonaws.global.cloudfront.origin-facing`` per region:
#: the addresses CloudFront uses to reach origins. AWS publishes one list per region with a
#: different id in each; the ids are stable. Source: the AWS blog post "Limit access to your origins
#: using the AWS-managed prefix list for Amazon CloudFront" (2022-02) and, to re-check a region,
#: ``aws ec2 describe-managed-prefix-lists --region <region> --filters
#: Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing``.
#: Not every region of :data:`REGION_AZS` has an id here (the list is not offered in every region,
#: and an id is added only once checked): FargateWebService says so for a region without one.
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
