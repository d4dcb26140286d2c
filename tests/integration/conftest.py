"""Shared fixtures of the integration tests: the platform, synthesized once per session."""

from __future__ import annotations

from pathlib import Path

import background

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "examples" / "platform"
ENVIRONMENTS = ["development", "qa", "sandbox", "staging", "production"]
CONCERNS = ["Network", "Data", "Application", "Identity", "Edge", "Monitoring", "EdgeMonitoring", "Cost"]


def expected_concerns(env: str) -> list[str]:
    """The stacks an environment must have, from its settings file (what the profile switches on)."""
    from finefinds_constructs import EnvironmentProfile

    profile = EnvironmentProfile.from_file(PLATFORM / "env" / f"{env}.toml")
    optional = {
        "Dns": bool(profile.domain_name),
        "Email": profile.auth.email == "SES" and bool(profile.domain_name),
        "Audit": profile.audit.enabled,
        "Backup": profile.backup.enabled,
        "BackupDr": profile.backup.enabled and bool(profile.backup.dr_region),
    }
    return CONCERNS + [concern for concern, wanted in optional.items() if wanted]


#: (environment, concern) of every stack of the platform.
STACKS = [(env, concern) for env in ENVIRONMENTS for concern in expected_concerns(env)]


#: Given the platform app, when the README's synth command runs, then this is what it made:
#: ``result`` (the completed process), ``outdir``, ``manifest`` and ``stacks`` (templates by name).
#: The command runs in the background from the start of the session (``tests/background.py``).
platform = background.fixture("platform")
