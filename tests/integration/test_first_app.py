"""The documentation's first app (included verbatim in docs/getting-started.rst) synthesizes."""

from __future__ import annotations

import json

import background
import support
from conftest import ROOT


#: Given examples/first_app/app.py, when it runs as ``python app.py`` (in the background).
first_app = background.fixture("first_app")


def test_first_app_synthesizes_compliant(first_app):
    app = ROOT / "examples" / "first_app" / "app.py"
    assert len(app.read_text().splitlines()) <= 25, "the getting-started page promises about twenty lines"
    result = first_app["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    template = json.loads((first_app["outdir"] / "Shop-Staging.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::EC2::VPC", "AWS::ECS::Service", "AWS::RDS::DBCluster"} <= types
    # The app enables the compliance gate: every plugin ran on its one stack and found nothing.
    support.assert_gate_ran(first_app["outdir"], stacks=1, findings=0)
    assert support.gate_findings(first_app["outdir"]) == []


def test_the_gate_is_active_on_the_first_app(tmp_path, monkeypatch):
    """Negative control: examples/first_app/app.py, with a plain bucket planted in its app, fails on
    that bucket, and only there (its own stack stays clean)."""
    app = ROOT / "examples" / "first_app" / "app.py"
    error = support.run_example_with_planted_resources(app, tmp_path, support.plant_bucket, monkeypatch)
    assert error is not None and "ValidationFailed" in error, error
    summary = support.assert_gate_ran(tmp_path, stacks=2, findings=None)
    assert all(run.findings > 0 for run in summary.plugins), summary.plugins
    findings = support.gate_findings(tmp_path)
    assert set(support.PLANTED_BUCKET_FINDINGS) <= set(findings)
    assert {path for _, path in findings} == {"Planted/Bucket"}
