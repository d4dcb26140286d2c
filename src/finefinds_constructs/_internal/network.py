"""Security-group wiring shared by the constructs that offer ``allow_from(peer)``."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct


def allow_from(owner: Construct, target: ec2.Connections, peer: Any, port: ec2.Port, description: str) -> None:
    """Admit ``peer`` to ``target`` on ``port``, without a stack cycle when they live apart.

    CDK puts an ingress rule in the target's stack; when the peer is a security-group holder in
    *another* stack that already depends on the target's (an app stack reading a database's
    secret), that would make the data stack depend on the app stack too. A "remote" rule is
    placed in the peer's stack instead: same rule, no cycle. Egress is added only where the
    peer's group restricts outbound traffic.
    """
    peer_connections = getattr(peer, "connections", None)
    if isinstance(peer_connections, ec2.Connections) and isinstance(peer, Construct):
        if cdk.Stack.of(peer) is not cdk.Stack.of(owner):
            for target_group in target.security_groups:
                for peer_group in peer_connections.security_groups:
                    target_group.add_ingress_rule(peer_group, port, description, True)
                    if not peer_group.allow_all_outbound:
                        peer_group.add_egress_rule(target_group, port, description, False)
            return
    target.allow_from(peer, port, description)
