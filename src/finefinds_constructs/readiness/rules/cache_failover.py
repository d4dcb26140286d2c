"""ElastiCache Multi-AZ needs automatic failover and a replica."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates

_TRUE = (True, "true", "True")


def _check(templates: Templates) -> Iterator[tuple]:
    for group in templates.resources("AWS::ElastiCache::ReplicationGroup"):
        failover = group.get("AutomaticFailoverEnabled") in _TRUE
        replicas = group.get("ReplicasPerNodeGroup")
        clusters = group.get("NumCacheClusters")
        single = (isinstance(replicas, int) and replicas < 1) or (replicas is None and isinstance(clusters, int) and clusters < 2)
        if group.get("MultiAZEnabled") in _TRUE and not failover:
            yield group, "MultiAZEnabled without AutomaticFailoverEnabled"
        if failover and single:
            yield group, "AutomaticFailoverEnabled with no replica to fail over to"


RULE = Rule(
    name="CacheFailoverNeedsReplica",
    trap=(
        "ElastiCache refuses a replication group that asks for Multi-AZ without automatic failover, or for "
        "automatic failover without a replica (InvalidParameterCombination: it needs at least two nodes): the "
        "stack fails to create or update."
    ),
    fix=(
        "Turn Multi-AZ and automatic failover on together with at least one replica (RedisCache does when "
        "profile.cache.replicas >= 1), or all of them off for a single-node cache."
    ),
    check=_check,
)
