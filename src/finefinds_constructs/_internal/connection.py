"""What a data construct hands an application that connects to it (see ``FargateWebService.connect``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_ecs as ecs


@dataclass(frozen=True)
class Connection:
    """The settings an application needs to reach one database or cache.

    Returned by ``connection_for`` of :class:`~finefinds_constructs.AuroraCluster` and
    :class:`~finefinds_constructs.RedisCache`, which have already opened the network path and
    made the grants by then.

    Parameters
    ----------
    environment : dict[str, str]
        Plain environment variables (endpoint, port, names).
    secrets : dict[str, aws_cdk.aws_ecs.Secret]
        Variables injected from Secrets Manager at task start. Default: none.
    """

    environment: dict[str, str]
    secrets: dict[str, ecs.Secret] = field(default_factory=dict)


def connectable_and_grantee(consumer: Any) -> tuple[Any, Any]:
    """``consumer``'s security-group holder and principal: a FargateWebService, or anything that is both."""
    connectable = getattr(consumer, "service", consumer)
    grantee = getattr(consumer, "task_role", consumer)
    return connectable, grantee
