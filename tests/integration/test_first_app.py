"""The documentation's first app (included verbatim in docs/getting-started.rst) synthesizes."""

from __future__ import annotations

import json

import background
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
    # The app enables the compliance gate: its report is there and clean.
    report = json.loads((first_app["outdir"] / "validation-report.json").read_text())
    assert all(p["conclusion"] == "success" for p in report["pluginReports"])
