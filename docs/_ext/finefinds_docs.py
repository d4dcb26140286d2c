"""Sphinx directives that generate documentation from the code, so it cannot drift.

``.. profile-defaults:: <section>``
    A settings table with one column per preset, from :mod:`finefinds_constructs.profiles`.
``.. compliance-matrix:: [Construct]``
    The acknowledgement registry: rule, pack, construct, resource, reason, FSBP control.
``.. platform-diagram:: <environment>``
    The reference platform's stacks and cross-stack references, drawn (SVG) from the
    synthesized templates (the snapshots the test suite keeps equal to a fresh synth).
``.. environment-differences::``
    The settings whose values differ between the presets.
``.. readiness-rules::``
    The deploy-readiness rules: id, the trap in AWS, the fix.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive


def _fmt(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) if value else "(none)"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def settings_rows(section: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one row per setting of ``section`` ('' = top level), one column per preset."""
    from finefinds_constructs import profiles

    presets = profiles.PRESETS
    sample = next(iter(presets.values()))
    obj = getattr(sample, section) if section else sample
    header = ["setting", *presets, "meaning"]
    rows = []
    for f in dataclasses.fields(obj):
        if dataclasses.is_dataclass(getattr(obj, f.name)):
            continue
        values = [_fmt(getattr(getattr(p, section) if section else p, f.name)) for p in presets.values()]
        key = f"{section}.{f.name}" if section else f.name
        rows.append([key, *values, f.metadata.get("doc", "")])
    return header, rows


def compliance_rows(construct: str = "") -> tuple[list[str], list[list[str]]]:
    """Header and rows of the acknowledgement registry (optionally one construct's entries)."""
    from finefinds_constructs import compliance

    header = ["rule", "pack", "construct", "resource", "reason", "FSBP control"]
    rows = [
        [a.rule, a.pack, a.construct, a.path, a.reason, a.fsbp_control]
        for a in compliance.REGISTRY
        if not construct or a.construct.split("[", 1)[0] == construct
    ]
    return header, rows


def _table(header: list[str], rows: list[list[str]], css: str) -> nodes.table:
    table = nodes.table(classes=[css])
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    thead = nodes.thead()
    group += thead
    thead += _row(header)
    tbody = nodes.tbody()
    group += tbody
    for row in rows:
        tbody += _row(row)
    return table


def _row(cells: list[str]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=cell)
        row += entry
    return row


SRC = Path(__file__).resolve().parents[2] / "src" / "finefinds_constructs"


def _depends_on(directive: Directive, *paths: Path) -> None:
    """Rebuild the page when the data it is generated from changes (Sphinx caches doctrees)."""
    env = directive.state.document.settings.env
    for path in paths:
        env.note_dependency(str(path))


class ProfileDefaults(Directive):
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        _depends_on(self, SRC / "profiles.py")
        return [_table(*settings_rows(self.arguments[0] if self.arguments else ""), "profile-defaults")]


class ComplianceMatrix(Directive):
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        _depends_on(self, SRC / "compliance.py")
        header, rows = compliance_rows(self.arguments[0] if self.arguments else "")
        if not rows:
            return [nodes.paragraph(text="No acknowledgements: every finding is fixed.")]
        return [_table(header, rows, "compliance-matrix")]


class ReadinessRules(Directive):
    def run(self) -> list[nodes.Node]:
        from finefinds_constructs import readiness

        _depends_on(self, *sorted((SRC / "readiness" / "rules").glob("*.py")))
        rows = [[rule.id, rule.trap, rule.fix] for rule in readiness.RULES]
        return [_table(["rule", "what fails in AWS", "fix"], rows, "readiness-rules")]


# ----------------------------------------------------------------------------------------------
# The reference platform: diagrams and differences generated from the synthesized templates
# ----------------------------------------------------------------------------------------------

SNAPSHOTS = Path(__file__).resolve().parents[2] / "tests" / "integration" / "__snapshots__" / "test_snapshots"
CONCERNS = (
    "Network", "Data", "Application", "Edge", "Dns", "Identity", "Monitoring", "Cost", "Audit", "Backup",
    "Email", "EdgeMonitoring", "BackupDr",
)
#: Where each stack's box goes: (column, row).
LAYOUT = {
    "Network": (0, 0), "Data": (1, 0), "Application": (2, 0), "Edge": (3, 0), "Dns": (4, 0),
    "Identity": (0, 1), "Monitoring": (1, 1), "Cost": (2, 1), "Audit": (3, 1), "Backup": (4, 1),
    "Email": (0, 2), "EdgeMonitoring": (3, 2), "BackupDr": (4, 2),
}
REGIONS = {"Edge": "us-east-1", "Dns": "us-east-1", "EdgeMonitoring": "us-east-1", "BackupDr": "DR region"}

#: Resource types worth showing in a diagram box, with their label.
KEY_RESOURCES = {
    "AWS::EC2::VPC": "VPC",
    "AWS::EC2::Subnet": "subnet",
    "AWS::EC2::NatGateway": "NAT gateway",
    "AWS::EC2::VPCEndpoint": "VPC endpoint",
    "AWS::RDS::DBCluster": "Aurora cluster",
    "AWS::RDS::DBInstance": "DB instance",
    "AWS::RDS::DBProxy": "RDS Proxy",
    "AWS::ElastiCache::ReplicationGroup": "Valkey replication group",
    "AWS::ECS::Service": "Fargate service",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "ALB",
    "AWS::WAFv2::WebACL": "WAF web ACL",
    "AWS::Cognito::UserPool": "user pool",
    "AWS::CloudFront::Distribution": "CloudFront distribution",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::CloudWatch::Alarm": "alarm",
    "AWS::CloudWatch::Dashboard": "dashboard",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::KMS::Key": "KMS key",
    "AWS::Route53::HostedZone": "hosted zone",
    "AWS::Route53::RecordSet": "DNS record",
    "AWS::CertificateManager::Certificate": "ACM certificate",
    "AWS::CloudTrail::Trail": "CloudTrail trail",
    "AWS::Config::ConfigRule": "Config rule",
    "AWS::Backup::BackupVault": "backup vault",
    "AWS::Backup::BackupPlan": "backup plan",
    "AWS::Budgets::Budget": "budget",
    "AWS::CE::AnomalyMonitor": "anomaly monitor",
}


def platform_graph(environment: str) -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    """Per stack, its key resources; and the cross-stack references (consumer, producer)."""
    import json
    from collections import Counter

    boxes: dict[str, list[str]] = {}
    edges: set[tuple[str, str]] = set()
    prefix = f"FineFinds-{environment.capitalize()}-"
    for concern in CONCERNS:
        path = SNAPSHOTS / f"test_template_snapshot[{environment}-{concern}].json"
        if not path.exists():
            continue  # a stack this environment's profile does not switch on
        template = json.loads(path.read_text())
        counts = Counter(r["Type"] for r in template.get("Resources", {}).values())
        boxes[concern] = [
            f"{n} × {label}" if n > 1 else label for t, label in KEY_RESOURCES.items() if (n := counts.get(t))
        ]
        text = json.dumps(template)
        for other in CONCERNS:
            if other != concern and f'"StackName": "{prefix}{other}"' in text:
                edges.add((concern, other))
    return boxes, edges


def platform_svg(environment: str) -> str:
    """An SVG diagram of one environment's stacks and the references between them."""
    from html import escape

    boxes, edges = platform_graph(environment)
    present = [c for c in CONCERNS if c in boxes]
    width, gap_x, gap_y, line = 200, 40, 40, 15
    heights = {c: 40 + line * len(boxes[c]) for c in present}
    rows = sorted({LAYOUT[c][1] for c in present})
    row_height = {r: max(heights[c] for c in present if LAYOUT[c][1] == r) for r in rows}
    row_top, top = {}, 20
    for r in rows:
        row_top[r] = top
        top += row_height[r] + gap_y
    pos = {c: (20 + LAYOUT[c][0] * (width + gap_x), row_top[LAYOUT[c][1]]) for c in present}
    total_w = 20 + 5 * (width + gap_x)
    total_h = top
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w} {total_h}" role="img" '
        f'aria-label="FineFinds {environment} stacks" class="platform-diagram" font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker></defs>',
    ]
    for consumer, producer in sorted(edges):
        (x1, y1), (x2, y2) = pos[consumer], pos[producer]
        out.append(
            f'<line x1="{x1 + width / 2}" y1="{y1 + 20}" x2="{x2 + width / 2}" y2="{y2 + 20}" stroke="#888" '
            'stroke-dasharray="4 3" marker-end="url(#arrow)"/>'
        )
    for concern in present:
        x, y = pos[concern]
        region = f" ({REGIONS[concern]})" if concern in REGIONS else ""
        out.append(f'<rect x="{x}" y="{y}" width="{width}" height="{heights[concern]}" rx="8" fill="#f4f6fb" stroke="#3b5bdb"/>')
        out.append(f'<text x="{x + 10}" y="{y + 22}" font-weight="bold">{escape(concern)}{region}</text>')
        for i, item in enumerate(boxes[concern]):
            out.append(f'<text x="{x + 14}" y="{y + 42 + i * line}">{escape(item)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def difference_rows() -> tuple[list[str], list[list[str]]]:
    """Settings whose value differs between the presets, one column per preset."""
    from finefinds_constructs import profiles

    presets = profiles.PRESETS
    sample = next(iter(presets.values()))
    header = ["setting", *presets]
    rows = []
    sections = [""] + [f.name for f in dataclasses.fields(sample) if dataclasses.is_dataclass(getattr(sample, f.name))]
    for section in sections:
        obj = getattr(sample, section) if section else sample
        for f in dataclasses.fields(obj):
            if dataclasses.is_dataclass(getattr(obj, f.name)):
                continue
            values = [_fmt(getattr(getattr(p, section) if section else p, f.name)) for p in presets.values()]
            if len(set(values)) > 1 and f.name != "name":
                rows.append([f"{section}.{f.name}" if section else f.name, *values])
    return header, rows


class PlatformDiagram(Directive):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        _depends_on(self, *SNAPSHOTS.glob(f"test_template_snapshot[[]{self.arguments[0]}-*].json"))
        return [nodes.raw("", platform_svg(self.arguments[0]), format="html")]


class EnvironmentDifferences(Directive):
    def run(self) -> list[nodes.Node]:
        _depends_on(self, SRC / "profiles.py")
        return [_table(*difference_rows(), "environment-differences")]


def alarms_text(construct: str) -> str:
    """The bullet of ``AlarmSet.monitor``'s docstring about ``construct``: the alarms it adds."""
    import inspect
    import re

    from finefinds_constructs import AlarmSet

    doc = inspect.getdoc(AlarmSet.monitor) or ""
    bullets = re.split(r"\n(?=\* )", doc)
    for bullet in bullets:
        head = bullet.split("—", 1)[0]
        if re.search(rf"[`:]{construct}`", head):
            text = bullet.split("—", 1)[1] if "—" in bullet else bullet
            text = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]  # the bullet ends at a blank line
            return " ".join(line.strip() for line in text.splitlines())
    return ""


class ConstructAlarms(Directive):
    """``.. construct-alarms:: AuroraCluster``: what ``AlarmSet.monitor`` adds for it, from its docstring."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from docutils.statemachine import StringList

        _depends_on(self, SRC / "alarm_set.py")
        text = alarms_text(self.arguments[0])
        if not text:
            raise self.error(f"AlarmSet.monitor documents no alarms for {self.arguments[0]}")
        container = nodes.container()
        self.state.nested_parse(StringList([f"``AlarmSet.monitor`` adds: {text}"]), self.content_offset, container)
        return container.children


def setup(app):  # noqa: D103 - Sphinx hook
    app.add_directive("profile-defaults", ProfileDefaults)
    app.add_directive("compliance-matrix", ComplianceMatrix)
    app.add_directive("platform-diagram", PlatformDiagram)
    app.add_directive("environment-differences", EnvironmentDifferences)
    app.add_directive("construct-alarms", ConstructAlarms)
    app.add_directive("readiness-rules", ReadinessRules)
    return {"version": "1", "parallel_read_safe": True}
