"""The README's commands (scripts/dev.py): extra arguments reach the task intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_extra_arguments_with_spaces_reach_pytest_as_given():
    """Given `dev.py test -m "not slow"`, pytest receives the marker expression as one argument."""
    result = subprocess.run(
        [sys.executable, "scripts/dev.py", "test", "--collect-only", "-q", "-m", "not slow", "tests/test_background.py"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_a_job_runs_once_whoever_asks_first" in result.stdout
    assert "test_batched_cfn_lint_reports_a_planted_error" not in result.stdout  # marked slow
    assert "deselected" in result.stdout
