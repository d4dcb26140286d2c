"""checkov over the platform's cloud assembly: no failed check without a written skip reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from finefinds_constructs import compliance


@pytest.fixture(scope="session")
def checkov_report(platform):
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "checkov"),
            "--directory", str(platform["outdir"]),
            "--framework", "cloudformation",
            "--compact", "--output", "json",  # no --quiet: it drops the skipped checks
        ],
        capture_output=True,
        text=True,
    )
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def checks(reports, kind: str) -> list[dict]:
    return [c for r in reports for c in r.get("results", {}).get(kind, [])]


@pytest.mark.slow
def test_no_failed_checks(checkov_report):
    failed = checks(checkov_report, "failed_checks")
    summary = sorted({f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in failed})
    assert failed == [], "\n".join(summary)


@pytest.mark.slow
def test_every_skip_is_a_registry_entry_with_its_reason(checkov_report):
    skipped = checks(checkov_report, "skipped_checks")
    assert skipped, "the registry holds checkov skips; they must reach the templates"
    reasons = {(a.rule, a.reason) for a in compliance.REGISTRY if a.rule.startswith("CKV")}
    for check in skipped:
        comment = check.get("suppress_comment") or check["check_result"].get("suppress_comment")
        assert (check["check_id"], comment) in reasons, check["check_id"]
