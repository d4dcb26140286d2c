"""The compliance gate and the acknowledgement registry."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import aws_cdk as cdk
import cdk_nag
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct, RootConstruct

import finefinds_constructs
import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, SecureVpc, compliance, readiness
from finefinds_constructs._internal import as_built

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
    if ack.as_built:
        assert ack.as_built in as_built.CHECKS, ack.as_built
        assert not (ack.is_checkov_skip or ack.is_cdk_warning), "checked at synthesis: validation rules only"


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
    # On the network ACL's resources, not the ACL construct: an entry a team adds later is not covered.
    assert network.node.path + "/IsolatedAcl/Resource" in acked
    assert network.node.path + "/IsolatedAcl" not in acked


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
        for m in vpc.flow_log_group.node.default_child.node.metadata:
            if m.type == ACK_KEY:
                found.update(m.data)
        return found

    assert "ControlTower::CT.CLOUDWATCH.PR.2" in acknowledged("development")  # 14 days
    assert "ControlTower::CT.CLOUDWATCH.PR.2" not in acknowledged("production")  # 365 days


# ------------------------------------------------------------------------------------------------
# Scoping: enable(scope) checks exactly the stacks under scope, wherever scope sits.

NAG_ONLY = dict(packs=["AwsSolutions"], deploy_readiness=False, control_tower=False)
#: What AwsSolutions says about a bare s3.CfnBucket.
BARE_BUCKET_RULES = {"AwsSolutions-S1", "AwsSolutions-S10"}


def _placements(app: cdk.App) -> dict[str, tuple[IConstruct, cdk.Stack]]:
    """Each placement of a scope (the scope, and the stack inside it that gets the planted bucket)."""
    top = cdk.Stack(app, "Top")
    stage = cdk.Stage(app, "Stage")
    pipeline = cdk.Stack(app, "Pipeline")
    in_stack = cdk.Stage(pipeline, "Prod")  # the CDK Pipelines layout
    outer = cdk.Stage(app, "Outer")
    in_stage = cdk.Stage(outer, "Inner")
    return {
        "app": (app, top),
        "stage": (stage, cdk.Stack(stage, "Service")),
        "stage-in-stack": (in_stack, cdk.Stack(in_stack, "Service")),
        "stage-in-stage": (in_stage, cdk.Stack(in_stage, "Service")),
        "stack": (top, top),
    }


@pytest.mark.parametrize("placement", ["app", "stage", "stage-in-stack", "stage-in-stage", "stack"])
def test_the_gate_checks_its_scope_wherever_it_sits(placement, tmp_path, capsys):
    """Given a bare bucket in the scope's stacks, when the gate is enabled on that scope, synth fails on it."""
    app = cdk.App(outdir=str(tmp_path))
    scope, stack = _placements(app)[placement]
    s3.CfnBucket(stack, "Bare")
    compliance.enable(scope, **NAG_ONLY)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    where = f"{stack.node.path}/Bare"
    assert {f.rule for f in compliance.read_findings(tmp_path) if f.path == where} == BARE_BUCKET_RULES
    expected_path = {"app": "", "stage": "Stage", "stage-in-stack": "Pipeline/Prod", "stage-in-stage": "Outer/Inner", "stack": "Top"}[placement]
    templates = {"app": 5, "stage": 1, "stage-in-stack": 1, "stage-in-stage": 1, "stack": 1}[placement]
    assert compliance.read_summary(tmp_path).plugins == (compliance.PluginRun("AwsSolutions", expected_path, 2, templates),)
    shown = f" ({expected_path})" if expected_path else ""
    assert f"compliance: AwsSolutions{shown} — 2 findings in {templates} template{'s' if templates > 1 else ''}" in capsys.readouterr().err


def test_a_stage_in_a_pipeline_stack_gets_every_plugin(tmp_path):
    """CDK never runs plugins added to a stage inside a stack: deploy readiness and Control Tower run there too."""
    app = cdk.App(outdir=str(tmp_path))
    prod = cdk.Stage(cdk.Stack(app, "Pipeline"), "Prod")
    s3.CfnBucket(cdk.Stack(prod, "Service"), "Bare")
    s3.CfnBucket(cdk.Stack(app, "Top"), "Bare")  # outside the scope
    compliance.enable(prod)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    findings = compliance.read_findings(tmp_path)
    found = {(f.pack, f.rule) for f in findings if f.path == "Pipeline/Prod/Service/Bare"}
    assert {("DeployReadiness", "EmptiedBeforeDelete"), ("ControlTower", "CT.S3.PR.9")} <= found
    assert {p for p, _ in found} == {*compliance.PACKS, "DeployReadiness", "ControlTower"}
    assert {f.path for f in findings if f.pack != "CloudFormation Validate"} == {"Pipeline/Prod/Service/Bare"}
    # Deploy readiness saw the whole app but describes only what is in the scope.
    (readiness_finding,) = [f for f in findings if f.pack == "DeployReadiness"]
    assert "[PipelineProdService" in readiness_finding.description and "[Top/" not in readiness_finding.description


def test_enabled_on_one_stage_the_gate_leaves_other_stages_and_top_level_stacks_alone(tmp_path, capsys):
    """Given findings planted in stage B and in a top-level stack, the gate on stage A reports neither."""
    app = cdk.App(outdir=str(tmp_path))
    a = cdk.Stage(app, "A")
    cdk.CfnWaitConditionHandle(cdk.Stack(a, "Service"), "Handle")  # nothing any plugin reports
    s3.CfnBucket(cdk.Stack(cdk.Stage(app, "B"), "Service"), "Bare")
    s3.CfnBucket(cdk.Stack(app, "Top"), "Bare")
    compliance.enable(a)
    app.synth()  # no finding in A: synthesis passes
    assert [f for f in compliance.read_findings(tmp_path) if f.pack != "CloudFormation Validate"] == []
    summary = compliance.read_summary(tmp_path)
    assert [(p.plugin, p.scope, p.findings, p.templates) for p in summary.plugins] == [
        (name, "A", 0, 1) for name in (*compliance.PACKS, "DeployReadiness", "ControlTower")
    ]
    assert summary.passed
    assert "compliance: ControlTower (A) — 0 findings in 1 template" in capsys.readouterr().err


def test_enable_needs_an_app_at_the_root():
    """CDK runs validation plugins only when an app synthesizes."""
    stack = cdk.Stack(RootConstruct("Root"), "Stack")
    with pytest.raises(ConfigurationError, match="cdk.App"):
        compliance.enable(stack)


def test_enable_rejects_a_construct_inside_a_stack():
    app = cdk.App()
    construct = Construct(cdk.Stack(app, "Stack"), "Part")
    with pytest.raises(ConfigurationError, match="Stack.of"):
        compliance.enable(construct)


def test_enable_rejects_overlapping_scopes():
    """The same stacks checked twice would report every finding twice."""
    app = cdk.App()
    stage = cdk.Stage(app, "Stage")
    compliance.enable(stage, **NAG_ONLY)
    with pytest.raises(ConfigurationError, match="overlap"):
        compliance.enable(app, **NAG_ONLY)
    compliance.enable(cdk.Stage(app, "Other"), **NAG_ONLY)  # a second, separate stage is fine


# ------------------------------------------------------------------------------------------------
# The summary: every plugin that ran, 0 findings included.


def test_the_summary_lists_every_plugin_that_ran_with_zero_findings(tmp_path, capsys):
    app = cdk.App(outdir=str(tmp_path))
    cdk.CfnWaitConditionHandle(cdk.Stack(app, "Clean"), "Handle")
    compliance.enable(app)
    app.synth()
    summary = compliance.read_summary(tmp_path)
    assert summary.plugins == tuple(
        compliance.PluginRun(name, "", 0, 1)
        for name in ("AwsSolutions", "NIST.800.53.R5", "PCI.DSS.321", "HIPAA.Security", "DeployReadiness", "ControlTower")
    )
    assert summary.passed and summary.findings == 0
    err = capsys.readouterr().err
    for name in ("AwsSolutions", "NIST.800.53.R5", "PCI.DSS.321", "HIPAA.Security", "DeployReadiness", "ControlTower"):
        assert f"compliance: {name} — 0 findings in 1 template" in err


def test_the_summary_counts_what_cdk_reports_when_templates_carry_no_construct_paths(tmp_path):
    """Without the CLI's path metadata, Control Tower names a finding by logical id only; CDK finds its
    construct (and the library's acknowledgement there), and so does the summary."""
    profile = support.profile_for_tests("production")
    app = cdk.App(outdir=str(tmp_path))  # no aws:cdk:enable-path-metadata
    SecureVpc(EnvironmentStack(app, "Network", profile=profile), "Network", profile=profile)
    compliance.enable(app, packs=(), deploy_readiness=False)
    app.synth()
    assert compliance.read_summary(tmp_path).plugins == (compliance.PluginRun("ControlTower", "", 0, 1),)


def test_a_scope_without_stacks_does_not_pass(tmp_path, capsys):
    """Enabled on a stage that holds no stack, the gate checked nothing: that is no pass."""
    app = cdk.App(outdir=str(tmp_path))
    cdk.CfnWaitConditionHandle(cdk.Stack(app, "Elsewhere"), "Handle")
    compliance.enable(cdk.Stage(app, "Empty"), **NAG_ONLY)
    app.synth()
    summary = compliance.read_summary(tmp_path)
    assert summary.plugins == (compliance.PluginRun("AwsSolutions", "Empty", 0, 0),)
    assert not summary.passed
    assert "compliance: AwsSolutions (Empty) — 0 findings in 0 templates" in capsys.readouterr().err


def test_read_summary_tells_a_gate_that_never_ran(tmp_path):
    """Without the gate the assembly has a validation report (CDK's own checks) but no summary."""
    app = cdk.App(outdir=str(tmp_path))
    cdk.CfnWaitConditionHandle(cdk.Stack(app, "Clean"), "Handle")
    app.synth()
    assert compliance.read_findings(tmp_path) == []  # which alone cannot tell "not run" from "passed"
    with pytest.raises(compliance.GateNotRun, match="compliance.enable"):
        compliance.read_summary(tmp_path)


def test_a_summary_from_an_earlier_synthesis_is_not_current(tmp_path):
    """Synthesized again into the same folder without the gate, the old summary no longer counts."""
    first = cdk.App(outdir=str(tmp_path))
    cdk.CfnWaitConditionHandle(cdk.Stack(first, "Clean"), "Handle")
    compliance.enable(first, **NAG_ONLY)
    first.synth()
    assert compliance.read_summary(tmp_path).passed
    second = cdk.App(outdir=str(tmp_path))
    s3.CfnBucket(cdk.Stack(second, "Clean"), "Bare")
    second.synth()
    with pytest.raises(compliance.GateNotRun, match="templates changed"):
        compliance.read_summary(tmp_path)


def test_the_gate_synthesizes_twice_into_one_folder_when_plugins_must_not_mutate(tmp_path):
    """confirm_validation_plugins_do_not_mutate refuses a plugin that changes a file the assembly had."""
    for handle in ("First", "Second"):  # another template, so another summary
        app = cdk.App(outdir=str(tmp_path), confirm_validation_plugins_do_not_mutate=True)
        cdk.CfnWaitConditionHandle(cdk.Stack(app, "Clean"), handle)
        compliance.enable(app, **NAG_ONLY)
        app.synth()
    assert compliance.read_summary(tmp_path).passed


# ------------------------------------------------------------------------------------------------
# compliance.acknowledge: a team's own exceptions, by rule id.

REASON = "The team's fixture bucket for this test holds no data and is deleted with the stack it belongs to."


def test_a_team_acknowledges_rules_on_its_own_resources(tmp_path):
    """Acknowledged under the team's construct, the findings there go; the same bucket elsewhere still fails."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Team")
    mine = Construct(stack, "Mine")
    s3.CfnBucket(mine, "Bucket")
    s3.CfnBucket(stack, "Other")
    compliance.acknowledge(mine, "AwsSolutions-S1", "AwsSolutions-S10", reason=REASON)
    compliance.enable(app, **NAG_ONLY)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert {(f.rule, f.path) for f in compliance.read_findings(tmp_path) if f.pack == "AwsSolutions"} == {
        ("AwsSolutions-S1", "Team/Other"),
        ("AwsSolutions-S10", "Team/Other"),
    }
    assert compliance.read_summary(tmp_path).findings == 2


def test_acknowledge_names_deploy_readiness_and_control_tower_rules(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    bucket = s3.CfnBucket(cdk.Stack(app, "Team"), "Bucket")
    compliance.acknowledge(bucket, "DeployReadiness::EmptiedBeforeDelete", "ControlTower::CT.S3.PR.9", reason=REASON)
    compliance.enable(app, packs=())
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    rules = {(f.pack, f.rule) for f in compliance.read_findings(tmp_path)}
    assert ("ControlTower", "CT.S3.PR.1") in rules  # the others stay
    assert ("ControlTower", "CT.S3.PR.9") not in rules
    assert not any(pack == "DeployReadiness" for pack, _ in rules)


def _role_with_wildcards(stack: cdk.Stack) -> iam.Role:
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::team-uploads/*"]))
    role.add_to_policy(iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"]))
    return role


def _iam5(outdir: Path) -> set[str]:
    return {f.rule for f in compliance.read_findings(outdir) if f.rule.startswith("AwsSolutions-IAM5")}


def test_acknowledge_narrows_a_rule_to_findings_whose_detail_matches(tmp_path):
    """cdk-nag names IAM5 findings by their text; a glob on the detail accepts one, not the other."""
    app = cdk.App(outdir=str(tmp_path))
    role = _role_with_wildcards(cdk.Stack(app, "Team"))
    compliance.acknowledge(role, "AwsSolutions-IAM5", detail="Resource::arn:aws:s3:::team-*/*", reason=REASON)
    compliance.enable(app, **NAG_ONLY)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert _iam5(tmp_path) == {"AwsSolutions-IAM5[Resource::*]"}


def test_acknowledge_takes_a_regular_expression_for_the_detail(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    role = _role_with_wildcards(cdk.Stack(app, "Team"))
    compliance.acknowledge(role, "AwsSolutions-IAM5", detail=re.compile(r"Resource::\*"), reason=REASON)
    compliance.enable(app, **NAG_ONLY)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert _iam5(tmp_path) == {"AwsSolutions-IAM5[Resource::arn:aws:s3:::team-uploads/*]"}


def test_a_rule_id_without_detail_covers_every_finding_of_the_rule(tmp_path):
    """cdk-nag alone matches exact finding ids; the gate takes "AwsSolutions-IAM5" for all of its findings."""
    app = cdk.App(outdir=str(tmp_path))
    role = _role_with_wildcards(cdk.Stack(app, "Team"))
    compliance.acknowledge(role, "AwsSolutions-IAM5", reason=REASON)
    compliance.enable(app, **NAG_ONLY)
    app.synth()
    assert _iam5(tmp_path) == set()
    assert compliance.read_summary(tmp_path).passed


@pytest.mark.parametrize(
    "rule_ids, kwargs, message",
    [
        (("AwsSolutions-S1",), dict(reason=""), "reason"),
        (("AwsSolutions-S1",), dict(reason="   "), "reason"),
        ((), dict(reason=REASON), "at least one rule id"),
        (("AwsSolution-S1",), dict(reason=REASON), "unknown rule id"),
        (("AwsSolutions-*",), dict(reason=REASON), "no wildcards"),
        (("DeployReadiness::NoSuchRule",), dict(reason=REASON), "unknown rule id"),
        (("ControlTower::ct-s3-pr-9",), dict(reason=REASON), "unknown rule id"),
        (("AwsSolutions-IAM5[Resource::*]",), dict(reason=REASON, detail="Resource::*"), "not both"),
        (("AwsSolutions-IAM5",), dict(reason=REASON, detail=""), "glob"),
    ],
)
def test_acknowledge_rejects_what_would_silently_acknowledge_nothing_or_everything(rule_ids, kwargs, message):
    app = cdk.App()
    with pytest.raises(ConfigurationError, match=message):
        compliance.acknowledge(cdk.Stack(app, "Team"), *rule_ids, **kwargs)


# ------------------------------------------------------------------------------------------------
# The library's acknowledgements cover what it built, not what a team adds to it.


def test_the_librarys_acknowledgements_do_not_cover_what_a_team_adds(tmp_path):
    """Given a team's sidecar with a plaintext secret in its environment, a wildcard grant to the task
    role, SSH from anywhere on the public load balancer and an entry in the isolated network ACL,
    the gate reports each on the resource the library's own acknowledgement sits on."""
    from aws_cdk import aws_ecs as ecs

    from finefinds_constructs import FargateWebService

    app = cdk.App(outdir=str(tmp_path), context=support.RECOMMENDED_CONTEXT)
    profile = support.profile_for_tests("development")  # ECS Exec on: its own wildcards are acknowledged
    stack = EnvironmentStack(app, "Team", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    web = FargateWebService(
        stack, "Web", profile=profile, vpc=network.vpc, image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:stable"),
        user="101", environment={"LOG_LEVEL": "info"}, public_load_balancer_ingress=True,
    )
    web.task_definition.add_container(
        "Sidecar", image=ecs.ContainerImage.from_registry("public.ecr.aws/team/agent:1"), user="101", memory_limit_mib=256,
        environment={"API_TOKEN": "plaintext-secret"}, logging=ecs.LogDrivers.aws_logs(stream_prefix="agent", log_group=web.log_group),
    )
    web.task_role.add_to_principal_policy(iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"]))
    web.load_balancer_security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22), "SSH from anywhere")
    network.isolated_acl.add_entry(
        "TeamOpen", cidr=ec2.AclCidr.any_ipv4(), rule_number=300, traffic=ec2.AclTraffic.all_traffic(), direction=ec2.TrafficDirection.INGRESS,
    )
    compliance.enable(app, **NAG_ONLY)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert {(f.rule, f.path) for f in compliance.read_findings(tmp_path) if f.pack == "AwsSolutions"} == {
        ("AwsSolutions-ECS2", "Team/Web/TaskDefinition/Resource"),
        # the team's Resource: "*" only; the library's log-stream wildcard stays acknowledged
        ("AwsSolutions-IAM5[Resource::*]", "Team/Web/TaskRole/Policy/Resource"),
        ("AwsSolutions-EC23", "Team/Web/LoadBalancerSecurityGroup/Resource"),
        ("AwsSolutions-VPC3", "Team/Network/IsolatedAcl/TeamOpen/Resource"),
    }
    # ... and what the team added is in the template (the checks read it without freezing anything).
    template = json.loads((tmp_path / stack.template_file).read_text())
    (task,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition"]
    assert [c["Name"] for c in task["Properties"]["ContainerDefinitions"]] == ["App", "Sidecar"]


def test_without_team_additions_the_librarys_acknowledgements_still_apply(tmp_path):
    """A team sidecar without environment variables and a grant on one resource change nothing."""
    from aws_cdk import aws_ecs as ecs

    from finefinds_constructs import FargateWebService

    app = cdk.App(outdir=str(tmp_path), context=support.RECOMMENDED_CONTEXT)
    profile = support.profile_for_tests("development")
    stack = EnvironmentStack(app, "Team", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    web = FargateWebService(
        stack, "Web", profile=profile, vpc=network.vpc, image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:stable"),
        user="101", environment={"LOG_LEVEL": "info"}, public_load_balancer_ingress=True,
    )
    web.task_definition.add_container(
        "Sidecar", image=ecs.ContainerImage.from_registry("public.ecr.aws/team/agent:1"), user="101", memory_limit_mib=256,
        logging=ecs.LogDrivers.aws_logs(stream_prefix="agent", log_group=web.log_group),
    )
    web.task_role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::team-uploads/report.csv"]))
    compliance.enable(app, **NAG_ONLY)
    app.synth()
    assert [f for f in compliance.read_findings(tmp_path) if f.pack == "AwsSolutions"] == []


def test_the_synth_summary_says_which_checks_ran_and_fails_an_unchecked_environment(tmp_path, monkeypatch):
    """scripts/platform_summary.py reads the gate's summary: its "pass" names the checks that ran."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "scripts"))
    import platform_summary

    def synthesized(outdir: Path, gate: bool) -> dict:
        app = cdk.App(outdir=str(outdir))
        cdk.CfnWaitConditionHandle(cdk.Stack(app, "FineFinds-Production-Clean"), "Handle")
        if gate:
            compliance.enable(app)
        app.synth()
        rows, ok = platform_summary.summarise(outdir, ["production"])
        return {"ok": ok, "status": platform_summary.compliance_status(rows[0])}

    assert synthesized(tmp_path / "gate", True) == {"ok": True, "status": "pass (0 findings, 4 packs, DeployReadiness, ControlTower)"}
    assert synthesized(tmp_path / "none", False) == {"ok": False, "status": "FAIL (compliance gate not run)"}
