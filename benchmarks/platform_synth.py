#!/usr/bin/env python3
"""Benchmark: platform synth time per environment and for all environments, and peak memory.

Runs the real AWS CDK CLI (as the README's first command does) once per environment with
``-c env=<name>`` and once for the whole app, ``--repeat`` times each, and reports the best and
median wall time and the peak resident memory of the synthesis processes (the CLI, the Python
app and its jsii Node runtime).

Usage (from the repository root, after `python3 scripts/dev.py synth` installed the tools)::

    .venv/bin/python benchmarks/platform_synth.py [--repeat 3] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = ROOT / "examples" / "platform"
ENVIRONMENTS = ["development", "qa", "sandbox", "staging", "production"]


def run_once(env_name: str | None) -> tuple[float, int]:
    """Wall seconds and the peak RSS (KiB) of one `cdk synth`."""
    with tempfile.TemporaryDirectory(prefix="ff-bench-") as out:
        cmd = [
            str(ROOT / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "--no-notices",
            "--app", f"{shlex.quote(sys.executable)} app.py", "--output", out,
        ]
        if env_name:
            cmd += ["--context", f"env={env_name}"]
        started = time.perf_counter()
        # A fresh process per run, so ru_maxrss of *its* children is this run's peak.
        probe = (
            "import resource, subprocess, sys, json;"
            "r = subprocess.run(sys.argv[1:], capture_output=True);"
            "print(json.dumps([r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe, *cmd], cwd=PLATFORM, capture_output=True, text=True,
            env=dict(os.environ, CDK_DISABLE_CLI_TELEMETRY="true"),
        )
        seconds = time.perf_counter() - started
        code, peak_kib = json.loads(result.stdout.strip().splitlines()[-1])
        if code != 0:
            raise SystemExit(f"cdk synth failed for {env_name or 'all'} (exit {code})")
        return seconds, peak_kib


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    results = {}
    print(f"{'target':<13}{'best s':>9}{'median s':>10}{'peak MiB':>10}")
    for target in [*ENVIRONMENTS, None]:
        runs = [run_once(target) for _ in range(args.repeat)]
        times = [t for t, _ in runs]
        peak = max(m for _, m in runs) / 1024
        name = target or "all"
        results[name] = {"best_s": min(times), "median_s": statistics.median(times), "peak_mib": peak}
        print(f"{name:<13}{min(times):>9.2f}{statistics.median(times):>10.2f}{peak:>10.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
