"""EmailSender under every preset profile, asserted on the synthesized template."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_ses as ses

import support
from finefinds_constructs import EnvironmentStack
from finefinds_constructs._internal.iam import ManagedPolicyRole
from finefinds_constructs.email_sender import EmailSender
from finefinds_constructs.errors import ConfigurationError

PRESETS = support.PRESET_NAMES
MANIFEST = Path(__file__).with_name("logical_ids_email_sender.json")
PINNED_TYPES = ("AWS::KMS::Key", "AWS::SNS::Topic", "AWS::SES::EmailIdentity", "AWS::SES::ConfigurationSet")
ZONE_ID = "Z0123456789ABCDEFGHIJ"


def _build(stack, profile):
    zone = route53.HostedZone.from_hosted_zone_attributes(stack, "Zone", hosted_zone_id=ZONE_ID, zone_name="example.com")
    # In the zone (a subdomain of the zone's name), with a custom MAIL FROM label.
    zoned = EmailSender(
        stack, "Mail", profile=profile, domain_name=f"{profile.name}.example.com", hosted_zone=zone, mail_from_subdomain="bounce"
    )
    # Without a zone: the records are the user's job.
    EmailSender(stack, "External", profile=profile, domain_name="news.example.org")
    sender = ManagedPolicyRole(stack, "SenderRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    zoned.grant_send(sender)


@pytest.fixture(scope="session")
def synth():
    """Given EmailSenders per preset, when the app is synthesized with the four packs on."""
    result = support.synthesize("EmailSender", _build, checkov=True)
    yield result
    support.cleanup(result)


def _mine(template, resource_type: str, prefix: str = "Mail") -> dict:
    return {k: v for k, v in support.resources_of_type(template, resource_type).items() if k.startswith(prefix)}


def _one(template, resource_type: str, prefix: str = "Mail") -> tuple[str, dict]:
    (item,) = _mine(template, resource_type, prefix).items()
    return item


# ------------------------------------------------------------------------------ identity


@pytest.mark.parametrize("preset", PRESETS)
def test_domain_identity_with_easy_dkim_and_mail_from(synth, preset):
    template = synth.template(preset)
    _, identity = _one(template, "AWS::SES::EmailIdentity")
    props = identity["Properties"]
    assert props["EmailIdentity"] == f"{preset}.example.com"
    assert props["DkimAttributes"] == {"SigningEnabled": True}
    assert props["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert props["MailFromAttributes"] == {
        "MailFromDomain": f"bounce.{preset}.example.com",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    }
    _, external = _one(template, "AWS::SES::EmailIdentity", "External")
    assert external["Properties"]["MailFromAttributes"]["MailFromDomain"] == "mail.news.example.org"


@pytest.mark.parametrize("preset", PRESETS)
def test_identity_retained_in_staging_and_production_only(synth, preset):
    _, identity = _one(synth.template(preset), "AWS::SES::EmailIdentity")
    assert identity["DeletionPolicy"] == ("Retain" if preset in ("staging", "production") else "Delete")


@pytest.mark.parametrize("preset", PRESETS)
def test_dns_records_in_the_zone(synth, preset):
    template = synth.template(preset)
    identity_id, _ = _one(template, "AWS::SES::EmailIdentity")
    records = _mine(template, "AWS::Route53::RecordSet")
    by_type: dict[str, list[dict]] = {}
    for record in records.values():
        assert record["Properties"]["HostedZoneId"] == ZONE_ID
        by_type.setdefault(record["Properties"]["Type"], []).append(record["Properties"])
    assert sorted(r["Name"]["Fn::GetAtt"][1] for r in by_type["CNAME"]) == [f"DkimDNSTokenName{i}" for i in (1, 2, 3)]
    assert all(r["Name"]["Fn::GetAtt"][0] == identity_id for r in by_type["CNAME"])
    (mx,) = by_type["MX"]
    assert mx["Name"] == f"bounce.{preset}.example.com."
    assert mx["ResourceRecords"] == ["10 feedback-smtp.eu-west-1.amazonses.com"]
    (txt,) = by_type["TXT"]
    assert txt["ResourceRecords"] == ['"v=spf1 include:amazonses.com ~all"']


@pytest.mark.parametrize("preset", PRESETS)
def test_no_records_without_a_zone(synth, preset):
    assert _mine(synth.template(preset), "AWS::Route53::RecordSet", "External") == {}


# ------------------------------------------------------------------------------ configuration set and events


@pytest.mark.parametrize("preset", PRESETS)
def test_configuration_set_requires_tls_and_keeps_reputation_metrics(synth, preset):
    template = synth.template(preset)
    set_id, config_set = _one(template, "AWS::SES::ConfigurationSet")
    props = config_set["Properties"]
    assert props["DeliveryOptions"]["TlsPolicy"] == "REQUIRE"
    assert props["ReputationOptions"] == {"ReputationMetricsEnabled": True}
    assert props["SendingOptions"] == {"SendingEnabled": True}
    _, identity = _one(template, "AWS::SES::EmailIdentity")
    assert identity["Properties"]["ConfigurationSetAttributes"] == {"ConfigurationSetName": {"Ref": set_id}}


@pytest.mark.parametrize("preset", PRESETS)
def test_bounce_complaint_delivery_reject_events_go_to_the_topic(synth, preset):
    template = synth.template(preset)
    topic_id, _ = _one(template, "AWS::SNS::Topic")
    _, destination = _one(template, "AWS::SES::ConfigurationSetEventDestination")
    dest = destination["Properties"]["EventDestination"]
    assert dest["Enabled"] is True
    assert sorted(dest["MatchingEventTypes"]) == ["bounce", "complaint", "delivery", "reject"]
    assert dest["SnsDestination"] == {"TopicARN": {"Ref": topic_id}}


@pytest.mark.parametrize("preset", PRESETS)
def test_topic_is_encrypted_tls_only_and_admits_only_ses_of_this_account(synth, preset):
    template = synth.template(preset)
    _, topic = _one(template, "AWS::SNS::Topic")
    key_id, key = _one(template, "AWS::KMS::Key")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    _, policy = _one(template, "AWS::SNS::TopicPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    assert allows[0]["Principal"] == {"Service": "ses.amazonaws.com"}
    assert allows[0]["Action"] == "sns:Publish"
    condition = allows[0]["Condition"]["StringEquals"]
    assert condition["AWS:SourceAccount"] == support.TEST_ACCOUNT
    set_id, _ = _one(template, "AWS::SES::ConfigurationSet")
    assert {"Ref": set_id} in condition["AWS:SourceArn"]["Fn::Join"][1]
    (for_ses,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowPublishingServicesToUseTheKey"]
    assert for_ses["Principal"] == {"Service": "ses.amazonaws.com"}
    assert for_ses["Condition"] == {"StringEquals": {"aws:SourceAccount": support.TEST_ACCOUNT}}


# ------------------------------------------------------------------------------ grant_send


@pytest.mark.parametrize("preset", PRESETS)
def test_grant_send_is_scoped_to_the_identity_and_configuration_set(synth, preset):
    template = synth.template(preset)
    identity_id, _ = _one(template, "AWS::SES::EmailIdentity")
    set_id, _ = _one(template, "AWS::SES::ConfigurationSet")
    (policy,) = _mine(template, "AWS::IAM::ManagedPolicy", "SenderRole").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"]
    text = json.dumps(statement["Resource"])
    assert "*" not in text
    assert identity_id in text and set_id in text
    assert ":configuration-set/" in text and ":identity/" in text


# ------------------------------------------------------------------------------ gates


@pytest.mark.parametrize("preset", PRESETS)
def test_no_findings(synth, preset):
    findings = synth.findings_for(preset)
    assert findings == [], "\n".join(f"{f.pack} {f.rule} {f.path}" for f in findings)
    assert synth.error is None, synth.error


@pytest.mark.slow
def test_cfn_lint_clean(synth):
    code, output = support.cfn_lint(synth.template_file(p) for p in PRESETS)
    assert code == 0, output


@pytest.mark.slow
def test_checkov_clean(synth):
    reports = support.checkov(synth.outdir)
    assert sum(r.get("summary", {}).get("passed", 0) for r in reports) > 0, "checkov checked nothing"
    failed = support.checkov_checks(reports)
    assert failed == [], sorted({f"{c['check_id']} {c['resource']}" for c in failed})


def test_logical_ids_are_pinned(synth):
    """Stateful logical ids never change; ``UPDATE_LOGICAL_IDS=1`` regenerates the manifest on purpose."""
    actual = {
        preset: {t: sorted(support.resources_of_type(synth.template(preset), t)) for t in PINNED_TYPES}
        for preset in PRESETS
    }
    support.assert_logical_ids_pinned(actual, MANIFEST)


# ------------------------------------------------------------------------------ bad input


def _stack(zone_name: str = "example.com"):
    profile = support.profile_for_tests("production")
    stack = EnvironmentStack(cdk.App(), "Bad", profile=profile)
    zone = route53.HostedZone.from_hosted_zone_attributes(stack, "Zone", hosted_zone_id=ZONE_ID, zone_name=zone_name)
    return stack, profile, zone


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"domain_name": "not a domain"}, "domain_name = 'not a domain' is not allowed"),
        ({"domain_name": "https://example.com"}, "domain_name = 'https://example.com' is not allowed"),
        ({"domain_name": "Example.COM"}, "a lowercase DNS name"),
        ({"domain_name": "example.com."}, "drop the scheme, path, '@' part and trailing dot"),
        ({"domain_name": "ops@example.com"}, "domain_name = 'ops@example.com' is not allowed"),
        ({"domain_name": "localhost"}, "domain_name = 'localhost' is not allowed"),
        ({"domain_name": "example.com", "mail_from_subdomain": "mail.out"}, "mail_from_subdomain = 'mail.out' is not allowed"),
        ({"domain_name": "example.com", "mail_from_subdomain": "Mail_From"}, "no dots"),
        ({"domain_name": "example.com", "mail_from_subdomain": ""}, "mail_from_subdomain = '' is not allowed"),
        ({"domain_name": "example.com", "mail_from_subdomain": "-mail"}, "mail_from_subdomain = '-mail' is not allowed"),
        ({"domain_name": "example.com", "events": []}, "one or more ses.EmailSendingEvent values"),
    ],
)
def test_bad_input_is_a_configuration_error(kwargs, message):
    stack, profile, _ = _stack()
    with pytest.raises(ConfigurationError) as info:
        EmailSender(stack, "Mail", profile=profile, **kwargs)
    assert message in str(info.value)
    assert "Bad/Mail" in str(info.value)


@pytest.mark.parametrize("zone_name", ["example.org", "ample.com", "shop.example.com"])
def test_zone_that_does_not_hold_the_domain_is_an_error(zone_name):
    stack, profile, zone = _stack(zone_name)
    with pytest.raises(ConfigurationError, match=f"hosted_zone = '{zone_name}' is not allowed; allowed: the zone of 'example.com'"):
        EmailSender(stack, "Mail", profile=profile, domain_name="example.com", hosted_zone=zone)


def test_zone_with_trailing_dot_and_capitals_holds_the_domain():
    stack, profile, zone = _stack("Example.COM.")
    sender = EmailSender(stack, "Mail", profile=profile, domain_name="shop.example.com", hosted_zone=zone)
    assert sender.mail_from_domain == "mail.shop.example.com"


def test_zone_without_a_name_is_an_error():
    stack, profile, _ = _stack()
    zone = route53.HostedZone.from_hosted_zone_id(stack, "ById", ZONE_ID)
    with pytest.raises(ConfigurationError, match="from_hosted_zone_attributes"):
        EmailSender(stack, "Mail", profile=profile, domain_name="example.com", hosted_zone=zone)


def test_profile_is_required():
    stack, _, _ = _stack()
    with pytest.raises(ConfigurationError, match="an EnvironmentProfile"):
        EmailSender(stack, "Mail", profile=None, domain_name="example.com")  # type: ignore[arg-type]


def test_custom_events():
    stack, profile, _ = _stack()
    EmailSender(stack, "Mail", profile=profile, domain_name="example.com", events=[ses.EmailSendingEvent.BOUNCE])
    template = cdk.assertions.Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SES::ConfigurationSetEventDestination",
        {"EventDestination": cdk.assertions.Match.object_like({"MatchingEventTypes": ["bounce"]})},
    )
