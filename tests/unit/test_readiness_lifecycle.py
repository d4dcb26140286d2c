"""Deploy-readiness rule for S3 lifecycle transitions that archive small objects (a cost trap)."""

from __future__ import annotations

import copy

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

import support
from finefinds_constructs import EnvironmentStack, readiness
from finefinds_constructs.readiness import Templates
from finefinds_constructs.secure_bucket import PURPOSES, SecureBucket

RULE = "DeployReadiness::GlacierTransitionOfSmallObjects"


def bucket(default: str | None, **rule) -> dict:
    lifecycle: dict = {
        "Rules": [
            {"Id": "ArchiveToGlacier", "Status": "Enabled", "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 30}], **rule}
        ]
    }
    if default is not None:
        lifecycle["TransitionDefaultMinimumObjectSize"] = default
    return {"Type": "AWS::S3::Bucket", "Properties": {"LifecycleConfiguration": lifecycle}}


def violations(*buckets: dict) -> list[readiness.Violation]:
    templates = {"Storage": {"Resources": {f"Bucket{i}": b for i, b in enumerate(buckets)}}}
    return [v for v in readiness.check(Templates.of(templates)) if v.rule == RULE]


def test_glacier_transition_of_objects_of_any_size_is_a_violation():
    found = violations(bucket("varies_by_storage_class"))
    assert [(v.resource.logical_id, v.message) for v in found] == [
        (
            "Bucket0",
            "lifecycle rule ArchiveToGlacier moves objects of any size to GLACIER "
            "(TransitionDefaultMinimumObjectSize varies_by_storage_class, no ObjectSizeGreaterThan)",
        )
    ]


def test_deep_archive_of_noncurrent_versions_counts_too():
    archived = bucket("varies_by_storage_class")
    rule = archived["Properties"]["LifecycleConfiguration"]["Rules"][0]
    del rule["Transitions"]
    rule["NoncurrentVersionTransitions"] = [{"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 90}]
    assert len(violations(archived)) == 1


@pytest.mark.parametrize(
    "fixed",
    [
        bucket("all_storage_classes_128K"),
        bucket(None),  # omitted: S3's default since September 2024 is all_storage_classes_128K
        bucket("varies_by_storage_class", ObjectSizeGreaterThan=131072),
        bucket("varies_by_storage_class", Status="Disabled"),
    ],
    ids=["128K", "omitted", "size-filter", "disabled"],
)
def test_fixed_or_default_is_fine(fixed):
    assert violations(fixed) == []


def test_other_classes_never_take_small_objects():
    """Under varies_by_storage_class only Glacier Flexible Retrieval and Deep Archive take objects under 128 KB."""
    instant = bucket("varies_by_storage_class")
    instant["Properties"]["LifecycleConfiguration"]["Rules"][0]["Transitions"] = [
        {"StorageClass": "GLACIER_IR", "TransitionInDays": 30},
        {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
    ]
    assert violations(instant) == []


# --------------------------------------------------------------------------------- the library's output
@pytest.fixture(scope="module")
def buckets(tmp_path_factory) -> Templates:
    outdir = tmp_path_factory.mktemp("readiness-lifecycle")
    app = cdk.App(outdir=str(outdir), context=support.RECOMMENDED_CONTEXT)
    for preset in support.PRESET_NAMES:
        profile = support.profile_for_tests(preset)
        stack = EnvironmentStack(app, f"Buckets-{preset}", profile=profile)
        for purpose in PURPOSES:
            SecureBucket(stack, purpose.capitalize(), profile=profile, purpose=purpose)
    app.synth()
    return Templates.from_paths(str(p) for p in outdir.glob("*.template.json"))


def test_secure_buckets_of_every_purpose_and_preset_pass(buckets):
    assert [v for v in readiness.check(buckets) if v.rule == RULE] == []
    found = list(buckets.resources("AWS::S3::Bucket"))
    assert found and {b.get("LifecycleConfiguration", "TransitionDefaultMinimumObjectSize") for b in found} == {
        "all_storage_classes_128K"
    }
    # The backups buckets are the ones that archive: to Glacier Flexible Retrieval after 30 days.
    archiving = [b for b in found if any(r["Id"] == "ArchiveToGlacier" for r in b.get("LifecycleConfiguration", "Rules"))]
    assert len(archiving) == len(support.PRESET_NAMES)
    (rule,) = [r for r in archiving[0].get("LifecycleConfiguration", "Rules") if r["Id"] == "ArchiveToGlacier"]
    assert rule["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 30}]


def test_a_bucket_props_override_back_to_varies_by_storage_class_is_caught():
    app = cdk.App()
    profile = support.profile_for_tests("development")
    stack = EnvironmentStack(app, "Override", profile=profile)
    SecureBucket(
        stack, "Backups", profile=profile, purpose="backups",
        bucket_props={"transition_default_minimum_object_size": s3.TransitionDefaultMinimumObjectSize.VARIES_BY_STORAGE_CLASS},
    )
    template = copy.deepcopy(app.synth().get_stack_by_name("Override").template)
    found = [v for v in readiness.check(Templates.of({"Override": template})) if v.rule == RULE]
    assert [v.resource.logical_id.startswith("BackupsBucket") for v in found] == [True]
