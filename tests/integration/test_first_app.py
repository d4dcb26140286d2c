"""The documentation's first app (included verbatim in docs/getting-started.rst) synthesizes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT


def test_first_app_synthesizes_compliant(tmp_path):
    app = ROOT / "examples" / "first_app" / "app.py"
    assert len(app.read_text().splitlines()) <= 25, "the getting-started page promises about twenty lines"
    result = subprocess.run(
        [sys.executable, str(app)], cwd=app.parent, capture_output=True, text=True,
        env={**os.environ, "CDK_OUTDIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    template = json.loads((tmp_path / "Shop-Staging.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::EC2::VPC", "AWS::ECS::Service", "AWS::RDS::DBCluster"} <= types
