#!/usr/bin/env python3
"""Synthesize the example apps with the AWS CDK CLI and print a per-environment summary.

Run through ``python3 scripts/dev.py synth`` (the README's first command), which provides the
pinned CLI and the virtual environment. Every example app with environments (``examples/*/env``:
the reference platform, the marketing site) is synthesized for every environment; the summary
gives, per environment: its stacks, resource count, CloudWatch alarms, whether a WAF is attached,
and the compliance status: the findings from the cloud assembly's validation report and, from the
gate's own summary (``compliance.read_summary``), which checks ran on the environment's stacks, so
an environment the gate never checked does not pass for a clean one. Exits non-zero when
synthesis fails or any environment is missing, unchecked or has a finding.

Options: ``--app NAME`` one example app (default: all; ``platform`` when ``--outdir`` is given);
``--env NAME`` one environment; ``--outdir DIR`` the assembly folder (one app only).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ORDER = ["development", "qa", "sandbox", "staging", "production"]


def cdk_cli() -> str:
    local = ROOT / "node_modules" / ".bin" / "cdk"
    if local.exists():
        return str(local)
    found = shutil.which("cdk")
    if not found:
        sys.exit("the AWS CDK CLI is not installed: run `python3 scripts/dev.py synth` from the repository root")
    return found


def example_apps() -> list[Path]:
    """Example apps that synthesize per environment (a cdk.json and an env/ folder)."""
    return sorted(p.parent for p in EXAMPLES.glob("*/cdk.json") if (p.parent / "env").is_dir())


def synthesize(app_dir: Path, outdir: Path, env_name: str | None) -> tuple[int, float, str]:
    if outdir.exists():
        shutil.rmtree(outdir)
    # The app runs under this interpreter (the project's venv), whatever `python` is on PATH.
    app = f"{shlex.quote(sys.executable)} app.py"
    cmd = [cdk_cli(), "synth", "--quiet", "--no-notices", "--app", app, "--output", str(outdir)]
    if env_name:
        cmd += ["--context", f"env={env_name}"]
    env = dict(os.environ, CDK_DISABLE_CLI_TELEMETRY="true")
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=app_dir, env=env, capture_output=True, text=True)
    return result.returncode, time.perf_counter() - started, result.stdout + result.stderr


def summarise(outdir: Path, expected: list[str]) -> tuple[list[dict], bool]:
    """Rows per environment read from the cloud assembly, and whether every one passed."""
    manifest_file = outdir / "manifest.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {"artifacts": {}}
    stacks_by_env: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for name, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        parts = artifact.get("displayName", name).split("-")
        env = parts[1].lower() if len(parts) > 2 else "?"
        template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        stacks_by_env[env].append((artifact.get("displayName", name), template))

    findings_by_env: dict[str, list[str]] = defaultdict(list)
    report = outdir / "validation-report.json"
    if report.is_file():
        for plugin in json.loads(report.read_text()).get("pluginReports", []):
            for violation in plugin.get("violations", []):
                for where in violation.get("violatingConstructs", []):
                    stack = where.get("constructPath", "").split("/")[0]
                    parts = stack.split("-")
                    env = parts[1].lower() if len(parts) > 2 else "?"
                    findings_by_env[env].append(f"{violation['ruleName']} at {where.get('constructPath')}")

    runs, not_run = gate_runs(outdir)
    rows, ok = [], True
    for env in expected:
        stacks = stacks_by_env.get(env, [])
        resources = [r for _, t in stacks for r in t.get("Resources", {}).values()]
        findings = findings_by_env.get(env, [])
        # The checks that covered every stack of the environment (an app-wide gate covers all).
        checks = [run for run in runs if stacks and all(run.covers(name) for name, _ in stacks)]
        failed_checks = [run.plugin for run in checks if run.error]
        passed = bool(stacks) and not findings and bool(checks) and not failed_checks
        ok &= passed
        rows.append(
            {
                "environment": env,
                "stacks": [name for name, _ in stacks],
                "resources": len(resources),
                "alarms": sum(r["Type"] == "AWS::CloudWatch::Alarm" for r in resources),
                "waf": any(r["Type"] == "AWS::WAFv2::WebACL" for r in resources),
                "findings": findings,
                "checks": [run.plugin for run in checks],
                "failed_checks": failed_checks,
                "not_run": not_run,
                "passed": passed,
            }
        )
    return rows, ok


def gate_runs(outdir: Path) -> tuple[list, str]:
    """The compliance gate's runs recorded in the assembly, or none and why."""
    from finefinds_constructs import compliance

    try:
        return list(compliance.read_summary(outdir).plugins), ""
    except compliance.GateNotRun as error:
        return [], str(error)


def compliance_status(row: dict) -> str:
    """``pass (0 findings, 4 packs, DeployReadiness, ControlTower)`` from the checks that ran, else why not."""
    from finefinds_constructs import compliance

    if not row["stacks"]:
        return "FAIL (not synthesized)"
    if row["findings"]:
        return f"FAIL ({len(row['findings'])} findings)"
    if row["failed_checks"]:
        return f"FAIL ({', '.join(row['failed_checks'])} failed)"
    if not row["checks"]:
        return "FAIL (compliance gate not run)"
    packs = [name for name in row["checks"] if name in compliance.PACKS]
    others = [name for name in dict.fromkeys(row["checks"]) if name not in compliance.PACKS]
    ran = [f"{len(set(packs))} pack{'' if len(set(packs)) == 1 else 's'}"] if packs else []
    return f"pass (0 findings, {', '.join(ran + others)})"


def print_table(rows: list[dict]) -> None:
    header = f"{'environment':<13}{'stacks':>7}{'resources':>11}{'alarms':>8}{'waf':>6}  compliance"
    print(header)
    print("-" * len(header) + "-" * 24)
    for row in rows:
        status = compliance_status(row)
        print(
            f"{row['environment']:<13}{len(row['stacks']):>7}{row['resources']:>11}{row['alarms']:>8}"
            f"{'on' if row['waf'] else 'off':>6}  {status}"
        )
        for stack in row["stacks"]:
            print(f"{'':<13}  · {stack}")
        for finding in row["findings"][:20]:
            print(f"{'':<13}  ! {finding}")
        if row["stacks"] and not row["checks"] and row["not_run"]:
            print(f"{'':<13}  ! {row['not_run']}")


def environments_of(app_dir: Path, env_name: str | None) -> list[str] | None:
    """The environments to synthesize (all of ``env/``, or ``env_name``); None, explained, if unknown."""
    available = sorted((p.stem for p in (app_dir / "env").glob("*.toml")), key=lambda e: (ORDER.index(e) if e in ORDER else len(ORDER), e))
    if not env_name:
        return available
    if env_name not in available:
        # Said before `cdk synth` starts (the app says the same, after a few seconds' start-up).
        print(
            f"ConfigurationError: examples/{app_dir.name}: --env = {env_name!r} is not allowed; "
            f"allowed: {' | '.join(available)}. Fix: name one of the settings files in "
            f"examples/{app_dir.name}/env/ (or add {env_name}.toml there)"
        )
        return None
    return [env_name]


def report(app_dir: Path, outdir: Path, expected: list[str], synthesized: tuple[int, float, str]) -> int:
    """Print one app's summary; non-zero when its synthesis failed or an environment did."""
    code, seconds, output = synthesized
    rows, ok = summarise(outdir, expected)
    print(f"examples/{app_dir.name}: `cdk synth` of {len(expected)} environment(s) in {seconds:.1f} s -> {outdir}")
    print()
    print_table(rows)
    if code != 0:
        print()
        print("cdk synth failed; its output:")
        print(output.strip()[-6000:])
        return code or 1
    if not ok:
        print("\nat least one environment failed")
        return 1
    print(f"\nall {len(rows)} environments synthesized and compliant")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", help="one example app (a folder of examples/)")
    parser.add_argument("--env", help="synthesize only this environment")
    parser.add_argument("--outdir", help="cloud assembly folder (one app only)")
    args = parser.parse_args(argv)
    apps = example_apps()
    if args.app or args.outdir:
        apps = [EXAMPLES / (args.app or "platform")]
    elif args.env:
        # Only the apps that have this environment (an unknown name reaches all, and each explains).
        apps = [a for a in apps if (a / "env" / f"{args.env}.toml").is_file()] or apps
    failed = 0
    runs = []
    for app_dir in apps:
        expected = environments_of(app_dir, args.env)
        if expected is None:
            failed = 1
            print()
            continue
        runs.append((app_dir, Path(args.outdir).resolve() if args.outdir else app_dir / "cdk.out", expected))
    if runs:
        # The apps are independent: synthesize them side by side (a CLI and a jsii runtime each).
        with ThreadPoolExecutor(max_workers=min(len(runs), os.cpu_count() or 1)) as pool:
            results = list(pool.map(lambda run: synthesize(run[0], run[1], args.env), runs))
        for (app_dir, outdir, expected), synthesized in zip(runs, results):
            failed |= report(app_dir, outdir, expected, synthesized) != 0
            print()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
