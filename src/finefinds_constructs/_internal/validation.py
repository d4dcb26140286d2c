"""Checks every construct makes of its arguments before it builds anything."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError
from ..profiles import EnvironmentProfile


def require_profile(profile: Any) -> EnvironmentProfile:
    """``profile`` itself when it is an :class:`EnvironmentProfile`, else a ConfigurationError."""
    if not isinstance(profile, EnvironmentProfile):
        raise ConfigurationError(
            "profile", type(profile).__name__, "an EnvironmentProfile", fix="pass profiles.PRODUCTION or a loaded profile"
        )
    return profile


def require_same_environment(construct: Any, parameter: str, resource: Any) -> None:
    """A ConfigurationError when ``resource`` (a VPC, ...) belongs to another account or region than ``construct``.

    A VPC's subnets and security groups exist only in their own account and region: handed to a
    stack elsewhere, CDK either refuses the reference with a jsii error or, with
    ``cross_region_references``, generates an export reader whose values no resource there can use.
    """
    import aws_cdk as cdk

    env = getattr(resource, "env", None)
    if env is None:
        return
    stack = cdk.Stack.of(construct)
    for what, theirs, ours in (("account", env.account, stack.account), ("region", env.region, stack.region)):
        if cdk.Token.is_unresolved(theirs) or cdk.Token.is_unresolved(ours) or theirs == ours:
            continue
        path = resource.node.path if hasattr(resource, "node") else type(resource).__name__
        raise ConfigurationError(
            parameter,
            f"{path} ({what} {theirs})",
            f"a {parameter} in the {what} of {stack.stack_name} ({ours})",
            fix=f"create or import the {parameter} in {what} {ours} (e.g. a SecureVpc in a stack of the same profile), "
            f"or place this construct in a stack of {what} {theirs}",
            source=construct.node.path,
        )
