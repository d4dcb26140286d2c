"""Shared fixtures of the integration tests: the platform, synthesized once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "examples" / "platform"
ENVIRONMENTS = ["development", "qa", "sandbox", "staging", "production"]
CONCERNS = ["Network", "Data", "Application", "Identity", "Edge", "Monitoring"]


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """Given the platform app, when the README's synth command runs, then this is what it made."""
    outdir = tmp_path_factory.mktemp("platform") / "cdk.out"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "platform_summary.py"), "--outdir", str(outdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, CDK_DISABLE_CLI_TELEMETRY="true"),
    )
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = {
        name: json.loads((outdir / a["properties"]["templateFile"]).read_text())
        for name, a in manifest["artifacts"].items()
        if a["type"] == "aws:cloudformation:stack"
    }
    return {"result": result, "outdir": outdir, "manifest": manifest, "stacks": stacks}


