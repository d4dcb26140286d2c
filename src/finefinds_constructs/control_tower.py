"""AWS Control Tower proactive controls at synth time, with the library's written-down exceptions.

Organisations that turn on Control Tower's proactive controls run them as CloudFormation hooks:
a non-compliant resource fails its deploy. ``cdklabs-cdk-validator-cfnguard`` ships cfn-guard and
the same Guard rules as a CDK validation plugin; :class:`ControlTowerChecks` runs it so that
``cdk synth`` fails first, and adds two things:

* **acknowledgements**: a control a resource deliberately does not meet is acknowledged on that
  resource, as for cdk-nag, with the id ``ControlTower::<control>`` (e.g.
  ``ControlTower::CT.S3.PR.9``) and a reason, in :data:`finefinds_constructs.compliance.REGISTRY`.
  A construct applies its own entries (some only in the profile configuration that explains
  them), so nothing the library acknowledges covers a resource a team adds;
* **speed**: each template is checked only against the rules that report on a resource type it
  contains (each rule file names its types); the rest could not fail there.
"""

from __future__ import annotations

import functools
import re
import tarfile
from collections.abc import Iterable, Sequence
from importlib import resources as importlib_resources

import aws_cdk as cdk
import jsii

from .readiness import AcknowledgementIndex, LibraryPlugin
from .readiness.model import Templates

__all__ = ["ControlTowerChecks", "PLUGIN_NAME", "control_of"]

#: The plugin's name in CDK's validation report, and the prefix of acknowledgement ids.
PLUGIN_NAME = "ControlTower"

_CONTROL = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]")


def control_of(description: str) -> str | None:
    """``"[CT.S3.PR.9]: Require ..."`` → ``"CT.S3.PR.9"``."""
    match = _CONTROL.search(description or "")
    return match.group(1) if match else None


@functools.lru_cache(maxsize=1)
def bundled_rules() -> dict[str, frozenset[str]]:
    """Rule name (``ct-s3-pr-9``) → the resource types it reports on, read from the bundled rules."""
    package = importlib_resources.files("cdklabs.cdk_validator_cfnguard") / "_jsii"
    archive = next(p for p in package.iterdir() if p.name.endswith(".jsii.tgz"))
    rules: dict[str, frozenset[str]] = {}
    with archive.open("rb") as raw, tarfile.open(fileobj=raw, mode="r:gz") as tar:
        for member in tar:
            if not (member.isfile() and member.name.endswith(".guard") and "/control-tower/" in member.name):
                continue
            text = tar.extractfile(member).read().decode("utf-8", "replace")  # type: ignore[union-attr]
            header = text.split("# Evaluates:", 1)[0].split("# Reports on:", 1)[-1]
            name = member.name.rsplit("/", 1)[-1].removesuffix(".guard")
            rules[name] = frozenset(re.findall(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+", header))
    return rules


@jsii.implements(cdk.IPolicyValidationContextBeta1)
class _TemplatesOnly:
    """A validation context of some of the app's templates (all cfn-guard's plugin reads)."""

    def __init__(self, paths: Sequence[str]) -> None:
        self._paths = list(paths)

    @property
    def template_paths(self) -> list[str]:
        return self._paths


@jsii.implements(cdk.IPolicyValidationPlugin)
class ControlTowerChecks(LibraryPlugin):
    """CDK validation plugin: the Control Tower proactive controls, minus acknowledged exceptions.

    Parameters
    ----------
    disabled_controls : Sequence[str], optional
        Rule names (``"ct-s3-pr-9"``) not to run anywhere in the app: for a team whose Control
        Tower environment does not enable that control. Prefer acknowledging a resource instead.
        Default: none.
    """

    plugin_name = PLUGIN_NAME

    def __init__(self, *, disabled_controls: Sequence[str] = ()) -> None:
        unknown = sorted(set(disabled_controls) - set(bundled_rules()))
        if unknown:
            from .errors import ConfigurationError

            raise ConfigurationError(
                "disabled_controls", unknown, "bundled Control Tower rule names such as 'ct-s3-pr-9'",
                fix="use the rule's file name (lower case, e.g. CT.S3.PR.9 is 'ct-s3-pr-9')",
            )
        self._disabled = tuple(disabled_controls)

    @property
    def rule_ids(self) -> list[str]:
        return sorted(set(bundled_rules()) - set(self._disabled))

    def _unused(self, types: Iterable[str]) -> list[str]:
        present = set(types)
        return sorted(name for name, reports_on in bundled_rules().items() if not reports_on & present)

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

        templates = Templates.from_paths(context.template_paths)
        paths = {
            (stack.template_path.rsplit("/", 1)[-1] if stack.template_path else stack.name, r.logical_id): r.path
            for stack in templates.stacks
            for r in templates.in_stack(stack)
        }
        # One cfn-guard run per set of templates that need the same rules: most templates hold a
        # few resource types, so each is checked only against the rules that report on them.
        groups: dict[tuple[str, ...], list[str]] = {}
        for stack in templates.stacks:
            disabled = tuple(sorted(set(self._disabled) | set(self._unused(r.type for r in templates.in_stack(stack)))))
            if len(disabled) < len(bundled_rules()) and stack.template_path:
                groups.setdefault(disabled, []).append(stack.template_path)
        found = [
            violation
            for disabled, group in groups.items()
            for violation in CfnGuardValidator(disabled_rules=list(disabled)).validate(_TemplatesOnly(group)).violations
        ]
        root = getattr(context, "app_construct", None)
        if root is not None:
            from .compliance import apply_late_acknowledgements

            apply_late_acknowledgements(root)
        violations = []
        acknowledged = AcknowledgementIndex(root) if root is not None else None
        for violation in found:
            control = control_of(violation.description) or violation.rule_name
            kept = []
            for resource in violation.violating_resources:
                template = (resource.template_path or "").rsplit("/", 1)[-1]
                path = paths.get((template, resource.resource_logical_id))
                if acknowledged is not None and acknowledged.is_acknowledged(path, f"{PLUGIN_NAME}::{control}"):
                    continue
                # cfn-guard reports some checks without a logical id or location; CDK's report needs
                # strings, so those are passed on as the template's (a None would fail to serialize).
                kept.append(
                    cdk.PolicyViolatingResource(
                        locations=list(resource.locations or ["Resources"]),
                        resource_logical_id=resource.resource_logical_id or "",
                        template_path=resource.template_path or "",
                        construct_path=path,
                    )
                )
            if kept:
                violations.append(
                    cdk.PolicyViolation(
                        rule_name=control,
                        description=f"{violation.description or control} (rule {violation.rule_name})",
                        fix=violation.fix or "N/A",
                        severity=violation.severity or "error",
                        violating_resources=kept,
                        rule_metadata={"DocumentationUrl": "https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html"},
                    )
                )
        return cdk.PolicyValidationPluginReport(success=not violations, violations=violations)
