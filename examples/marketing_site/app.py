#!/usr/bin/env python3
"""The FineFinds marketing site: development and production, one stack per concern.

``cdk synth`` synthesizes every environment in ``env/``; ``cdk synth -c env=production`` one.
Each environment's settings file ``extends`` a preset of ``finefinds_constructs.profiles``.
Stacks are named ``FineFindsMarketing-<Env>-<Concern>`` (see ``marketing_stacks.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # marketing_stacks, also when imported from elsewhere (tests)

from finefinds_constructs import ConfigurationError, EnvironmentProfile, compliance  # noqa: E402
from marketing_stacks import Environment, build_environment  # noqa: E402

ENV_DIR = HERE / "env"
ENVIRONMENTS = ("development", "production")


def selected_environments(app: cdk.App) -> list[str]:
    """All environments, or the one named with ``-c env=<name>``."""
    wanted = app.node.try_get_context("env")
    if wanted is None:
        return list(ENVIRONMENTS)
    if wanted not in ENVIRONMENTS:
        raise ConfigurationError(
            "env (cdk context)", wanted, " | ".join(ENVIRONMENTS), fix="run `cdk synth -c env=<name>` with one of those"
        )
    return [wanted]


def build(app: cdk.App) -> dict[str, Environment]:
    """The selected environments' stacks in ``app``, with the compliance gate attached."""
    environments = {
        name: build_environment(app, EnvironmentProfile.from_file(ENV_DIR / f"{name}.toml"))
        for name in selected_environments(app)
    }
    # The four cdk-nag packs: synthesis fails on any finding the library has not acknowledged.
    compliance.enable(app)
    return environments


def main() -> None:
    app = cdk.App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
