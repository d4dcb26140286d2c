"""Cost Anomaly Detection: one DIMENSIONAL (AWS managed) monitor per dimension and account."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Resource, Templates, crowded

MONITOR = "AWS::CE::AnomalyMonitor"


def _check(templates: Templates) -> Iterator[tuple]:
    placed: dict[tuple[str, ...], list[Resource]] = {}
    for monitor in templates.resources(MONITOR):
        if monitor.get("MonitorType") != "DIMENSIONAL":
            continue  # CUSTOM monitors have no such quota; an intrinsic type cannot be judged
        dimension = monitor.get("MonitorDimension", default="SERVICE")
        if not isinstance(dimension, str):
            continue
        # Cost Explorer is global: the account is what counts, not the region.
        account = ("account", monitor.stack.account) if monitor.stack.account else ("template", monitor.stack.name)
        placed.setdefault((*account, dimension), []).append(monitor)
    for (scope, where, dimension), monitor, others in crowded(placed):
        place = f"account {where}" if scope == "account" else f"the one account of stack {where}"
        yield monitor, f"a second DIMENSIONAL {dimension} monitor in {place} (also {others})"


RULE = Rule(
    name="AnomalyMonitorPerAccount",
    trap=(
        "Cost Anomaly Detection allows one DIMENSIONAL (AWS managed) monitor per dimension and account: "
        "a second one fails with 'Limit exceeded on dimensional spend monitor creation', which "
        "CloudFormation reports as AlreadyExists with the message 'null' (CloudFormation coverage roadmap "
        "#2515). Only a second monitor of the app is flagged: whether the account already has one (AWS often "
        "creates 'Default-Services-Monitor') is account state no template shows, so a single DIMENSIONAL "
        "monitor can still fail there."
    ),
    fix=(
        "Keep one DIMENSIONAL monitor per account and subscribe to it from the others (CostGuard: "
        "cost.anomaly_monitor = \"EXISTING\" with cost.anomaly_monitor_arn), or use CUSTOM monitors "
        "(CostGuard's default \"ENVIRONMENT_TAG\": costs tagged Environment=<name>, in a management account)."
    ),
    check=_check,
)
