"""The compliance gate: cdk-nag rule packs and the library's acknowledgement registry.

:func:`enable` attaches the AwsSolutions, NIST 800-53 R5, PCI DSS 3.2.1 and HIPAA Security
packs to an app (or any scope) as CDK validation plugins, so ``cdk synth`` fails on any finding
that is not acknowledged.

Every finding the library cannot fix is acknowledged in one place, :data:`REGISTRY`, as data:
the rule, the construct type and the resource path inside it, a reason a security reviewer would
accept, and the AWS Foundational Security Best Practices control it relates to. Constructs apply
their own entries with :func:`apply_acknowledgements`; nothing is acknowledged app-wide and
nothing with a wildcard rule id. Because acknowledgements use CDK's own
``Validations.of(construct).acknowledge``, a team that attaches the packs in its own app sees them
too.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import cdk_nag
from constructs import IConstruct

__all__ = [
    "Acknowledgement",
    "Finding",
    "PACKS",
    "REGISTRY",
    "acknowledgements_for",
    "apply_acknowledgements",
    "enable",
    "read_findings",
]

#: The rule packs :func:`enable` attaches, by the plugin name cdk-nag reports.
PACKS: dict[str, type[cdk_nag.NagPack]] = {
    "AwsSolutions": cdk_nag.AwsSolutionsChecks,
    "NIST.800.53.R5": cdk_nag.NIST80053R5Checks,
    "PCI.DSS.321": cdk_nag.PCIDSS321Checks,
    "HIPAA.Security": cdk_nag.HIPAASecurityChecks,
}


@dataclass(frozen=True)
class Acknowledgement:
    """One written-down exception to a rule.

    Parameters
    ----------
    rule : str
        The cdk-nag rule id, e.g. ``"AwsSolutions-VPC3"``; a finding-specific id such as
        ``"AwsSolutions-IAM5[Resource::*]"`` narrows it to one finding.
    construct : str
        The library construct that owns the resource, e.g. ``"SecureVpc"``.
    path : str
        Glob of the resource's construct path relative to that construct, e.g.
        ``"Vpc/PublicSubnet*/DefaultRoute"``.
    reason : str
        Why the finding is accepted, for a security reviewer.
    fsbp_control : str
        The related AWS Foundational Security Best Practices control (e.g. ``"EC2.6"``), or
        ``"n/a"`` where none maps.
    """

    rule: str
    construct: str
    path: str
    reason: str
    fsbp_control: str

    @property
    def pack(self) -> str:
        """The pack the rule belongs to (``AwsSolutions``, ``NIST.800.53.R5``, ...)."""
        return self.rule.split("-", 1)[0] if self.rule.startswith("AwsSolutions") else self.rule.rsplit("-", 1)[0]


def _same_reason(construct: str, path: str, packs: Iterable[str], rule_name: str, reason: str, fsbp: str) -> list[Acknowledgement]:
    """One acknowledgement per pack for a rule that several packs share under one name."""
    return [Acknowledgement(f"{pack}-{rule_name}", construct, path, reason, fsbp) for pack in packs]


_COMPLIANCE_PACKS = ("NIST.800.53.R5", "PCI.DSS.321", "HIPAA.Security")

REGISTRY: tuple[Acknowledgement, ...] = (
    # ---------------------------------------------------------------- SecureVpc
    *_same_reason(
        "SecureVpc",
        "Vpc/Public*/DefaultRoute",
        _COMPLIANCE_PACKS,
        "VPCNoUnrestrictedRouteToIGW",
        "The public tier exists to hold internet-facing load balancers and NAT gateways; its 0.0.0.0/0 "
        "route to the internet gateway is what makes it public. Workloads run in the private and "
        "isolated tiers, which have no route to the internet gateway.",
        "EC2.15",
    ),
    Acknowledgement(
        "AwsSolutions-VPC3",
        "SecureVpc",
        "IsolatedAcl*",
        "The network ACL on the isolated (data) tier is deliberate defence in depth: it admits only "
        "traffic from and to the VPC CIDR, below the security groups, so a mis-set security group "
        "cannot expose a database to the internet.",
        "EC2.21",
    ),
)
"""Every acknowledgement the library makes, as data (rule, construct, path, reason, FSBP control)."""


def acknowledgements_for(construct_type: str) -> list[Acknowledgement]:
    """The registry entries that a construct type applies."""
    return [ack for ack in REGISTRY if ack.construct == construct_type]


def apply_acknowledgements(construct: IConstruct, construct_type: str) -> None:
    """Acknowledge ``construct_type``'s registry entries on the matching resources under ``construct``.

    Entries whose path matches nothing (e.g. interface endpoints a profile switched off) are
    skipped. Call this at the end of a construct's constructor, after its children exist.
    """
    base = construct.node.path
    children = [(c.node.path[len(base) + 1 :], c) for c in construct.node.find_all() if c is not construct]
    for ack in acknowledgements_for(construct_type):
        matched = [c for rel, c in children if fnmatch.fnmatchcase(rel, ack.path)]
        for target in matched:
            cdk.Validations.of(target).acknowledge(cdk.Acknowledgment(id=ack.rule, reason=ack.reason))


def enable(scope: IConstruct, *, packs: Sequence[str] = tuple(PACKS), verbose: bool = False) -> None:
    """Attach the cdk-nag rule packs to ``scope`` so synthesis fails on unacknowledged findings.

    Parameters
    ----------
    scope : constructs.IConstruct
        Usually the ``cdk.App``; a stage or stack limits the checks to it.
    packs : Sequence[str], optional
        Pack names from :data:`PACKS`. Default: all four.
    verbose : bool, optional
        Ask cdk-nag for the rules' longer explanations. Default: ``False``.
    """
    from .errors import ConfigurationError

    for name in packs:
        if name not in PACKS:
            raise ConfigurationError("packs", name, " | ".join(PACKS), fix="name one of the supported packs")
        cdk.Validations.of(scope).add_plugins(PACKS[name](scope, verbose=verbose))


@dataclass(frozen=True)
class Finding:
    """One unacknowledged violation read back from a cloud assembly's validation report."""

    pack: str
    rule: str
    severity: str
    path: str
    description: str


def read_findings(assembly_dir: str | Path) -> list[Finding]:
    """Read the findings from ``<assembly_dir>/validation-report.json`` (empty when there is none)."""
    report = Path(assembly_dir) / "validation-report.json"
    if not report.is_file():
        return []
    data = json.loads(report.read_text())
    findings: list[Finding] = []
    for plugin in data.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for where in violation.get("violatingConstructs", []) or [{}]:
                findings.append(
                    Finding(
                        pack=plugin.get("pluginName", "?"),
                        rule=violation.get("ruleName", "?"),
                        severity=violation.get("severity", "?"),
                        path=where.get("constructPath", "?"),
                        description=violation.get("description", ""),
                    )
                )
    return findings
