"""Snapshots of every platform template, volatile values scrubbed, so a reviewer sees change in a diff.

Updating them is deliberate: ``python3 scripts/dev.py test tests/integration/test_snapshots.py
--snapshot-update``, then review and commit the ``__snapshots__`` diff.
"""

from __future__ import annotations

import copy
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from conftest import STACKS

_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def scrub(template: dict) -> dict:
    """The template without what changes on every build or CDK upgrade: asset hashes, CDK metadata."""
    template = copy.deepcopy(template)
    template.get("Resources", {}).pop("CDKMetadata", None)
    template.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    for resource in template.get("Resources", {}).values():
        metadata = resource.get("Metadata", {})
        for key in [k for k in metadata if k.startswith("aws:asset:")]:
            del metadata[key]

    def walk(value):
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str):
            return _HASH.sub("<asset-hash>", value)
        return value

    return walk(template)


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("env, concern", STACKS)
def test_template_snapshot(platform, snapshot_json, env, concern):
    template = platform["stacks"][f"FineFinds-{env.capitalize()}-{concern}"]
    assert scrub(template) == snapshot_json
