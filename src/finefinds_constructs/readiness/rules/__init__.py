"""The deploy-readiness rules, one module per rule (as cdk-nag keeps one rule per file)."""

from __future__ import annotations

from . import access_log_destination, config_recorder_order

RULES = (
    config_recorder_order.RULE,
    access_log_destination.RULE,
)
