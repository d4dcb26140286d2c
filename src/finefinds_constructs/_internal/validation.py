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
