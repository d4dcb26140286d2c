"""The compliance gate's machinery: plugins scoped to part of an app, the run summary, team acknowledgements.

CDK runs a validation plugin only for the stages it reaches from the app through stage children
(``visitAssemblies`` in aws-cdk-lib's ``synthesis-validation``): a stage inside a stack, the CDK
Pipelines layout, is never visited. cdk-nag, once running, walks the whole construct tree
(``context.appConstruct``), whatever stage it was added to. So the gate attaches every plugin at
the app, wrapped in :class:`ScopedPlugin`, which keeps only the findings in the stacks under the
scope ``compliance.enable`` was given, drops those a team acknowledged with
``compliance.acknowledge``, and records the run (0 findings included) in :data:`SUMMARY_FILE`:
CDK's own report lists only the plugins that found something.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from constructs import IConstruct

#: The gate's run summary, in the app's cloud assembly directory.
SUMMARY_FILE = "compliance-summary.json"

#: Metadata type recording an acknowledgement by detail pattern (cdk-nag matches literal ids only).
PATTERN_METADATA_KEY = "finefinds:acknowledged-findings"


def under(path: str, scope: str) -> bool:
    """Whether construct ``path`` is ``scope`` or inside it (``""`` is the app)."""
    return not scope or path == scope or path.startswith(scope + "/")


def finding_id(plugin: str, rule_name: str, packs: frozenset[str]) -> tuple[str, str | None]:
    """The finding's rule id as teams acknowledge it, and its detail.

    cdk-nag names a finding ``AwsSolutions-IAM5[Resource::*]``: rule ``AwsSolutions-IAM5``,
    detail ``Resource::*``. Other plugins' rules get their plugin as namespace
    (``DeployReadiness::<name>``, ``ControlTower::CT.S3.PR.9``) and no detail of their own.
    """
    if plugin in packs:
        head, bracket, rest = rule_name.partition("[")
        return head, (rest[:-1] if bracket and rest.endswith("]") else None)
    return f"{plugin}::{rule_name}", None


@dataclass(frozen=True)
class TeamAcknowledgement:
    """One ``compliance.acknowledge`` entry: a rule, optionally narrowed to details, under a scope."""

    rule: str
    scope: str
    reason: str
    detail: Callable[[str], bool] | None = None

    def covers(self, rule: str, detail: str, path: str | None) -> bool:
        if rule != self.rule or path is None or not under(path, self.scope):
            return False
        return self.detail is None or self.detail(detail)


def glob_matcher(pattern: str) -> Callable[[str], bool]:
    """``*`` any text, ``?`` one character; everything else literal (finding details hold ``[``, ``<``, ``.``)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.S).fullmatch  # type: ignore[return-value]


@dataclass
class _Gate:
    """What the gate keeps per app: the scopes it covers, team acknowledgements, this synthesis' runs."""

    scopes: list[str] = field(default_factory=list)
    acknowledgements: list[TeamAcknowledgement] = field(default_factory=list)
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    fingerprint: str | None = None


_GATES: weakref.WeakKeyDictionary[IConstruct, _Gate] = weakref.WeakKeyDictionary()


def gate_of(root: IConstruct) -> _Gate:
    gate = _GATES.get(root)
    if gate is None:
        gate = _GATES[root] = _Gate()
    return gate


def fingerprint(assembly_dir: str | Path) -> str:
    """A hash of the assembly's manifests and templates: a summary from an earlier synthesis into
    the same folder (the app has since dropped the gate, or changed) no longer matches."""
    root = Path(assembly_dir)
    digest = hashlib.sha256()
    files = [p for p in root.rglob("*") if p.name == "manifest.json" or p.name.endswith(".template.json")]
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _path_of_logical_id(resource: Any, cache: dict[str, dict[str, str]]) -> str | None:
    """The construct path of a finding named only by template and logical id, as CDK infers it.

    Templates carry ``aws:cdk:path`` only when the app asks for it (the CLI does); the stack's
    metadata file beside the template always maps each construct path to its logical id.
    """
    template, logical_id = resource.template_path, resource.resource_logical_id
    if not template or not logical_id or not template.endswith(".template.json"):
        return None
    key = os.path.realpath(template)
    if key not in cache:
        metadata = Path(key[: -len(".template.json")] + ".metadata.json")
        entries = json.loads(metadata.read_text()) if metadata.is_file() else {}
        cache[key] = {
            entry["data"]: path.lstrip("/")
            for path, items in entries.items()
            for entry in items
            if entry.get("type") == "aws:cdk:logicalId" and isinstance(entry.get("data"), str)
        }
    return cache[key].get(logical_id)


@jsii.implements(cdk.IPolicyValidationContext)
class _ScopedContext:
    """The validation context narrowed to the templates under the scope (for per-template plugins)."""

    def __init__(self, context: cdk.IPolicyValidationContext, stacks: list[Any]) -> None:
        self._context = context
        self._stacks = stacks

    @property
    def app_construct(self) -> IConstruct:
        return self._context.app_construct

    @property
    def stack_templates(self) -> list[Any]:
        return self._stacks

    @property
    def template_paths(self) -> list[str]:
        return [s.template_path for s in self._stacks]

    @property
    def account_id(self) -> str | None:
        return None

    @property
    def region(self) -> str | None:
        return None


@jsii.implements(cdk.IPolicyValidationPlugin)
class ScopedPlugin:
    """A validation plugin reporting only on the stacks under ``scope``, recording each run.

    Parameters
    ----------
    inner : aws_cdk.IPolicyValidationPlugin
        The plugin doing the checks (a cdk-nag pack, deploy readiness, Control Tower).
    root : aws_cdk.App
        The app the plugin is attached to.
    scope : str
        Construct path of the scope; ``""`` for the whole app.
    packs : frozenset[str]
        The cdk-nag pack names (their rule ids carry the finding's detail).
    mode : str, optional
        How the inner plugin is narrowed to the scope: ``"app"``, it checks the whole app and the
        findings outside the scope are dropped (cdk-nag walks the construct tree anyway);
        ``"templates"``, it is handed the scope's templates only (cfn-guard, which judges each
        template alone); ``"report"``, it evaluates every template, so facts spanning stacks
        count, and reports on the scope's (``validate(context, report_on=paths)``, deploy
        readiness). Default: ``"app"``.
    """

    def __init__(self, inner: Any, *, root: IConstruct, scope: str, packs: frozenset[str], mode: str = "app") -> None:
        self._inner = inner
        self._root = root
        self._scope = scope
        self._packs = packs
        self._mode = mode

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def version(self) -> str | None:
        return getattr(self._inner, "version", None)

    @property
    def rule_ids(self) -> list[str] | None:
        return getattr(self._inner, "rule_ids", None)

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        stacks = list(context.stack_templates)
        scoped = [s for s in stacks if under(s.stack_construct_path, self._scope)]
        try:
            report = self._delegate(context, scoped) if scoped else None
        except Exception as error:
            self._record(None, len(scoped), error=f"{type(error).__name__}: {error}")
            raise
        violations = self._kept(report.violations if report else [], stacks, scoped)
        self._record(sum(len(v.violating_resources) for v in violations), len(scoped))
        return cdk.PolicyValidationPluginReport(success=not violations, violations=violations)

    def _delegate(self, context: cdk.IPolicyValidationContext, scoped: list[Any]) -> Any:
        if self._mode == "templates":
            return self._inner.validate(_ScopedContext(context, scoped))
        if self._mode == "report":
            return self._inner.validate(context, report_on=[s.template_path for s in scoped])
        return self._inner.validate(context)

    def _kept(self, violations: list[Any], stacks: list[Any], scoped: list[Any]) -> list[Any]:
        """``violations`` less the resources outside the scope and those acknowledged at validation time."""
        from ..readiness import AcknowledgementIndex

        acknowledged = AcknowledgementIndex(self._root)

        stack_paths = sorted((s.stack_construct_path for s in stacks), key=len, reverse=True)
        in_scope = {s.stack_construct_path for s in scoped}
        by_template = {os.path.realpath(s.template_path): s.stack_construct_path for s in stacks}
        acknowledgements = gate_of(self._root).acknowledgements
        namespace = self.name.replace(" ", "-")
        logical_ids: dict[str, dict[str, str]] = {}
        kept = []
        for violation in violations:
            rule, detail = finding_id(self.name, violation.rule_name, self._packs)
            resources = []
            for resource in violation.violating_resources:
                path = resource.construct_path or _path_of_logical_id(resource, logical_ids)
                if path:
                    owner = next((p for p in stack_paths if under(path, p)), None)
                elif resource.template_path:
                    owner = by_template.get(os.path.realpath(resource.template_path))
                else:
                    owner = None
                # Outside any stack (or named by nothing) a finding is placed by its path, if any.
                placed = owner in in_scope if owner is not None else (under(path, self._scope) if path else True)
                if not placed:
                    continue
                text = detail if detail is not None else violation.description or ""
                if any(ack.covers(rule, text, path) for ack in acknowledgements):
                    continue
                # CDK itself drops what is acknowledged as "<plugin>::<rule>"; the count should agree.
                if path and acknowledged.is_acknowledged(path, f"{namespace}::{violation.rule_name}"):
                    continue
                resources.append(resource)
            if len(resources) == len(violation.violating_resources):
                kept.append(violation)
            elif resources:
                kept.append(
                    cdk.PolicyViolation(
                        rule_name=violation.rule_name,
                        description=violation.description,
                        fix=violation.fix,
                        severity=violation.severity,
                        rule_metadata=violation.rule_metadata,
                        violating_resources=resources,
                    )
                )
        return kept

    def _record(self, findings: int | None, templates: int, *, error: str | None = None) -> None:
        gate = gate_of(self._root)
        outdir = Path(self._root.outdir)  # type: ignore[attr-defined]
        if id(self) in gate.runs or gate.fingerprint is None:  # the first run of this synthesis
            gate.runs.clear()
            gate.fingerprint = fingerprint(outdir)  # the templates are written before plugins run
        run: dict[str, Any] = {"plugin": self.name, "scope": self._scope, "findings": findings, "templates": templates}
        if error:
            run["error"] = error
        gate.runs[id(self)] = run
        summary = {"version": 1, "fingerprint": gate.fingerprint, "plugins": list(gate.runs.values())}
        (outdir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
        where = f" ({self._scope})" if self._scope else ""
        counted = "failed: " + error if error else f"{findings} finding{'' if findings == 1 else 's'}"
        print(f"compliance: {self.name}{where} — {counted} in {templates} template{'' if templates == 1 else 's'}", file=sys.stderr)
