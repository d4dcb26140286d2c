#!/usr/bin/env python3
"""The FineFinds reference platform: one set of stacks per environment.

``cdk synth`` synthesizes every environment in ``env/``; ``cdk synth -c env=production`` one.
Each environment's settings file ``extends`` a preset of ``finefinds_constructs.profiles``.
Stacks are named ``FineFinds-<Env>-<Concern>`` (DESIGN.md §5); this round holds the network.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from constructs import Construct

from finefinds_constructs import ConfigurationError, EnvironmentProfile, EnvironmentStack, SecureVpc, compliance

ENV_DIR = Path(__file__).resolve().parent / "env"
ENVIRONMENTS = ("development", "qa", "sandbox", "staging", "production")


class NetworkStack(EnvironmentStack):
    """The environment's VPC: the network every other concern runs in."""

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, **kwargs) -> None:
        super().__init__(scope, id, profile=profile, **kwargs)
        self.network = SecureVpc(self, "Network", profile=profile)


def build_environment(app: cdk.App, profile: EnvironmentProfile) -> dict[str, cdk.Stack]:
    """Every stack of one environment, named ``FineFinds-<Env>-<Concern>``."""
    prefix = f"FineFinds-{profile.name.capitalize()}"
    network = NetworkStack(
        app,
        f"{prefix}-Network",
        profile=profile,
        description=f"FineFinds {profile.name}: VPC, subnets, NAT, flow logs, endpoints",
    )
    return {"network": network}


def selected_environments(app: cdk.App) -> list[str]:
    wanted = app.node.try_get_context("env")
    if wanted is None:
        return list(ENVIRONMENTS)
    if wanted not in ENVIRONMENTS:
        raise ConfigurationError(
            "env (cdk context)", wanted, " | ".join(ENVIRONMENTS), fix="run `cdk synth -c env=<name>` with one of those"
        )
    return [wanted]


def main() -> cdk.App:
    app = cdk.App()
    for name in selected_environments(app):
        build_environment(app, EnvironmentProfile.from_file(ENV_DIR / f"{name}.toml"))
    # The four cdk-nag packs: synthesis fails on any finding the library has not acknowledged.
    compliance.enable(app)
    app.synth()
    return app


if __name__ == "__main__":
    main()
