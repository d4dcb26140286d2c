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

from finefinds_constructs import compliance, profiles  # noqa: E402
from marketing_stacks import Environment, build_environment  # noqa: E402

ENV_DIR = HERE / "env"


def build(app: cdk.App) -> dict[str, Environment]:
    """The stacks of every environment in ``env/`` (or the one of ``-c env=<name>``), gate attached."""
    environments = {name: build_environment(app, profile) for name, profile in profiles.environments_for(app, ENV_DIR).items()}
    # The four cdk-nag packs: synthesis fails on any finding the library has not acknowledged.
    compliance.enable(app)
    return environments


def main() -> None:
    app = cdk.App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
