"""Packaging: projen regeneration is clean; the wheel installs and works outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import background
import support

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


@pytest.mark.slow
def test_projen_regeneration_changes_no_tracked_file(tmp_path):
    """Given a copy of the repository, when .projenrc.py runs, then every tracked file is unchanged."""
    copy = tmp_path / "repo"
    files = tracked_files()
    assert ".projenrc.py" in files and "pyproject.toml" in files and ".projen/tasks.json" in files
    for rel in files:
        target = copy / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    before = {rel: (copy / rel).read_bytes() for rel in files}
    # PROJEN_DISABLE_POST: only regenerate files; don't let projen's uv component create a venv.
    env = dict(os.environ, PROJEN_DISABLE_POST="1")
    result = subprocess.run([sys.executable, ".projenrc.py"], cwd=copy, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    changed = [rel for rel in files if not (copy / rel).exists() or (copy / rel).read_bytes() != before[rel]]
    assert changed == [], f"regenerating changed {changed}: run `python .projenrc.py` and commit"


wheel_build = background.fixture("wheel_build")


@pytest.fixture(scope="session")
def wheel(wheel_build) -> Path:
    """The wheel, built with ``uv build`` from the repository (in the background)."""
    assert wheel_build["result"].returncode == 0, wheel_build["result"].stdout + wheel_build["result"].stderr
    (whl,) = wheel_build["wheels"]
    return whl


@pytest.mark.slow
def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "finefinds_constructs/py.typed" in names
    assert "finefinds_constructs/secure_vpc.py" in names
    assert not [n for n in names if n.startswith(("tests/", "examples/"))]
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Name: finefinds-constructs" in text
    assert "Requires-Python: >=3.10" in text
    assert "License-Expression: Apache-2.0" in text
    for dep in ("aws-cdk-lib", "constructs", "cdk-nag"):
        assert f"Requires-Dist: {dep}" in text


CONSUMER_APP = textwrap.dedent(
    """
    import sys
    import aws_cdk as cdk
    from aws_cdk import aws_ecs as ecs
    from finefinds_constructs import (
        AuroraCluster, ConfigurationError, EnvironmentProfile, EnvironmentStack, FargateWebService,
        SecureVpc, WafProtection, compliance, profiles,
    )

    # A team's own app: network, a web service open to the internet (no CDN) and its database.
    app = cdk.App(outdir=sys.argv[1])
    profile = EnvironmentProfile.from_file(sys.argv[2])
    stack = EnvironmentStack(app, "Shop", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    web = FargateWebService(
        stack, "Web", profile=profile, vpc=network.vpc,
        image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx-unprivileged:stable-alpine"),
        container_port=8080, user="101", public_load_balancer_ingress=True,
        writable_paths=("/tmp", "/var/cache/nginx", "/var/run"),
    )
    WafProtection(stack, "Waf", profile=profile).associate(web.load_balancer)  # nothing else is in front
    database = AuroraCluster(stack, "Database", profile=profile, vpc=network.vpc)
    web.connect(database)
    compliance.enable(app)
    app.synth()
    try:
        SecureVpc(stack, "Bad", profile=profiles.DEVELOPMENT, nat_gateways=0)
    except ConfigurationError as exc:
        print("rejected:", exc.parameter)
    print("synthesized", type(network.vpc).__name__, type(web.service).__name__, type(database.cluster).__name__)
    import finefinds_constructs
    print("imported from", finefinds_constructs.__file__)
    """
)


def _consumer() -> dict:
    """The wheel installed into a fresh venv, and a team's app outside the repository run with it."""
    (wheel,) = background.result("wheel_build")["wheels"]
    tmp = background.scratch("consumer")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = background.run([str(VENV_BIN / "uv"), "pip", "install", "--quiet", "--python", str(python), str(wheel)])
    if install.returncode != 0:
        return {"install": install}
    app_dir = tmp / "consumer"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(CONSUMER_APP)
    (app_dir / "shop.toml").write_text('extends = "staging"\naccount = "210987654321"\n')
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    run = background.run([str(python), "app.py", str(app_dir / "cdk.out"), "shop.toml"], cwd=app_dir, env=env)
    return {"install": install, "venv": venv, "app_dir": app_dir, "run": run}


consumer = background.fixture("consumer", _consumer)


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_synthesizes_an_app_outside_the_repo(consumer):
    """Given the built wheel in a fresh venv, when a team's app outside the repo runs, then it synthesizes."""
    install = consumer["install"]
    assert install.returncode == 0, install.stdout + install.stderr
    result, app_dir = consumer["run"], consumer["app_dir"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "synthesized Vpc FargateService DatabaseCluster" in result.stdout
    assert "rejected: nat_gateways" in result.stdout
    template = json.loads((app_dir / "cdk.out" / "Shop.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::EC2::VPC", "AWS::ECS::Service", "AWS::RDS::DBCluster"} <= types
    # The compliance gate ran in the consumer's app too: every plugin, on its one stack, found nothing.
    support.assert_gate_ran(app_dir / "cdk.out", stacks=1, findings=0)
    # It imported the installed wheel, not the repository's sources.
    assert f"imported from {consumer['venv']}" in result.stdout
