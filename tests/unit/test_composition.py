"""Composition across stacks, the way a team writes it: data in one stack, the service in another.

Given a data stack (Aurora, Redis) and application stacks that read its secrets with plain
``ecs.Secret.from_secrets_manager(...)`` or connect with ``service.connect(...)``, when the app
synthesizes (with the recommended feature flags and with none), then there is no dependency
cycle, every grant sits in the reader's stack, and the gate reports nothing.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam

import support
from finefinds_constructs import (
    AuroraCluster,
    CdnBucket,
    ConfigurationError,
    EnvironmentStack,
    FargateWebService,
    RedisCache,
    SecureVpc,
    compliance,
)

IMAGE = "public.ecr.aws/nginx/nginx-unprivileged:stable-alpine"
PRESETS = ("development", "production")
#: Each mode's context and the presets it builds (no flags: the cheapest one is enough to show
#: that nothing depends on them; the platform without flags is tests/integration/test_feature_flags.py).
MODES = {"recommended-flags": (support.RECOMMENDED_CONTEXT, PRESETS), "no-flags": ({}, ("development",))}


def _service(stack: cdk.Stack, id: str, profile, vpc, **kwargs) -> FargateWebService:
    certificate = None
    if not profile.compute.allow_http:
        certificate = acm.Certificate.from_certificate_arn(
            stack, f"{id}Certificate", f"arn:aws:acm:eu-west-1:{support.TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
        )
    return FargateWebService(
        stack, id, profile=profile, vpc=vpc, image=ecs.ContainerImage.from_registry(IMAGE), user="101", certificate=certificate, **kwargs
    )


def _build(app: cdk.App, preset: str) -> None:
    profile = support.profile_for_tests(preset)
    name = f"Shop-{preset}"
    network = EnvironmentStack(app, f"{name}-Network", profile=profile)
    vpc = SecureVpc(network, "Network", profile=profile).vpc
    data = EnvironmentStack(app, f"{name}-Data", profile=profile)
    database = AuroraCluster(data, "Database", profile=profile, vpc=vpc, database_name="shop")
    cache = RedisCache(data, "Cache", profile=profile, vpc=vpc)
    # The natural code: secrets by reference, network access by allow_from.
    natural = EnvironmentStack(app, f"{name}-Natural", profile=profile)
    service = _service(
        natural, "Web", profile, vpc,
        secrets={
            "DB": ecs.Secret.from_secrets_manager(database.secret),
            "REDIS": ecs.Secret.from_secrets_manager(cache.auth_token),
        },
    )
    database.allow_from(service.service)
    cache.allow_from(service.service)
    # The one call.
    connected = EnvironmentStack(app, f"{name}-Connected", profile=profile)
    _service(connected, "Web", profile, vpc).connect(database, cache)


#: (mode, preset) for the tests that read one environment.
CASES = [(mode, preset) for mode, (_, presets) in MODES.items() for preset in presets]


#: mode -> its synthesized app. Module-level, not a fixture's: the cfn-lint check runs at the end
#: of the session (it waits for the background batch), after this module's fixtures are gone.
_BUILT: dict[str, Path] = {}


def _assembly(mode: str) -> Path:
    """That mode's app, synthesized (gate on) the first time a test asks for it.

    Its folder lives in the session's background scratch space, removed at the end of the session,
    because its templates wait in the cfn-lint batch.
    """
    if mode not in _BUILT:
        context, presets = MODES[mode]
        outdir = _BUILT[mode] = support.background.scratch(f"composition-{mode}")
        app = cdk.App(outdir=str(outdir), context=context)
        for preset in presets:
            _build(app, preset)
        compliance.enable(app)
        try:
            app.synth()
        except RuntimeError as exc:  # the gate's findings fail synthesis (read below); a cycle must not
            assert "DependencyCycle" not in str(exc)
        support.background.CFN_LINT.submit(sorted(outdir.glob("*.template.json")))
    return _BUILT[mode]


@pytest.fixture(scope="module")
def assemblies():
    return _assembly


def _template(outdir: Path, stack: str) -> dict:
    return json.loads((outdir / f"{stack}.template.json").read_text())


def _policy_statements(template: dict, path_fragment: str) -> list[dict]:
    statements = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy") and path_fragment in logical_id:
            statements.extend(resource["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _dependencies(outdir: Path, stack: str) -> set[str]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {d for d in manifest["artifacts"][stack].get("dependencies", []) if not d.endswith(".assets")}


@pytest.mark.parametrize("mode, preset", CASES)
def test_the_data_stack_depends_on_no_application_stack(assemblies, mode, preset):
    assembly = assemblies(mode)
    # Then the references run one way: application -> data -> network.
    assert _dependencies(assembly, f"Shop-{preset}-Data") == {f"Shop-{preset}-Network"}
    assert _dependencies(assembly, f"Shop-{preset}-Natural") == {f"Shop-{preset}-Network", f"Shop-{preset}-Data"}
    assert _dependencies(assembly, f"Shop-{preset}-Connected") == {f"Shop-{preset}-Network", f"Shop-{preset}-Data"}
    data = json.dumps(_template(assembly, f"Shop-{preset}-Data"))
    assert "ExecutionRole" not in data and "TaskRole" not in data


@pytest.mark.parametrize("mode, preset", CASES)
@pytest.mark.parametrize("stack", ["Natural", "Connected"])
def test_reading_a_secret_of_the_data_stack_is_granted_in_the_readers_policy(assemblies, mode, preset, stack):
    assembly = assemblies(mode)
    statements = _policy_statements(_template(assembly, f"Shop-{preset}-{stack}"), "ExecutionRole")
    reads = [s for s in statements if sorted(s["Action"]) == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]]
    decrypts = [s for s in statements if s["Action"] == "kms:Decrypt"]
    def count(statements: list[dict]) -> int:  # statements may be merged (minimized policies)
        return sum(len(s["Resource"]) if isinstance(s["Resource"], list) else 1 for s in statements)

    assert count(reads) == (2 if stack == "Natural" else 1)
    assert len(decrypts) == count(reads)
    for statement in decrypts:
        # Only through Secrets Manager of the secret's region, only for that secret.
        condition = statement["Condition"]["StringEquals"]
        assert condition["kms:ViaService"] == "secretsmanager.eu-west-1.amazonaws.com"
        assert "kms:EncryptionContext:SecretARN" in condition


@pytest.mark.parametrize("mode, preset", CASES)
def test_the_data_keys_let_iam_policies_grant_their_use(assemblies, mode, preset):
    assembly = assemblies(mode)
    # Without the account-root statement the reader's own kms:Decrypt would not be enough (aws-cdk-lib
    # v2 always writes it: @aws-cdk/aws-kms:defaultKeyPolicies is no longer a flag).
    template = _template(assembly, f"Shop-{preset}-Data")
    for logical_id in ("DatabaseKey5E5D9547", "CacheKeyCDF9DE27"):
        statements = template["Resources"][logical_id]["Properties"]["KeyPolicy"]["Statement"]
        # Spelled literally with the flags, with an AWS::Partition join without them.
        root = [s for s in statements if f":iam::{support.TEST_ACCOUNT}:root" in json.dumps(s.get("Principal")) and s["Effect"] == "Allow"]
        assert any(s["Action"] == "kms:*" for s in root), logical_id


@pytest.mark.parametrize("mode, preset", CASES)
def test_connect_gives_the_container_its_variables_and_secret(assemblies, mode, preset):
    assembly = assemblies(mode)
    template = _template(assembly, f"Shop-{preset}-Connected")
    (task,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition"]
    (container,) = task["Properties"]["ContainerDefinitions"]
    names = {e["Name"]: e["Value"] for e in container["Environment"]}
    expected = {"DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_AUTH", "REDIS_HOST", "REDIS_PORT", "REDIS_TLS"}
    assert expected <= set(names)
    assert (names["DATABASE_NAME"], names["DATABASE_USER"], names["DATABASE_AUTH"], names["REDIS_TLS"]) == ("shop", "app", "iam", "true")
    assert names["REDIS_PORT"] == "6379"
    assert ("REDIS_READER_HOST" in names) == (preset == "production")  # replicas only in production
    assert [s["Name"] for s in container["Secrets"]] == ["REDIS_AUTH_TOKEN"]
    connects = [s for s in _policy_statements(template, "TaskRole") if s["Action"] == "rds-db:connect"]
    assert len(connects) == 1


@pytest.mark.parametrize("mode, preset", CASES)
def test_connect_opens_the_database_and_cache_ports_to_the_service(assemblies, mode, preset):
    assembly = assemblies(mode)
    rules = [
        r["Properties"]
        for stack in ("Data", "Connected")
        for r in _template(assembly, f"Shop-{preset}-{stack}")["Resources"].values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
    ]
    ports = {(r["FromPort"], r["ToPort"]) for r in rules if "SourceSecurityGroupId" in r}
    assert {(5433, 5433), (6379, 6379)} <= ports  # the library's Aurora port, the cache's


@pytest.mark.parametrize("mode", list(MODES))
def test_the_gate_finds_only_the_injected_master_password(assemblies, mode):
    assembly, presets = assemblies(mode), MODES[mode][1]
    # Injecting the master secret is a trap of its own: single-user rotation changes the
    # password running tasks hold. The gate says so; connect() (IAM auth) has no such finding.
    findings = {(f.rule, f.path) for f in compliance.read_findings(assembly)}
    assert findings == {
        (
            "InjectedSecretSingleUserRotation",
            f"Shop-{preset}-Data/Database/Secret/Attachment/RotationSchedule/Resource",
        )
        for preset in presets
    }


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(MODES))
def test_the_composed_templates_lint_clean(assemblies, mode):
    code, output = support.cfn_lint(sorted(assemblies(mode).glob("Shop-*.template.json")))
    assert code == 0, output


# --------------------------------------------------------------------------------------------
# Errors at synth, not at deploy


def _stacks(**elsewhere):
    """An app with a stack ``Home`` and a stack ``Other`` (moved by ``elsewhere``: region=, account=)."""
    app = cdk.App(context=support.RECOMMENDED_CONTEXT)
    profile = support.profile_for_tests("development")
    home = EnvironmentStack(app, "Home", profile=profile)
    other = EnvironmentStack(app, "Other", profile=_moved(profile, **elsewhere))
    return app, profile, home, other


def _moved(profile, **elsewhere):
    if "region" in elsewhere:
        region = elsewhere["region"]
        elsewhere["availability_zones"] = (f"{region}a", f"{region}b")
    return dataclasses.replace(profile, **elsewhere)


@pytest.mark.parametrize("where", [{"region": "eu-central-1"}, {"account": "210987654321"}])
@pytest.mark.parametrize("construct", ["FargateWebService", "AuroraCluster", "RedisCache"])
def test_a_vpc_from_another_region_or_account_is_refused(where, construct):
    app, profile, home, other = _stacks(**where)
    vpc = SecureVpc(other, "Network", profile=_moved(profile, **where)).vpc
    with pytest.raises(ConfigurationError) as err:
        if construct == "FargateWebService":
            _service(home, "Web", profile, vpc)
        elif construct == "AuroraCluster":
            AuroraCluster(home, "Database", profile=profile, vpc=vpc, database_name="shop")
        else:
            RedisCache(home, "Cache", profile=profile, vpc=vpc)
    message = str(err.value)
    what, value = next(iter(where.items()))
    assert "vpc" in message and "Other/Network" in message
    assert value in message and {"region": "eu-west-1", "account": support.TEST_ACCOUNT}[what] in message


def test_an_imported_vpc_of_another_region_is_refused():
    app, profile, home, other = _stacks(region="eu-central-1")
    vpc = ec2.Vpc.from_vpc_attributes(
        other, "Imported", vpc_id="vpc-12345678", availability_zones=["eu-central-1a"], private_subnet_ids=["subnet-1234"]
    )
    with pytest.raises(ConfigurationError, match="eu-central-1"):
        RedisCache(home, "Cache", profile=profile, vpc=vpc)


def test_connect_refuses_what_it_cannot_connect():
    app, profile, home, _ = _stacks()
    vpc = SecureVpc(home, "Network", profile=profile).vpc
    service = _service(home, "Web", profile, vpc)
    with pytest.raises(ConfigurationError, match="AuroraCluster or a RedisCache"):
        service.connect(vpc)


def test_a_second_database_needs_its_own_prefix():
    app, profile, home, _ = _stacks()
    vpc = SecureVpc(home, "Network", profile=profile).vpc
    service = _service(home, "Web", profile, vpc)
    orders = AuroraCluster(home, "Orders", profile=profile, vpc=vpc, database_name="orders")
    users = AuroraCluster(home, "Users", profile=profile, vpc=vpc, database_name="users")
    service.connect(orders)
    with pytest.raises(ConfigurationError) as err:
        service.connect(users)
    assert "DATABASE_HOST" in str(err.value) and "prefix" in str(err.value)
    service.connect(users, prefix="USERS_DB_")
    assert service.container.node.path  # both connected


def test_a_reader_that_takes_no_policy_gets_an_error_saying_what_to_do():
    class NoPolicyRole(iam.Role):
        def add_to_principal_policy(self, statement):
            return iam.AddToPrincipalPolicyResult(statement_added=False)

    app, profile, home, _ = _stacks()
    vpc = SecureVpc(home, "Network", profile=profile).vpc
    reader_stack = EnvironmentStack(app, "Reader", profile=profile)
    cache = RedisCache(home, "Cache", profile=profile, vpc=vpc)
    role = NoPolicyRole(reader_stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ConfigurationError) as err:
        cache.auth_token.grant_read(role)
    assert "Reader/Role" in str(err.value) and "Home" in str(err.value)


def test_a_reader_in_the_same_stack_keeps_aws_cdk_libs_grant():
    app, profile, home, _ = _stacks()
    vpc = SecureVpc(home, "Network", profile=profile).vpc
    cache = RedisCache(home, "Cache", profile=profile, vpc=vpc)
    role = iam.Role(home, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    cache.auth_token.grant_read(role)
    key_policy = home.resolve(cache.key.node.default_child.key_policy)
    via = [s for s in key_policy["Statement"] if s.get("Principal", {}).get("AWS") == {"Fn::GetAtt": [home.get_logical_id(role.node.default_child), "Arn"]}]
    assert via and via[0]["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}


# --------------------------------------------------------------------------------------------
# CdnBucket.add_api_origin(service)


def _cdn_with(access: str):
    app = cdk.App(context=support.RECOMMENDED_CONTEXT)
    profile = support.profile_for_tests("development")
    home = EnvironmentStack(app, "Home", profile=profile)
    vpc = SecureVpc(home, "Network", profile=profile).vpc
    service = _service(home, "Web", profile, vpc, cloudfront_access=access)
    cdn = CdnBucket(home, "Cdn", profile=profile)
    return home, service, cdn


def test_add_api_origin_with_the_service_makes_a_vpc_origin():
    home, service, cdn = _cdn_with("vpc-origin")
    cdn.add_api_origin(service)
    template = cdk.assertions.Template.from_stack(home).to_json()
    (vpc_origin,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFront::VpcOrigin"]
    # Development has no certificate: the listener speaks HTTP, and so does the origin.
    assert vpc_origin["Properties"]["VpcOriginEndpointConfig"]["OriginProtocolPolicy"] == "http-only"


def test_add_api_origin_with_an_origin_secret_service_sends_its_header():
    home, service, cdn = _cdn_with("origin-secret")
    cdn.add_api_origin(service)
    template = cdk.assertions.Template.from_stack(home).to_json()
    (distribution,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFront::Distribution"]
    custom = [o for o in distribution["Properties"]["DistributionConfig"]["Origins"] if "OriginCustomHeaders" in o]
    assert [h["HeaderName"] for h in custom[0]["OriginCustomHeaders"]] == ["X-Origin-Verify"]


def test_add_api_origin_with_a_service_refuses_a_header_of_its_own():
    home, service, cdn = _cdn_with("origin-secret")
    with pytest.raises(ConfigurationError, match="add_api_origin\\(service\\)"):
        cdn.add_api_origin(service, origin_header_value="x" * 40)
