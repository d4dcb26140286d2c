"""A backup vault deleted with its stack must be empty, and something must be able to empty it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .. import Rule
from ..model import Resource, Templates
from ._markers import EMPTIES_ON_DELETE, emptied_on_delete


VAULT = "AWS::Backup::BackupVault"
PLAN = "AWS::Backup::BackupPlan"
_ARN = re.compile(r"arn:aws[a-z-]*:backup:([a-z0-9-]+):(\d{12}):backup-vault:([A-Za-z0-9_-]+)")


def _literal_vault(templates: Templates, value: Any, *, region: str | None = None, account: str | None = None) -> Resource | None:
    """The vault a literal name (in the plan's region and account) or ARN names."""
    if not isinstance(value, str):
        return None
    match = _ARN.fullmatch(value)
    name, region, account = (match.group(3), match.group(1), match.group(2)) if match else (value, region, account)
    for vault in templates.resources(VAULT):
        if vault.get("BackupVaultName") == name and vault.stack.region in (None, region) and vault.stack.account in (None, account):
            return vault
    return None


def _targets(templates: Templates, plan: Resource) -> Iterator[Resource]:
    for rule in plan.get("BackupPlan", "BackupPlanRule") or []:
        if not isinstance(rule, dict):
            continue
        values = [rule.get("TargetBackupVault")] + [c.get("DestinationBackupVaultArn") for c in rule.get("CopyActions") or [] if isinstance(c, dict)]
        for value in values:
            vault = templates.target(plan, value) or _literal_vault(
                templates, value, region=plan.stack.region, account=plan.stack.account
            )
            if vault is not None and vault.type == VAULT:
                yield vault


def _denies_deletion(vault: Resource) -> bool:
    policy = vault.get("AccessPolicy")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return False
    statements = (policy or {}).get("Statement") if isinstance(policy, dict) else None
    for statement in [statements] if isinstance(statements, dict) else statements or []:
        actions = statement.get("Action") if isinstance(statement, dict) else None
        actions = [actions] if isinstance(actions, str) else actions or []
        if statement.get("Effect") == "Deny" and any(a in ("backup:DeleteRecoveryPoint", "backup:*", "*") for a in actions):
            return True
    return False


def _check(templates: Templates) -> Iterator[tuple]:
    filled: dict[str, tuple[Resource, list[str]]] = {}
    for plan in templates.resources(PLAN):
        for vault in _targets(templates, plan):
            plans = filled.setdefault(str(vault), (vault, []))[1]
            if str(plan) not in plans:
                plans.append(str(plan))
    for vault, plans in filled.values():
        if vault.deletion_policy != "Delete":
            continue
        by = ", ".join(plans)
        if vault.get("LockConfiguration"):
            yield vault, f"is deleted with its stack but has a vault lock: recovery points that {by} writes cannot be deleted before MinRetentionDays"
        elif _denies_deletion(vault):
            yield vault, f"is deleted with its stack but its access policy denies backup:DeleteRecoveryPoint, so the recovery points of {by} cannot be removed"
        elif not emptied_on_delete(templates, vault):
            yield vault, f"is deleted with its stack but nothing deletes the recovery points that {by} writes into it"


RULE = Rule(
    name="BackupVaultNotEmptied",
    trap=(
        "AWS Backup deletes a backup vault only when it holds no recovery points (DeleteBackupVault: 'A vault can be "
        "deleted only if it is empty'), and CloudFormation does not delete them: a vault with DeletionPolicy Delete "
        "that a backup plan writes into (its target or a copy destination) makes the stack's deletion fail. A vault "
        "lock forbids deleting recovery points younger than its minimum retention, and an access policy that denies "
        "backup:DeleteRecoveryPoint forbids it to everyone, so such a vault cannot be emptied at all."
    ),
    fix=(
        "In a destroyable environment give the vault a custom resource in its stack that refers to it, deletes its "
        f"recovery points when the stack is deleted and carries '{EMPTIES_ON_DELETE}' metadata (BackupPlan does this "
        "where profile.protection.retain_data is false), and no vault lock or deny on DeleteRecoveryPoint; "
        "otherwise retain the vault (RetainExceptOnCreate)."
    ),
    check=_check,
)
