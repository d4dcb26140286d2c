"""FargateWebService under every preset: ALB, ingress, origin header, deployment, scaling, cost, logs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Template

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, WafProtection, compliance, profiles
from finefinds_constructs._internal.regions import CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS, REGION_AZS
from finefinds_constructs.fargate_web_service import (
    ORIGIN_HEADER_NAME,
    FargateWebService,
    capacity_provider_strategies,
    cloudfront_prefix_list_id,
)
from finefinds_constructs.secure_vpc import SecureVpc

PRESETS = support.PRESET_NAMES
IMAGE = "public.ecr.aws/nginx/nginx:stable"
#: A non-root user, as Control Tower's CT.ECS.PR.3 asks of every container.
USER = "101"
CERTIFICATE_ARN = f"arn:aws:acm:eu-west-1:{support.TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
APP_SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{support.TEST_ACCOUNT}:secret:app/api-key-AbCdEf"
TLS13_POLICIES = ("ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06")
MANIFEST = Path(__file__).with_name("logical_ids_fargate.json")
# Resource types whose logical ids must never change: data, keys, and what others point at (the
# ALB's DNS name is the CDN's origin; the secret is the CDN's header value).
PINNED_TYPES = (
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::SecretsManager::Secret",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ECS::Service",
)

# Literal expectations per preset (not read from the presets): a changed capacity, cost lever or
# protection fails a test named after it.
NON_PRODUCTION = ("development", "qa", "sandbox", "staging")
#: Autoscaling (min tasks, max tasks).
TASKS = {"development": (1, 2), "qa": (1, 2), "sandbox": (1, 2), "staging": (1, 4), "production": (3, 12)}
#: Task (CPU units, memory MiB).
TASK_SIZE = {"development": ("256", "512"), "qa": ("256", "512"), "sandbox": ("256", "512"), "staging": ("256", "512"), "production": ("1024", "2048")}
#: Share of tasks on Fargate Spot, percent.
SPOT_PERCENT = {"development": 100, "qa": 100, "sandbox": 100, "staging": 50, "production": 0}
#: Target tracking: metric → target value.
_NON_PRODUCTION_TARGETS = {"ECSServiceAverageCPUUtilization": 60, "ECSServiceAverageMemoryUtilization": 70}
SCALING_TARGETS = {
    **dict.fromkeys(NON_PRODUCTION, _NON_PRODUCTION_TARGETS),
    "production": {**_NON_PRODUCTION_TARGETS, "ALBRequestCountPerTarget": 1000},
}
HEALTH_CHECK_GRACE_SECONDS = {**dict.fromkeys(NON_PRODUCTION, 60), "production": 120}
#: Deployments keep this share of tasks healthy: all of them where two or more run.
MIN_HEALTHY_PERCENT = {**dict.fromkeys(NON_PRODUCTION, 50), "production": 100}
#: Presets scaled to zero out of hours, ECS Exec on, plain HTTP allowed: all but production.
AUTO_SHUTDOWN = ECS_EXEC = HTTP_ALLOWED = set(NON_PRODUCTION)
LOG_RETENTION_DAYS = {"development": 14, "qa": 30, "sandbox": 7, "staging": 90, "production": 365}
#: Presets with load-balancer deletion protection and retained logs and keys.
PROTECTED = {"staging", "production"}


def _image() -> ecs.ContainerImage:
    return ecs.ContainerImage.from_registry(IMAGE)


def _certificate(stack: cdk.Stack) -> acm.ICertificate:
    return acm.Certificate.from_certificate_arn(stack, "Certificate", CERTIFICATE_ARN)


def _build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    """The default service: plain HTTP where the profile allows it, else HTTPS (production)."""
    network = SecureVpc(stack, "Network", profile=profile)
    certificate = None if profile.compute.allow_http else _certificate(stack)
    FargateWebService(stack, "Web", profile=profile, vpc=network.vpc, image=_image(), certificate=certificate, user=USER)


def _build_variants(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    """HTTPS behind the CDN, HTTPS with an origin secret (replicated for the edge), HTTPS open to
    the internet, and (where allowed) HTTP open to it."""
    network = SecureVpc(stack, "Network", profile=profile)
    certificate = _certificate(stack)
    secret = secretsmanager.Secret.from_secret_complete_arn(stack, "AppSecret", APP_SECRET_ARN)
    FargateWebService(
        stack,
        "Https",
        profile=profile,
        vpc=network.vpc,
        image=_image(),
        certificate=certificate,
        user="1000:1000",
        environment={"LOG_LEVEL": "info"},
        secrets={"API_KEY": ecs.Secret.from_secrets_manager(secret)},
    )
    FargateWebService(
        stack, "Secret", profile=profile, vpc=network, image=_image(), certificate=certificate, user=USER,
        cloudfront_access="origin-secret", origin_secret_replica_regions=["us-east-1"],
    )
    public = FargateWebService(
        stack, "Public", profile=profile, vpc=network, image=_image(), certificate=certificate, user=USER,
        public_load_balancer_ingress=True,
    )
    # Nothing is in front of a public load balancer: it gets its own web ACL. "PublicHttp" has none,
    # and the gate must say so.
    WafProtection(stack, "PublicWaf", profile=profile).associate(public.load_balancer)
    if profile.compute.allow_http:
        FargateWebService(
            stack, "PublicHttp", profile=profile, vpc=network, image=_image(), public_load_balancer_ingress=True, user=USER
        )


@pytest.fixture(scope="session")
def synth():
    result = support.synthesize("fargate", _build)
    yield result
    support.cleanup(result)


@pytest.fixture(scope="session")
def variants():
    result = support.synthesize("fargate-variants", _build_variants, ("development", "production"))
    yield result
    support.cleanup(result)


def _profile(preset: str) -> profiles.EnvironmentProfile:
    return support.profile_for_tests(preset)


def _of_type(template: Template, resource_type: str, prefix: str = "Web") -> dict[str, dict]:
    return {k: v for k, v in support.resources_of_type(template, resource_type).items() if k.startswith(prefix)}


def _one(template: Template, resource_type: str, prefix: str = "Web") -> tuple[str, dict]:
    found = _of_type(template, resource_type, prefix)
    assert len(found) == 1, f"expected one {resource_type} under {prefix}, found {list(found)}"
    return next(iter(found.items()))


def _props(template: Template, resource_type: str, prefix: str = "Web") -> dict:
    return _one(template, resource_type, prefix)[1]["Properties"]


def _attributes(lb: dict) -> dict[str, str]:
    return {a["Key"]: a["Value"] for a in lb["Properties"]["LoadBalancerAttributes"]}


def _listeners(template: Template, prefix: str = "Web") -> dict[int, dict]:
    return {v["Properties"]["Port"]: v["Properties"] for v in _of_type(template, "AWS::ElasticLoadBalancingV2::Listener", prefix).values()}


def _ingress(template: Template, prefix: str = "Web") -> list[dict]:
    """The load balancer security group's ingress rules, inline and standalone."""
    lb_sg, group = _one(template, "AWS::EC2::SecurityGroup", f"{prefix}LoadBalancerSecurityGroup")
    return list(group["Properties"].get("SecurityGroupIngress", [])) + [
        v["Properties"]
        for v in support.resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if v["Properties"]["GroupId"] == {"Fn::GetAtt": [lb_sg, "GroupId"]}
    ]


def _container(template: Template, prefix: str = "Web") -> dict:
    (container,) = _props(template, "AWS::ECS::TaskDefinition", prefix)["ContainerDefinitions"]
    return container


# ------------------------------------------------------------------------------ cluster & service


@pytest.mark.parametrize("preset", PRESETS)
def test_cluster_has_container_insights_and_fargate_capacity_providers(synth, preset):
    template = synth.template(preset)
    cluster = _props(template, "AWS::ECS::Cluster")
    assert {"Name": "containerInsights", "Value": "enabled"} in cluster["ClusterSettings"]
    association = _props(template, "AWS::ECS::ClusterCapacityProviderAssociations")
    assert sorted(association["CapacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]


@pytest.mark.parametrize("preset", PRESETS)
def test_service_and_internal_load_balancer_run_in_private_subnets(synth, preset):
    """The default (a CloudFront VPC origin): the ALB is internal, in the private subnets, no public address."""
    template = synth.template(preset)
    network = _props(template, "AWS::ECS::Service")["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    private = {k for k in support.resources_of_type(template, "AWS::EC2::Subnet") if "PrivateSubnet" in k}
    assert {s["Ref"] for s in network["Subnets"]} == private
    lb = _props(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert lb["Scheme"] == "internal"
    assert {s["Ref"] for s in lb["Subnets"]} == private


@pytest.mark.parametrize("preset", ["development", "production"])
def test_origin_secret_and_public_modes_are_internet_facing(variants, preset):
    template = variants.template(preset)
    public = {k for k in support.resources_of_type(template, "AWS::EC2::Subnet") if "PublicSubnet" in k}
    for prefix in ("SecretLoadBalancer", "PublicLoadBalancer"):
        lb = _props(template, "AWS::ElasticLoadBalancingV2::LoadBalancer", prefix)
        assert lb["Scheme"] == "internet-facing"
        assert {s["Ref"] for s in lb["Subnets"]} == public
    assert _props(template, "AWS::ElasticLoadBalancingV2::LoadBalancer", "Https")["Scheme"] == "internal"


@pytest.mark.parametrize("preset", PRESETS)
def test_service_waits_for_the_capacity_provider_associations(synth, preset):
    """Trap 3: without it the service races the associations on create and outlives them on delete."""
    template = synth.template(preset)
    association, _ = _one(template, "AWS::ECS::ClusterCapacityProviderAssociations")
    _, service = _one(template, "AWS::ECS::Service")
    assert association == "WebCluster07B7FBCB"
    assert association in service["DependsOn"]


@pytest.mark.parametrize("preset", PRESETS)
def test_deployment_circuit_breaker_grace_period_and_min_healthy(synth, preset):
    service = _props(synth.template(preset), "AWS::ECS::Service")
    deployment = service["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert deployment["MaximumPercent"] == 200
    assert deployment["MinimumHealthyPercent"] == MIN_HEALTHY_PERCENT[preset]
    assert service["HealthCheckGracePeriodSeconds"] == HEALTH_CHECK_GRACE_SECONDS[preset]
    assert service["DeploymentController"] == {"Type": "ECS"}


def test_production_never_drops_below_full_capacity_during_deploys(synth):
    deployment = _props(synth.template("production"), "AWS::ECS::Service")["DeploymentConfiguration"]
    assert deployment["MinimumHealthyPercent"] == 100


@pytest.mark.parametrize("preset", PRESETS)
def test_service_has_no_desired_count(synth, preset):
    """A DesiredCount would reset the running task count on every deploy (aws-cdk #3919 / #11299)."""
    service = _props(synth.template(preset), "AWS::ECS::Service")
    assert "DesiredCount" not in service


@pytest.mark.parametrize("preset", PRESETS)
def test_ecs_exec_off_in_production_only(synth, preset):
    template = synth.template(preset)
    assert _props(template, "AWS::ECS::Service")["EnableExecuteCommand"] is (preset in ECS_EXEC)
    policies = _of_type(template, "AWS::IAM::ManagedPolicy", "WebTaskRole")
    if preset in ECS_EXEC:
        (policy,) = policies.values()
        actions = json.dumps(policy["Properties"]["PolicyDocument"])
        assert "ssmmessages:CreateControlChannel" in actions
        # Sessions are encrypted with the service's key and logged to its log group.
        config = _props(template, "AWS::ECS::Cluster")["Configuration"]["ExecuteCommandConfiguration"]
        key, _ = _one(template, "AWS::KMS::Key", "WebKey")
        group, _ = _one(template, "AWS::Logs::LogGroup")
        assert config["KmsKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
        assert config["LogConfiguration"]["CloudWatchLogGroupName"] == {"Ref": group}
    else:
        assert policies == {}, "the task role has nothing attached by default"


# ------------------------------------------------------------------------------ cost levers


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_runs_on_graviton(synth, preset):
    task = _props(synth.template(preset), "AWS::ECS::TaskDefinition")
    assert task["RuntimePlatform"] == {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"}
    assert task["RequiresCompatibilities"] == ["FARGATE"]


@pytest.mark.parametrize("preset", PRESETS)
def test_task_size_per_preset(synth, preset):
    task = _props(synth.template(preset), "AWS::ECS::TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == TASK_SIZE[preset]


@pytest.mark.parametrize("preset", PRESETS)
def test_spot_share_per_preset(synth, preset):
    spot = SPOT_PERCENT[preset]
    strategy = {s["CapacityProvider"]: s for s in _props(synth.template(preset), "AWS::ECS::Service")["CapacityProviderStrategy"]}
    if spot == 0:
        assert set(strategy) == {"FARGATE"}
    elif spot == 100:
        assert set(strategy) == {"FARGATE_SPOT"}
    else:
        assert strategy["FARGATE"]["Weight"] == 100 - spot and strategy["FARGATE"]["Base"] == 1
        assert strategy["FARGATE_SPOT"]["Weight"] == spot


def test_spot_strategy_weights():
    def render(percent):
        return [(s.capacity_provider, s.weight, s.base) for s in capacity_provider_strategies(percent)]

    assert render(0) == [("FARGATE", 1, None)]
    assert render(100) == [("FARGATE_SPOT", 1, None)]
    assert render(25) == [("FARGATE", 75, 1), ("FARGATE_SPOT", 25, None)]


# ------------------------------------------------------------------------------ autoscaling


@pytest.mark.parametrize("preset", PRESETS)
def test_scaling_bounds_and_targets_per_preset(synth, preset):
    template = synth.template(preset)
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == TASKS[preset]
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    targets = {
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"]: p[
            "Properties"
        ]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
        for p in _of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }
    assert targets == SCALING_TARGETS[preset]


def test_production_runs_3_to_12_tasks(synth):
    target = _props(synth.template("production"), "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (3, 12)


@pytest.mark.parametrize("preset", PRESETS)
def test_auto_shutdown_schedules_per_preset(synth, preset):
    target = _props(synth.template(preset), "AWS::ApplicationAutoScaling::ScalableTarget")
    actions = {a["ScheduledActionName"]: a for a in target.get("ScheduledActions", [])}
    if preset not in AUTO_SHUTDOWN:
        assert actions == {}
        return
    assert set(actions) == {"Shutdown", "Startup"}
    assert actions["Shutdown"]["Schedule"] == "cron(0 20 ? * MON-FRI *)"
    assert actions["Shutdown"]["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}
    assert actions["Startup"]["Schedule"] == "cron(0 7 ? * MON-FRI *)"
    min_tasks, max_tasks = TASKS[preset]
    assert actions["Startup"]["ScalableTargetAction"] == {"MinCapacity": min_tasks, "MaxCapacity": max_tasks}
    assert {a["Timezone"] for a in actions.values()} == {"Europe/London"}


def test_production_runs_around_the_clock(synth):
    assert "ScheduledActions" not in _props(synth.template("production"), "AWS::ApplicationAutoScaling::ScalableTarget")


# ------------------------------------------------------------------------------ container & logs


@pytest.mark.parametrize("preset", PRESETS)
def test_container_hardening(synth, preset):
    container = _container(synth.template(preset))
    assert container["ReadonlyRootFilesystem"] is True
    assert container["Privileged"] is False
    assert container["PortMappings"] == [{"ContainerPort": 8080, "Protocol": "tcp"}]
    mounts = {m["ContainerPath"] for m in container["MountPoints"]}
    assert "/tmp" in mounts
    # ECS Exec's agent needs writable state directories on a read-only root.
    assert ({"/var/lib/amazon", "/var/log/amazon"} <= mounts) is (preset in ECS_EXEC)


@pytest.mark.parametrize("preset", PRESETS)
def test_log_group_kms_encrypted_with_preset_retention(synth, preset):
    template = synth.template(preset)
    profile = _profile(preset)
    key_id, key = _one(template, "AWS::KMS::Key", "WebKey")
    _, group = _one(template, "AWS::Logs::LogGroup")
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert group["Properties"]["RetentionInDays"] == LOG_RETENTION_DAYS[preset]
    assert key["Properties"]["EnableKeyRotation"] is True
    services = [s["Principal"].get("Service") for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert f"logs.{profile.region}.amazonaws.com" in services
    retained = "Retain" if preset in PROTECTED else "Delete"
    assert group["DeletionPolicy"] == key["DeletionPolicy"] == retained
    log_options = _container(template)["LogConfiguration"]
    assert log_options["LogDriver"] == "awslogs"
    assert log_options["Options"]["awslogs-group"] == {"Ref": _one(template, "AWS::Logs::LogGroup")[0]}


@pytest.mark.parametrize("preset", PRESETS)
def test_execution_role_is_least_privilege_in_a_managed_policy(synth, preset):
    template = synth.template(preset)
    assert _of_type(template, "AWS::IAM::Policy") == {}, "no inline policies (NIST/PCI/HIPAA IAMNoInlinePolicy)"
    (policy,) = _of_type(template, "AWS::IAM::ManagedPolicy", "WebExecutionRole").values()
    group, _ = _one(template, "AWS::Logs::LogGroup")
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [group, "Arn"]},
        }
    ]


def test_user_environment_and_secrets(variants):
    template = variants.template("development")
    container = _container(template, "Https")
    assert container["User"] == "1000:1000"
    # One hard memory limit per container: the task's memory (Control Tower CT.ECS.PR.7).
    assert container["Memory"] == 512
    assert container["Environment"] == [{"Name": "LOG_LEVEL", "Value": "info"}]
    (secret,) = container["Secrets"]
    assert secret["Name"] == "API_KEY"
    (policy,) = _of_type(template, "AWS::IAM::ManagedPolicy", "HttpsExecutionRole").values()
    statements = json.dumps(policy["Properties"]["PolicyDocument"])
    assert "secretsmanager:GetSecretValue" in statements and APP_SECRET_ARN in statements


# ------------------------------------------------------------------------------ load balancer


@pytest.mark.parametrize("preset", PRESETS)
def test_load_balancer_attributes(synth, preset):
    template = synth.template(preset)
    _, lb = _one(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    attributes = _attributes(lb)
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["deletion_protection.enabled"] == ("true" if preset in PROTECTED else "false")
    assert attributes["access_logs.s3.enabled"] == "true"
    bucket_id, bucket = _one(template, "AWS::S3::Bucket", "WebAccessLogs")
    assert attributes["access_logs.s3.bucket"] == {"Ref": bucket_id}
    encryption = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # all ALB logs support
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    expirations = [r.get("ExpirationInDays") for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]]
    assert LOG_RETENTION_DAYS[preset] in expirations
    policy = json.dumps(_props(template, "AWS::S3::BucketPolicy", "WebAccessLogs"))
    assert '"aws:SecureTransport": "false"' in policy


@pytest.mark.parametrize("preset", ["development", "qa", "sandbox", "staging"])
def test_plain_http_listener_where_profile_allows(synth, preset):
    listeners = _listeners(synth.template(preset))
    assert set(listeners) == {80}
    assert listeners[80]["Protocol"] == "HTTP"


def test_production_gets_https_with_tls13_and_redirect(synth):
    listeners = _listeners(synth.template("production"))
    assert set(listeners) == {80, 443}
    assert listeners[443]["Protocol"] == "HTTPS"
    assert listeners[443]["SslPolicy"] in TLS13_POLICIES
    assert listeners[443]["Certificates"] == [{"CertificateArn": CERTIFICATE_ARN}]
    assert listeners[80]["DefaultActions"] == [
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    ]


@pytest.mark.parametrize("preset", ["development", "production"])
def test_certificate_gives_https_listener_and_redirect(variants, preset):
    listeners = _listeners(variants.template(preset), "Https")
    assert listeners[443]["SslPolicy"] in TLS13_POLICIES
    assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"
    assert listeners[80]["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"


# ------------------------------------------------------------------------------ ingress & origin header


@pytest.mark.parametrize("preset", PRESETS)
def test_only_cloudfront_prefix_list_reaches_the_load_balancer(synth, preset):
    port = 80 if preset in HTTP_ALLOWED else 443
    (rule,) = _ingress(synth.template(preset))
    assert rule["SourcePrefixListId"] == CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS["eu-west-1"]
    assert (rule["FromPort"], rule["ToPort"], rule["IpProtocol"]) == (port, port, "tcp")
    assert "CidrIp" not in rule


@pytest.mark.parametrize("preset", PRESETS)
def test_vpc_origin_forwards_everything_without_a_secret(synth, preset):
    """The default needs no shared secret: nothing to rotate between the CDN's stack and this one."""
    template = synth.template(preset)
    port = 80 if preset in HTTP_ALLOWED else 443
    (action,) = _listeners(template)[port]["DefaultActions"]
    assert action["Type"] == "forward"
    assert _of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule") == {}
    assert _of_type(template, "AWS::SecretsManager::Secret") == {}


@pytest.mark.parametrize("preset", ["development", "production"])
def test_origin_secret_mode_answers_403_without_the_header(variants, preset):
    template = variants.template(preset)
    listener = _listeners(template, "Secret")[443]
    assert listener["DefaultActions"] == [
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403", "ContentType": "text/plain", "MessageBody": "Forbidden"}}
    ]
    (rule,) = _of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Secret").values()
    (condition,) = rule["Properties"]["Conditions"]
    assert condition["Field"] == "http-header"
    assert condition["HttpHeaderConfig"]["HttpHeaderName"] == ORIGIN_HEADER_NAME == "X-Origin-Verify"
    secret_id, secret = _one(template, "AWS::SecretsManager::Secret", "SecretOriginSecret")
    # A dynamic reference: the value is resolved by CloudFormation, never written into the template.
    assert condition["HttpHeaderConfig"]["Values"] == [
        {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:::}}"]]}
    ]
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    key_id, _ = _one(template, "AWS::KMS::Key", "SecretKey")
    assert secret["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    (action,) = rule["Properties"]["Actions"]
    assert action["Type"] == "forward"
    (ingress,) = _ingress(template, "Secret")
    assert (ingress["SourcePrefixListId"], ingress["FromPort"]) == (CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS["eu-west-1"], 443)


@pytest.mark.parametrize("preset", ["development", "production"])
def test_origin_secret_has_no_fixed_name_and_is_retained_except_on_create(variants, preset):
    """Trap 6: a retained secret under a fixed name blocks the stack's next create ("already exists")."""
    _, secret = _one(variants.template(preset), "AWS::SecretsManager::Secret", "SecretOriginSecret")
    assert "Name" not in secret["Properties"]
    assert secret["Properties"]["ReplicaRegions"] == [{"Region": "us-east-1"}]
    if preset in PROTECTED:
        assert (secret["DeletionPolicy"], secret["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    else:
        assert (secret["DeletionPolicy"], secret["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_vpc_origin_attributes():
    profile = _profile("development")
    stack = EnvironmentStack(cdk.App(), "Attrs", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    web = FargateWebService(stack, "Web", profile=profile, vpc=network, image=_image())
    assert (web.cloudfront_access, web.internet_facing) == ("vpc-origin", False)
    assert (web.origin_secret, web.origin_header_name, web.origin_header_value) == (None, None, None)
    assert web.prefix_list_id == CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS["eu-west-1"]
    for attribute in ("cluster", "service", "task_definition", "load_balancer", "listener", "log_group", "scaling"):
        assert getattr(web, attribute) is not None
    with pytest.raises(ConfigurationError, match="has no origin secret"):
        web.origin_header_value_in("us-east-1")


def test_origin_header_attributes():
    profile = _profile("development")
    stack = EnvironmentStack(cdk.App(), "Attrs", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    web = FargateWebService(
        stack, "Web", profile=profile, vpc=network, image=_image(), cloudfront_access="origin-secret",
        origin_secret_replica_regions=["us-east-1"],
    )
    assert (web.cloudfront_access, web.internet_facing) == ("origin-secret", True)
    assert web.origin_header_name == "X-Origin-Verify"
    assert cdk.Token.is_unresolved(web.origin_header_value)
    assert "{{resolve:secretsmanager:" in json.dumps(stack.resolve(web.origin_header_value))
    assert web.origin_secret is not None
    assert web.origin_header_value_in("eu-west-1") is web.origin_header_value
    with pytest.raises(ConfigurationError, match="origin_secret_replica_regions"):
        web.origin_header_value_in("eu-central-1")


def test_replica_is_referenced_by_the_primary_arn_in_the_edge_region():
    """The edge stack reads the us-east-1 replica by ARN (same name and suffix), no fixed name needed."""
    app = cdk.App()
    profile = _profile("production")
    stack = EnvironmentStack(app, "App", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    web = FargateWebService(
        stack, "Web", profile=profile, vpc=network, image=_image(), certificate=_certificate(stack),
        cloudfront_access="origin-secret", origin_secret_replica_regions=["us-east-1"],
    )
    edge = EnvironmentStack(
        app, "Edge", profile=profile, env=cdk.Environment(account=support.TEST_ACCOUNT, region="us-east-1"),
        cross_region_references=True,
    )
    value = web.origin_header_value_in("us-east-1")
    cdk.CfnOutput(edge, "Probe", value=value)  # a use in the edge stack: resolved there
    primary = {"Fn::GetAtt": ["ExportsReader8B249524", "/cdk/exports/Edge/Appeuwest1RefWebOriginSecret2E613EFEFB57D8EF"]}

    def part(index: int) -> dict:
        return {"Fn::Select": [index, {"Fn::Split": [":", primary]}]}

    replica = {"Fn::Join": [":", ["arn", part(1), "secretsmanager:us-east-1", part(4), "secret", part(6)]]}
    assert Template.from_stack(edge).to_json()["Outputs"]["Probe"]["Value"] == {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", replica, ":SecretString:::}}"]]
    }


@pytest.mark.parametrize("preset", ["development", "production"])
def test_public_ingress_opens_listener_ports_without_header_rule(variants, preset):
    template = variants.template(preset)
    rules = _ingress(template, "Public")
    assert sorted((r["FromPort"], r.get("CidrIp")) for r in rules) == [(80, "0.0.0.0/0"), (443, "0.0.0.0/0")]
    assert not any("SourcePrefixListId" in r for r in rules)
    assert _of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Public") == {}
    assert _of_type(template, "AWS::SecretsManager::Secret", "Public") == {}
    assert _listeners(template, "Public")[443]["DefaultActions"][0]["Type"] == "forward"


def test_public_http_only_where_allowed(variants):
    template = variants.template("development")
    rules = _ingress(template, "PublicHttp")
    assert [(r["FromPort"], r["CidrIp"]) for r in rules] == [(80, "0.0.0.0/0")]
    assert _listeners(template, "PublicHttp")[80]["DefaultActions"][0]["Type"] == "forward"


def test_prefix_list_table_names_only_supported_regions():
    # Regions without a checked id (and ap-southeast-3, which has no such list) get FargateWebService's error.
    assert set(CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS) <= set(REGION_AZS)
    assert all(pl.startswith("pl-") for pl in CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS.values())


def test_environment_agnostic_stack_uses_a_region_mapping():
    stack = cdk.Stack(cdk.App(), "Agnostic")
    prefix_list = cloudfront_prefix_list_id(stack)
    assert cdk.Token.is_unresolved(prefix_list)
    assert stack.resolve(prefix_list) == {
        "Fn::FindInMap": ["CloudFrontOriginFacingPrefixLists", {"Ref": "AWS::Region"}, "PrefixListId"]
    }
    mapping = Template.from_stack(stack).to_json()["Mappings"]["CloudFrontOriginFacingPrefixLists"]
    assert mapping["eu-west-1"] == {"PrefixListId": "pl-4fa04526"}


# ------------------------------------------------------------------------------ compliance gates


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synth, preset):
    findings = synth.findings_for(preset)
    assert findings == [], "\n".join(f"{f.pack} {f.rule} {f.path}" for f in findings)


@pytest.mark.parametrize("preset", ["development", "production"])
def test_no_cdk_nag_findings_for_https_and_public_variants_but_a_public_alb_without_a_web_acl(variants, preset):
    # The library's "CloudFront's web ACL is in front" acknowledgement does not cover a public load
    # balancer: the one without a WafProtection association is reported, the one with it passes.
    findings = {(f.rule, f.path) for f in variants.findings_for(preset)}
    expected = {
        (rule, "fargate-variants-development/PublicHttp/LoadBalancer/Resource")
        for rule in ("NIST.800.53.R5-ALBWAFEnabled", "PCI.DSS.321-ALBWAFEnabled")
    }
    assert findings == (expected if preset == "development" else set())


@pytest.mark.slow
def test_cfn_lint_clean(synth, variants):
    """Zero cfn-lint errors and warnings on every preset's template and the variants."""
    code, output = support.cfn_lint(app.template_file(p) for app in (synth, variants) for p in app.stacks)
    assert code == 0, output


def _pinned_ids(template: Template) -> dict[str, list[str]]:
    return {t: sorted(_of_type(template, t)) for t in PINNED_TYPES}


def test_logical_ids_are_pinned(synth):
    """Stateful logical ids never change; a rename must update the manifest on purpose.

    To accept a deliberate change: ``UPDATE_LOGICAL_IDS=1 pytest tests/unit/test_fargate_web_service.py``
    and explain the migration in the changelog.
    """
    actual = {preset: _pinned_ids(synth.template(preset)) for preset in PRESETS}
    support.assert_logical_ids_pinned(actual, MANIFEST)


# ------------------------------------------------------------------------------ bad input


def _stack(preset: str = "development") -> tuple[cdk.Stack, profiles.EnvironmentProfile, ec2.IVpc]:
    profile = _profile(preset)
    stack = EnvironmentStack(cdk.App(), "Bad", profile=profile)
    vpc = SecureVpc(stack, "Network", profile=profile).vpc
    return stack, profile, vpc


@pytest.mark.parametrize(
    ("preset", "kwargs", "message"),
    [
        ("production", {}, "certificate = None is not allowed"),
        ("production", {}, "profile.compute.allow_http = false"),
        ("development", {"container_port": 0}, "container_port = 0 is not allowed; allowed: an integer port 1..65535"),
        ("development", {"container_port": 70000}, "container_port = 70000 is not allowed"),
        ("development", {"container_port": "8080"}, "container_port = '8080' is not allowed"),
        ("development", {"min_tasks": 5, "max_tasks": 2}, "min_tasks (5) <= max_tasks (2)"),
        ("development", {"min_tasks": 3}, "min_tasks (3) <= max_tasks (2)"),
        ("development", {"cpu": 300}, "cpu = 300 is not allowed"),
        ("development", {"certificate": CERTIFICATE_ARN}, "certificate = 'str' is not allowed; allowed: an acm.ICertificate"),
        ("development", {"health_check_path": "health"}, "health_check_path = 'health' is not allowed"),
        ("development", {"environment": {"PORT": 8080}}, "environment"),
        ("development", {"secrets": {"KEY": "plain"}}, "secrets"),
        ("development", {"writable_paths": "/tmp"}, "writable_paths = '/tmp' is not allowed"),
        ("development", {"service_props": {"desired_count": 2}}, "service_props['desired_count'] = 2 is not allowed"),
        ("development", {"service_props": {"desired_count": 2}}, "aws-cdk #3919"),
        ("development", {"service_props": {"circuit_breaker": None}}, "circuit breaker with rollback is always on"),
        ("development", {"service_props": {"assign_public_ip": True}}, "private subnets"),
        ("production", {"certificate": "CERT", "service_props": {"enable_execute_command": True}}, "profile turns ECS Exec off"),
        ("development", {"service_props": {"desired_cont": 2}}, "did you mean 'desired_count'?"),
        (
            "development",
            {"load_balancer_props": {"drop_invalid_header_fields": False}},
            "load_balancer_props['drop_invalid_header_fields'] = False is not allowed",
        ),
        ("development", {"load_balancer_props": {"internet_facing": False}}, "internet-facing"),
        ("development", {"cloudfront_access": "vpc"}, "cloudfront_access = 'vpc' is not allowed; allowed: 'vpc-origin' | 'origin-secret'"),
        ("development", {"cloudfront_access": "origin-secret", "public_load_balancer_ingress": True}, "public_load_balancer_ingress=True"),
        ("development", {"origin_secret_replica_regions": ["us-east-1"]}, "a VPC origin needs no shared secret"),
        ("staging", {"load_balancer_props": {"deletion_protection": False}}, "profile.protection.deletion_protection"),
        ("development", {"task_definition_props": {"execution_role": None}}, "least-privilege"),
        ("development", {"user": "root"}, "user = 'root' is not allowed; allowed: a non-root user name, 'uid' or 'uid:gid'"),
        ("development", {"user": "0:0"}, "user = '0:0' is not allowed"),
    ],
)
def test_bad_input_raises_configuration_error(preset, kwargs, message):
    stack, profile, vpc = _stack(preset)
    if kwargs.get("certificate") == "CERT":
        kwargs = {**kwargs, "certificate": _certificate(stack)}
    with pytest.raises(ConfigurationError) as info:
        FargateWebService(stack, "Web", profile=profile, vpc=vpc, image=_image(), **kwargs)
    assert message in str(info.value)
    assert "Bad/Web" in str(info.value), "the error names the construct"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"profile": "production"}, "profile = 'str' is not allowed; allowed: an EnvironmentProfile"),
        ({"vpc": "vpc-123"}, "vpc = 'str' is not allowed; allowed: an ec2.IVpc or a SecureVpc"),
        ({"image": "nginx"}, "image = 'str' is not allowed; allowed: an ecs.ContainerImage"),
    ],
)
def test_wrong_types_raise_configuration_error(kwargs, message):
    stack, profile, vpc = _stack()
    arguments = {"profile": profile, "vpc": vpc, "image": _image(), **kwargs}
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FargateWebService(stack, "Web", **arguments)


def test_overrides_apply_and_relaxing_exec_off_is_allowed():
    stack, profile, vpc = _stack("development")
    web = FargateWebService(
        stack,
        "Web",
        profile=dataclasses.replace(profile, compute=dataclasses.replace(profile.compute, arm64=False)),
        vpc=vpc,
        image=_image(),
        container_port=3000,
        readonly_root_filesystem=False,
        min_tasks=2,
        max_tasks=6,
        service_props={"enable_execute_command": False},
        load_balancer_props={"idle_timeout": cdk.Duration.seconds(120)},
        task_definition_props={"ephemeral_storage_gib": 30},
    )
    template = Template.from_stack(stack)
    service = _props(template, "AWS::ECS::Service")
    assert service["EnableExecuteCommand"] is False
    assert service["DeploymentConfiguration"]["MinimumHealthyPercent"] == 100  # two tasks or more
    container = _container(template)
    assert container["ReadonlyRootFilesystem"] is False and container["PortMappings"][0]["ContainerPort"] == 3000
    task = _props(template, "AWS::ECS::TaskDefinition")
    assert task["RuntimePlatform"]["CpuArchitecture"] == "X86_64"
    assert task["EphemeralStorage"] == {"SizeInGiB": 30}
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    assert _attributes(_one(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")[1])["idle_timeout.timeout_seconds"] == "120"
    assert web.service_exec_enabled is False


def test_a_service_without_a_user_fails_control_towers_non_root_control(tmp_path):
    """Given a team's service that leaves the image's user (often root), the gate names the control."""
    app = cdk.App(outdir=str(tmp_path), context=support.RECOMMENDED_CONTEXT)
    profile = _profile("production")
    stack = EnvironmentStack(app, "Team", profile=profile)
    network = SecureVpc(stack, "Network", profile=profile)
    FargateWebService(stack, "Web", profile=profile, vpc=network.vpc, image=_image(), certificate=_certificate(stack))
    compliance.enable(app, packs=(), deploy_readiness=False)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert [(f.rule, f.path) for f in compliance.read_findings(tmp_path)] == [("CT.ECS.PR.3", "Team/Web/TaskDefinition/Resource")]
