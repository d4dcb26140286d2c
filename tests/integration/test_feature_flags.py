"""The platform in an app without a single feature flag: made years ago, or without `cdk init`.

Without ``"@aws-cdk/core:defaultCrossStackReferences": "weak"`` aws-cdk-lib passes values between
regions as strong references: SSM parameters written and read by its own Lambda-backed providers
(``Custom::CrossRegionExportWriter``/``Reader``), which appear only while it prepares the app.
Without the other flags some aws-cdk-lib constructs render differently; the library's constructs
set the flags that change what they deploy on themselves. The gate, cfn-lint and checkov must
pass all the same.

Production and development (every kind of stack and reference between them), synthesized once
in-process; their templates join the session's cfn-lint and checkov batches at once.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import aws_cdk as cdk
import pytest

import background
import support
from finefinds_constructs import EnvironmentProfile, compliance

PLATFORM = Path(__file__).resolve().parents[2] / "examples" / "platform"
ENVIRONMENTS = ("production", "development")
WRITER_HANDLER = "CustomCrossRegionExportWriterCustomResourceProviderHandlerD8786E8A"
READER_HANDLER = "CustomCrossRegionExportReaderCustomResourceProviderHandler46647B68"


@pytest.fixture(scope="session")
def unflagged():
    """``{"outdir", "error", "findings", "stacks"}`` of the platform synthesized with ``context={}``."""
    outdir = Path(tempfile.mkdtemp(prefix="ff-unflagged-"))
    app = cdk.App(outdir=str(outdir), context={})
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(PLATFORM))
        import platform_stacks

        for env in ENVIRONMENTS:
            platform_stacks.build_environment(app, EnvironmentProfile.from_file(PLATFORM / "env" / f"{env}.toml"))
    compliance.enable(app)
    error = None
    try:
        app.synth()
    except RuntimeError as exc:  # unacknowledged findings fail synthesis; the tests report them
        error = str(exc)
    files = sorted(outdir.glob("*.template.json"))
    background.CFN_LINT.submit(files)
    background.CHECKOV.submit(files)
    yield {
        "outdir": outdir,
        "error": error,
        "findings": compliance.read_findings(outdir),
        "stacks": {f.name.removesuffix(".template.json"): json.loads(f.read_text()) for f in files},
    }
    shutil.rmtree(outdir, ignore_errors=True)


def test_references_between_regions_are_strong_without_the_flag(unflagged):
    """The precondition of everything below: aws-cdk-lib's providers are in the templates."""
    assert "Fn::GetStackOutput" not in json.dumps(unflagged["stacks"])
    types = {
        name: {r["Type"] for r in template["Resources"].values()} for name, template in unflagged["stacks"].items()
    }
    assert "Custom::CrossRegionExportWriter" in types["FineFinds-Production-Dns"]
    assert "Custom::CrossRegionExportReader" in types["FineFinds-Production-Edge"]


def test_the_whole_gate_passes_without_feature_flags(unflagged):
    assert unflagged["error"] is None, unflagged["error"]
    assert unflagged["findings"] == []
    # ... and it ran: every plugin, over every stack of both environments.
    from conftest import expected_concerns

    stacks = sum(len(expected_concerns(env)) for env in ENVIRONMENTS)
    assert len(unflagged["stacks"]) == stacks
    support.assert_gate_ran(unflagged["outdir"], stacks=stacks, findings=0)


def test_the_reference_providers_carry_their_checkov_skips_and_no_redundant_dependency(unflagged):
    handlers = {
        (name.removeprefix("FineFinds-"), logical_id): template["Resources"][logical_id]
        for name, template in unflagged["stacks"].items()
        for logical_id in (WRITER_HANDLER, READER_HANDLER)
        if logical_id in template["Resources"]
    }
    writers = {name for name, logical_id in handlers if logical_id == WRITER_HANDLER}
    readers = {name for name, logical_id in handlers if logical_id == READER_HANDLER}
    assert writers == {"Development-Application", "Development-Dns", "Production-Application", "Production-BackupDr", "Production-Dns"}
    assert readers == {
        "Development-Application", "Development-Edge", "Production-Application", "Production-Backup", "Production-Edge", "Production-Email",
    }
    for name, handler in handlers.items():
        skips = handler["Metadata"]["checkov"]["skip"]
        assert [s["id"] for s in skips] == ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"], name
        assert "DependsOn" not in handler, name  # cfn-lint W3005: it GetAtts its role already


def test_the_service_has_no_empty_deployment_alarms(unflagged):
    """An empty Alarms block (aws-cdk-lib's default without a flag) fails where ECS has no alarm rollback."""
    (service,) = resources(unflagged, "FineFinds-Production-Application", "AWS::ECS::Service").values()
    assert service["Properties"]["DeploymentConfiguration"] == {
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
        "MaximumPercent": 200,
        "MinimumHealthyPercent": 100,
    }


def test_the_database_secrets_policy_sits_on_the_secret(unflagged):
    """Not on its attachment, under another logical id (aws-cdk-lib's default without a flag)."""
    policies = resources(unflagged, "FineFinds-Production-Data", "AWS::SecretsManager::ResourcePolicy")
    assert list(policies) == ["DatabaseSecretPolicyEE73D3F8"]
    assert policies["DatabaseSecretPolicyEE73D3F8"]["Properties"]["SecretId"] == {"Ref": "DatabaseSecret3B817195"}


def test_the_delegation_handlers_policy_keeps_its_logical_id(unflagged):
    policies = resources(unflagged, "FineFinds-Development-Dns", "AWS::IAM::Policy")
    assert "ZoneDelegationcrossaccountzonedelegationhandlerrolePolicyFineFindsDevelopmentDnsZoneDelegationcrossaccountzonedelegationhandlerrole4CCC856EA4EA02D3" in policies
    assert "ZoneDelegationcrossaccountzonedelegationhandlerrolePolicy806BD099" not in policies


def test_the_same_resources_as_with_the_recommended_flags(unflagged, platform):
    """Resource for resource, the platform's (cdk.json's flags) but for aws-cdk-lib's reference providers."""
    # ... and CDKMetadata, which only the CDK CLI asks for.
    providers = ("CustomCrossRegionExport", "ExportsWriter", "ExportsReader", "CDKMetadata")

    def types(template: dict) -> dict[str, str]:
        return {k: r["Type"] for k, r in template["Resources"].items() if not k.startswith(providers)}

    for name, template in unflagged["stacks"].items():
        assert types(template) == types(platform["stacks"][name]), name


@pytest.mark.slow
def test_cfn_lint_zero_errors_and_warnings_without_flags(unflagged):
    code, output = support.cfn_lint(sorted(unflagged["outdir"].glob("*.template.json")))
    assert code == 0, output


@pytest.mark.slow
def test_checkov_no_failed_checks_and_only_registry_skips_without_flags(unflagged):
    report = support.checkov(unflagged["outdir"])
    failed = support.checkov_checks(report)
    assert failed == [], "\n".join(sorted({f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in failed}))
    reasons = {(a.rule, a.reason) for a in compliance.REGISTRY if a.is_checkov_skip}
    for check in support.checkov_checks(report, "skipped_checks"):
        comment = check.get("suppress_comment") or check["check_result"].get("suppress_comment")
        assert (check["check_id"], comment) in reasons, check["check_id"]


def resources(unflagged: dict, stack: str, resource_type: str) -> dict[str, dict]:
    """``{logical_id: resource}`` of one type in one of the unflagged stacks."""
    return {k: r for k, r in unflagged["stacks"][stack]["Resources"].items() if r["Type"] == resource_type}
