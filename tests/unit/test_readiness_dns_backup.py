"""Deploy-readiness rules for DNS and backups: undelegated validation zones, and zones and vaults that
a destroyable environment cannot delete (planted templates, a team's raw resources, the constructs)."""

from __future__ import annotations

import dataclasses
import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53

import support
from finefinds_constructs import EnvironmentStack, compliance, profiles, readiness
from finefinds_constructs.backup_plan import BackupPlan
from finefinds_constructs.certificates import Certificates
from finefinds_constructs.dns import DnsZone
from finefinds_constructs.readiness import Templates

ACCOUNT = support.TEST_ACCOUNT
OURS = ("ValidationZoneNotDelegated", "HostedZoneNotEmptied", "BackupVaultNotEmptied")


def violations(rule: str, templates: dict, **kwargs) -> list[str]:
    """``"<stack>/<logical id>: <message>"`` of ``rule``'s violations over planted templates."""
    return [
        f"{v.where}: {v.message}"
        for v in readiness.check(Templates.of(templates, **kwargs))
        if v.rule == f"DeployReadiness::{rule}"
    ]


# ------------------------------------------------------------------------------------------------ planted
def zone(name: str = "dev.example.com.", **extra) -> dict:
    return {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": name}, **extra}


def certificate(zone_id, method: str = "DNS") -> dict:
    return {
        "Type": "AWS::CertificateManager::Certificate",
        "Properties": {
            "DomainName": "dev.example.com",
            "ValidationMethod": method,
            "DomainValidationOptions": [{"DomainName": "dev.example.com", "HostedZoneId": zone_id}],
        },
    }


def ns_record(zone_id, name: str = "dev.example.com.") -> dict:
    return {
        "Type": "AWS::Route53::RecordSet",
        "Properties": {"HostedZoneId": zone_id, "Name": name, "Type": "NS", "TTL": "300", "ResourceRecords": {"Fn::GetAtt": ["Zone", "NameServers"]}},
    }


def cleanup(target: str, *, marked: bool = True, kind: str = "Custom::Cleanup") -> dict:
    body: dict = {"Type": kind, "Properties": {"ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:x", "Target": {"Ref": target}}}
    if marked:
        body["Metadata"] = {"finefinds:empties-on-delete": "what CloudFormation leaves"}
    return body


UNDELEGATED = {"Dns": {"Resources": {"Zone": zone(), "Cert": certificate({"Ref": "Zone"})}}}


def test_validation_zone_nothing_delegates_to_is_a_violation():
    (found,) = violations("ValidationZoneNotDelegated", UNDELEGATED)
    assert found.startswith("Dns/Cert: validates dev.example.com through Dns/Zone (dev.example.com), which no NS record")


@pytest.mark.parametrize(
    "delegation",
    [
        {"Parent": zone("example.com."), "Delegation": ns_record({"Ref": "Parent"})},
        {"Delegation": ns_record("Z0PARENT0000000001")},  # an NS record in an imported parent zone
        {
            "Delegation": {
                "Type": "AWS::Route53::RecordSetGroup",
                "Properties": {"HostedZoneName": "example.com.", "RecordSets": [{"Name": "dev.example.com.", "Type": "NS", "TTL": "300", "ResourceRecords": ["ns-1.example."]}]},
            }
        },
        {
            "Delegation": {
                "Type": "Custom::CrossAccountZoneDelegation",
                "Properties": {"ServiceToken": "x", "AssumeRoleArn": "arn:aws:iam::555555555555:role/d", "ParentZoneName": "example.com", "DelegatedZoneName": "dev.example.com"},
            }
        },
    ],
)
def test_a_delegation_in_the_app_satisfies_the_rule(delegation):
    templates = {"Dns": {"Resources": {**UNDELEGATED["Dns"]["Resources"], **delegation}}}
    assert violations("ValidationZoneNotDelegated", templates) == []


def test_a_zone_stating_its_delegation_outside_the_app_satisfies_the_rule():
    marked = zone(Metadata={"finefinds:delegated-outside-app": "registrar"})
    assert violations("ValidationZoneNotDelegated", {"Dns": {"Resources": {"Zone": marked, "Cert": certificate({"Ref": "Zone"})}}}) == []


def test_an_ns_record_inside_the_zone_itself_delegates_nothing():
    templates = {"Dns": {"Resources": {**UNDELEGATED["Dns"]["Resources"], "Apex": ns_record({"Ref": "Zone"})}}}
    assert len(violations("ValidationZoneNotDelegated", templates)) == 1


def test_a_private_zone_cannot_validate():
    private = zone(Properties={"Name": "dev.example.com.", "VPCs": [{"VPCId": "vpc-1", "VPCRegion": "eu-west-1"}]})
    (found,) = violations("ValidationZoneNotDelegated", {"Dns": {"Resources": {"Zone": private, "Cert": certificate({"Ref": "Zone"})}}})
    assert found == "Dns/Cert: validates dev.example.com through Dns/Zone, a private zone ACM cannot query"


@pytest.mark.parametrize(
    ("zone_id", "outputs", "extra"),
    [
        # CDK's weak references, across regions.
        ({"Fn::GetStackOutput": {"StackName": "Dns", "OutputName": "ZoneId", "Region": "us-east-1"}}, {"ZoneId": {"Value": {"Ref": "Zone"}}}, {}),
        # Strong references in one region.
        ({"Fn::ImportValue": "Dns:ZoneId"}, {"ZoneId": {"Value": {"Ref": "Zone"}, "Export": {"Name": "Dns:ZoneId"}}}, {}),
        # Strong references across regions: aws-cdk-lib's SSM export writer and reader.
        (
            {"Fn::GetAtt": ["ExportsReader", "/cdk/exports/App/DnsZoneRef"]},
            {},
            {
                "ExportsWriter": {
                    "Type": "Custom::CrossRegionExportWriter",
                    "Properties": {"WriterProps": {"region": "eu-west-1", "exports": {"/cdk/exports/App/DnsZoneRef": {"Ref": "Zone"}}}},
                }
            },
        ),
    ],
)
def test_a_certificate_in_another_stack_is_judged_by_the_zone_it_references(zone_id, outputs, extra):
    templates = {
        "Dns": {"Resources": {"Zone": zone(), **extra}, "Outputs": outputs},
        "App": {"Resources": {"ExportsReader": {"Type": "Custom::CrossRegionExportReader", "Properties": {}}, "Cert": certificate(zone_id)}},
    }
    (found,) = violations("ValidationZoneNotDelegated", templates)
    assert found.startswith("App/Cert: validates dev.example.com through Dns/Zone")
    templates["Dns"]["Resources"]["Zone"] = zone(Metadata={"finefinds:delegated-outside-app": "registrar"})
    assert violations("ValidationZoneNotDelegated", templates) == []


def test_imported_zones_and_email_validation_are_not_judged():
    assert violations("ValidationZoneNotDelegated", {"App": {"Resources": {"Cert": certificate("Z0IMPORTED000000001")}}}) == []
    templates = {"Dns": {"Resources": {"Zone": zone(), "Cert": certificate({"Ref": "Zone"}, method="EMAIL")}}}
    assert violations("ValidationZoneNotDelegated", templates) == []


# ---- HostedZoneNotEmptied
def test_a_destroyable_zone_with_validation_records_is_a_violation():
    (found,) = violations("HostedZoneNotEmptied", UNDELEGATED)
    assert found == "Dns/Zone: is deleted with its stack but will hold the ACM validation CNAMEs of Dns/Cert, which CloudFormation leaves behind"


def test_a_marked_cleanup_in_the_zones_stack_or_retention_satisfies_the_rule():
    emptied = {"Dns": {"Resources": {**UNDELEGATED["Dns"]["Resources"], "Cleanup": cleanup("Zone")}}}
    assert violations("HostedZoneNotEmptied", emptied) == []
    retained = {"Dns": {"Resources": {"Zone": zone(DeletionPolicy="Retain"), "Cert": certificate({"Ref": "Zone"})}}}
    assert violations("HostedZoneNotEmptied", retained) == []


def test_an_unmarked_custom_resource_or_one_in_another_stack_empties_nothing():
    unmarked = {"Dns": {"Resources": {**UNDELEGATED["Dns"]["Resources"], "Cleanup": cleanup("Zone", marked=False)}}}
    assert len(violations("HostedZoneNotEmptied", unmarked)) == 1
    elsewhere = {**UNDELEGATED, "Other": {"Resources": {"Cleanup": cleanup("Zone")}}}
    assert len(violations("HostedZoneNotEmptied", elsewhere)) == 1


# ---- BackupVaultNotEmptied
def vault(**extra) -> dict:
    return {"Type": "AWS::Backup::BackupVault", "Properties": {"BackupVaultName": "team-backups"}, **extra}


def plan(target, copy_to=None) -> dict:
    rule: dict = {"RuleName": "Daily", "TargetBackupVault": target}
    if copy_to is not None:
        rule["CopyActions"] = [{"DestinationBackupVaultArn": copy_to}]
    return {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": [rule]}}}


FILLED = {"Backup": {"Resources": {"Vault": vault(), "Plan": plan({"Fn::GetAtt": ["Vault", "BackupVaultName"]})}}}


def test_a_destroyable_vault_a_plan_writes_into_is_a_violation():
    (found,) = violations("BackupVaultNotEmptied", FILLED)
    assert found == "Backup/Vault: is deleted with its stack but nothing deletes the recovery points that Backup/Plan writes into it"


def test_a_marked_cleanup_or_retention_satisfies_the_rule():
    emptied = {"Backup": {"Resources": {**FILLED["Backup"]["Resources"], "Cleanup": cleanup("Vault")}}}
    assert violations("BackupVaultNotEmptied", emptied) == []
    kept = {"Backup": {"Resources": {"Vault": vault(DeletionPolicy="RetainExceptOnCreate"), "Plan": FILLED["Backup"]["Resources"]["Plan"]}}}
    assert violations("BackupVaultNotEmptied", kept) == []
    # A vault no plan of the app writes into holds nothing the app put there.
    assert violations("BackupVaultNotEmptied", {"Backup": {"Resources": {"Vault": vault()}}}) == []


def test_a_lock_or_a_deny_on_deleting_recovery_points_cannot_be_emptied():
    locked = vault(Properties={"BackupVaultName": "v", "LockConfiguration": {"MinRetentionDays": 7}})
    denied = vault(
        Properties={
            "BackupVaultName": "v",
            "AccessPolicy": {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]},
        }
    )
    for body, says in ((locked, "has a vault lock"), (denied, "denies backup:DeleteRecoveryPoint")):
        templates = {"Backup": {"Resources": {"Vault": body, "Plan": FILLED["Backup"]["Resources"]["Plan"], "Cleanup": cleanup("Vault")}}}
        (found,) = violations("BackupVaultNotEmptied", templates)
        assert says in found


@pytest.mark.parametrize(
    ("destination", "outputs"),
    [
        ({"Fn::GetStackOutput": {"StackName": "Dr", "OutputName": "VaultArn", "Region": "eu-central-1"}}, {"VaultArn": {"Value": {"Fn::GetAtt": ["Vault", "BackupVaultArn"]}}}),
        ("arn:aws:backup:eu-central-1:123456789012:backup-vault:team-backups", {}),
    ],
)
def test_a_copy_destination_in_another_region_is_a_vault_the_plan_writes_into(destination, outputs):
    templates = {
        "Backup": {"Resources": {"Vault": vault(DeletionPolicy="Retain"), "Plan": plan({"Fn::GetAtt": ["Vault", "BackupVaultName"]}, destination)}},
        "Dr": {"Resources": {"Vault": vault()}, "Outputs": outputs},
    }
    environments = {"Backup": (ACCOUNT, "eu-west-1"), "Dr": (ACCOUNT, "eu-central-1")}
    assert violations("BackupVaultNotEmptied", templates, environments=environments) == [
        "Dr/Vault: is deleted with its stack but nothing deletes the recovery points that Backup/Plan writes into it"
    ]

def test_a_literal_copy_destination_names_the_vault_of_its_region_and_account_only():
    destination = "arn:aws:backup:eu-central-1:123456789012:backup-vault:team-backups"
    templates = {
        "Backup": {"Resources": {"Vault": vault(DeletionPolicy="Retain"), "Plan": plan({"Fn::GetAtt": ["Vault", "BackupVaultName"]}, destination)}},
        "Dr": {"Resources": {"Vault": vault()}},
    }
    for dr in ((ACCOUNT, "us-east-1"), ("999999999999", "eu-central-1")):
        assert violations("BackupVaultNotEmptied", templates, environments={"Backup": (ACCOUNT, "eu-west-1"), "Dr": dr}) == []


# ------------------------------------------------------------------------------------------------ a team's app
def test_given_a_teams_raw_certificate_in_an_undelegated_zone_when_synthesized_then_synthesis_fails(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "TeamDns", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
    team_zone = route53.PublicHostedZone(stack, "Zone", zone_name="team.example.com")
    acm.Certificate(stack, "Cert", domain_name="team.example.com", validation=acm.CertificateValidation.from_dns(team_zone))
    compliance.enable(app, packs=(), control_tower=False)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "DeployReadiness"]
    assert sorted(v["ruleName"] for v in plugin["violations"] if v["ruleName"] in OURS) == ["HostedZoneNotEmptied", "ValidationZoneNotDelegated"]


# ------------------------------------------------------------------------------------------------ the constructs
DELEGATION = {
    "development": dict(parent_zone_name="finefinds.example", parent_account="555555555555"),
    "qa": dict(parent_zone_name="finefinds.example", parent_zone_id="Z0PARENT00000000000001"),
    "sandbox": dict(parent_zone_name="finefinds.example", parent_account="555555555555"),
    "staging": dict(parent_zone_name="finefinds.example", parent_account="555555555555"),
    "production": dict(delegated_at_registrar=True, delegations=("dev.production.finefinds.example=111111111111",)),
}


def build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    """Per preset: the zone and CloudFront certificate in us-east-1, the load balancer's certificate and
    the backup plan in the profile's region, and the DR vault where the profile copies backups."""
    preset = profile.name
    profile = dataclasses.replace(
        profile, domain_name=f"{preset}.finefinds.example", dns=dataclasses.replace(profile.dns, **DELEGATION[preset])
    )
    dns = EnvironmentStack(stack.node.scope, f"{stack.stack_name}-Dns", profile=profile, env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
    zone = DnsZone(dns, "Zone", profile=profile)
    Certificates.for_cloudfront(dns, "CdnCertificate", profile=profile, zone=zone)
    Certificates(stack, "Certificate", profile=profile, zone=zone)
    dr_vault_arn = None
    if profile.backup.dr_region:
        local = dataclasses.replace(profile, backup=dataclasses.replace(profile.backup, dr_region=None))
        dr = EnvironmentStack(stack.node.scope, f"{stack.stack_name}-Dr", profile=local, env=cdk.Environment(account=ACCOUNT, region=profile.backup.dr_region))
        dr_vault_arn = BackupPlan(dr, "Backup", profile=local).vault.backup_vault_arn
    BackupPlan(stack, "Backup", profile=profile, dr_vault_arn=dr_vault_arn)


@pytest.fixture(scope="module")
def synthesized():
    result = support.synthesize("readiness-dns", build, lint=False)
    yield result
    support.cleanup(result)


def _templates(result: support.Synthesized) -> Templates:
    return Templates.from_paths(str(p) for p in result.outdir.glob("*.template.json"))


@pytest.mark.parametrize("preset", support.PRESET_NAMES)
def test_the_constructs_output_breaks_none_of_these_rules(synthesized, preset):
    assert synthesized.error is None, synthesized.error
    prefix = synthesized.stacks[preset].stack_name
    found = [
        f"{v.where}: {v.message}"
        for v in readiness.check(_templates(synthesized))
        if v.rule.split("::")[1] in OURS and v.where.startswith(prefix)
    ]
    assert found == []


def test_the_rules_see_the_constructs_zones_and_vaults(synthesized):
    """The clean result above is the rules judging real resources: without their delegation and
    clean-up, the same templates break them."""
    templates = _templates(synthesized)
    for stack in templates.stacks:
        for resource in templates.in_stack(stack):
            metadata = resource.body.get("Metadata") or {}
            metadata.pop("finefinds:delegated-outside-app", None)
            metadata.pop("finefinds:empties-on-delete", None)
            if resource.type in ("Custom::CrossAccountZoneDelegation", "AWS::Route53::RecordSet") and resource.get("Type", default="NS") == "NS":
                resource.body["Type"] = "AWS::CloudFormation::WaitConditionHandle"  # the delegation, gone
    found = {(v.rule.split("::")[1], v.where) for v in readiness.check(templates) if v.rule.split("::")[1] in OURS}
    by_rule = {rule: sorted(where for r, where in found if r == rule) for rule in OURS}
    # Every preset's certificates (CloudFront's and the load balancer's) name an undelegated zone.
    assert len(by_rule["ValidationZoneNotDelegated"]) == 2 * len(support.PRESET_NAMES)
    destroyable = ["development", "qa", "sandbox"]
    assert by_rule["HostedZoneNotEmptied"] == sorted(f"readiness-dns-{p}-Dns/Zone2A4024A4" for p in destroyable)
    assert by_rule["BackupVaultNotEmptied"] == sorted(f"readiness-dns-{p}/BackupVaultADF21B19" for p in destroyable)
