"""Building blocks for a team's own resources, with the defaults the constructs use.

The constructs keep their logs and roles this way; use the same pieces for resources the library
has no construct for (a Lambda function, an HTTP API, a queue) and they pass the same compliance
gate: log groups encrypted with a rotating customer-managed key, retention and removal policy
from the profile, grants in a customer-managed policy instead of an inline one.

.. code-block:: python

    from aws_cdk import aws_iam as iam, aws_logs as logs
    from finefinds_constructs import building_blocks

    key = building_blocks.log_encryption_key(stack, "LogsKey", profile=profile, description="Worker logs")
    log_group = building_blocks.log_group(stack, "WorkerLogs", profile=profile, encryption_key=key)
    role = building_blocks.ManagedPolicyRole(stack, "WorkerRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    log_group.grant_write(role)  # lands in the role's managed policy, not an inline one
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from . import compliance
from ._internal import logs as _logs
from ._internal.iam import ManagedPolicyRole
from ._internal.validation import require_profile
from .profiles import EnvironmentProfile

__all__ = ["ManagedPolicyRole", "log_encryption_key", "log_group", "log_retention", "removal_policy"]


def log_retention(profile: EnvironmentProfile) -> logs.RetentionDays:
    """How long log groups keep their events: ``profile.protection.log_retention_days``.

    Parameters
    ----------
    profile : EnvironmentProfile
        The environment profile; required.
    """
    return _logs.retention(require_profile(profile).protection.log_retention_days)


def removal_policy(profile: EnvironmentProfile) -> cdk.RemovalPolicy:
    """``RETAIN`` where the profile keeps its data (``profile.is_retained``), else ``DESTROY``.

    Parameters
    ----------
    profile : EnvironmentProfile
        The environment profile; required.
    """
    return _logs.removal_policy(require_profile(profile).is_retained)


def log_encryption_key(scope: Construct, id: str, *, profile: EnvironmentProfile, description: str) -> kms.Key:
    """A customer-managed KMS key (rotation on) for this account and region's log groups.

    The key policy admits the regional CloudWatch Logs service only for log groups of this
    account and region (through the encryption context). Where the profile keeps its data the
    key is retained and its deletion window is 30 days, else it is destroyed with a 7-day window.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id.
    profile : EnvironmentProfile
        The environment profile; required.
    description : str
        The key's description, e.g. what writes the logs.
    """
    return _logs.log_encryption_key(scope, id, description=description, retain=require_profile(profile).is_retained)


def log_group(scope: Construct, id: str, *, profile: EnvironmentProfile, encryption_key: kms.IKey, **kwargs: object) -> logs.LogGroup:
    """A log group as the constructs make theirs: encrypted, retention and removal from the profile.

    Where the profile keeps logs less than a year (``protection.log_retention_days``; the
    non-production presets), Control Tower's CT.CLOUDWATCH.PR.2 is acknowledged on this group with
    the library's reason, as on the constructs' own groups. Create a ``logs.LogGroup`` yourself
    instead where your controls must see a year's retention.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id.
    profile : EnvironmentProfile
        The environment profile; required.
    encryption_key : aws_cdk.aws_kms.IKey
        The key, e.g. from :func:`log_encryption_key`.
    **kwargs
        Other ``logs.LogGroupProps`` (``log_group_class``, ...). Default: none.
    """
    profile = require_profile(profile)
    group = logs.LogGroup(
        scope,
        id,
        encryption_key=encryption_key,
        retention=log_retention(profile),
        removal_policy=removal_policy(profile),
        **kwargs,  # type: ignore[arg-type]
    )
    compliance.apply_log_retention_acknowledgements(group, "building_blocks", profile.protection.log_retention_days)
    return group
