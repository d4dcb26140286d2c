"""Shared test support: synthesize constructs under every preset with the compliance gate on.

Synthesis is the slow part of every test, so each construct module builds one app holding one
stack per preset profile, synthesizes it once per session, and its tests read the templates.
"""

from __future__ import annotations

import copy
import json
import os
import runpy
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import aws_cdk as cdk
from aws_cdk.assertions import Template

import background
from finefinds_constructs import EnvironmentProfile, EnvironmentStack, compliance, profiles

PRESET_NAMES = tuple(profiles.PRESETS)
ROOT = Path(__file__).resolve().parents[1]
#: The feature flags `cdk init` writes (kept in the platform's cdk.json): unit tests synthesize
#: exactly as a user's freshly initialised app would, annotations-in-validation-report included.
RECOMMENDED_CONTEXT: dict = json.loads((ROOT / "examples" / "platform" / "cdk.json").read_text())["context"]
TEST_ACCOUNT = "123456789012"
#: The plugins ``compliance.enable`` attaches, by the names the gate records them under.
GATE_PLUGINS = ("AwsSolutions", "NIST.800.53.R5", "PCI.DSS.321", "HIPAA.Security", "DeployReadiness", "ControlTower")


@dataclass
class Synthesized:
    """One synthesized app: a stack per profile, its templates and its cdk-nag findings."""

    outdir: Path
    stacks: dict[str, cdk.Stack]
    templates: "dict[str, ReadTemplate]" = field(default_factory=dict)
    findings: list[compliance.Finding] = field(default_factory=list)
    error: str | None = None
    #: What the gate ran (None only when synthesis failed before the gate could run).
    summary: compliance.Summary | None = None

    def template(self, preset: str) -> "ReadTemplate":
        return self.templates[preset]

    def template_json(self, preset: str) -> dict:
        return self.templates[preset].to_json()

    def template_file(self, preset: str) -> Path:
        return self.outdir / f"{self.stacks[preset].artifact_id}.template.json"

    def findings_for(self, preset: str) -> list[compliance.Finding]:
        name = self.stacks[preset].stack_name
        return [f for f in self.findings if f.path.split("/")[0] == name]


def profile_for_tests(preset: str) -> EnvironmentProfile:
    """The preset, bound to a test account so stacks are environment-specific (as in real use)."""
    import dataclasses

    return dataclasses.replace(profiles.PRESETS[preset], account=TEST_ACCOUNT)


def synthesize(
    name: str,
    build: Callable[[cdk.Stack, EnvironmentProfile], object],
    presets: Iterable[str] = PRESET_NAMES,
    *,
    lint: bool = True,
    checkov: bool = False,
) -> Synthesized:
    """Build ``build(stack, profile)`` once per preset in one app, with the whole gate on, and synth.

    The gate is what ``compliance.enable`` attaches: the four cdk-nag packs, the deploy-readiness
    check and the Control Tower controls.

    Every template of the app then goes to the background cfn-lint batch (``lint``) and, with
    ``checkov``, to the checkov batch, so their runs overlap the rest of the session.
    """
    outdir = Path(tempfile.mkdtemp(prefix=f"ff-{name}-"))
    app = cdk.App(outdir=str(outdir), context=RECOMMENDED_CONTEXT)
    stacks: dict[str, cdk.Stack] = {}
    for preset in presets:
        profile = profile_for_tests(preset)
        stack = EnvironmentStack(app, f"{name}-{preset}", profile=profile)
        build(stack, profile)
        stacks[preset] = stack
    compliance.enable(app)
    result = Synthesized(outdir=outdir, stacks=stacks)
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings fail synthesis; the tests report them
        result.error = str(exc)
    result.findings = compliance.read_findings(outdir)
    # A synthesis that got as far as the gate (it passed, or failed on findings) must show that the
    # gate ran: an empty report is also what an app without the gate leaves.
    if result.error is None or (outdir / "compliance-summary.json").is_file():
        result.summary = assert_gate_ran(outdir, stacks=len(stack_paths(outdir)), findings=None)
        found = gate_findings(outdir)
        assert (result.summary.findings == 0) == (not found), f"gate: {result.summary.findings} findings; CDK's report: {found}"
        if result.error is None:  # it passed: so did every plugin
            assert result.summary.findings == 0, result.summary
    for preset, stack in stacks.items():
        path = result.template_file(preset)
        if path.is_file():
            result.templates[preset] = ReadTemplate(json.loads(path.read_text()))
    files = sorted(outdir.glob("*.template.json"))
    if lint:
        background.CFN_LINT.submit(files)
    if checkov:
        background.CHECKOV.submit(files)
    return result


class ReadTemplate:
    """An ``assertions.Template`` of a template read from disk, with ``to_json()`` answered in Python.

    ``Template.to_json()`` is a jsii round trip of the whole template (tens of milliseconds for a
    construct's stack); tests read it thousands of times. Everything else goes to the Template.
    """

    def __init__(self, template: dict) -> None:
        self._json = template
        self._template: Template | None = None

    def to_json(self) -> dict:
        return copy.deepcopy(self._json)

    def resources(self) -> dict[str, dict]:
        """The template's resources, read-only (no copy)."""
        return self._json.get("Resources", {})

    def __getattr__(self, name: str):
        if self._template is None:
            self._template = Template.from_json(self._json)
        return getattr(self._template, name)


def stack_paths(outdir: str | Path) -> list[str]:
    """Construct paths of the stacks in the cloud assembly at ``outdir``, its stages' included."""
    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    paths: list[str] = []
    for name, artifact in manifest.get("artifacts", {}).items():
        if artifact["type"] == "aws:cloudformation:stack":
            paths.append(artifact.get("displayName", name))
        elif artifact["type"] == "cdk:cloud-assembly":
            paths += stack_paths(Path(outdir) / artifact["properties"]["directoryName"])
    return paths


def assert_gate_ran(outdir: str | Path, *, stacks: int, findings: int | None = 0, scope: str = "") -> compliance.Summary:
    """The gate's summary of the assembly at ``outdir``, asserting that the whole gate checked it.

    Each plugin of :data:`GATE_PLUGINS` ran exactly once, on ``scope`` (``""``: the app), without
    failing, over ``stacks`` templates; with ``findings`` unacknowledged findings in all (``None``:
    any number). CDK's ``validation-report.json`` cannot show this: it lists only the plugins that
    found something, so an app without ``compliance.enable`` leaves a clean one too.
    """
    summary = compliance.read_summary(outdir)  # GateNotRun when the gate never ran
    assert summary.plugins, f"{outdir}: the gate recorded no plugin run"
    assert sorted(run.plugin for run in summary.plugins) == sorted(GATE_PLUGINS), summary.plugins
    assert stacks > 0
    for run in summary.plugins:
        assert run.error is None, f"{run.plugin} failed: {run.error}"
        assert run.scope == scope, f"{run.plugin} checked {run.scope!r}, not {scope!r}"
        assert run.templates == stacks, f"{run.plugin} checked {run.templates} templates of {stacks}"
    if findings is not None:
        counts = {run.plugin: run.findings for run in summary.plugins}
        assert summary.findings == findings, f"{outdir}: {summary.findings} findings, not {findings}: {counts}"
    return summary


def gate_findings(outdir: str | Path) -> list[tuple[str, str]]:
    """``(rule, construct path)`` of the gate's findings in CDK's report, sorted; rule ids as
    ``compliance.acknowledge`` takes them (``AwsSolutions-S10``, ``ControlTower::CT.S3.PR.1``).

    Only the gate's plugins: CDK's own template check (``CloudFormation Validate``) is not the gate.
    """
    return sorted(
        (f.rule if f.pack in compliance.PACKS else f"{f.pack}::{f.rule}", f.path)
        for f in compliance.read_findings(outdir)
        if f.pack in GATE_PLUGINS
    )


def plant_bucket(app: cdk.App) -> None:
    """A stack ``Planted`` holding a plain ``s3.CfnBucket``, which every plugin of the gate rejects."""
    from aws_cdk import aws_s3 as s3

    s3.CfnBucket(cdk.Stack(app, "Planted"), "Bucket")


#: Some of what the gate finds on :func:`plant_bucket`'s bucket: one finding per plugin.
PLANTED_BUCKET_FINDINGS = [
    ("AwsSolutions-S10", "Planted/Bucket"),
    ("NIST.800.53.R5-S3BucketSSLRequestsOnly", "Planted/Bucket"),
    ("PCI.DSS.321-S3BucketSSLRequestsOnly", "Planted/Bucket"),
    ("HIPAA.Security-S3BucketSSLRequestsOnly", "Planted/Bucket"),
    ("DeployReadiness::EmptiedBeforeDelete", "Planted/Bucket"),
    ("ControlTower::CT.S3.PR.1", "Planted/Bucket"),
]


def run_example_with_planted_resources(
    app_py: Path, outdir: Path, plant: Callable[[cdk.App], object], monkeypatch, *, context: dict | None = None
) -> str | None:
    """Run an example's ``app.py`` as ``cdk synth`` does, with ``plant(app)`` added before it synthesizes.

    In-process, as ``__main__``, in its folder, with the context of its ``cdk.json`` and
    ``context`` (``{"env": "production"}`` for ``-c env=production``). ``aws_cdk.App`` becomes,
    for the run, a subclass whose ``synth`` first calls ``plant`` on the app, so the example's
    own code (its gate included) is what synthesizes the planted resources; the example is not
    changed. Returns synthesis' error (``None``: it passed).
    """
    settings = json.loads((app_py.parent / "cdk.json").read_text()).get("context", {})
    context = {**settings, **(context or {})}

    class PlantedApp(cdk.App):
        def __init__(self, **kwargs) -> None:
            super().__init__(**{"outdir": str(outdir), "context": context, **kwargs})

        def synth(self, **kwargs):
            plant(self)
            return super().synth(**kwargs)

    monkeypatch.setattr(cdk, "App", PlantedApp)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the apps put their folder first
    monkeypatch.chdir(app_py.parent)
    try:
        runpy.run_path(str(app_py), run_name="__main__")
    except RuntimeError as error:  # the gate's findings fail synthesis
        return str(error)
    return None


def resources_of_type(template, resource_type: str) -> dict[str, dict]:
    """``{logical_id: resource}`` of one CloudFormation type (copies: tests may change them)."""
    resources = template.resources() if isinstance(template, ReadTemplate) else template.to_json()["Resources"]
    return {k: copy.deepcopy(v) for k, v in resources.items() if v["Type"] == resource_type}


def assert_logical_ids_pinned(actual: dict, manifest: Path) -> None:
    """Compare stateful logical ids with the committed ``manifest``.

    A difference is a breaking change: CloudFormation would replace the database, bucket, pool or
    key. Accept one only on purpose, with ``UPDATE_LOGICAL_IDS=1`` (which rewrites the manifest),
    and explain the migration in the changelog.
    """
    if os.environ.get("UPDATE_LOGICAL_IDS") == "1":
        manifest.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    expected = json.loads(manifest.read_text())
    assert actual == expected, f"stateful logical ids changed (a breaking change); see {manifest.name}"


def cleanup(result: Synthesized) -> None:
    """Remove ``result``'s folder at the end of the session, not now: its templates may still wait
    in the cfn-lint or checkov batch (a late test reads them after the module's fixtures are gone)."""
    background.remove_at_end(result.outdir)


def cfn_lint(paths) -> tuple[int, str]:
    """cfn-lint's verdict on ``paths``: (0, "") when clean, else (1, one line per finding).

    The files join the session's cfn-lint batch (``background.CFN_LINT``): one run covers every
    template handed over since the last one, because start-up is most of what a run costs.
    """
    matches = [m for found in background.CFN_LINT.result(paths).values() for m in found]
    lines = [
        f"{m['Filename']}:{m['Location']['Start']['LineNumber']}: {m['Rule']['Id']} {m['Message']}" for m in matches
    ]
    return (1 if matches else 0), "\n".join(lines)


def checkov(directory) -> list[dict]:
    """checkov's report (CloudFormation checks) on the templates in ``directory``.

    Shaped like checkov's own JSON report (``results`` by kind, ``summary``); the files join the
    session's checkov batch (``background.CHECKOV``).
    """
    files = sorted(Path(directory).glob("*.template.json"))
    per_file = background.CHECKOV.result(files).values()
    results = {kind: [c for found in per_file for c in found[kind]] for kind in ("passed_checks", "failed_checks", "skipped_checks")}
    summary = {kind.split("_")[0]: len(checks) for kind, checks in results.items()}
    return [{"check_type": "cloudformation", "results": results, "summary": summary}]


def checkov_checks(reports: list[dict], kind: str = "failed_checks") -> list[dict]:
    """One kind of check result (``failed_checks``, ``skipped_checks``, ...) across the reports."""
    return [c for r in reports for c in r.get("results", {}).get(kind, [])]
