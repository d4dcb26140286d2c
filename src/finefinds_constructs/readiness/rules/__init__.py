"""The deploy-readiness rules, one module per rule (as cdk-nag keeps one rule per file)."""

from __future__ import annotations

from . import config_recorder_order

RULES = (
    config_recorder_order.RULE,
)
