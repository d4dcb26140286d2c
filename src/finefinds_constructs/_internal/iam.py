"""IAM helpers: roles whose grants land in a customer-managed policy instead of an inline one."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_iam as iam
from constructs import Construct


class ManagedPolicyRole(iam.Role):
    """An ``iam.Role`` that collects every grant in one customer-managed policy.

    aws-cdk-lib puts grants (``bucket.grant_read(role)``, a log driver's write access, ECS Exec's
    channel permissions, ...) into an inline ``DefaultPolicy``, which the NIST 800-53, PCI DSS and
    HIPAA packs reject (``IAMNoInlinePolicy``). This role routes them into a managed policy
    created on the first grant, so a role nobody grants anything to has no policy at all.

    Parameters
    ----------
    scope, id, **props
        As for ``iam.Role``.
    policy_description : str, optional
        Description of the managed policy. Default: derived from the role's path.
    """

    def __init__(self, scope: Construct, id: str, *, policy_description: str | None = None, **props: Any) -> None:
        super().__init__(scope, id, **props)
        self._policy_description = policy_description or f"Grants to {self.node.path}"
        self.managed_policy: iam.ManagedPolicy | None = None

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        if self.managed_policy is None:
            self.managed_policy = iam.ManagedPolicy(
                self, "Policy", description=self._policy_description, roles=[self]
            )
        self.managed_policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.managed_policy)
