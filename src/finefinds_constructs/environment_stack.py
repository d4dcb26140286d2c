"""EnvironmentStack: a ``cdk.Stack`` placed and configured by an environment profile."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from constructs import Construct, IValidation

from . import compliance
from ._internal.providers import CROSS_REGION_EXPORT_PROVIDERS, drop_redundant_dependency
from ._internal.regions import availability_zone_context_key
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["EnvironmentStack", "require_pinned_availability_zones"]


class EnvironmentStack(cdk.Stack):
    """A stack in the profile's account and region, with its availability zones pinned.

    A CDK stack bound to an account and region looks its availability zones up from AWS (or
    ``cdk.context.json``) the first time anything asks for them. This stack answers from the
    profile instead, so synthesis stays offline and deterministic. It also tags everything in
    it with the profile's organisation tags.

    Parameters
    ----------
    scope : constructs.Construct
        The app or stage.
    id : str
        The stack id, e.g. ``"FineFinds-Production-Network"``.
    profile : EnvironmentProfile
        The environment profile; required.
    **kwargs
        Any other ``cdk.StackProps`` (``description``, ``termination_protection``, ...).
        ``env`` defaults to the profile's account and region.
        Default: none.
    """

    def __init__(self, scope: Construct, id: str, *, profile: EnvironmentProfile, **kwargs: Any) -> None:
        require_profile(profile)
        kwargs.setdefault("env", cdk.Environment(account=profile.account, region=profile.region))
        super().__init__(scope, id, **kwargs)
        self.profile = profile
        if not cdk.Token.is_unresolved(self.account) and not cdk.Token.is_unresolved(self.region):
            # Must happen before any child exists: CDK freezes a node's context after that.
            zones = list(profile.availability_zones) if self.region == profile.region else None
            if zones:
                self.node.set_context(availability_zone_context_key(self.account, self.region), zones)
        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "EnvironmentStack")
        self.node.add_validation(_PreparedStack(self))


@jsii.implements(IValidation)
class _PreparedStack:
    """Settles what aws-cdk-lib adds to the stack while it prepares the app.

    The cross-region reference providers (strong references only) appear after every constructor
    ran, and aspects run too early to see them. Validation runs after preparation and before the
    templates are written, so their acknowledgements and checkov skips (``EnvironmentStack[late]``)
    reach the template, and so does dropping their handlers' redundant DependsOn (cfn-lint W3005).
    """

    def __init__(self, stack: cdk.Stack) -> None:
        self._stack = stack

    def validate(self) -> list[str]:
        # Matching walks the whole stack: only where aws-cdk-lib added a provider (strong references).
        if any(self._stack.node.try_find_child(provider) for provider in CROSS_REGION_EXPORT_PROVIDERS):
            compliance.apply_acknowledgements(self._stack, "EnvironmentStack[late]")
            for provider in CROSS_REGION_EXPORT_PROVIDERS:
                drop_redundant_dependency(self._stack, provider)
        return []


def require_pinned_availability_zones(scope: Construct, profile: EnvironmentProfile, parameter: str = "scope") -> None:
    """Raise unless synthesizing ``scope``'s stack can never trigger an availability-zone lookup."""
    stack = cdk.Stack.of(scope)
    if cdk.Token.is_unresolved(stack.region):
        return
    if stack.region != profile.region:
        raise ConfigurationError(
            parameter,
            f"stack {stack.stack_name} in {stack.region}",
            f"a stack in the profile's region {profile.region}",
            fix="create the stack with env=cdk.Environment(region=profile.region) or use a profile for that region",
        )
    if cdk.Token.is_unresolved(stack.account):
        return  # environment-agnostic stacks never look zones up
    key = availability_zone_context_key(stack.account, stack.region)
    if stack.node.try_get_context(key) is None:
        raise ConfigurationError(
            parameter,
            f"stack {stack.stack_name} ({stack.account}/{stack.region})",
            "a stack whose availability zones are pinned, so synthesis needs no AWS lookup",
            fix=(
                "create the stack as finefinds_constructs.EnvironmentStack(app, id, profile=profile), "
                "or pass cdk.App(context=profile.availability_zone_context())"
            ),
        )
