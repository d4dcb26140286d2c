"""Each registry entry applies only under the condition its reason states, and each one is used.

* Outside its condition an entry leaves the finding to the gate: a retained (production) profile
  with deletion protection turned off, and a retained profile's single-node cache, are reported.
* Every entry is applied somewhere: in the cloud assemblies of the example platform (every
  environment) and of the first app, which the session builds anyway, or, for a configuration no
  example builds, in :data:`NOT_IN_THE_EXAMPLES`, whose configurations the last tests build.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_sns as sns
from constructs import IConstruct

import background
import support
from finefinds_constructs import (
    AuroraCluster,
    Certificates,
    EnvironmentStack,
    FargateWebService,
    RedisCache,
    SecureVpc,
    building_blocks,
    compliance,
)
from finefinds_constructs.cdn_bucket import CdnBucket

ACK_KEY = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
ACCOUNT = support.TEST_ACCOUNT
IMAGE = "public.ecr.aws/nginx/nginx:stable"
CERTIFICATE_ARN = f"arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"

#: The README's synth of the example platform and the first app, run in the background.
platform = background.fixture("platform")
first_app = background.fixture("first_app")

#: (rule id as acknowledged, construct path of the resource, reason)
Applied = tuple[str, str, str]

_STRONG_REFERENCES = (
    "aws-cdk-lib adds these providers only for strong references between regions; the examples' cdk.json "
    "makes references weak"
)
_ORIGIN_SECRET = "only with cloudfront_access='origin-secret'; the examples use the default VPC origin"
_DEFAULT_CERTIFICATE = "only for a CdnBucket without certificate= and domain_names=; the examples give both"
_HTTP_API_ORIGIN = "only after add_api_origin(protocol=HTTP_ONLY); the examples reach their API over HTTPS"
_WILDCARD = "only for Certificates(allow_wildcard=True); the examples name every host"
_TEAM_LOG_GROUP = "only on a log group made with building_blocks.log_group, which the examples do not use"

#: Entries that no example applies, each with the configuration it needs; built below instead.
NOT_IN_THE_EXAMPLES: dict[tuple[str, str], str] = {
    ("EnvironmentStack[late]", "CKV_AWS_115"): _STRONG_REFERENCES,
    ("EnvironmentStack[late]", "CKV_AWS_116"): _STRONG_REFERENCES,
    ("EnvironmentStack[late]", "CKV_AWS_117"): _STRONG_REFERENCES,
    ("EnvironmentStack[late]", "ControlTower::CT.LAMBDA.PR.3"): _STRONG_REFERENCES,
    ("FargateWebService[origin-secret]", "NIST.800.53.R5-ALBWAFEnabled"): _ORIGIN_SECRET,
    ("FargateWebService[origin-secret]", "PCI.DSS.321-ALBWAFEnabled"): _ORIGIN_SECRET,
    ("FargateWebService[origin-secret]", "AwsSolutions-SMG4"): _ORIGIN_SECRET,
    ("FargateWebService[origin-secret]", "NIST.800.53.R5-SecretsManagerRotationEnabled"): _ORIGIN_SECRET,
    ("FargateWebService[origin-secret]", "PCI.DSS.321-SecretsManagerRotationEnabled"): _ORIGIN_SECRET,
    ("FargateWebService[origin-secret]", "HIPAA.Security-SecretsManagerRotationEnabled"): _ORIGIN_SECRET,
    ("CdnBucket", "@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac"): (
        "applied in the examples, but an acknowledged aws-cdk-lib warning is only removed: nothing of it "
        "reaches the cloud assembly"
    ),
    ("CdnBucket[default-certificate]", "AwsSolutions-CFR4"): _DEFAULT_CERTIFICATE,
    ("CdnBucket[default-certificate]", "ControlTower::CT.CLOUDFRONT.PR.6"): _DEFAULT_CERTIFICATE,
    ("CdnBucket[default-certificate]", "ControlTower::CT.CLOUDFRONT.PR.7"): _DEFAULT_CERTIFICATE,
    ("CdnBucket[default-certificate]", "ControlTower::CT.CLOUDFRONT.PR.9"): _DEFAULT_CERTIFICATE,
    ("CdnBucket[http-api-origin]", "ControlTower::CT.CLOUDFRONT.PR.8"): _HTTP_API_ORIGIN,
    ("CdnBucket[http-api-origin]", "AwsSolutions-CFR5"): _HTTP_API_ORIGIN,
    ("Certificates[wildcard]", "CKV2_AWS_71"): _WILDCARD,
    ("building_blocks[short-log-retention]", "ControlTower::CT.CLOUDWATCH.PR.2"): _TEAM_LOG_GROUP,
}


# ------------------------------------------------------------------------------------------------
# Reading what was applied, and which registry entry it was


def _rule(acknowledged: str) -> str:
    # aws-cdk-lib records a cdk-nag rule as "Annotation::<rule>" (older versions: "annotation::").
    return re.sub(r"^annotation::", "", acknowledged, flags=re.I)


def applied_in_assembly(outdir: Path) -> set[Applied]:
    """Acknowledgements (stack metadata files) and checkov skips (templates) of a cloud assembly."""
    found: set[Applied] = set()
    for metadata in Path(outdir).glob("*.metadata.json"):
        paths: dict[str, str] = {}
        for path, entries in json.loads(metadata.read_text()).items():
            for entry in entries:
                if entry["type"] == ACK_KEY:
                    found.update((_rule(rule), path.lstrip("/"), reason) for rule, reason in entry["data"].items())
                elif entry["type"] == "aws:cdk:logicalId":
                    paths[entry["data"]] = path.lstrip("/")
        template = json.loads(metadata.with_name(metadata.name.replace(".metadata.json", ".template.json")).read_text())
        for logical_id, resource in template.get("Resources", {}).items():
            for skip in (resource.get("Metadata") or {}).get("checkov", {}).get("skip", []):
                found.add((skip["id"], paths[logical_id], skip["comment"]))
    return found


def applied_in_tree(root: IConstruct) -> set[Applied]:
    """The same, read from a construct tree that was not synthesized."""
    found: set[Applied] = set()
    for construct in root.node.find_all():
        path = construct.node.path
        for entry in construct.node.metadata:
            if entry.type == ACK_KEY:
                found.update((_rule(rule), path, reason) for rule, reason in entry.data.items())
        if isinstance(construct, cdk.CfnResource):
            for skip in (construct.get_metadata("checkov") or {}).get("skip", []):
                found.add((skip["id"], path, skip["comment"]))
    return found


def _is(ack: compliance.Acknowledgement, rule: str, path: str, reason: str) -> bool:
    """Whether ``ack`` made this acknowledgement: its rule (placeholders filled), reason and path."""
    pattern = re.sub(r"\\\{\w+\\\}", ".+", re.escape(ack.rule))
    if ack.reason != reason or not re.fullmatch(pattern, rule):
        return False
    glob = ack.path.removeprefix("~/")
    if glob == ".":
        return "/" not in path
    # Entries are applied to the CloudFormation resources at or under the matched path.
    return fnmatch.fnmatchcase(path, f"*/{glob}") or fnmatch.fnmatchcase(path, f"*/{glob}/*")


def entries(found: set[Applied]) -> set[int]:
    """Indexes into REGISTRY of the entries that made ``found``; fails where two could have."""
    used: set[int] = set()
    for rule, path, reason in found:
        hits = [i for i, ack in enumerate(compliance.REGISTRY) if _is(ack, rule, path, reason)]
        assert len(hits) <= 1, (
            f"{rule} at {path}: registry entries {[_name(compliance.REGISTRY[i]) for i in hits]} cannot be told "
            "apart in a cloud assembly; give them different reasons"
        )
        used.update(hits)
    return used


def _name(ack: compliance.Acknowledgement) -> str:
    return f"{ack.construct} {ack.rule} at {ack.path}"


# ------------------------------------------------------------------------------------------------
# Outside their condition: the findings are reported


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> list[tuple[str, str]]:
    """Given the production profile with deletion protection turned off, a database, a service
    and a single-node cache, synthesized with the gate on: (rule, path) of every finding."""
    outdir = tmp_path_factory.mktemp("outside")
    app = cdk.App(outdir=str(outdir), context=support.RECOMMENDED_CONTEXT)
    base = support.profile_for_tests("production")
    profile = dataclasses.replace(base, protection=dataclasses.replace(base.protection, deletion_protection=False))
    stack = EnvironmentStack(app, "Outside", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    AuroraCluster(stack, "Database", profile=profile, vpc=network.vpc, proxy=False)
    FargateWebService(
        stack, "Web", profile=profile, vpc=network.vpc, image=ecs.ContainerImage.from_registry(IMAGE), user="101",
        certificate=acm.Certificate.from_certificate_arn(stack, "Certificate", CERTIFICATE_ARN),
    )
    RedisCache(stack, "Cache", profile=profile, vpc=network.vpc, replicas=0)
    compliance.enable(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    return sorted((f.rule, f.path) for f in compliance.read_findings(outdir))


def test_a_retained_cluster_without_deletion_protection_is_reported(outside):
    assert [f for f in outside if f[1] == "Outside/Database/Cluster/Resource"] == [
        ("AwsSolutions-RDS10", "Outside/Database/Cluster/Resource"),
        ("CT.RDS.PR.3", "Outside/Database/Cluster/Resource"),
        ("HIPAA.Security-RDSInstanceDeletionProtectionEnabled", "Outside/Database/Cluster/Resource"),
        ("NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled", "Outside/Database/Cluster/Resource"),
    ]


def test_a_retained_load_balancer_without_deletion_protection_is_reported(outside):
    assert [f for f in outside if f[1] == "Outside/Web/LoadBalancer/Resource"] == [
        ("CT.ELASTICLOADBALANCING.PR.5", "Outside/Web/LoadBalancer/Resource"),
        ("HIPAA.Security-ELBDeletionProtectionEnabled", "Outside/Web/LoadBalancer/Resource"),
        ("NIST.800.53.R5-ELBDeletionProtectionEnabled", "Outside/Web/LoadBalancer/Resource"),
    ]


def test_a_retained_single_node_cache_is_reported(outside):
    assert [f for f in outside if f[1].startswith("Outside/Cache/")] == [
        ("AwsSolutions-AEC4", "Outside/Cache/ReplicationGroup"),
    ]


def test_nothing_else_is_reported(outside):
    """The same constructs with deletion protection on and a replica pass: these are all the findings."""
    assert {path for _, path in outside} == {
        "Outside/Database/Cluster/Resource",
        "Outside/Web/LoadBalancer/Resource",
        "Outside/Cache/ReplicationGroup",
    }


# ------------------------------------------------------------------------------------------------
# Every entry is used


def test_every_registry_entry_is_applied_in_the_examples_or_listed(platform, first_app):
    assert platform["result"].returncode == 0, platform["result"].stdout + platform["result"].stderr
    assert first_app["result"].returncode == 0, first_app["result"].stdout + first_app["result"].stderr
    used = entries(applied_in_assembly(platform["outdir"]) | applied_in_assembly(first_app["outdir"]))
    listed = {i for i, ack in enumerate(compliance.REGISTRY) if (ack.construct, ack.rule) in NOT_IN_THE_EXAMPLES}
    never = [_name(ack) for i, ack in enumerate(compliance.REGISTRY) if i not in used | listed]
    assert never == [], "registry entries no example applies (drop them, fix their condition, or list them)"
    stale = [_name(compliance.REGISTRY[i]) for i in sorted(used & listed)]
    assert stale == [], "listed in NOT_IN_THE_EXAMPLES, but an example applies them: drop them from the list"


def test_every_listed_entry_names_a_registry_entry():
    names = {(ack.construct, ack.rule) for ack in compliance.REGISTRY}
    assert sorted(set(NOT_IN_THE_EXAMPLES) - names) == []


def _listed(construct: str) -> set[int]:
    return {
        i for i, ack in enumerate(compliance.REGISTRY)
        if ack.construct == construct and (ack.construct, ack.rule) in NOT_IN_THE_EXAMPLES
    }


def test_the_configurations_no_example_builds_apply_their_entries():
    """Given an origin-secret service, a CdnBucket on its default domain with a plain-HTTP API
    origin, a wildcard certificate, a web ACL and a team's log group in a profile keeping logs 14
    days (built, not synthesized), their listed entries are applied."""
    app = cdk.App(context=support.RECOMMENDED_CONTEXT)
    profile = support.profile_for_tests("development")
    stack = EnvironmentStack(app, "Unbuilt", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    web = FargateWebService(
        stack, "Web", profile=profile, vpc=network.vpc, image=ecs.ContainerImage.from_registry(IMAGE), user="101",
        cloudfront_access="origin-secret",
    )
    site = CdnBucket(stack, "Site", profile=profile)
    site.add_api_origin(web)  # its listener is plain HTTP (no certificate): so is the origin
    Certificates(stack, "Preview", profile=profile, domain_name="*.preview.example.com", allow_wildcard=True)
    key = building_blocks.log_encryption_key(stack, "TeamKey", profile=profile, description="a team's logs")
    building_blocks.log_group(stack, "TeamLogs", profile=profile, encryption_key=key)

    used = entries(applied_in_tree(stack))
    for construct in (
        "FargateWebService[origin-secret]", "CdnBucket[default-certificate]", "CdnBucket[http-api-origin]",
        "Certificates[wildcard]", "building_blocks[short-log-retention]",
    ):
        missing = [_name(compliance.REGISTRY[i]) for i in sorted(_listed(construct) - used)]
        assert missing == [], construct
    # The key policy warning aws-cdk-lib raises for the content key is acknowledged, so removed.
    (warning,) = [ack.rule for ack in compliance.REGISTRY if ack.is_cdk_warning]
    assert [
        entry.data for c in site.node.find_all() for entry in c.node.metadata
        if entry.type == "aws:cdk:warning" and warning in str(entry.data)
    ] == []


def test_strong_references_between_regions_apply_the_late_entries(tmp_path):
    """Given an app without the weak-references flag and a value passed between regions, the
    providers aws-cdk-lib adds while it prepares the app carry EnvironmentStack[late]'s entries."""
    app = cdk.App(outdir=str(tmp_path), context={})
    profile = support.profile_for_tests("development")
    producer = EnvironmentStack(
        app, "Producer", profile=profile, env=cdk.Environment(account=ACCOUNT, region="us-east-1"), cross_region_references=True
    )
    consumer = EnvironmentStack(app, "Consumer", profile=profile, cross_region_references=True)
    topic = sns.Topic(producer, "Topic")
    cdk.CfnOutput(consumer, "TopicArn", value=topic.topic_arn)
    app.synth()
    used = entries(applied_in_assembly(tmp_path))
    assert [_name(compliance.REGISTRY[i]) for i in sorted(_listed("EnvironmentStack[late]") - used)] == []
