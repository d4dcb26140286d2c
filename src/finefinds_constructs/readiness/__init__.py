"""The deploy-readiness check: traps that pass every linter yet fail in a real account.

cdk-nag, cfn-lint and checkov judge a template's security and syntax. None of them knows that
CloudFormation hangs for thirty minutes on a Config delivery channel that waits for its recorder,
that a hosted zone with records cannot be deleted, or that a retained log group with a fixed name
blocks the next create. Each such trap is one rule here (one module per rule under
``readiness/rules``, listed in :data:`RULES`), evaluated over the **whole** synthesized app, so
facts that span stacks count, and over every resource, so a team's own ``Cfn*`` resources are
checked exactly like the library's.

:func:`finefinds_constructs.compliance.enable` attaches :class:`DeployReadinessChecks` beside the
cdk-nag packs as a CDK validation plugin: ``cdk synth`` fails on any violation. A violation that
is deliberate is acknowledged like a cdk-nag finding, on the resource, with the rule id
(``DeployReadiness::<Name>``) and a reason (``compliance.REGISTRY``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Union

import aws_cdk as cdk
import jsii
from constructs import IConstruct

from .model import Resource, Stack, Templates, Violation

__all__ = ["DeployReadinessChecks", "PLUGIN_NAME", "RULES", "Rule", "Resource", "Stack", "Templates", "Violation", "check"]

#: The plugin's name in CDK's validation report, and the prefix of its rule ids.
PLUGIN_NAME = "DeployReadiness"

Finding = tuple[Union[Resource, Stack], str]


@dataclass(frozen=True)
class Rule:
    """One deploy trap, as a check over the app's templates.

    Parameters
    ----------
    name : str
        CamelCase name, as CDK's validation report shows it; acknowledged as
        ``DeployReadiness::<name>`` (:attr:`id`).
    trap : str
        What goes wrong in AWS, and why (the service behaviour behind the rule).
    fix : str
        How to fix it.
    check : Callable[[Templates], Iterable[tuple[Resource | Stack, str]]]
        Yields each offending resource (or stack) with a sentence naming what is wrong there.
    """

    name: str
    trap: str
    fix: str
    check: Callable[[Templates], Iterable[Finding]]

    @property
    def id(self) -> str:
        return f"{PLUGIN_NAME}::{self.name}"

    def evaluate(self, templates: Templates) -> list[Violation]:
        violations = []
        for where, detail in self.check(templates):
            if isinstance(where, Resource):
                violations.append(Violation(self.id, where, detail, where.stack))
            else:
                violations.append(Violation(self.id, None, detail, where))
        return violations


def _rules() -> tuple[Rule, ...]:
    from .rules import RULES as listed

    return listed


RULES: tuple[Rule, ...] = _rules()
"""Every rule of the check, in the order the traps were found."""


def check(templates: Templates, rules: Sequence[Rule] = RULES) -> list[Violation]:
    """Evaluate ``rules`` over ``templates`` (no acknowledgements: every violation)."""
    return [v for rule in rules for v in rule.evaluate(templates)]


class AcknowledgementIndex:
    """Which rule ids are acknowledged where, read from the construct tree once per path.

    A plugin asks for many findings under the same scopes; each metadata read is a call into
    jsii's Node process, so each construct's acknowledgements (its own and its scopes') are read
    once. Build one per validation run: acknowledgements are final by then.
    """

    def __init__(self, root: IConstruct) -> None:
        self._root = root
        self._memo: dict[str, frozenset[str]] = {}
        self._constructs: dict[str, IConstruct | None] = {}

    def _acknowledged(self, path: str) -> frozenset[str]:
        if path in self._memo:
            return self._memo[path]
        parent, _, name = path.rpartition("/")
        inherited = self._acknowledged(parent) if parent else frozenset()
        scope = self._constructs.get(parent, self._root) if parent else self._root
        construct = scope.node.try_find_child(name) if scope is not None else None
        self._constructs[path] = construct
        key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        own = set()
        if construct is not None:
            for entry in construct.node.metadata:
                if entry.type == key and entry.data:
                    own.update(entry.data)
        self._memo[path] = found = inherited | own
        return found

    def is_acknowledged(self, path: str | None, rule_id: str) -> bool:
        """Whether ``rule_id`` is acknowledged on the construct at ``path`` or one of its scopes."""
        return bool(path) and rule_id in self._acknowledged(path)  # type: ignore[arg-type]


class LibraryPlugin:
    """What the library's CDK validation plugins share: their name in the report and the library's version."""

    plugin_name: ClassVar[str] = ""

    @property
    def name(self) -> str:
        return self.plugin_name

    @property
    def version(self) -> str:
        from .. import __version__

        return __version__


@jsii.implements(cdk.IPolicyValidationPlugin)
class DeployReadinessChecks(LibraryPlugin):
    """CDK validation plugin: fails synthesis on any unacknowledged deploy-readiness violation.

    Parameters
    ----------
    rules : Sequence[Rule], optional
        The rules to evaluate. Default: :data:`RULES`.
    """

    plugin_name = PLUGIN_NAME

    def __init__(self, *, rules: Sequence[Rule] = RULES) -> None:
        self._rules = tuple(rules)

    @property
    def rule_ids(self) -> list[str]:
        return [rule.id for rule in self._rules]

    def validate(
        self, context: cdk.IPolicyValidationContext, report_on: Collection[str] | None = None
    ) -> cdk.PolicyValidationPluginReport:
        """Evaluate the rules over every template of ``context``.

        ``report_on`` (template paths) limits the report to violations in those templates, while
        facts from the other templates still count (``compliance.enable`` on part of an app).
        """
        templates = Templates.from_paths(context.template_paths)
        root = getattr(context, "app_construct", None)
        reported = None if report_on is None else {os.path.realpath(p) for p in report_on}
        by_rule: dict[str, list[Violation]] = {}
        acknowledged = AcknowledgementIndex(root) if root is not None else None
        for violation in check(templates, self._rules):
            where = violation.stack.template_path if violation.stack else None
            if reported is not None and (where is None or os.path.realpath(where) not in reported):
                continue
            path = violation.resource.path if violation.resource else None
            if acknowledged is not None and acknowledged.is_acknowledged(path, violation.rule):
                continue
            by_rule.setdefault(violation.rule, []).append(violation)
        rules = {rule.id: rule for rule in self._rules}
        report = []
        for rule_id, violations in by_rule.items():
            rule = rules[rule_id]
            report.append(
                cdk.PolicyViolation(
                    rule_name=rule.name,
                    description=rule.trap + " " + " ".join(sorted({f"[{v.where}] {v.message}" for v in violations})),
                    fix=rule.fix,
                    severity="error",
                    violating_resources=[
                        cdk.PolicyViolatingResource(
                            locations=["Properties"] if v.resource else ["Resources"],
                            resource_logical_id=v.resource.logical_id if v.resource else "",
                            template_path=(v.stack.template_path if v.stack and v.stack.template_path else ""),
                            construct_path=(v.resource.path if v.resource and v.resource.path else None),
                        )
                        for v in violations
                    ],
                )
            )
        return cdk.PolicyValidationPluginReport(success=not report, violations=report)
