"""Every key a construct owns in its ``*_props`` overrides is refused, with an error naming it.

The table below is written out by hand on purpose: it is the contract, and it must not be read
from the library (a guard dropped from a construct's ``_ENFORCED`` would drop its test with it).
``test_the_table_covers_exactly_the_enforced_keys`` ties it to the library the other way round,
so a new enforced key without a case here fails too.

Then the values a profile enforces (refused only there), and refusals that depend on how the
construct was built. Nothing here synthesizes: each case builds the construct in a stack of its
own and expects the ConfigurationError its constructor raises, before any template exists.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_route53 as route53

import support
from finefinds_constructs import (
    AuditTrail,
    AuroraCluster,
    AuthPool,
    BackupPlan,
    CdnBucket,
    Certificates,
    ConfigurationError,
    DnsZone,
    EnvironmentStack,
    FargateWebService,
    RedisCache,
    SecureBucket,
    SecureVpc,
    WafProtection,
)
from finefinds_constructs import (
    audit_trail,
    aurora_cluster,
    auth_pool,
    backup_plan,
    cdn_bucket,
    certificates,
    dns,
    fargate_web_service,
    redis_cache,
    secure_bucket,
    secure_vpc,
    waf_protection,
)
from finefinds_constructs._internal.props import accepted_keywords

#: What each case passes for the refused key: the construct refuses the key, whatever its value.
OVERRIDE = "override"


# ------------------------------------------------------------------------------ builders
# Each builds one construct in ``stack`` with the least it needs, passing ``props`` through.


def _imported_vpc(stack: cdk.Stack) -> ec2.IVpc:
    """A VPC with the three tiers SecureVpc makes, imported: no resources, nothing to build."""
    zones = ["eu-west-1a", "eu-west-1b"]
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-12345678",
        vpc_cidr_block="10.0.0.0/16",
        availability_zones=zones,
        public_subnet_ids=["subnet-pub1", "subnet-pub2"],
        private_subnet_ids=["subnet-prv1", "subnet-prv2"],
        isolated_subnet_ids=["subnet-iso1", "subnet-iso2"],
    )


def _secure_bucket(stack, profile, **props):
    return SecureBucket(stack, "Subject", profile=profile, **props)


def _cdn_bucket(stack, profile, **props):
    return CdnBucket(stack, "Subject", profile=profile, **props)


def _secure_vpc(stack, profile, **props):
    return SecureVpc(stack, "Subject", profile=profile, **props)


def _aurora(stack, profile, **props):
    return AuroraCluster(stack, "Subject", profile=profile, vpc=_imported_vpc(stack), **props)


def _redis(stack, profile, **props):
    return RedisCache(stack, "Subject", profile=profile, vpc=_imported_vpc(stack), **props)


def _fargate(stack, profile, **props):
    return FargateWebService(
        stack,
        "Subject",
        profile=profile,
        vpc=_imported_vpc(stack),
        image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:stable"),
        user="101",
        **props,
    )


def _auth_pool(stack, profile, **props):
    return AuthPool(
        stack,
        "Subject",
        profile=profile,
        callback_urls=["https://www.example.com/callback"],
        logout_urls=["https://www.example.com/"],
        **props,
    )


def _audit_trail(stack, profile, **props):
    return AuditTrail(stack, "Subject", profile=profile, **props)


def _backup_plan(stack, profile, **props):
    return BackupPlan(stack, "Subject", profile=profile, **props)


def _dns_zone(stack, profile, **props):
    return DnsZone(stack, "Subject", profile=profile, zone_name="dev.finefinds.example", **props)


def _certificates(stack, profile, **props):
    zone = route53.HostedZone.from_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id="Z0123456789ABCDEFGHIJ", zone_name="dev.finefinds.example"
    )
    return Certificates(stack, "Subject", profile=profile, zone=zone, **props)


def _waf(stack, profile, **props):
    return WafProtection(stack, "Subject", profile=profile, **props)


def _certificate(stack: cdk.Stack) -> acm.ICertificate:
    """For a FargateWebService where the profile forbids plain HTTP."""
    return acm.Certificate.from_certificate_arn(
        stack, "Cert", f"arn:aws:acm:eu-west-1:{support.TEST_ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012"
    )


#: How to build each construct; under development, whose profile every builder's inputs meet.
BUILDERS: dict[str, Callable[..., Any]] = {
    "SecureBucket": _secure_bucket,
    "CdnBucket": _cdn_bucket,
    "SecureVpc": _secure_vpc,
    "AuroraCluster": _aurora,
    "RedisCache": _redis,
    "FargateWebService": _fargate,
    "AuthPool": _auth_pool,
    "AuditTrail": _audit_trail,
    "BackupPlan": _backup_plan,
    "DnsZone": _dns_zone,
    "Certificates": _certificates,
    "WafProtection": _waf,
}
PRESET = "development"

# ------------------------------------------------------------------------------ the table
# Every key each construct owns, by the props parameter it arrives in. Literal on purpose.

ENFORCED: dict[tuple[str, str], tuple[str, ...]] = {
    ("SecureBucket", "bucket_props"): (
        "enforce_ssl",
        "minimum_tls_version",
        "block_public_access",
        "public_read_access",
        "access_control",
        "versioned",
        "server_access_logs_bucket",
        "removal_policy",
        "auto_delete_objects",
        "website_index_document",
        "website_error_document",
        "website_redirect",
        "website_routing_rules",
    ),
    # CdnBucket hands bucket_props to its content SecureBucket, whose guard is tested above: a
    # few keys show the hand-over (each case builds a CdnBucket up to its content bucket).
    ("CdnBucket", "bucket_props"): ("minimum_tls_version", "public_read_access", "website_index_document"),
    ("CdnBucket", "distribution_props"): (
        "default_behavior",
        "enable_logging",
        "log_bucket",
        "certificate",
        "domain_names",
        "minimum_protocol_version",
        "ssl_support_method",
        "web_acl_id",
        "geo_restriction",
    ),
    ("SecureVpc", "vpc_props"): (
        "restrict_default_security_group",
        "flow_logs",
        "subnet_configuration",
        "availability_zones",
        "ip_addresses",
        "cidr",
    ),
    ("AuroraCluster", "cluster_props"): (
        "storage_encrypted",
        "storage_encryption_key",
        "performance_insight_encryption_key",
        "enable_performance_insights",
        "iam_authentication",
        "enable_data_api",
        "credentials",
        "manage_master_user_password",
        "parameter_group",
        "cloudwatch_logs_exports",
        "cloudwatch_logs_retention",
        "cloudwatch_logs_retention_role",
        "vpc",
        "vpc_subnets",
        "subnet_group",
        "security_groups",
        "writer",
        "readers",
        "engine",
        "port",
        "default_database_name",
        "deletion_protection",
        "removal_policy",
        "backup",
        "serverless_v2_min_capacity",
        "serverless_v2_max_capacity",
        "serverless_v2_auto_pause_duration",
        "monitoring_role",
    ),
    ("RedisCache", "cache_props"): (
        "at_rest_encryption_enabled",
        "kms_key_id",
        "transit_encryption_enabled",
        "transit_encryption_mode",
        "auth_token",
        "cache_subnet_group_name",
        "security_group_ids",
        "cache_security_group_names",
        "engine",
        "engine_version",
        "cache_node_type",
        "num_cache_clusters",
        "replicas_per_node_group",
        "multi_az_enabled",
        "automatic_failover_enabled",
        "snapshot_retention_limit",
        "log_delivery_configurations",
        "port",
    ),
    ("FargateWebService", "task_definition_props"): ("execution_role", "volumes"),
    ("FargateWebService", "service_props"): (
        "cluster",
        "task_definition",
        "desired_count",
        "circuit_breaker",
        "deployment_controller",
        "assign_public_ip",
        "vpc_subnets",
        "security_groups",
    ),
    ("FargateWebService", "load_balancer_props"): (
        "vpc",
        "internet_facing",
        "security_group",
        "drop_invalid_header_fields",
    ),
    ("AuthPool", "user_pool_props"): (
        "mfa",
        "mfa_second_factor",
        "feature_plan",
        "standard_threat_protection_mode",
        "custom_threat_protection_mode",
        "advanced_security_mode",
        "password_policy",
        "account_recovery",
        "sign_in_case_sensitive",
        "removal_policy",
        "deletion_protection",
        "email",
    ),
    ("AuthPool", "client_props"): (
        "user_pool",
        "generate_secret",
        "o_auth",
        "prevent_user_existence_errors",
        "disable_o_auth",
    ),
    ("AuditTrail", "trail_props"): (
        "bucket",
        "encryption_key",
        "enable_file_validation",
        "is_multi_region_trail",
        "send_to_cloud_watch_logs",
        "cloud_watch_log_group",
        "cloud_watch_logs_retention",
        "s3_key_prefix",
    ),
    ("BackupPlan", "vault_props"): ("encryption_key", "backup_vault_name", "removal_policy", "lock_configuration"),
    ("DnsZone", "zone_props"): ("zone_name", "query_logs_log_group_arn"),
    ("Certificates", "certificate_props"): ("domain_name", "subject_alternative_names", "validation"),
    ("WafProtection", "web_acl_props"): ("scope", "rules", "visibility_config"),
}

#: Values refused only where the profile enforces them (FargateWebService's ``_refuse_value``):
#: (construct, parameter, key, refused value, a preset that refuses it, a preset that allows it).
PROFILE_REFUSED: tuple[tuple[str, str, str, Any, str, str], ...] = (
    ("FargateWebService", "service_props", "enable_execute_command", True, "production", "development"),
    ("FargateWebService", "load_balancer_props", "deletion_protection", False, "staging", "development"),
)

#: The module each construct lives in, to find its ``merge_props(..., enforced=...)`` calls.
MODULES = {
    "SecureBucket": secure_bucket,
    "CdnBucket": cdn_bucket,
    "SecureVpc": secure_vpc,
    "AuroraCluster": aurora_cluster,
    "RedisCache": redis_cache,
    "FargateWebService": fargate_web_service,
    "AuthPool": auth_pool,
    "AuditTrail": audit_trail,
    "BackupPlan": backup_plan,
    "DnsZone": dns,
    "Certificates": certificates,
    "WafProtection": waf_protection,
}
#: Props a construct hands to another construct, which enforces them (construct, parameter) -> (by, parameter).
DELEGATED = {("CdnBucket", "bucket_props"): ("SecureBucket", "bucket_props")}

CASES = [(construct, parameter, key) for (construct, parameter), keys in ENFORCED.items() for key in keys]


def _fresh_stack(preset: str) -> tuple[cdk.Stack, Any]:
    profile = support.profile_for_tests(preset)
    return EnvironmentStack(cdk.App(), "Guard", profile=profile), profile


#: One app per construct type for the table's cases, each case in a stack of its own: an app costs
#: more than a stack, and nothing is synthesized. AuditTrail registers itself per account and region
#: in the app (a second one is refused), so each of its cases gets a fresh app.
_APPS: dict[str, cdk.App] = {}
_FRESH_APP_EACH_TIME = {"AuditTrail"}


def _stack_for(construct: str, name: str) -> tuple[cdk.Stack, Any]:
    if construct in _FRESH_APP_EACH_TIME:
        return _fresh_stack(PRESET)
    app = _APPS.setdefault(construct, cdk.App())
    profile = support.profile_for_tests(PRESET)
    return EnvironmentStack(app, name, profile=profile), profile


@pytest.mark.parametrize(("construct", "parameter", "key"), CASES, ids=[f"{c}-{p}-{k}" for c, p, k in CASES])
def test_an_enforced_key_is_refused(construct, parameter, key):
    stack, profile = _stack_for(construct, f"Guard-{parameter}-{key}".replace("_", "-"))
    with pytest.raises(ConfigurationError) as info:
        BUILDERS[construct](stack, profile, **{parameter: {key: OVERRIDE}})
    message = str(info.value)
    assert info.value.parameter == f"{parameter}[{key!r}]"
    assert f"{parameter}[{key!r}] = 'override' is not allowed" in message
    # The enforced-key refusal, not the unknown-key one (which would also name the key).
    assert f"Fix: remove {key!r}: " in message
    assert f"{stack.node.path}/Subject" in message


def _library_modules():
    """Every module of the library."""
    root = importlib.import_module("finefinds_constructs")
    return [importlib.import_module(info.name) for info in pkgutil.walk_packages(root.__path__, "finefinds_constructs.")]


def _calls(module, *names: str) -> list[ast.Call]:
    """The calls of the functions (or methods) ``names`` in ``module``'s source."""
    return [
        node
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in names
    ]


def _value(module, node: ast.expr) -> Any:
    """A name (``_ENFORCED``) or dotted name (``s3.BucketProps``) as ``module`` sees it."""
    if isinstance(node, ast.Attribute):
        return getattr(_value(module, node.value), node.attr)
    assert isinstance(node, ast.Name), ast.dump(node)
    return vars(module)[node.id]


def _library_enforced() -> dict[tuple[str, str], tuple[dict[str, str], type]]:
    """Every ``merge_props(parameter=..., props_class=..., enforced=...)`` call in the library, read
    from the source, for the coverage checks only: (construct, parameter) -> (enforced, props class)."""
    found: dict[tuple[str, str], tuple[dict[str, str], type]] = {}
    for module in _library_modules():
        for call in _calls(module, "merge_props", "_merge_props"):
            kwargs = {k.arg: k.value for k in call.keywords}
            if "enforced" not in kwargs:
                continue
            owner = next((c for c, m in MODULES.items() if m is module), None)
            assert owner is not None, f"{module.__name__} enforces props keys but has no construct in MODULES"
            found[(owner, ast.literal_eval(kwargs["parameter"]))] = (
                _value(module, kwargs["enforced"]),
                _value(module, kwargs["props_class"]),
            )
    for where, by in DELEGATED.items():
        found[where] = found[by]
    return found


def test_the_table_covers_exactly_the_enforced_keys():
    """A key enforced in the library without a case here, or a case for a key no longer enforced, fails."""
    library = _library_enforced()
    assert sorted(library) == sorted(ENFORCED)
    for where, keys in ENFORCED.items():
        assert len(set(keys)) == len(keys), where
        if where in DELEGATED:  # a sample: the delegate's own entry covers every key
            assert keys and set(keys) <= set(library[where][0]), where
        else:
            assert sorted(keys) == sorted(library[where][0]), where


def test_every_enforced_key_is_a_keyword_of_the_l2():
    """An enforced key the L2 does not accept is a typo: it guards nothing (the key would be refused anyway)."""
    for where, (enforced, props_class) in _library_enforced().items():
        unknown = sorted(set(enforced) - set(accepted_keywords(props_class)))
        assert unknown == [], (where, unknown)


@pytest.mark.parametrize(
    ("construct", "parameter", "key", "refused", "refusing", "allowing"),
    PROFILE_REFUSED,
    ids=[f"{c}-{p}-{k}" for c, p, k, *_ in PROFILE_REFUSED],
)
def test_a_value_the_profile_enforces_is_refused_there_only(construct, parameter, key, refused, refusing, allowing):
    build = BUILDERS[construct]
    stack, profile = _fresh_stack(refusing)
    extra = {"certificate": _certificate(stack)} if not profile.compute.allow_http else {}
    with pytest.raises(ConfigurationError) as info:
        build(stack, profile, **extra, **{parameter: {key: refused}})
    assert info.value.parameter == f"{parameter}[{key!r}]"
    assert f"{parameter}[{key!r}] = {refused!r} is not allowed; allowed: {not refused!r} or omitted." in str(info.value)
    assert "Guard/Subject" in str(info.value)
    # Where the profile leaves the setting to the user, the same override is accepted.
    stack, profile = _fresh_stack(allowing)
    build(stack, profile, **{parameter: {key: refused}})


def test_the_profile_refusals_are_all_in_the_table():
    """Each ``_refuse_value(overrides, parameter, key, value, ...)`` call in the library has a case above."""
    found = {
        tuple(ast.literal_eval(arg) for arg in call.args[1:4])
        for module in _library_modules()
        for call in _calls(module, "_refuse_value")
    }
    assert found == {(p, k, v) for _, p, k, v, *_ in PROFILE_REFUSED}


# ------------------------------------------------------------------------------ refusals of a mode
# Guards that depend on how the construct was built rather than on one key.


def test_zone_props_for_an_imported_zone_are_refused():
    stack, profile = _fresh_stack("development")
    with pytest.raises(ConfigurationError) as info:
        _dns_zone(stack, profile, existing_zone_id="Z0123456789ABCDEFGHIJ", zone_props={"comment": "shop"})
    assert info.value.parameter == "zone_props"
    assert "zone_props = {'comment': 'shop'} is not allowed; allowed: None for an imported zone." in str(info.value)
    assert "Guard/Subject" in str(info.value)


def test_a_service_with_public_ingress_is_no_cdn_origin():
    stack, profile = _fresh_stack("development")
    service = _fargate(stack, profile, public_load_balancer_ingress=True)
    with pytest.raises(ConfigurationError) as info:
        service.cdn_origin("us-east-1")
    assert info.value.parameter == "origin"
    assert "a service built for CloudFront (cloudfront_access='vpc-origin' or 'origin-secret')" in str(info.value)
    with pytest.raises(ConfigurationError, match="public_load_balancer_ingress=True"):
        CdnBucket(stack, "Cdn", profile=profile).add_api_origin(service)


def test_cloudfront_ingress_needs_a_region_with_a_known_prefix_list():
    """ap-east-1 has no entry in the library's table: CloudFront ingress is refused there, public ingress is not."""
    profile = support.profile_for_tests("development")
    env = cdk.Environment(account=support.TEST_ACCOUNT, region="ap-east-1")
    stack = EnvironmentStack(cdk.App(), "Guard", profile=profile, env=env)
    with pytest.raises(ConfigurationError) as info:
        _fargate(stack, profile)
    assert info.value.parameter == "region"
    assert "region = 'ap-east-1' is not allowed; allowed: a region with a known CloudFront origin-facing prefix list" in str(info.value)
    stack = EnvironmentStack(cdk.App(), "Guard", profile=profile, env=env)
    assert _fargate(stack, profile, public_load_balancer_ingress=True).prefix_list_id is None
