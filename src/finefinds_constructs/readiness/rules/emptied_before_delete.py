"""A bucket or repository deleted with its stack must be emptied first, or the delete fails."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates, references


def _emptiers(templates: Templates, stack) -> set[str]:
    """Logical ids that a custom resource of the stack empties on delete (aws-cdk-lib's auto-delete)."""
    found: set[str] = set()
    for resource in templates.in_stack(stack):
        kind = resource.type.lower()
        if kind.startswith("custom::") and ("delete" in kind or "empty" in kind):
            found |= references(resource.properties)
    return found


def _check(templates: Templates) -> Iterator[tuple]:
    for stack in templates.stacks:
        emptied = _emptiers(templates, stack)
        for bucket in templates.in_stack(stack, "AWS::S3::Bucket"):
            if bucket.deletion_policy == "Delete" and bucket.logical_id not in emptied:
                yield bucket, "deleted with the stack, and nothing empties it first"
        for repository in templates.in_stack(stack, "AWS::ECR::Repository"):
            if repository.deletion_policy == "Delete" and repository.get("EmptyOnDelete") not in (True, "true"):
                yield repository, "deleted with the stack without EmptyOnDelete"


RULE = Rule(
    name="EmptiedBeforeDelete",
    trap=(
        "CloudFormation deletes an S3 bucket or an ECR repository only when it is empty: once a bucket holds an "
        "object (or an object version, or a delete marker) or a repository an image, the stack's deletion fails "
        "with 'The bucket you tried to delete is not empty' / RepositoryNotEmptyException and leaves "
        "DELETE_FAILED, so a disposable environment does not tear down."
    ),
    fix=(
        "Empty it on delete: aws-cdk-lib's auto_delete_objects=True on the bucket (SecureBucket does in "
        "profiles that do not retain data), empty_on_delete=True on the repository; or retain it "
        "(RemovalPolicy.RETAIN) where the data must outlive the stack."
    ),
    check=_check,
)
