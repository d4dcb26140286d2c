"""Organisation tags, applied by every construct from its profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import IConstruct

if TYPE_CHECKING:
    from ..profiles import EnvironmentProfile


def apply_organisation_tags(scope: IConstruct, profile: "EnvironmentProfile") -> None:
    """Tag everything under ``scope`` with the profile's organisation tags."""
    for key, value in profile.organisation_tags().items():
        cdk.Tags.of(scope).add(key, value)
