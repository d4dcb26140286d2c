"""The compliance gate and the acknowledgement registry."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import aws_cdk as cdk
import cdk_nag
import pytest
from aws_cdk import aws_ec2 as ec2

import finefinds_constructs
import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, SecureVpc, compliance, readiness

ACK_KEY = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY


def test_four_packs():
    assert list(compliance.PACKS) == ["AwsSolutions", "NIST.800.53.R5", "PCI.DSS.321", "HIPAA.Security"]


@pytest.mark.parametrize("ack", compliance.REGISTRY, ids=lambda a: f"{a.construct}:{a.rule}:{a.path}")
def test_every_acknowledgement_is_complete_data(ack):
    assert not ack.rule.endswith("*"), "no wildcard rule ids"
    assert ack.pack in {*compliance.PACKS, "CDK", "CloudFormation-Validate", "checkov", "DeployReadiness", "ControlTower"}, ack.rule
    if ack.pack == "ControlTower":
        assert re.fullmatch(r"ControlTower::CT\.[A-Z0-9]+\.PR\.\d+", ack.rule), "a Control Tower control id"
    if ack.pack == "DeployReadiness":
        assert ack.rule.split("::", 1)[1] in {rule.name for rule in readiness.RULES}, "a rule of the check"
    # "Construct" or "Construct[variant]": a variant is a configuration the construct names when
    # it applies the entry (e.g. a bucket without replication).
    construct = ack.construct.split("[", 1)[0]
    assert hasattr(finefinds_constructs, construct) or construct in _library_constructs(), ack.construct
    assert ack.path and ack.path != "*", "acknowledge a resource path, never everything under a construct"
    if ack.path == ".":
        assert ack.construct == "EnvironmentStack", "only the stack acknowledges on itself"
    assert len(ack.reason) >= 60, "a reason a security reviewer would accept is a sentence or two"
    assert ack.fsbp_control


def _library_constructs() -> set[str]:
    import importlib
    import pkgutil

    names: set[str] = set()
    for module in pkgutil.iter_modules(finefinds_constructs.__path__):
        if not module.name.startswith("_"):
            mod = importlib.import_module(f"finefinds_constructs.{module.name}")
            names.update(n for n in dir(mod) if n[:1].isupper())
    return names


def test_enable_rejects_unknown_pack():
    app = cdk.App()
    with pytest.raises(ConfigurationError, match="NIST.800.53.R5"):
        compliance.enable(app, packs=["NIST.800.53.R4"])


def test_the_gate_fails_synthesis_on_an_unacknowledged_finding():
    """Given a plain L2 VPC (no flow logs), when synthesized with the gate on, then synth fails."""
    outdir = tempfile.mkdtemp(prefix="ff-gate-")
    try:
        app = cdk.App(outdir=outdir)
        stack = cdk.Stack(app, "Raw")
        ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
        compliance.enable(app)
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
        rules = {(f.pack, f.rule) for f in compliance.read_findings(outdir)}
        assert ("AwsSolutions", "AwsSolutions-VPC7") in rules
        for pack in ("NIST.800.53.R5", "PCI.DSS.321", "HIPAA.Security"):
            assert (pack, f"{pack}-VPCFlowLogsEnabled") in rules
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def test_acknowledgements_sit_on_the_exact_resources_not_the_stack():
    profile = support.profile_for_tests("production")
    app = cdk.App()
    stack = EnvironmentStack(app, "Acks", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    registry_rules = {ack.rule for ack in compliance.REGISTRY}
    acked: dict[str, dict] = {}
    for c in stack.node.find_all():
        for m in c.node.metadata:
            if m.type == ACK_KEY and any(key in registry_rules or key.split("::", 1)[-1] in registry_rules for key in m.data):
                acked.setdefault(c.node.path, {}).update(m.data)
    # (aws-cdk-lib itself acknowledges CloudFormation-Validate::W3010 on stacks with literal AZs.)
    stack_wide = {ack.rule for ack in compliance.REGISTRY if ack.path == "."}
    assert all(key.split("::", 1)[-1] in stack_wide or key in stack_wide for key in acked.get("Acks", {})), (
        "only the pinned-zones rule is acknowledged stack-wide"
    )
    default_routes = [p for p in acked if p.endswith("DefaultRoute")]
    assert len(default_routes) == len(profile.availability_zones)  # one per public subnet
    assert any("VPCNoUnrestrictedRouteToIGW" in key for key in acked[default_routes[0]])
    assert network.node.path + "/IsolatedAcl" in acked


def test_a_team_attaching_the_packs_itself_sees_the_librarys_acknowledgements():
    """cdk-nag used directly (not through compliance.enable) honours the same acknowledgements."""
    outdir = tempfile.mkdtemp(prefix="ff-own-")
    try:
        app = cdk.App(outdir=outdir)
        profile = support.profile_for_tests("development")
        stack = EnvironmentStack(app, "Team", profile=profile)
        SecureVpc(stack, "Network", profile=profile)
        cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app))
        cdk.Validations.of(app).add_plugins(cdk_nag.NIST80053R5Checks(app))
        app.synth()
        assert compliance.read_findings(outdir) == []
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def test_read_findings_without_report_is_empty(tmp_path: Path):
    assert compliance.read_findings(tmp_path) == []


def test_the_gate_covers_environment_stacks():
    outdir = tempfile.mkdtemp(prefix="ff-envstack-")
    try:
        app = cdk.App(outdir=outdir)
        stack = EnvironmentStack(app, "Env", profile=support.profile_for_tests("qa"))
        ec2.CfnVPC(stack, "Bare", cidr_block="10.0.0.0/16")
        compliance.enable(app)
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
        assert {f.pack for f in compliance.read_findings(outdir)} == set(compliance.PACKS)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def test_the_gate_fails_on_warnings_too():
    """A warning-level finding (AwsSolutions-VPC3 on a bare network ACL) also stops synthesis."""
    outdir = tempfile.mkdtemp(prefix="ff-warn-")
    try:
        app = cdk.App(outdir=outdir)
        stack = cdk.Stack(app, "Warn")
        ec2.CfnNetworkAcl(stack, "Acl", vpc_id="vpc-12345678")
        compliance.enable(app)
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
        assert [(f.severity, f.rule) for f in compliance.read_findings(outdir)] == [("warning", "AwsSolutions-VPC3")]
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def test_profile_explained_exceptions_apply_only_where_the_profile_explains_them():
    """Control Tower's one-year log retention is acknowledged where the profile keeps logs shorter, not in production."""
    app = cdk.App()

    def acknowledged(preset: str) -> set[str]:
        profile = support.profile_for_tests(preset)
        vpc = SecureVpc(EnvironmentStack(app, f"Net-{preset}", profile=profile), "Network", profile=profile)
        found: set[str] = set()
        for m in vpc.flow_log_group.node.metadata:
            if m.type == ACK_KEY:
                found.update(m.data)
        return found

    assert "ControlTower::CT.CLOUDWATCH.PR.2" in acknowledged("development")  # 14 days
    assert "ControlTower::CT.CLOUDWATCH.PR.2" not in acknowledged("production")  # 365 days
