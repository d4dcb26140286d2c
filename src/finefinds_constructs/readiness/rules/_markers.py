"""Template metadata by which a resource states a fact the rules cannot see in CloudFormation alone.

Any template may carry them, so a team's own resources can state the same facts as the library's:

* :data:`DELEGATED_OUTSIDE_APP` on an ``AWS::Route53::HostedZone``: its name servers are set
  outside the app (at the domain's registrar, or in a parent zone that another app manages). The
  value says where, for the reader of the template.
* :data:`EMPTIES_ON_DELETE` on a custom resource that refers to a hosted zone or backup vault: it
  removes what CloudFormation does not (ACM's validation records, recovery points) before that
  resource is deleted. The value says what it removes.
"""

from __future__ import annotations

from ..._internal.markers import DELEGATED_OUTSIDE_APP, EMPTIES_ON_DELETE
from ..model import Resource, Templates, references

__all__ = ["DELEGATED_OUTSIDE_APP", "EMPTIES_ON_DELETE", "emptied_on_delete", "is_custom_resource", "metadata"]


def metadata(resource: Resource, key: str) -> object:
    return (resource.body.get("Metadata") or {}).get(key)


def is_custom_resource(resource: Resource) -> bool:
    return resource.type.startswith("Custom::") or resource.type == "AWS::CloudFormation::CustomResource"


def emptied_on_delete(templates: Templates, target: Resource) -> bool:
    """Whether a marked custom resource of ``target``'s stack refers to it (so it is deleted first)."""
    return any(
        is_custom_resource(r) and metadata(r, EMPTIES_ON_DELETE) and target.logical_id in references(r.properties)
        for r in templates.in_stack(target.stack)
    )
