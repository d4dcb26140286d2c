"""RedisCache under every preset: engine, sizing, encryption, AUTH, snapshots, logs, protection."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, profiles
from finefinds_constructs.redis_cache import DEFAULT_ENGINE_VERSION, DEFAULT_PORT, RedisCache
from finefinds_constructs.secure_vpc import SecureVpc

PRESETS = support.PRESET_NAMES
MANIFEST = Path(__file__).with_name("logical_ids_redis.json")
# Resource types whose logical ids must never change (a change replaces or orphans data).
PINNED_TYPES = (
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::SubnetGroup",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
)

# Literal expectations per preset (not read from the presets).
#: (node type, read replicas).
NODES = {
    "development": ("cache.t4g.micro", 0),
    "qa": ("cache.t4g.micro", 0),
    "sandbox": ("cache.t4g.micro", 0),
    "staging": ("cache.t4g.small", 1),
    "production": ("cache.r7g.large", 2),
}
#: Daily snapshots kept, days (15 or more meets the NIST 800-53 and HIPAA backup checks).
SNAPSHOT_RETENTION_DAYS = dict.fromkeys(PRESETS, 15)
LOG_RETENTION_DAYS = {"development": 14, "qa": 30, "sandbox": 7, "staging": 90, "production": 365}
AVAILABILITY_ZONES = {"development": 2, "qa": 2, "sandbox": 2, "staging": 2, "production": 3}
#: Presets whose cache is snapshotted, and its key, secret and logs retained, on stack deletion.
RETAINED = {"staging", "production"}


def _build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    network = SecureVpc(stack, "Network", profile=profile)
    cache = RedisCache(stack, "Cache", profile=profile, vpc=network.vpc)
    client = ec2.SecurityGroup(stack, "Client", vpc=network.vpc, description="an application")
    cache.allow_from(client)


@pytest.fixture(scope="session")
def synth():
    result = support.synthesize("redis", _build)
    yield result
    support.cleanup(result)


def _profile(preset: str) -> profiles.EnvironmentProfile:
    return support.profile_for_tests(preset)


def _mine(template: Template, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in support.resources_of_type(template, resource_type).items() if k.startswith("Cache")}


def _one(template: Template, resource_type: str) -> tuple[str, dict]:
    found = _mine(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {list(found)}"
    return next(iter(found.items()))


def _group(template: Template) -> dict:
    return _one(template, "AWS::ElastiCache::ReplicationGroup")[1]


def _arn(logical_id: str) -> dict:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


# ------------------------------------------------------------------------------ engine & sizing


@pytest.mark.parametrize("preset", PRESETS)
def test_valkey_engine_supported_version(synth, preset):
    props = _group(synth.template(preset))["Properties"]
    assert props["Engine"] == "valkey"
    assert props["EngineVersion"] == DEFAULT_ENGINE_VERSION
    assert props["AutoMinorVersionUpgrade"] is True
    assert props["Port"] == DEFAULT_PORT


@pytest.mark.parametrize("preset", PRESETS)
def test_node_type_and_replicas_per_preset(synth, preset):
    props = _group(synth.template(preset))["Properties"]
    node_type, replicas = NODES[preset]
    assert props["CacheNodeType"] == node_type
    assert props["NumCacheClusters"] == replicas + 1
    assert props["MultiAZEnabled"] is (replicas >= 1)
    assert props["AutomaticFailoverEnabled"] is (replicas >= 1)


def test_production_is_multi_az_with_two_replicas(synth):
    props = _group(synth.template("production"))["Properties"]
    assert props["NumCacheClusters"] == 3
    assert props["MultiAZEnabled"] is True and props["AutomaticFailoverEnabled"] is True


# ------------------------------------------------------------------------------ placement & network


@pytest.mark.parametrize("preset", PRESETS)
def test_in_isolated_subnets(synth, preset):
    template = synth.template(preset)
    subnet_group_id, subnet_group = _one(template, "AWS::ElastiCache::SubnetGroup")
    refs = [s["Ref"] for s in subnet_group["Properties"]["SubnetIds"]]
    assert len(refs) == AVAILABILITY_ZONES[preset]
    assert all("IsolatedSubnet" in ref for ref in refs)
    assert _group(template)["Properties"]["CacheSubnetGroupName"] == {"Ref": subnet_group_id}


@pytest.mark.parametrize("preset", PRESETS)
def test_allow_from_makes_security_group_rules(synth, preset):
    template = synth.template(preset)
    sg_id, sg = _one(template, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in sg["Properties"], "nobody is admitted by default"
    client_id = next(k for k in support.resources_of_type(template, "AWS::EC2::SecurityGroup") if k.startswith("Client"))
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": {"Fn::GetAtt": [sg_id, "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [client_id, "GroupId"]},
            "FromPort": DEFAULT_PORT,
            "ToPort": DEFAULT_PORT,
        },
    )
    assert _group(template)["Properties"]["SecurityGroupIds"] == [{"Fn::GetAtt": [sg_id, "GroupId"]}]


# ------------------------------------------------------------------------------ encryption & auth


@pytest.mark.parametrize("preset", PRESETS)
def test_encrypted_at_rest_with_key_and_in_transit(synth, preset):
    template = synth.template(preset)
    key_id, key = _one(template, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    props = _group(template)["Properties"]
    assert props["AtRestEncryptionEnabled"] is True
    assert props["KmsKeyId"] == _arn(key_id)
    assert props["TransitEncryptionEnabled"] is True


@pytest.mark.parametrize("preset", PRESETS)
def test_auth_token_from_secrets_manager(synth, preset):
    template = synth.template(preset)
    key_id, _ = _one(template, "AWS::KMS::Key")
    secret_id, secret = _one(template, "AWS::SecretsManager::Secret")
    generator = secret["Properties"]["GenerateSecretString"]
    assert generator["PasswordLength"] >= 16
    assert generator["ExcludePunctuation"] is True  # never / " @, which ElastiCache rejects
    assert secret["Properties"]["KmsKeyId"] == _arn(key_id)
    token = json.dumps(_group(template)["Properties"]["AuthToken"])
    assert "{{resolve:secretsmanager:" in token and secret_id in token


# ------------------------------------------------------------------------------ snapshots & logs


@pytest.mark.parametrize("preset", PRESETS)
def test_daily_snapshots_kept_15_days(synth, preset):
    props = _group(synth.template(preset))["Properties"]
    assert props["SnapshotRetentionLimit"] == SNAPSHOT_RETENTION_DAYS[preset]
    assert props["SnapshotWindow"] == "03:00-05:00"
    assert props["PreferredMaintenanceWindow"] == "sun:05:30-sun:06:30"


@pytest.mark.parametrize("preset", PRESETS)
def test_slow_log_delivered_to_encrypted_log_group(synth, preset):
    template = synth.template(preset)
    key_id, _ = _one(template, "AWS::KMS::Key")
    groups = _mine(template, "AWS::Logs::LogGroup")
    assert len(groups) == 2  # slow log and engine log
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == LOG_RETENTION_DAYS[preset]
        assert group["Properties"]["KmsKeyId"] == _arn(key_id)
    deliveries = {d["LogType"]: d for d in _group(template)["Properties"]["LogDeliveryConfigurations"]}
    assert set(deliveries) == {"slow-log", "engine-log"}
    for delivery in deliveries.values():
        assert delivery["DestinationType"] == "cloudwatch-logs"
        assert delivery["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"]["Ref"] in groups


# ------------------------------------------------------------------------------ protection


@pytest.mark.parametrize("preset", PRESETS)
def test_removal_policies(synth, preset):
    template = synth.template(preset)
    group = _group(template)
    others = [
        _one(template, "AWS::KMS::Key")[1],
        _one(template, "AWS::SecretsManager::Secret")[1],
        *_mine(template, "AWS::Logs::LogGroup").values(),
    ]
    assert len(others) == 4
    if preset in RETAINED:
        assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Snapshot", "Snapshot")
        for resource in others:
            assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    else:
        assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Delete", "Delete")
        for resource in others:
            assert resource["DeletionPolicy"] == "Delete"


# ------------------------------------------------------------------------------ compliance gates


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synth, preset):
    findings = synth.findings_for(preset)
    assert findings == [], "\n".join(f"{f.pack} {f.rule} {f.path}" for f in findings)


@pytest.mark.slow
def test_cfn_lint_clean(synth):
    code, output = support.cfn_lint(synth.template_file(p) for p in PRESETS)
    assert code == 0, output


def test_logical_ids_are_pinned(synth):
    """Stateful logical ids never change; a rename must update the manifest on purpose.

    To accept a deliberate change: ``UPDATE_LOGICAL_IDS=1 pytest tests/unit/test_redis_cache.py``
    and explain the migration in the changelog.
    """
    actual = {
        preset: {t: sorted(_mine(synth.template(preset), t)) for t in PINNED_TYPES} for preset in PRESETS
    }
    support.assert_logical_ids_pinned(actual, MANIFEST)


# ------------------------------------------------------------------------------ bad input


def _stack(preset: str = "development") -> tuple[cdk.Stack, profiles.EnvironmentProfile, ec2.IVpc]:
    profile = _profile(preset)
    stack = EnvironmentStack(cdk.App(), "Bad", profile=profile)
    vpc = SecureVpc(stack, "Network", profile=profile).vpc
    return stack, profile, vpc


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"node_type": "t4g.micro"}, "node_type = 't4g.micro' is not allowed; allowed: a node type like 'cache.t4g.small'"),
        ({"replicas": 6}, "replicas = 6 is not allowed; allowed: 0..5"),
        ({"replicas": True}, "replicas = True is not allowed"),
        ({"engine_version": "6.2"}, "engine_version = '6.2' is not allowed"),
        ({"engine_version": 8.0}, "engine_version = 8.0 is not allowed"),
        ({"port": 80}, "port = 80 is not allowed; allowed: 1024..65535"),
        ({"cache_props": {"at_rest_encryption_enabled": False}}, "cache_props['at_rest_encryption_enabled'] = False is not allowed"),
        ({"cache_props": {"transit_encryption_enabled": False}}, "clients always connect with TLS"),
        ({"cache_props": {"auth_token": "plain"}}, "the AUTH token is generated in Secrets Manager"),
        ({"cache_props": {"num_cache_clusters": 4}}, "use replicas="),
        ({"cache_props": {"snapshot_windows": "01:00-02:00"}}, "did you mean 'snapshot_window'?"),
    ],
)
def test_bad_input_raises_configuration_error(kwargs, message):
    stack, profile, vpc = _stack()
    with pytest.raises(ConfigurationError) as info:
        RedisCache(stack, "Cache", profile=profile, vpc=vpc, **kwargs)
    assert message in str(info.value)
    assert "Bad/Cache" in str(info.value), "the error names the construct"


def test_profile_must_be_a_profile():
    stack, _, vpc = _stack()
    with pytest.raises(ConfigurationError, match="an EnvironmentProfile"):
        RedisCache(stack, "Cache", profile="production", vpc=vpc)  # type: ignore[arg-type]


def test_vpc_needs_isolated_subnets():
    profile = _profile("development")
    stack = EnvironmentStack(cdk.App(), "Bad", profile=profile)
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        availability_zones=list(profile.availability_zones),
        subnet_configuration=[ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    with pytest.raises(ConfigurationError, match="isolated subnets"):
        RedisCache(stack, "Cache", profile=profile, vpc=vpc)


def test_arguments_override_profile_and_peer_rules():
    stack, profile, vpc = _stack("qa")
    cache = RedisCache(
        stack,
        "Cache",
        profile=profile,
        vpc=vpc,
        node_type="cache.r7g.large",
        replicas=1,
        engine_version="7.2",
        cache_props={"data_tiering_enabled": False},
    )
    cache.allow_from(ec2.Peer.ipv4("10.20.0.0/16"))
    with pytest.raises(ConfigurationError, match="peer"):
        cache.allow_from(6379)  # type: ignore[arg-type]
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ElastiCache::ReplicationGroup",
        {
            "CacheNodeType": "cache.r7g.large",
            "NumCacheClusters": 2,
            "MultiAZEnabled": True,
            "EngineVersion": "7.2",
            "DataTieringEnabled": False,
        },
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        Match.object_like(
            {"SecurityGroupIngress": Match.array_with([Match.object_like({"CidrIp": "10.20.0.0/16", "FromPort": DEFAULT_PORT})])}
        ),
    )
    assert cache.port == DEFAULT_PORT
    assert cdk.Token.is_unresolved(cache.endpoint_address)
