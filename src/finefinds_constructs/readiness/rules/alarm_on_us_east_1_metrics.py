"""CloudWatch: an alarm only sees metrics of its own region."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import Rule
from ..model import Templates

ALARM = "AWS::CloudWatch::Alarm"
US_EAST_1 = "us-east-1"
#: Namespaces whose metrics exist only in us-east-1, whatever region the resource serves.
_US_EAST_1_ONLY = {
    "AWS/CloudFront": "CloudFront publishes distribution metrics in us-east-1 only",
    "AWS/Billing": "estimated charges are published in us-east-1 only",
    "AWS/Route53": "Route 53 publishes health-check and hosted-zone metrics in us-east-1 only",
}


def _metrics(alarm: Any) -> Iterator[tuple[Any, Mapping[str, Any]]]:
    """(namespace, {dimension: value}) of each metric the alarm reads."""
    props = alarm.properties
    if "Namespace" in props:
        yield props.get("Namespace"), _dimensions(props.get("Dimensions"))
    for query in props.get("Metrics") or []:
        metric = ((query or {}).get("MetricStat") or {}).get("Metric") or {}
        if "Namespace" in metric:
            yield metric.get("Namespace"), _dimensions(metric.get("Dimensions"))


def _dimensions(value: Any) -> dict[str, Any]:
    return {d.get("Name"): d.get("Value") for d in value or [] if isinstance(d, Mapping)}


def _check(templates: Templates) -> Iterator[tuple]:
    for alarm in templates.resources(ALARM):
        region = alarm.stack.region
        if not region:
            continue  # environment-agnostic: the region is decided at deploy time
        for namespace, dimensions in _metrics(alarm):
            if region != US_EAST_1 and namespace in _US_EAST_1_ONLY:
                yield alarm, f"it watches {namespace} from {region}: {_US_EAST_1_ONLY[namespace]}"
            elif namespace == "AWS/WAFV2":
                acl_region = dimensions.get("Region")
                if acl_region is None and region != US_EAST_1:
                    # Regional web ACL metrics always carry Region; CloudFront ones never do.
                    yield alarm, f"it watches a CLOUDFRONT web ACL's AWS/WAFV2 metrics (no Region dimension) from {region}"
                elif isinstance(acl_region, str) and acl_region != region:
                    yield alarm, f"it watches AWS/WAFV2 metrics of {acl_region} from {region}"


RULE = Rule(
    name="AlarmOnMetricsOfAnotherRegion",
    trap=(
        "A CloudWatch alarm evaluates metrics of its own region only. CloudFront, CLOUDFRONT-scope WAF "
        "(AWS WAF Developer Guide: 'To view AWS WAF metrics for CloudFront, you must choose the US East (N. "
        "Virginia) Region'), Route 53 and billing metrics exist only in us-east-1, and a regional web ACL's "
        "only in its region: an alarm on them elsewhere deploys and never has data, so it never fires "
        "(INSUFFICIENT_DATA, or OK with treatMissingData notBreaching)."
    ),
    fix=(
        "Create the alarm in a stack of the metrics' region: for the front door an AlarmSet in a us-east-1 "
        "stack (e.g. the edge stack), with its own SNS topic to the same addresses."
    ),
    check=_check,
)
