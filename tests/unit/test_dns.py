"""DnsZone and Certificates under every preset: zone, query logs, DNSSEC, aliases, certificates across regions."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Template

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, compliance, profiles
from finefinds_constructs.certificates import Certificates
from finefinds_constructs.dns import GLOBAL_REGION, DnsZone

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).with_name("logical_ids_dns.json")
PRESETS = support.PRESET_NAMES
ACCOUNT = support.TEST_ACCOUNT
# Resource types whose logical ids must never change (a new zone means new name servers).
STATEFUL = (
    "AWS::Route53::HostedZone",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::Route53::KeySigningKey",
    "AWS::Route53::DNSSEC",
)
EXISTING_ZONE_ID = "Z0123456789ABCDEFGHIJ"
PARENT_ZONE_ID = "Z0PARENT00000000000001"
PARENT_ACCOUNT = "555555555555"
SANDBOX_ROLE = "arn:aws:iam::555555555555:role/team-dns-delegation"
#: preset → how its zone is delegated (the profile's dns settings): every kind DnsZone supports.
DELEGATION = {
    "development": dict(parent_zone_name="finefinds.example", parent_account=PARENT_ACCOUNT),
    "qa": dict(parent_zone_name="finefinds.example", parent_zone_id=PARENT_ZONE_ID),
    "sandbox": dict(parent_zone_name="finefinds.example", parent_zone_id=PARENT_ZONE_ID, delegation_role_arn=SANDBOX_ROLE),
    "staging": dict(parent_zone_name="finefinds.example", parent_account=PARENT_ACCOUNT),
    "production": dict(delegated_at_registrar=True, delegations=("team.production.finefinds.example=222222222222",)),
}
ALB_ZONE_ID = "Z32O12XQLNTSW2"
# Literal expectations per preset (not read from the presets).
#: Presets whose zones log DNS queries, and the retention of those logs (days).
QUERY_LOG_RETENTION_DAYS = {"staging": 90, "production": 365}
#: Presets whose zones are DNSSEC-signed.
DNSSEC = {"production"}
#: Presets whose zones, keys and logs survive stack deletion.
RETAINED = {"staging", "production"}
CLOUDFRONT_DOMAIN = "d111111abcdef8.cloudfront.net"


def domain(preset: str) -> str:
    return f"{preset}.finefinds.example"


def delegated(profile: profiles.EnvironmentProfile, preset: str) -> profiles.EnvironmentProfile:
    return dataclasses.replace(profile, domain_name=domain(preset), dns=dataclasses.replace(profile.dns, **DELEGATION[preset]))


def dns_profile(preset: str) -> profiles.EnvironmentProfile:
    return dataclasses.replace(support.profile_for_tests(preset), domain_name=domain(preset))


def global_env() -> cdk.Environment:
    return cdk.Environment(account=ACCOUNT, region=GLOBAL_REGION)


def _alb(scope: cdk.Stack) -> elbv2.IApplicationLoadBalancer:
    return elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        scope,
        "Alb",
        load_balancer_arn=f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/app/app/123",
        security_group_id="sg-12345678",
        load_balancer_dns_name="app-123.eu-west-1.elb.amazonaws.com",
        load_balancer_canonical_hosted_zone_id=ALB_ZONE_ID,
    )


def _distribution(scope: cdk.Stack, id: str = "Distribution") -> cloudfront.IDistribution:
    return cloudfront.Distribution.from_distribution_attributes(
        scope, id, domain_name=CLOUDFRONT_DOMAIN, distribution_id="E1ABCDEFGHIJKL"
    )


#: preset → the us-east-1 (DNS) stack built beside the regional one.
GLOBAL_STACKS: dict[str, cdk.Stack] = {}
CONSTRUCTS: dict[str, dict] = {}


def build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    """Per preset: a DNS stack in us-east-1 and the regional (application) stack that uses it."""
    preset = profile.name
    profile = delegated(profile, preset)
    dns_stack = EnvironmentStack(stack.node.scope, f"{stack.stack_name}-Global", profile=profile, env=global_env())
    GLOBAL_STACKS[preset] = dns_stack
    # us-east-1: the zone (query logs and DNSSEC per profile), CloudFront's certificate, the CDN alias.
    zone = DnsZone(dns_stack, "Zone", profile=profile)
    cdn_certs = Certificates.for_cloudfront(
        dns_stack, "CdnCertificate", profile=profile, zone=zone, subject_alternative_names=[f"www.{domain(preset)}"]
    )
    zone.add_cdn_alias(_distribution(dns_stack))
    # The profile's region: the load balancer's certificate and alias, a CDN alias for www.
    app_certs = Certificates(stack, "Certificates", profile=profile, zone=zone, subject_alternative_names=[f"api.{domain(preset)}"])
    zone.add_load_balancer_alias(_alb(stack), "api")
    zone.add_cdn_alias(_distribution(stack, "WwwDistribution"), f"www.{domain(preset)}")
    # An existing zone, imported by id (profile data), in the regional stack; a manual and a wildcard certificate.
    imported_profile = dataclasses.replace(
        profile, domain_name=f"shop.{domain(preset)}", dns=dataclasses.replace(profile.dns, existing_zone_id=EXISTING_ZONE_ID, delegations=())
    )
    imported = DnsZone(stack, "ImportedZone", profile=imported_profile)
    manual = Certificates(stack, "ManualCertificate", profile=profile, domain_name=f"manual.{domain(preset)}")
    wildcard = Certificates(
        stack, "PreviewCertificate", profile=profile, zone=imported, domain_name=f"*.preview.shop.{domain(preset)}", allow_wildcard=True
    )
    CONSTRUCTS[preset] = dict(
        zone=zone, cdn_certs=cdn_certs, app_certs=app_certs, imported=imported, manual=manual, wildcard=wildcard
    )


@pytest.fixture(scope="session")
def synthesized():
    """Given the DNS (us-east-1) and regional stacks per preset, synthesized with the four packs on."""
    result = support.synthesize("dns", build, checkov=True)
    yield result
    support.cleanup(result)


def global_template(result: support.Synthesized, preset: str) -> Template:
    path = result.outdir / f"{GLOBAL_STACKS[preset].artifact_id}.template.json"
    return Template.from_json(json.loads(path.read_text()))


def one(template: Template, resource_type: str) -> tuple[str, dict]:
    found = support.resources_of_type(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {list(found)}"
    return next(iter(found.items()))


def records(template: Template, record_type: str) -> dict[str, dict]:
    return {k: v for k, v in support.resources_of_type(template, "AWS::Route53::RecordSet").items() if v["Properties"]["Type"] == record_type}


# ------------------------------------------------------------------------------ the zone


@pytest.mark.parametrize("preset", PRESETS)
def test_public_zone_created_for_profile_domain_with_retention(synthesized, preset):
    template = global_template(synthesized, preset)
    _, zone = one(template, "AWS::Route53::HostedZone")
    assert zone["Properties"]["Name"] == f"{domain(preset)}."
    assert "VPCs" not in zone["Properties"]  # public
    expected = "Retain" if preset in RETAINED else "Delete"
    assert zone["DeletionPolicy"] == expected
    assert zone["UpdateReplacePolicy"] == expected
    (caa,) = records(template, "CAA").values()
    assert caa["Properties"]["ResourceRecords"] == ['0 issue "amazon.com"']
    tags = {t["Key"]: t["Value"] for t in zone["Properties"]["HostedZoneTags"]}
    assert tags["Environment"] == preset


@pytest.mark.parametrize("preset", PRESETS)
def test_existing_zone_imported_by_id_without_lookup(synthesized, preset):
    imported = CONSTRUCTS[preset]["imported"]
    assert imported.imported
    assert imported.zone.hosted_zone_id == EXISTING_ZONE_ID
    assert imported.zone_name == f"shop.{domain(preset)}"
    # Imports own nothing: no zone, no query logs, no DNSSEC in the regional stack, whatever the profile says.
    template = synthesized.template(preset)
    for resource_type in ("AWS::Route53::HostedZone", "AWS::Route53::DNSSEC", "AWS::Logs::LogGroup", "AWS::KMS::Key"):
        assert support.resources_of_type(template, resource_type) == {}
    assert imported.query_log_group is None and imported.key_signing_key is None
    # Synthesis needed no context lookups.
    assert not any(m.type == "aws:cdk:missing-context" for m in synthesized.stacks[preset].node.metadata)


@pytest.mark.parametrize("preset", PRESETS)
def test_query_logging_per_preset(synthesized, preset):
    template = global_template(synthesized, preset)
    _, zone = one(template, "AWS::Route53::HostedZone")
    groups = support.resources_of_type(template, "AWS::Logs::LogGroup")
    policies = support.resources_of_type(template, "AWS::Logs::ResourcePolicy")
    if preset not in QUERY_LOG_RETENTION_DAYS:
        assert groups == {} and policies == {}
        assert "QueryLoggingConfig" not in zone["Properties"]
        assert CONSTRUCTS[preset]["zone"].query_log_group is None
        return
    (group_id, group), (policy_id, policy) = one(template, "AWS::Logs::LogGroup"), one(template, "AWS::Logs::ResourcePolicy")
    # No fixed name (Route 53 needs none): a kept group cannot block the stack's next create.
    assert "LogGroupName" not in group["Properties"]
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (
        ("RetainExceptOnCreate", "Retain") if preset in RETAINED else ("Delete", "Delete")
    )
    assert group["Properties"]["RetentionInDays"] == QUERY_LOG_RETENTION_DAYS[preset]
    assert "KmsKeyId" in group["Properties"]
    assert zone["Properties"]["QueryLoggingConfig"] == {"CloudWatchLogsLogGroupArn": {"Fn::GetAtt": [group_id, "Arn"]}}
    assert policy_id in zone["DependsOn"]
    document = json.dumps(policy["Properties"]["PolicyDocument"])
    assert "route53.amazonaws.com" in document and "logs:PutLogEvents" in document
    assert "aws:SourceAccount" in document and group_id in document


@pytest.mark.parametrize("preset", PRESETS)
def test_dnssec_per_preset(synthesized, preset):
    template = global_template(synthesized, preset)
    signing = support.resources_of_type(template, "AWS::Route53::KeySigningKey")
    if preset not in DNSSEC:
        assert signing == {} and support.resources_of_type(template, "AWS::Route53::DNSSEC") == {}
        assert CONSTRUCTS[preset]["zone"].key_signing_key is None
        return
    zone_id, _ = one(template, "AWS::Route53::HostedZone")
    (ksk_id, ksk), (_, dnssec) = one(template, "AWS::Route53::KeySigningKey"), one(template, "AWS::Route53::DNSSEC")
    assert ksk["Properties"]["Status"] == "ACTIVE"
    assert ksk["Properties"]["HostedZoneId"] == {"Ref": zone_id}
    assert dnssec["Properties"]["HostedZoneId"] == {"Ref": zone_id}
    assert ksk_id in dnssec["DependsOn"]
    keys = support.resources_of_type(template, "AWS::KMS::Key")
    (key_id, key), = [(k, v) for k, v in keys.items() if v["Properties"].get("KeySpec") == "ECC_NIST_P256"]
    assert key["Properties"]["KeyUsage"] == "SIGN_VERIFY"
    assert ksk["Properties"]["KeyManagementServiceArn"] == {"Fn::GetAtt": [key_id, "Arn"]}
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    dnssec_statements = [s for s in statements if s.get("Principal") == {"Service": "dnssec-route53.amazonaws.com"}]
    actions = {a for s in dnssec_statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"kms:DescribeKey", "kms:GetPublicKey", "kms:Sign", "kms:CreateGrant"}
    assert all("Condition" in s for s in dnssec_statements)
    assert key["DeletionPolicy"] == ("Retain" if preset in RETAINED else "Delete")


# ------------------------------------------------------------------------------ delegation


def test_delegation_follows_the_profile():
    assert {preset: CONSTRUCTS[preset]["zone"].delegated_by for preset in PRESETS} == {
        "development": "cross-account",
        "qa": "parent zone",
        "sandbox": "cross-account",
        "staging": "cross-account",
        "production": "registrar",
    }
    assert {preset: CONSTRUCTS[preset]["imported"].delegated_by for preset in PRESETS} == dict.fromkeys(PRESETS, "imported")


@pytest.mark.parametrize(
    ("preset", "role", "parent"),
    [
        ("development", "arn:aws:iam::555555555555:role/dns-delegation-development.finefinds.example", {"ParentZoneName": "finefinds.example"}),
        ("staging", "arn:aws:iam::555555555555:role/dns-delegation-staging.finefinds.example", {"ParentZoneName": "finefinds.example"}),
        ("sandbox", SANDBOX_ROLE, {"ParentZoneId": PARENT_ZONE_ID}),
    ],
)
def test_cross_account_delegation_assumes_the_parents_role(synthesized, preset, role, parent):
    template = global_template(synthesized, preset)
    zone_id, _ = one(template, "AWS::Route53::HostedZone")
    _, delegation = one(template, "Custom::CrossAccountZoneDelegation")
    ttl = 172800 if preset in RETAINED else 300
    assert {k: v for k, v in delegation["Properties"].items() if k != "ServiceToken"} == {
        "AssumeRoleArn": role,
        **parent,
        "DelegatedZoneName": domain(preset),
        "DelegatedZoneNameServers": {"Fn::GetAtt": [zone_id, "NameServers"]},
        "TTL": ttl,
    }
    assert delegation["DeletionPolicy"] == "Delete"
    # aws-cdk-lib's provider role may assume exactly that role.
    (policy,) = support.resources_of_type(template, "AWS::IAM::Policy").values()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": role}]


def test_same_account_delegation_is_an_ns_record_in_the_parent_zone(synthesized):
    template = global_template(synthesized, "qa")
    zone_id, _ = one(template, "AWS::Route53::HostedZone")
    (record,) = records(template, "NS").values()
    assert record["Properties"] == {
        "Comment": "Delegates qa.finefinds.example (dns-qa-Global/Zone)",
        "HostedZoneId": PARENT_ZONE_ID,
        "Name": "qa.finefinds.example.",
        "ResourceRecords": {"Fn::GetAtt": [zone_id, "NameServers"]},
        "TTL": "300",
        "Type": "NS",
    }
    assert support.resources_of_type(template, "Custom::CrossAccountZoneDelegation") == {}


def test_registrar_delegation_is_stated_in_the_zones_metadata(synthesized):
    template = global_template(synthesized, "production")
    _, zone = one(template, "AWS::Route53::HostedZone")
    assert zone["Metadata"]["finefinds:delegated-outside-app"] == (
        "registrar: the zone's name servers are set at the domain's registrar after the first deployment"
    )
    assert records(template, "NS") == {} and support.resources_of_type(template, "Custom::CrossAccountZoneDelegation") == {}
    for preset in ("development", "qa", "sandbox", "staging"):
        (_, other), = support.resources_of_type(global_template(synthesized, preset), "AWS::Route53::HostedZone").items()
        assert "finefinds:delegated-outside-app" not in other.get("Metadata", {})


def test_parent_zone_creates_one_narrow_role_per_delegated_subdomain(synthesized):
    template = global_template(synthesized, "production")
    zone_id, _ = one(template, "AWS::Route53::HostedZone")
    ((role_id, role),) = support.resources_of_type(template, "AWS::IAM::Role").items()
    assert role["Properties"]["RoleName"] == "dns-delegation-team.production.finefinds.example"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}}
    ]
    (policy,) = support.resources_of_type(template, "AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["Roles"] == [{"Ref": role_id}]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "route53:ChangeResourceRecordSets",
            "Condition": {
                "ForAllValues:StringEquals": {
                    "route53:ChangeResourceRecordSetsRecordTypes": ["NS"],
                    "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["team.production.finefinds.example"],
                }
            },
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", ["arn:aws:route53:::hostedzone/", {"Ref": zone_id}]]},
        },
        {"Action": "route53:ListHostedZonesByName", "Effect": "Allow", "Resource": "*"},
    ]
    assert list(CONSTRUCTS["production"]["zone"].delegation_roles) == ["team.production.finefinds.example"]


@pytest.mark.parametrize("preset", PRESETS)
def test_certificates_in_the_zones_stack_wait_for_its_delegation(synthesized, preset):
    template = global_template(synthesized, preset)
    _, cert = one(template, "AWS::CertificateManager::Certificate")
    resources = template.to_json()["Resources"]
    waits_for = {resources[d]["Type"] for d in cert.get("DependsOn", [])}
    expected = {
        "cross-account": {"AWS::IAM::Policy", "Custom::CrossAccountZoneDelegation"},
        "parent zone": {"AWS::Route53::RecordSet"},
        "registrar": set(),
    }[CONSTRUCTS[preset]["zone"].delegated_by]
    if preset not in RETAINED:
        expected |= {"Custom::AcmValidationRecordsCleanup"}
    assert waits_for == expected


def test_delegation_role_names_fit_iam():
    from finefinds_constructs.dns import delegation_role_name

    assert delegation_role_name("dev.finefinds.example") == "dns-delegation-dev.finefinds.example"
    long = "preview-environment-number-one." + "team-a.finefinds.example"
    name = delegation_role_name(long)
    assert len(name) == 64 and name.startswith("dns-delegation-preview-environment-number-one.team-a.")
    assert name == delegation_role_name(long) != delegation_role_name("x" + long)


# ------------------------------------------------------------------------------ tear-down


@pytest.mark.parametrize("preset", PRESETS)
def test_destroyable_zone_deletes_acm_validation_records_on_stack_deletion(synthesized, preset):
    template = global_template(synthesized, preset)
    zone_id, _ = one(template, "AWS::Route53::HostedZone")
    cleanups = support.resources_of_type(template, "Custom::AcmValidationRecordsCleanup")
    if preset in RETAINED:
        assert cleanups == {} and CONSTRUCTS[preset]["zone"].validation_records_cleanup is None
        return
    (cleanup,) = cleanups.values()
    assert cleanup["Properties"]["HostedZoneId"] == {"Ref": zone_id}
    assert cleanup["Metadata"]["finefinds:empties-on-delete"] == "ACM validation records"
    handler_id = cleanup["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    handler = template.to_json()["Resources"][handler_id]
    assert (handler["Properties"]["Runtime"], handler["Properties"]["Timeout"]) == ("nodejs24.x", 900)
    role = template.to_json()["Resources"][handler["Properties"]["Role"]["Fn::GetAtt"][0]]
    assert role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": {"Ref": "AWS::StackId"}},
        {
            "Effect": "Allow",
            "Action": ["route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets"],
            "Resource": {"Fn::Join": ["", ["arn:aws:route53:::hostedzone/", {"Ref": zone_id}]]},
        },
    ]


def test_the_teardown_handler_only_deletes_acm_records_of_a_stack_being_deleted():
    source = (ROOT / "src" / "finefinds_constructs" / "_internal" / "handlers" / "teardown" / "index.js").read_text()
    assert 'status === "DELETE_IN_PROGRESS"' in source
    assert r"const ACM_VALIDATION_TARGET = /\.acm-validations\.aws\.?$/;" in source
    assert 'record.Type === "CNAME" && record.Name.startsWith("_")' in source


# ------------------------------------------------------------------------------ alias records


@pytest.mark.parametrize("preset", PRESETS)
def test_cdn_alias_a_and_aaaa_at_apex(synthesized, preset):
    template = global_template(synthesized, preset)
    for record_type in ("A", "AAAA"):
        (record,) = [r for r in records(template, record_type).values() if r["Properties"]["Name"] == f"{domain(preset)}."]
        target = record["Properties"]["AliasTarget"]
        assert target["DNSName"] == CLOUDFRONT_DOMAIN
        assert "AWSCloudFrontPartitionHostedZoneIdMap" in json.dumps(target["HostedZoneId"])


@pytest.mark.parametrize("preset", PRESETS)
def test_aliases_for_other_stacks_live_beside_their_target(synthesized, preset):
    """Records pointing at the regional load balancer / distribution are in the regional stack, so
    references (and the stack dependency) point from it to the DNS stack only."""
    template = synthesized.template(preset)
    (api,) = [r for r in records(template, "A").values() if r["Properties"]["Name"] == f"api.{domain(preset)}."]
    assert api["Properties"]["AliasTarget"] == {"DNSName": "dualstack.app-123.eu-west-1.elb.amazonaws.com", "HostedZoneId": ALB_ZONE_ID}
    assert "Fn::GetStackOutput" in api["Properties"]["HostedZoneId"]
    www = [r for r in support.resources_of_type(template, "AWS::Route53::RecordSet").values() if r["Properties"]["Name"] == f"www.{domain(preset)}."]
    assert sorted(r["Properties"]["Type"] for r in www) == ["A", "AAAA"]
    dns_stack = GLOBAL_STACKS[preset]
    assert dns_stack in synthesized.stacks[preset].dependencies
    assert synthesized.stacks[preset] not in dns_stack.dependencies


# ------------------------------------------------------------------------------ certificates


@pytest.mark.parametrize("preset", PRESETS)
def test_cloudfront_certificate_in_us_east_1_validated_by_zone(synthesized, preset):
    template = global_template(synthesized, preset)
    zone_id, _ = one(template, "AWS::Route53::HostedZone")
    _, cert = one(template, "AWS::CertificateManager::Certificate")
    props = cert["Properties"]
    assert props["DomainName"] == domain(preset)
    assert props["SubjectAlternativeNames"] == [f"www.{domain(preset)}"]
    assert props["DomainValidationOptions"] == [
        {"DomainName": domain(preset), "HostedZoneId": {"Ref": zone_id}},
        {"DomainName": f"www.{domain(preset)}", "HostedZoneId": {"Ref": zone_id}},
    ]
    assert props["CertificateTransparencyLoggingPreference"] == "ENABLED"
    certs = CONSTRUCTS[preset]["cdn_certs"]
    assert certs.cloudfront_certificate is certs.certificate
    assert cdk.Stack.of(certs.cloudfront_certificate).region == "us-east-1"


@pytest.mark.parametrize("preset", PRESETS)
def test_regional_certificate_validated_across_regions(synthesized, preset):
    """The load balancer's certificate is in the profile's region and reads the zone id from the
    us-east-1 stack with a weak reference (Fn::GetStackOutput)."""
    template = synthesized.template(preset)
    certs = {k: v["Properties"] for k, v in support.resources_of_type(template, "AWS::CertificateManager::Certificate").items()}
    (props,) = [p for k, p in certs.items() if k.startswith("Certificates")]
    assert props["DomainName"] == domain(preset)
    assert props["SubjectAlternativeNames"] == [f"api.{domain(preset)}"]
    assert len(props["DomainValidationOptions"]) == 2  # the domain and its api. name
    for option in props["DomainValidationOptions"]:
        output = option["HostedZoneId"]["Fn::GetStackOutput"]
        assert output["StackName"] == GLOBAL_STACKS[preset].stack_name
        assert output["Region"] == "us-east-1"
    app_certs = CONSTRUCTS[preset]["app_certs"]
    assert cdk.Stack.of(app_certs.certificate).region == "eu-west-1"
    with pytest.raises(ConfigurationError, match="for_cloudfront"):
        app_certs.cloudfront_certificate  # noqa: B018 - a eu-west-1 certificate is no CloudFront certificate


@pytest.mark.parametrize("preset", PRESETS)
def test_certificate_without_zone_uses_manual_dns_validation(synthesized, preset):
    template = synthesized.template(preset)
    (props,) = [
        v["Properties"]
        for k, v in support.resources_of_type(template, "AWS::CertificateManager::Certificate").items()
        if k.startswith("ManualCertificate")
    ]
    assert props["DomainName"] == f"manual.{domain(preset)}"
    assert props["ValidationMethod"] == "DNS"
    assert "DomainValidationOptions" not in props


@pytest.mark.parametrize("preset", PRESETS)
def test_explicit_wildcard_carries_the_registry_reason(synthesized, preset):
    template = synthesized.template(preset)
    ((_, cert),) = [
        (k, v) for k, v in support.resources_of_type(template, "AWS::CertificateManager::Certificate").items()
        if k.startswith("PreviewCertificate")
    ]
    assert cert["Properties"]["DomainName"] == f"*.preview.shop.{domain(preset)}"
    assert cert["Properties"]["DomainValidationOptions"][0]["HostedZoneId"] == EXISTING_ZONE_ID
    (skip,) = cert["Metadata"]["checkov"]["skip"]
    (ack,) = [a for a in compliance.REGISTRY if a.construct == "Certificates[wildcard]"]
    assert skip == {"id": "CKV2_AWS_71", "comment": ack.reason}
    # Certificates without a wildcard carry no skip.
    for key, value in support.resources_of_type(template, "AWS::CertificateManager::Certificate").items():
        if not key.startswith("PreviewCertificate"):
            assert "checkov" not in value.get("Metadata", {})


# ------------------------------------------------------------------------------ bad input


def _stack(region: str | None = None, preset: str = "development", **profile_changes) -> tuple[cdk.Stack, profiles.EnvironmentProfile]:
    profile = dataclasses.replace(dns_profile(preset), **profile_changes)
    app = cdk.App(context=support.RECOMMENDED_CONTEXT)
    env = cdk.Environment(account=ACCOUNT, region=region) if region else None
    return EnvironmentStack(app, "Bad", profile=profile, **({"env": env} if env else {})), profile


def test_no_domain_is_explained():
    stack, profile = _stack(domain_name=None)
    with pytest.raises(ConfigurationError, match=r"zone_name = None.*set the profile's domain_name"):
        DnsZone(stack, "Zone", profile=profile)
    with pytest.raises(ConfigurationError, match=r"domain_name = None.*pass domain_name="):
        Certificates(stack, "Certs", profile=profile)


@pytest.mark.parametrize("preset", sorted(set(QUERY_LOG_RETENTION_DAYS) | DNSSEC))
def test_query_logs_and_dnssec_need_us_east_1(preset):
    stack, profile = _stack(preset=preset)  # the profile's region, eu-west-1
    with pytest.raises(ConfigurationError, match=r"in us-east-1.*region=\\?\"us-east-1\\?\".*= false"):
        DnsZone(stack, "Zone", profile=profile)
    # Turning them off for this zone works anywhere.
    DnsZone(stack, "Plain", profile=profile, query_logging=False, dnssec=False)


@pytest.mark.parametrize("parameter", ["query_logging", "dnssec"])
def test_explicit_features_on_an_imported_zone_are_refused(parameter):
    stack, profile = _stack(region="us-east-1")
    with pytest.raises(ConfigurationError, match=rf"{parameter} = True.*imported zone.*Z0123456789ABCDEFGHIJ"):
        DnsZone(stack, "Zone", profile=profile, existing_zone_id=EXISTING_ZONE_ID, **{parameter: True})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"zone_name": "https://shop.example.com/"}, r"zone_name = 'https://shop.example.com/'.*lowercase DNS name"),
        ({"zone_name": "Shop.Example.com"}, r"lowercase DNS name"),
        ({"existing_zone_id": "/hostedzone/Z123"}, r"existing_zone_id.*without '/hostedzone/'"),
        ({"zone_props": {"zone_nmae": "x"}}, r"zone_props\['zone_nmae'\].*did you mean 'zone_name'"),
        ({"zone_props": {"query_logs_log_group_arn": "arn"}}, r"zone_props\['query_logs_log_group_arn'\].*dns.query_logging"),
    ],
)
def test_bad_zone_input(kwargs, message):
    stack, profile = _stack()
    with pytest.raises(ConfigurationError, match=message):
        DnsZone(stack, "Zone", profile=profile, **kwargs)


def test_certificate_outside_the_zone_is_refused():
    stack, profile = _stack(domain_name="finefinds.example")
    zone = DnsZone(stack, "Zone", profile=profile)
    with pytest.raises(ConfigurationError, match=r"domain_name = 'shop.other.com'.*'finefinds.example' or a name ending in '.finefinds.example'"):
        Certificates(stack, "Certs", profile=profile, zone=zone, domain_name="shop.other.com")
    with pytest.raises(ConfigurationError, match=r"subject_alternative_names = 'www.other.com'"):
        Certificates(stack, "Certs2", profile=profile, zone=zone.zone, subject_alternative_names=["www.other.com"])
    # A look-alike suffix is not inside the zone either.
    with pytest.raises(ConfigurationError, match=r"notfinefinds.example"):
        Certificates(stack, "Certs3", profile=profile, zone=zone, domain_name="notfinefinds.example")


def test_wildcards_need_the_explicit_flag():
    stack, profile = _stack()
    with pytest.raises(ConfigurationError, match=r"without wildcards \(checkov CKV2_AWS_71\).*allow_wildcard=True"):
        Certificates(stack, "Certs", profile=profile, domain_name=f"*.{profile.domain_name}")
    with pytest.raises(ConfigurationError, match=r"subject_alternative_names = '\*\."):
        Certificates(stack, "Certs2", profile=profile, subject_alternative_names=[f"*.{profile.domain_name}"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"subject_alternative_names": "www.development.finefinds.example"}, r"wrap it in a list"),
        ({"domain_name": "WWW.example.com"}, r"lowercase DNS name"),
        ({"zone": "Z0123"}, r"zone = 'str'.*a DnsZone or a route53.IHostedZone"),
        ({"certificate_props": {"validation": None}}, r"certificate_props\['validation'\].*validates by DNS"),
    ],
)
def test_bad_certificate_input(kwargs, message):
    stack, profile = _stack()
    with pytest.raises(ConfigurationError, match=message):
        Certificates(stack, "Certs", profile=profile, **kwargs)


def test_cloudfront_certificate_must_be_created_in_us_east_1():
    stack, profile = _stack()  # eu-west-1
    with pytest.raises(ConfigurationError, match=r"scope = 'stack Bad in eu-west-1'.*CloudFront only uses ACM certificates from us-east-1"):
        Certificates.for_cloudfront(stack, "Certs", profile=profile)


def test_bad_alias_input():
    stack, profile = _stack(domain_name="finefinds.example")
    zone = DnsZone(stack, "Zone", profile=profile)
    with pytest.raises(ConfigurationError, match=r"record_name = 'shop.other.com'.*inside it"):
        zone.add_cdn_alias(_distribution(stack), "shop.other.com")
    with pytest.raises(ConfigurationError, match=r"distribution = 'str'"):
        zone.add_cdn_alias("d111.cloudfront.net")
    with pytest.raises(ConfigurationError, match=r"load_balancer = 'str'"):
        zone.add_load_balancer_alias("alb", "api")
    with pytest.raises(ConfigurationError, match=r"record_name = None"):
        zone.add_load_balancer_alias(_alb(stack), None)  # type: ignore[arg-type]


def test_imported_zone_without_domain_is_explained():
    stack, profile = _stack(domain_name=None)
    with pytest.raises(ConfigurationError, match=r"zone_name = None"):
        DnsZone(stack, "Zone", profile=profile, existing_zone_id=EXISTING_ZONE_ID)


def _delegating(**dns) -> tuple[cdk.Stack, profiles.EnvironmentProfile]:
    stack, profile = _stack(region="us-east-1")
    return stack, dataclasses.replace(profile, dns=dataclasses.replace(profile.dns, **dns))


def test_a_certificate_in_a_zone_nothing_delegates_to_is_refused():
    stack, profile = _stack(region="us-east-1")
    zone = DnsZone(stack, "Zone", profile=profile)
    assert zone.delegated_by is None
    for given in (zone, zone.zone):
        with pytest.raises(ConfigurationError, match=r"which nothing delegates to.*PENDING_VALIDATION.*dns.parent_zone_name"):
            Certificates(stack, f"Certs{len(stack.node.children)}", profile=profile, zone=given)


def test_a_parent_zone_in_the_app_delegates_with_an_ns_record():
    stack, profile = _stack(region="us-east-1", domain_name="finefinds.example")
    parent = DnsZone(stack, "Parent", profile=dataclasses.replace(profile, dns=dataclasses.replace(profile.dns, delegated_at_registrar=True)))
    child = DnsZone(stack, "Child", profile=profile, zone_name="dev.finefinds.example", parent_zone=parent)
    Certificates(stack, "Certs", profile=profile, zone=child, domain_name="dev.finefinds.example")
    assert child.delegated_by == "parent zone"
    template = Template.from_stack(stack)
    zones = support.resources_of_type(template, "AWS::Route53::HostedZone")
    parent_id = next(k for k, v in zones.items() if v["Properties"]["Name"] == "finefinds.example.")
    child_id = next(k for k in zones if k != parent_id)
    (record,) = records(template, "NS").values()
    assert (record["Properties"]["HostedZoneId"], record["Properties"]["Name"]) == ({"Ref": parent_id}, "dev.finefinds.example.")
    assert record["Properties"]["ResourceRecords"] == {"Fn::GetAtt": [child_id, "NameServers"]}


@pytest.mark.parametrize(
    ("dns", "kwargs", "message"),
    [
        ({"parent_zone_name": "other.example"}, {}, r"parent_zone_name = 'other.example'.*a subdomain of"),
        ({"parent_zone_name": "finefinds.example"}, {}, r"dns.parent_zone_id = None.*list-hosted-zones-by-name"),
        ({"delegations": ("dev.other.example=111111111111",)}, {}, r"dns.delegations = 'dev.other.example=111111111111'"),
        ({}, {"parent_zone": "Z0PARENT"}, r"parent_zone = 'str'"),
        ({"existing_zone_id": EXISTING_ZONE_ID}, {"parent_zone": "x"}, r"parent_zone.*None for an imported zone"),
    ],
)
def test_bad_delegation_is_explained(dns, kwargs, message):
    stack, profile = _delegating(**dns)
    with pytest.raises(ConfigurationError, match=message):
        DnsZone(stack, "Zone", profile=profile, **kwargs)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"parent_zone_id": PARENT_ZONE_ID}, r"dns.parent_zone_id.*None without dns.parent_zone_name"),
        ({"parent_account": PARENT_ACCOUNT}, r"dns.parent_account.*None without dns.parent_zone_name"),
        ({"parent_zone_name": "finefinds.example", "delegated_at_registrar": True}, r"not both"),
        (
            {"parent_zone_name": "finefinds.example", "parent_account": PARENT_ACCOUNT, "delegation_role_arn": SANDBOX_ROLE},
            r"dns.delegation_role_arn.*give one of them",
        ),
        ({"delegations": ("dev.finefinds.example:111111111111",)}, r"dns.delegations.*'dev.finefinds.example=111111111111'"),
        ({"parent_account": "5555"}, r"dns.parent_account.*12-digit"),
    ],
)
def test_delegation_settings_are_validated(settings, message):
    with pytest.raises(ConfigurationError, match=message):
        profiles.DnsSettings(**settings)


def test_delegation_settings_load_from_a_settings_file():
    loaded = profiles.EnvironmentProfile.from_mapping(
        {"extends": "development", "domain_name": "dev.finefinds.example", "dns": {"parent_zone_name": "finefinds.example", "parent_account": PARENT_ACCOUNT}}
    )
    assert (loaded.dns.parent_zone_name, loaded.dns.parent_account, loaded.dns.delegations) == ("finefinds.example", PARENT_ACCOUNT, ())


def test_profile_zone_id_is_validated():
    with pytest.raises(ConfigurationError, match=r"dns.existing_zone_id.*hosted zone id"):
        profiles.DnsSettings(existing_zone_id="hostedzone/Z1")
    loaded = profiles.EnvironmentProfile.from_mapping(
        {"extends": "production", "domain_name": "finefinds.example", "dns": {"existing_zone_id": EXISTING_ZONE_ID}}
    )
    assert loaded.dns.existing_zone_id == EXISTING_ZONE_ID and loaded.dns.dnssec


# ------------------------------------------------------------------------------ gates


def _stack_names(result: support.Synthesized, preset: str) -> set[str]:
    return {result.stacks[preset].stack_name, GLOBAL_STACKS[preset].stack_name}


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synthesized, preset):
    assert synthesized.templates.get(preset) is not None, synthesized.error
    names = _stack_names(synthesized, preset)
    assert [f for f in synthesized.findings if f.path.split("/")[0] in names] == []


def test_no_findings_at_all(synthesized):
    assert synthesized.error is None, synthesized.error
    assert synthesized.findings == []


@pytest.mark.slow
def test_cfn_lint_clean(synthesized):
    files = [synthesized.template_file(p) for p in PRESETS]
    files += [synthesized.outdir / f"{GLOBAL_STACKS[p].artifact_id}.template.json" for p in PRESETS]
    code, output = support.cfn_lint(files)
    assert code == 0, output


@pytest.mark.slow
def test_checkov_clean(synthesized):
    reports = support.checkov(synthesized.outdir)
    failed = support.checkov_checks(reports)
    assert failed == [], sorted({f"{c['check_id']} {c['resource']}" for c in failed})
    skipped = support.checkov_checks(reports, "skipped_checks")
    reasons = {(a.rule, a.reason) for a in compliance.REGISTRY if a.rule.startswith("CKV")}
    assert skipped, "the wildcard certificates carry a skip"
    for check in skipped:
        # Graph checks (CKV2_*) report the comment inside their check_result.
        comment = check.get("suppress_comment") or check["check_result"].get("suppress_comment")
        assert (check["check_id"], comment) in reasons, check["check_id"]


def test_logical_ids_are_pinned(synthesized):
    """The zone, its keys, query-log group and DNSSEC resources keep their logical ids.

    To accept a deliberate change: ``UPDATE_LOGICAL_IDS=1 pytest tests/unit/test_dns.py``.
    """
    actual = {
        preset: {t: sorted(support.resources_of_type(global_template(synthesized, preset), t)) for t in STATEFUL}
        for preset in PRESETS
    }
    support.assert_logical_ids_pinned(actual, MANIFEST)


def test_arguments_override_the_profile():
    """Explicit arguments beat the profile: DNSSEC and query logs on a development zone in us-east-1."""
    stack, profile = _stack(region="us-east-1")
    assert not profile.dns.dnssec and not profile.dns.query_logging
    zone = DnsZone(stack, "Zone", profile=profile, zone_name="dev.finefinds.example", dnssec=True, query_logging=True,
                   zone_props={"comment": "team zone"})
    assert zone.key_signing_key is not None and zone.query_log_group is not None
    template = Template.from_stack(stack)
    (hosted,) = support.resources_of_type(template, "AWS::Route53::HostedZone").values()
    assert hosted["Properties"]["Name"] == "dev.finefinds.example."
    assert hosted["Properties"]["HostedZoneConfig"] == {"Comment": "team zone"}
    assert hosted["DeletionPolicy"] == "Delete"
    assert len(support.resources_of_type(template, "AWS::Route53::DNSSEC")) == 1
    (group,) = support.resources_of_type(template, "AWS::Logs::LogGroup").values()
    assert "LogGroupName" not in group["Properties"]
    assert group["DeletionPolicy"] == "Delete"
