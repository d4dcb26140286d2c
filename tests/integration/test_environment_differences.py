"""Environment differences, asserted on the synthesized platform where the design puts them."""

from __future__ import annotations

import pytest

from conftest import ENVIRONMENTS

#: Resource types that hold data or guard it: never replaced, retained where the profile retains.
STATEFUL = (
    "AWS::RDS::DBCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::S3::Bucket",
    "AWS::Cognito::UserPool",
    "AWS::KMS::Key",
    "AWS::SecretsManager::Secret",
)
NON_PRODUCTION = ["development", "qa", "sandbox"]
#: Aurora automated backup retention (days) per environment: literal, not read from the presets.
DATABASE_BACKUP_RETENTION_DAYS = {"development": 1, "qa": 3, "sandbox": 1, "staging": 7, "production": 35}


def resources(platform, env: str, concern: str | None = None, resource_type: str | None = None) -> dict:
    found = {}
    for name, template in platform["stacks"].items():
        parts = name.split("-")
        if parts[1].lower() != env or (concern and parts[2] != concern):
            continue
        for logical_id, resource in template["Resources"].items():
            if resource_type is None or resource["Type"] == resource_type:
                found[f"{name}/{logical_id}"] = resource
    return found


def count(platform, env, resource_type, concern=None) -> int:
    return len(resources(platform, env, concern, resource_type))


# ------------------------------------------------------------------------------ production


def test_production_retains_every_stateful_resource(platform):
    for resource_type in STATEFUL:
        found = resources(platform, "production", resource_type=resource_type)
        assert found, resource_type
        for path, resource in found.items():
            # RetainExceptOnCreate: kept on deletion, removed only when the create that made it rolls back.
            assert resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate", "Snapshot"), path
            assert resource.get("UpdateReplacePolicy") in ("Retain", "Snapshot"), path


def test_production_deletion_protection(platform):
    (cluster,) = resources(platform, "production", resource_type="AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["DeletionProtection"] is True
    pools = resources(platform, "production", resource_type="AWS::Cognito::UserPool")
    assert pools
    for path, resource in pools.items():
        assert resource["Properties"]["DeletionProtection"] == "ACTIVE", path
    (load_balancer,) = resources(platform, "production", resource_type="AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    attributes = {a["Key"]: a["Value"] for a in load_balancer["Properties"]["LoadBalancerAttributes"]}
    assert attributes["deletion_protection.enabled"] == "true"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_database_backup_retention_per_environment(platform, env):
    (cluster,) = resources(platform, env, resource_type="AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["BackupRetentionPeriod"] == DATABASE_BACKUP_RETENTION_DAYS[env]


def test_production_keeps_database_backups_35_days(platform):
    (cluster,) = resources(platform, "production", resource_type="AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["BackupRetentionPeriod"] == 35


def test_production_data_is_multi_az(platform):
    (cache,) = resources(platform, "production", resource_type="AWS::ElastiCache::ReplicationGroup").values()
    assert cache["Properties"]["MultiAZEnabled"] is True
    assert cache["Properties"]["AutomaticFailoverEnabled"] is True
    assert cache["Properties"]["NumCacheClusters"] == 3  # a primary and two replicas
    instances = resources(platform, "production", resource_type="AWS::RDS::DBInstance").values()
    assert len(instances) == 3  # a writer and two readers
    zones = {i["Properties"].get("AvailabilityZone") for i in instances}
    assert len(zones) == len(instances), "writer and readers in different zones"
    (cluster,) = resources(platform, "production", resource_type="AWS::RDS::DBCluster").values()
    assert "ServerlessV2ScalingConfiguration" not in cluster["Properties"]


def test_production_nat_per_az_and_waf_on(platform):
    assert count(platform, "production", "AWS::EC2::NatGateway") == 3
    assert count(platform, "production", "AWS::WAFv2::WebACL", "Application") == 1
    assert count(platform, "production", "AWS::WAFv2::WebACL", "Identity") == 1
    (edge_acl,) = resources(platform, "production", "Edge", "AWS::WAFv2::WebACL").values()
    assert edge_acl["Properties"]["Scope"] == "CLOUDFRONT"
    (distribution,) = resources(platform, "production", "Edge", "AWS::CloudFront::Distribution").values()
    assert "WebACLId" in distribution["Properties"]["DistributionConfig"]


def test_production_has_no_out_of_hours_schedule(platform):
    (target,) = resources(platform, "production", resource_type="AWS::ApplicationAutoScaling::ScalableTarget").values()
    assert "ScheduledActions" not in target["Properties"]
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (3, 12)


# ------------------------------------------------------------------------------ non-production


@pytest.mark.parametrize("env", NON_PRODUCTION)
def test_non_production_destroys_stateful_resources(platform, env):
    for resource_type in STATEFUL:
        found = resources(platform, env, resource_type=resource_type)
        assert found, resource_type
        for path, resource in found.items():
            # Explicit: a DBCluster without a DeletionPolicy is snapshotted, not deleted.
            assert resource["DeletionPolicy"] == "Delete", path


@pytest.mark.parametrize("env", ["development", "qa", "sandbox", "staging"])
def test_non_production_scales_to_zero_out_of_hours(platform, env):
    (target,) = resources(platform, env, "Application", "AWS::ApplicationAutoScaling::ScalableTarget").values()
    actions = target["Properties"]["ScheduledActions"]
    assert any(a["ScalableTargetAction"].get("MaxCapacity") == 0 for a in actions)
    assert any(a["ScalableTargetAction"].get("MinCapacity", 0) >= 1 for a in actions)
    assert all(a.get("Timezone") for a in actions)


@pytest.mark.parametrize("env", ["development", "qa", "sandbox", "staging"])
def test_non_production_database_is_serverless_to_zero(platform, env):
    (cluster,) = resources(platform, env, resource_type="AWS::RDS::DBCluster").values()
    scaling = cluster["Properties"]["ServerlessV2ScalingConfiguration"]
    assert scaling["MinCapacity"] == 0
    assert scaling["SecondsUntilAutoPause"] >= 300


@pytest.mark.parametrize("env", ["development", "qa", "sandbox", "staging"])
def test_non_production_single_nat_and_no_waf(platform, env):
    assert count(platform, env, "AWS::EC2::NatGateway") == 1
    assert count(platform, env, "AWS::WAFv2::WebACL") == 0


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_alarms_to_its_own_addresses(platform, env):
    subscriptions = resources(platform, env, "Monitoring", "AWS::SNS::Subscription").values()
    assert subscriptions
    assert all(s["Properties"]["Protocol"] == "email" for s in subscriptions)
    assert count(platform, env, "AWS::CloudWatch::Alarm", "Monitoring") >= 10
    assert count(platform, env, "AWS::CloudWatch::CompositeAlarm", "Monitoring") == 1
