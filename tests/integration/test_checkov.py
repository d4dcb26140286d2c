"""checkov over the platform's cloud assembly: no failed check without a written skip reason."""

from __future__ import annotations

import pytest

import support
from finefinds_constructs import compliance


@pytest.fixture(scope="session")
def checkov_report(platform):
    return support.checkov(platform["outdir"])


@pytest.mark.slow
def test_no_failed_checks(checkov_report):
    failed = support.checkov_checks(checkov_report)
    summary = sorted({f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in failed})
    assert failed == [], "\n".join(summary)


@pytest.mark.slow
def test_every_skip_is_a_registry_entry_with_its_reason(checkov_report):
    skipped = support.checkov_checks(checkov_report, "skipped_checks")
    assert skipped, "the registry holds checkov skips; they must reach the templates"
    reasons = {(a.rule, a.reason) for a in compliance.REGISTRY if a.rule.startswith("CKV")}
    for check in skipped:
        comment = check.get("suppress_comment") or check["check_result"].get("suppress_comment")
        assert (check["check_id"], comment) in reasons, check["check_id"]
