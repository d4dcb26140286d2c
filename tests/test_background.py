"""The suite's background runner (tests/background.py): it must neither lose nor invent a finding.

The gates (cfn-lint, checkov) reach the tests through batches; these tests pin that a batch
runs once for many submissions, hands every file exactly its own share, passes a program's failure
on, and that the real programs, batched, still report a planted finding.
"""

from __future__ import annotations

import json
import threading

import pytest

import background
import support


def test_a_job_runs_once_whoever_asks_first():
    calls = []
    job = background.Job("count", lambda: calls.append(1) or len(calls), timed=False)
    assert job.result() == 1  # not started: the caller runs it
    assert job.result() == 1 and calls == [1]


def test_a_jobs_error_reaches_every_caller():
    job = background.Job("fails", lambda: 1 / 0, timed=False)
    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            job.result()


def test_a_batch_runs_once_for_files_submitted_before_it_starts(tmp_path):
    runs: list[list[str]] = []
    release = threading.Event()

    def program(files):
        release.wait(5)
        runs.append(sorted(files))
        return {f: f.rsplit("/", 1)[-1].upper() for f in files}

    batch = background.Batch("fake", program, timed=False)
    a, b, c = (tmp_path / n for n in ("a", "b", "c"))
    batch.submit([a])
    batch.submit([b, a])  # `a` again: not run twice
    release.set()
    assert batch.result([a, b]) == {str(a): "A", str(b): "B"}
    assert batch.result([c]) == {str(c): "C"}
    assert len(runs) <= 2 and sorted(f for run in runs for f in run) == sorted(map(str, (a, b, c)))


def test_a_batch_passes_a_programs_failure_on(tmp_path):
    def program(files):
        raise RuntimeError("cfn-lint exited 32 without a JSON report")

    batch = background.Batch("broken", program, timed=False)
    with pytest.raises(RuntimeError, match="without a JSON report"):
        batch.result([tmp_path / "x.template.json"])


# ------------------------------------------------------------------ the real programs, batched
PLANTED = {
    "Resources": {
        # checkov: a bucket without encryption, logging or versioning (CKV_AWS_18, _19, _21).
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        # cfn-lint: E3012, a string where CloudFormation wants an integer.
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": "soon"}},
    }
}


def _plant() -> dict:
    folder = background.scratch("planted")
    template = folder / "Planted.template.json"
    template.write_text(json.dumps(PLANTED, indent=1))
    # Handed over as soon as the session starts, so they share a run with the platform's templates.
    background.CFN_LINT.submit([template])
    background.CHECKOV.submit([template])
    return {"folder": folder, "template": template}


planted_findings = background.fixture("planted_findings", _plant)


@pytest.mark.slow
def test_batched_cfn_lint_reports_a_planted_error(planted_findings):
    code, output = support.cfn_lint([planted_findings["template"]])
    assert code == 1
    assert "E3012" in output and "Planted.template.json" in output


@pytest.mark.slow
def test_batched_checkov_reports_a_planted_failure(planted_findings):
    (report,) = support.checkov(planted_findings["folder"])
    failed = {c["check_id"] for c in support.checkov_checks([report])}
    assert {"CKV_AWS_18", "CKV_AWS_21"} <= failed
    assert report["summary"]["failed"] == len(support.checkov_checks([report]))
