"""CdnBucket (and the SecureBucket it builds on) under every preset, asserted on the template."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3

import support
from finefinds_constructs import ConfigurationError, EnvironmentStack, compliance, profiles
from finefinds_constructs.cdn_bucket import SPA_REWRITE_FUNCTION, CdnBucket
from finefinds_constructs.secure_bucket import SecureBucket

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).with_name("logical_ids_cdn_bucket.json")
PRESETS = support.PRESET_NAMES
# Resource types whose logical ids must never change (a change replaces data or the domain name).
STATEFUL = ("AWS::S3::Bucket", "AWS::KMS::Key", "AWS::CloudFront::Distribution")

ACCOUNT = support.TEST_ACCOUNT
WEB_ACL = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/edge/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
CERT = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012"
SECRET = "0123456789abcdef0123456789abcdef-origin"
ALB_DNS = "internal-app-123.eu-west-1.elb.amazonaws.com"
ALB_ARN = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/app/app/123"
PARTNER_DNS = "partner-456.eu-west-1.elb.amazonaws.com"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
# Literal expectations per preset (not read from the presets or the module under test).
#: Expiry of the CloudFront and S3 access logs, days (profile.protection.log_retention_days).
LOG_RETENTION_DAYS = {"development": 14, "qa": 30, "sandbox": 7, "staging": 90, "production": 365}
#: Presets whose buckets and keys survive stack deletion.
RETAINED = {"staging", "production"}
PRICE_CLASS = {
    "development": "PriceClass_100",
    "qa": "PriceClass_100",
    "sandbox": "PriceClass_100",
    "staging": "PriceClass_100",
    "production": "PriceClass_All",
}
#: Presets whose distributions are behind the edge web ACL.
WAF = {"production"}
#: Presets whose origins must speak HTTPS (no plain-HTTP listener).
HTTPS_ONLY = {"production"}
#: Two years, with subdomains and preload (the preload list needs at least one year).
HSTS_MAX_AGE_SECONDS = 63_072_000


def _alb(stack: cdk.Stack) -> elbv2.IApplicationLoadBalancer:
    """An internal ALB (a VPC origin's target), imported."""
    return elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack,
        "Alb",
        load_balancer_arn=ALB_ARN,
        security_group_id="sg-12345678",
        load_balancer_dns_name=ALB_DNS,
    )


def _public_alb(stack: cdk.Stack) -> elbv2.IApplicationLoadBalancer:
    """An internet-facing ALB that checks the secret origin header, imported."""
    return elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack,
        "PartnerAlb",
        load_balancer_arn=f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/app/partner/456",
        security_group_id="sg-87654321",
        load_balancer_dns_name=PARTNER_DNS,
    )


def _api_protocol(profile: profiles.EnvironmentProfile) -> cloudfront.OriginProtocolPolicy:
    """What the platform does: HTTPS to the ALB, HTTP only where the profile allows a plain listener."""
    return cloudfront.OriginProtocolPolicy.HTTP_ONLY if profile.compute.allow_http else cloudfront.OriginProtocolPolicy.HTTPS_ONLY


def build(stack: cdk.Stack, profile: profiles.EnvironmentProfile) -> None:
    waf = {"web_acl_arn": WEB_ACL} if profile.waf.enabled else {}
    # "Site": a custom domain, single-page app, the API through a VPC origin and a partner API
    # through an internet-facing ALB with the secret header.
    site = CdnBucket(
        stack,
        "Site",
        profile=profile,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT),
        domain_names=["www.example.com"],
        spa=True,
        **waf,
    )
    site.add_api_origin(_alb(stack), protocol=_api_protocol(profile))
    site.add_api_origin(
        _public_alb(stack), origin_header_value=SECRET, path_pattern="/partner/*", protocol=_api_protocol(profile)
    )
    # "Media": the *.cloudfront.net domain, nothing else.
    CdnBucket(stack, "Media", profile=profile, **waf)
    # A standalone bucket for backups (logs to its own log bucket).
    SecureBucket(stack, "Backups", profile=profile, purpose="backups")


@pytest.fixture(scope="session")
def synthesized():
    """Given two CdnBuckets and a SecureBucket per preset, synthesized with the four packs on."""
    result = support.synthesize("CdnBucket", build)
    yield result
    support.cleanup(result)


def resources(template, resource_type: str, prefix: str = "") -> dict[str, dict]:
    return {k: v for k, v in support.resources_of_type(template, resource_type).items() if k.startswith(prefix)}


def one(template, resource_type: str, prefix: str) -> tuple[str, dict]:
    found = resources(template, resource_type, prefix)
    assert len(found) == 1, (prefix, list(found))
    return next(iter(found.items()))


def distribution(template, prefix: str) -> dict:
    return one(template, "AWS::CloudFront::Distribution", prefix)[1]["Properties"]["DistributionConfig"]


def _ref_id(value) -> str:
    return value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]


# ------------------------------------------------------------------------------ the bucket


@pytest.mark.parametrize("preset", PRESETS)
def test_content_bucket_is_private_encrypted_versioned(synthesized, preset):
    template = synthesized.template(preset)
    for prefix in ("SiteContentBucket", "MediaContentBucket"):
        _, bucket = one(template, "AWS::S3::Bucket", prefix)
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert _ref_id(sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]).startswith(prefix.replace("Bucket", "Key"))
        assert sse["BucketKeyEnabled"] is True
        assert sse["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        assert "AccessControl" not in props
    keys = resources(template, "AWS::KMS::Key")
    assert keys
    for key in keys.values():
        assert key["Properties"]["EnableKeyRotation"] is True


@pytest.mark.parametrize("preset", PRESETS)
def test_content_lifecycle_rules(synthesized, preset):
    _, bucket = one(synthesized.template(preset), "AWS::S3::Bucket", "SiteContentBucket")
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert rules["IntelligentTiering"]["Transitions"] == [{"StorageClass": "INTELLIGENT_TIERING", "TransitionInDays": 0}]
    assert all(r["Status"] == "Enabled" for r in rules.values())


@pytest.mark.parametrize("preset", PRESETS)
def test_backups_move_to_glacier(synthesized, preset):
    _, bucket = one(synthesized.template(preset), "AWS::S3::Bucket", "BackupsBucket")
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["ArchiveToGlacier"]["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 30}]
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    # A standalone SecureBucket logs to a log bucket of its own.
    log_id, _ = one(synthesized.template(preset), "AWS::S3::Bucket", "BackupsAccessLogsBucket")
    assert bucket["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": log_id},
        "LogFilePrefix": "s3/Backups/",
    }


@pytest.mark.parametrize("preset", PRESETS)
def test_server_access_logs_go_to_the_log_bucket(synthesized, preset):
    template = synthesized.template(preset)
    log_id, log_bucket = one(template, "AWS::S3::Bucket", "SiteLogsBucket")
    _, content = one(template, "AWS::S3::Bucket", "SiteContentBucket")
    assert content["Properties"]["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": log_id}, "LogFilePrefix": "s3/content/"}
    props = log_bucket["Properties"]
    (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}  # log delivery needs SSE-S3
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}  # CloudFront ACL
    assert props["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "AccessControl" not in props  # log delivery is granted by bucket policy, not the LogDeliveryWrite ACL
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireLogs"]["ExpirationInDays"] == LOG_RETENTION_DAYS[preset]
    # Delivery of server access logs is allowed to S3 logging, for the content bucket of this account only.
    _, policy = one(template, "AWS::S3::BucketPolicy", "SiteLogsBucketPolicy")
    (delivery,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}]
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert delivery["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::GetAtt"][0].startswith("SiteContentBucket")


@pytest.mark.parametrize("preset", PRESETS)
def test_bucket_policy_only_allows_cloudfront(synthesized, preset):
    template = synthesized.template(preset)
    dist_id, _ = one(template, "AWS::CloudFront::Distribution", "SiteDistribution")
    _, policy = one(template, "AWS::S3::BucketPolicy", "SiteContentBucketPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    cloudfront_reads = [s for s in allows if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]
    assert len(cloudfront_reads) == 1
    (read,) = cloudfront_reads
    assert read["Action"] == "s3:GetObject"
    source_arn = json.dumps(read["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert dist_id in source_arn  # this distribution only
    others = [s for s in allows if s is not read]
    if preset in RETAINED:
        assert others == []
    else:  # CDK's auto-delete handler empties the bucket when the stack is deleted
        assert [json.dumps(s["Principal"]) for s in others] == [
            json.dumps({"AWS": {"Fn::GetAtt": ["CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092", "Arn"]}})
        ]
    denies = [s for s in statements if s["Effect"] == "Deny"]
    conditions = [s["Condition"] for s in denies]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions
    assert all(s["Principal"] == {"AWS": "*"} for s in denies)


@pytest.mark.parametrize("preset", PRESETS)
def test_origin_access_control(synthesized, preset):
    template = synthesized.template(preset)
    oac_id, oac = one(template, "AWS::CloudFront::OriginAccessControl", "SiteDistributionOrigin1")
    assert oac["Properties"]["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningProtocol"] == "sigv4"
    config = distribution(template, "SiteDistribution")
    s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
    (origin,) = s3_origins
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origin["DomainName"]["Fn::GetAtt"][0].startswith("SiteContentBucket")
    # CloudFront may decrypt with the content key, for distributions of this account only.
    _, key = one(template, "AWS::KMS::Key", "SiteContentKey")
    (grant,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]
    assert grant["Action"] == "kms:Decrypt"
    assert "AWS:SourceArn" in grant["Condition"]["ArnLike"]


@pytest.mark.parametrize("preset", PRESETS)
def test_removal_policy_per_preset(synthesized, preset):
    template = synthesized.template(preset).to_json()["Resources"]
    retained = preset in RETAINED
    stateful = {k: v for k, v in template.items() if v["Type"] in ("AWS::S3::Bucket", "AWS::KMS::Key")}
    assert len(stateful) == 2 * 3 + 1 + 2  # two CdnBuckets (content, key, logs) + Backups (bucket, key, logs)
    for logical_id, resource in stateful.items():
        assert resource["DeletionPolicy"] == ("Retain" if retained else "Delete"), logical_id
    auto_delete = [v for v in template.values() if v["Type"] == "Custom::S3AutoDeleteObjects"]
    assert len(auto_delete) == (0 if retained else 6)  # one per bucket


# ------------------------------------------------------------------------------ the distribution


@pytest.mark.parametrize("preset", PRESETS)
def test_security_headers_policy(synthesized, preset):
    _, policy = one(synthesized.template(preset), "AWS::CloudFront::ResponseHeadersPolicy", "SiteSecurityHeaders")
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": HSTS_MAX_AGE_SECONDS,
        "IncludeSubdomains": True,
        "Preload": True,
        "Override": True,
    }
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ReferrerPolicy"] == {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True}
    assert headers["XSSProtection"] == {"Protection": True, "ModeBlock": True, "Override": True}
    config = distribution(synthesized.template(preset), "SiteDistribution")
    policy_ids = [config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]] + [
        b["ResponseHeadersPolicyId"] for b in config["CacheBehaviors"]
    ]
    assert all(_ref_id(p).startswith("SiteSecurityHeaders") for p in policy_ids)


@pytest.mark.parametrize("preset", PRESETS)
def test_distribution_defaults(synthesized, preset):
    for prefix in ("SiteDistribution", "MediaDistribution"):
        config = distribution(synthesized.template(preset), prefix)
        assert config["HttpVersion"] == "http2and3"
        assert config["IPV6Enabled"] is True
        assert config["Enabled"] is True
        assert config["PriceClass"] == PRICE_CLASS[preset]
        assert config["DefaultRootObject"] == "index.html"
        default = config["DefaultCacheBehavior"]
        assert default["ViewerProtocolPolicy"] == "redirect-to-https"
        assert default["CachePolicyId"] == CACHING_OPTIMIZED
        assert default["AllowedMethods"] == ["GET", "HEAD", "OPTIONS"]
        assert default["Compress"] is True
        assert ("WebACLId" in config) is (preset in WAF)
        if preset in WAF:
            assert config["WebACLId"] == WEB_ACL
        assert "Restrictions" not in config  # the presets block no country


def test_production_serves_from_every_edge_location(synthesized):
    for prefix in ("SiteDistribution", "MediaDistribution"):
        assert distribution(synthesized.template("production"), prefix)["PriceClass"] == "PriceClass_All"


@pytest.mark.parametrize("preset", PRESETS)
def test_standard_logging_to_the_log_bucket(synthesized, preset):
    template = synthesized.template(preset)
    for name in ("Site", "Media"):
        log_id, _ = one(template, "AWS::S3::Bucket", f"{name}LogsBucket")
        config = distribution(template, f"{name}Distribution")
        assert config["Logging"] == {"Bucket": {"Fn::GetAtt": [log_id, "RegionalDomainName"]}, "Prefix": "cloudfront/"}


@pytest.mark.parametrize("preset", PRESETS)
def test_tls_with_a_custom_certificate(synthesized, preset):
    template = synthesized.template(preset)
    site = distribution(template, "SiteDistribution")
    assert site["Aliases"] == ["www.example.com"]
    assert site["ViewerCertificate"] == {
        "AcmCertificateArn": CERT,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    media = distribution(template, "MediaDistribution")
    assert "Aliases" not in media and "ViewerCertificate" not in media  # *.cloudfront.net


@pytest.mark.parametrize("preset", PRESETS)
def test_spa_rewrites_routes_on_the_default_behaviour_only(synthesized, preset):
    """Trap 7: no distribution-wide 403/404 -> 200 page, so /api/* errors keep their status."""
    template = synthesized.template(preset)
    config = distribution(template, "SiteDistribution")
    assert "CustomErrorResponses" not in config
    function_id, function = one(template, "AWS::CloudFront::Function", "SiteSpaRewrite")
    assert function["Properties"]["FunctionCode"] == SPA_REWRITE_FUNCTION
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["Properties"]["AutoPublish"] is True
    assert config["DefaultCacheBehavior"]["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [function_id, "FunctionARN"]}}
    ]
    assert all("FunctionAssociations" not in b for b in config["CacheBehaviors"])
    media = distribution(template, "MediaDistribution")
    assert "CustomErrorResponses" not in media and "FunctionAssociations" not in media["DefaultCacheBehavior"]
    assert resources(template, "AWS::CloudFront::Function", "Media") == {}


def test_spa_rewrite_function_behaviour():
    """The function itself, run in Node: client-side routes get /index.html, assets pass unchanged."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH")
    cases = {"/": "/index.html", "/shop/item/42": "/index.html", "/assets/app.js": "/assets/app.js", "/v1.2/x": "/index.html"}
    script = SPA_REWRITE_FUNCTION + (
        "const uris = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(uris.map((uri) => handler({request: {uri: uri}}).uri)));\n"
    )
    out = subprocess.run([node, "-e", script, json.dumps(list(cases))], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == list(cases.values())


def _behaviour(config: dict, pattern: str) -> tuple[dict, dict]:
    (behaviour,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == pattern]
    (origin,) = [o for o in config["Origins"] if o["Id"] == behaviour["TargetOriginId"]]
    return behaviour, origin


@pytest.mark.parametrize("preset", PRESETS)
def test_api_origin_through_a_vpc_origin_by_default(synthesized, preset):
    """Trap 14: an internal ALB reached privately; no secret header to rotate across stacks."""
    template = synthesized.template(preset)
    config = distribution(template, "SiteDistribution")
    behaviour, origin = _behaviour(config, "/api/*")
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER
    assert behaviour["AllowedMethods"] == ALL_METHODS
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    vpc_origin_id, vpc_origin = one(template, "AWS::CloudFront::VpcOrigin", "SiteDistributionOrigin")
    assert origin == {
        "DomainName": ALB_DNS,
        "Id": behaviour["TargetOriginId"],
        "VpcOriginConfig": {"OriginReadTimeout": 30, "VpcOriginId": {"Fn::GetAtt": [vpc_origin_id, "Id"]}},
    }
    endpoint = vpc_origin["Properties"]["VpcOriginEndpointConfig"]
    assert endpoint["Arn"] == ALB_ARN
    assert endpoint["OriginProtocolPolicy"] == ("https-only" if preset in HTTPS_ONLY else "http-only")
    assert endpoint["OriginSSLProtocols"] == ["TLSv1.2"]


@pytest.mark.parametrize("preset", PRESETS)
def test_api_origin_with_secret_header_when_asked(synthesized, preset):
    config = distribution(synthesized.template(preset), "SiteDistribution")
    behaviour, origin = _behaviour(config, "/partner/*")
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert origin["DomainName"] == PARTNER_DNS
    assert origin["OriginCustomHeaders"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": SECRET}]
    assert "VpcOriginConfig" not in origin
    custom = origin["CustomOriginConfig"]
    if preset not in HTTPS_ONLY:
        assert custom["OriginProtocolPolicy"] == "http-only"
    else:
        assert custom["OriginProtocolPolicy"] == "https-only"
        assert custom["OriginSSLProtocols"] == ["TLSv1.2"]


# ------------------------------------------------------------------------------ gates


@pytest.mark.parametrize("preset", PRESETS)
def test_no_cdk_nag_findings(synthesized, preset):
    assert synthesized.templates.get(preset) is not None, synthesized.error
    assert synthesized.findings_for(preset) == []


def test_no_findings_at_all(synthesized):
    assert synthesized.error is None, synthesized.error
    assert synthesized.findings == []


@pytest.mark.slow
def test_cfn_lint_clean(synthesized):
    code, output = support.cfn_lint(synthesized.template_file(p) for p in PRESETS)
    assert code == 0, output


def _stateful_ids(template) -> dict[str, list[str]]:
    return {t: sorted(support.resources_of_type(template, t)) for t in STATEFUL}


def test_logical_ids_are_pinned(synthesized):
    """Bucket, key and distribution logical ids never change; a rename must update the manifest.

    To accept a deliberate change: ``UPDATE_LOGICAL_IDS=1 pytest tests/unit/test_cdn_bucket.py``.
    """
    actual = {preset: _stateful_ids(synthesized.template(preset)) for preset in PRESETS}
    support.assert_logical_ids_pinned(actual, MANIFEST)


def test_acknowledgements_follow_the_configuration(synthesized):
    """Accepted findings are tied to the input that causes them, never to the whole distribution."""

    def acked(stack: cdk.Stack, path: str) -> set[str]:
        node = stack.node.find_child(path.split("/")[0])
        for part in path.split("/")[1:]:
            node = node.node.find_child(part)
        keys: set[str] = set()
        for m in node.node.metadata:
            if m.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                keys.update(k.split("::", 1)[-1] for k in m.data)
        return keys

    dev, prod = synthesized.stacks["development"], synthesized.stacks["production"]
    # Worldwide, and one origin per kind (no second Region to fail over to).
    assert acked(prod, "Site/Distribution/Resource") == {"AwsSolutions-CFR1", "CT.CLOUDFRONT.PR.4"}
    # ... and CloudFront's own certificate, which has no SNI or TLS setting.
    assert acked(prod, "Media/Distribution/Resource") == {
        "AwsSolutions-CFR1", "AwsSolutions-CFR4", "CT.CLOUDFRONT.PR.4", "CT.CLOUDFRONT.PR.6", "CT.CLOUDFRONT.PR.7", "CT.CLOUDFRONT.PR.9",
    }
    # ... and, where the profile allows HTTP to the origin and runs no WAF, those two.
    assert acked(dev, "Site/Distribution/Resource") == {
        "AwsSolutions-CFR1", "AwsSolutions-CFR2", "AwsSolutions-CFR5", "CT.CLOUDFRONT.PR.4", "CT.CLOUDFRONT.PR.8",
    }
    assert "HIPAA.Security-S3DefaultEncryptionKMS" not in acked(prod, "Site/Content/Bucket/Resource")
    assert "HIPAA.Security-S3DefaultEncryptionKMS" in acked(prod, "Site/Logs/Bucket/Resource")


# ------------------------------------------------------------------------------ us-east-1 (edge stack)


def test_edge_stack_in_us_east_1_with_its_own_certificate():
    """Given the platform's edge stack in us-east-1 with a certificate it creates, then no findings."""
    outdir = tempfile.mkdtemp(prefix="ff-edge-")
    try:
        app = cdk.App(outdir=outdir)
        profile = support.profile_for_tests("production")
        stack = EnvironmentStack(app, "Edge", profile=profile, env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
        cert = acm.Certificate(stack, "Cert", domain_name="www.example.com", validation=acm.CertificateValidation.from_dns())
        cdn = CdnBucket(stack, "Site", profile=profile, certificate=cert, domain_names=["www.example.com"], web_acl_arn=WEB_ACL)
        compliance.enable(app)
        app.synth()
        assert compliance.read_findings(outdir) == []
        template = json.loads((Path(outdir) / "Edge.template.json").read_text())
        (dist,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::CloudFront::Distribution"]
        viewer = dist["Properties"]["DistributionConfig"]["ViewerCertificate"]
        assert viewer["AcmCertificateArn"] == {"Ref": stack.get_logical_id(cert.node.default_child)}
        assert viewer["MinimumProtocolVersion"] == "TLSv1.2_2021"
        assert cdn.distribution.node.scope is cdn
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


# ------------------------------------------------------------------------------ bad input


def _stack(preset: str = "development") -> tuple[cdk.Stack, profiles.EnvironmentProfile]:
    profile = support.profile_for_tests(preset)
    return EnvironmentStack(cdk.App(), "Bad", profile=profile), profile


def _cert(stack: cdk.Stack, arn: str = CERT) -> acm.ICertificate:
    return acm.Certificate.from_certificate_arn(stack, "Cert", arn)


@pytest.mark.parametrize(
    ("preset", "kwargs", "parameter", "text"),
    [
        ("development", {"certificate": "cert"}, "certificate / domain_names", "both"),
        ("development", {"domain_names": ["www.example.com"]}, "certificate / domain_names", "both"),
        (
            "development",
            {"certificate": "cert:eu-west-1", "domain_names": ["www.example.com"]},
            "certificate",
            "us-east-1",
        ),
        ("production", {}, "web_acl_arn", "profile.waf.enabled"),
        (
            "development",
            {"web_acl_arn": f"arn:aws:wafv2:eu-west-1:{ACCOUNT}:regional/webacl/app/1234"},
            "web_acl_arn",
            "CLOUDFRONT",
        ),
        ("development", {"bucket_props": {"encryption": s3.BucketEncryption.UNENCRYPTED}}, "bucket_props['encryption']", "always encrypted"),
        ("development", {"bucket_props": {"enforce_ssl": False}}, "bucket_props['enforce_ssl']", "TLS"),
        (
            "development",
            {"bucket_props": {"block_public_access": s3.BlockPublicAccess.BLOCK_ACLS}},
            "bucket_props['block_public_access']",
            "public-access",
        ),
        ("development", {"bucket_props": {"public_read_access": True}}, "bucket_props['public_read_access']", "private"),
        ("development", {"bucket_props": {"versioned": False}}, "bucket_props['versioned']", "versioning"),
        (
            "development",
            {"distribution_props": {"minimum_protocol_version": cloudfront.SecurityPolicyProtocol.TLS_V1}},
            "distribution_props['minimum_protocol_version']",
            "TLS 1.2",
        ),
        ("development", {"distribution_props": {"enable_logging": False}}, "distribution_props['enable_logging']", "logging"),
        ("development", {"distribution_props": {"pricce_class": "x"}}, "distribution_props['pricce_class']", "price_class"),
    ],
)
def test_bad_input_raises(preset, kwargs, parameter, text):
    stack, profile = _stack(preset)
    if kwargs.get("certificate") == "cert":
        kwargs["certificate"] = _cert(stack)
    elif kwargs.get("certificate") == "cert:eu-west-1":
        kwargs["certificate"] = _cert(stack, CERT.replace("us-east-1", "eu-west-1"))
    with pytest.raises(ConfigurationError) as info:
        CdnBucket(stack, "Cdn", profile=profile, **kwargs)
    assert info.value.parameter == parameter
    assert text in str(info.value)
    assert "Bad/Cdn" in str(info.value)


def test_certificate_from_a_stack_outside_us_east_1_is_refused():
    stack, profile = _stack()
    cert = acm.Certificate(stack, "Cert", domain_name="www.example.com")
    with pytest.raises(ConfigurationError, match="us-east-1"):
        CdnBucket(stack, "Cdn", profile=profile, certificate=cert, domain_names=["www.example.com"])


@pytest.mark.parametrize(
    ("preset", "kwargs", "parameter"),
    [
        ("production", {"protocol": cloudfront.OriginProtocolPolicy.HTTP_ONLY}, "protocol"),
        ("development", {"protocol": cloudfront.OriginProtocolPolicy.MATCH_VIEWER}, "protocol"),
        ("development", {"origin_header_value": "short"}, "origin_header_value"),
        ("development", {"origin_header_value": ""}, "origin_header_value"),
        ("development", {"path_pattern": "*"}, "path_pattern"),
        ("development", {"origin_header_name": "X Origin"}, "origin_header_name"),
    ],
)
def test_bad_api_origin_raises(preset, kwargs, parameter):
    stack, profile = _stack(preset)
    extra = {"web_acl_arn": WEB_ACL} if profile.waf.enabled else {}
    cdn = CdnBucket(stack, "Cdn", profile=profile, **extra)
    args = {"origin_header_value": SECRET, **kwargs}
    with pytest.raises(ConfigurationError) as info:
        cdn.add_api_origin(_alb(stack), **args)
    assert info.value.parameter == parameter
    assert SECRET not in str(info.value)
    if parameter == "origin_header_value":
        assert "'short'" not in str(info.value)  # a secret is never echoed


def test_vpc_origin_refuses_an_internet_facing_or_network_load_balancer():
    """A VPC origin is for an internal ALB: an internet-facing one stays reachable around CloudFront."""
    from aws_cdk import aws_ec2 as ec2

    stack, profile = _stack()
    cdn = CdnBucket(stack, "Cdn", profile=profile)
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1", availability_zones=["eu-west-1a"], public_subnet_ids=["subnet-1"]
    )
    public = elbv2.ApplicationLoadBalancer(stack, "Public", vpc=vpc, internet_facing=True)
    with pytest.raises(ConfigurationError) as info:
        cdn.add_api_origin(public)
    assert info.value.parameter == "load_balancer"
    assert "an internal ALB for a VPC origin" in str(info.value) and "origin_header_value=" in str(info.value)
    nlb = elbv2.NetworkLoadBalancer.from_network_load_balancer_attributes(
        stack, "Nlb", load_balancer_arn=f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/net/n/1"
    )
    with pytest.raises(ConfigurationError, match="an elbv2.IApplicationLoadBalancer"):
        cdn.add_api_origin(nlb)
    assert cdn.add_api_origin(public, origin_header_value=SECRET, path_pattern="/public/*") is cdn.api_origins["/public/*"]


def test_same_api_path_twice_is_refused():
    stack, profile = _stack()
    cdn = CdnBucket(stack, "Cdn", profile=profile)
    cdn.add_api_origin(_alb(stack), origin_header_value=SECRET)
    other = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack,
        "Other",
        load_balancer_arn=f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/app/other/1",
        security_group_id="sg-87654321",
        load_balancer_dns_name="other.eu-west-1.elb.amazonaws.com",
    )
    with pytest.raises(ConfigurationError, match="path_pattern"):
        cdn.add_api_origin(other, origin_header_value=SECRET)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"purpose": "website"}, "purpose"),
        ({"purpose": "logs", "bucket_props": {"encryption": s3.BucketEncryption.KMS}}, "bucket_props['encryption']"),
        ({"purpose": "logs", "encryption_key": "key"}, "encryption_key"),
        ({"purpose": "logs", "server_access_logs_bucket": "bucket"}, "server_access_logs_bucket"),
        ({"bucket_props": {"encryption": s3.BucketEncryption.UNENCRYPTED}}, "bucket_props['encryption']"),
        ({"bucket_props": {"removal_policy": cdk.RemovalPolicy.DESTROY}}, "bucket_props['removal_policy']"),
    ],
)
def test_secure_bucket_bad_input_raises(kwargs, parameter):
    stack, profile = _stack()
    if kwargs.get("encryption_key") == "key":
        from aws_cdk import aws_kms as kms

        kwargs["encryption_key"] = kms.Key(stack, "Key", enable_key_rotation=True)
    if kwargs.get("server_access_logs_bucket") == "bucket":
        kwargs["server_access_logs_bucket"] = s3.Bucket.from_bucket_name(stack, "Other", "other-logs")
    with pytest.raises(ConfigurationError) as info:
        SecureBucket(stack, "Bucket", profile=profile, **kwargs)
    assert info.value.parameter == parameter
    assert "Bad/Bucket" in str(info.value)


def test_profile_is_required_and_typed():
    stack, _ = _stack()
    with pytest.raises(ConfigurationError, match="EnvironmentProfile"):
        CdnBucket(stack, "Cdn", profile="production")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="EnvironmentProfile"):
        SecureBucket(stack, "B", profile=None)  # type: ignore[arg-type]


def test_blocked_countries_from_the_profile_become_a_geo_denylist():
    profile = dataclasses.replace(
        support.profile_for_tests("development"), cdn=profiles.CdnSettings(blocked_countries=("KP", "IR"))
    )
    stack = EnvironmentStack(cdk.App(), "Geo", profile=profile)
    cdn = CdnBucket(stack, "Cdn", profile=profile)
    from aws_cdk.assertions import Template

    config = distribution(Template.from_stack(stack), "CdnDistribution")
    assert config["Restrictions"] == {"GeoRestriction": {"RestrictionType": "blacklist", "Locations": ["KP", "IR"]}}
    assert "AwsSolutions-CFR1" not in json.dumps([m.data for m in cdn.distribution.node.default_child.node.metadata])
    with pytest.raises(ConfigurationError, match="cdn.blocked_countries"):
        profiles.CdnSettings(blocked_countries=("kp",))


def test_overrides_reach_the_l2s():
    stack, profile = _stack()
    cdn = CdnBucket(
        stack,
        "Cdn",
        profile=profile,
        default_root_object="home.html",
        content_security_policy="default-src 'self'",
        bucket_props={"cors": [s3.CorsRule(allowed_methods=[s3.HttpMethods.GET], allowed_origins=["https://example.com"])]},
        distribution_props={"price_class": cloudfront.PriceClass.PRICE_CLASS_ALL, "comment": "shop"},
    )
    from aws_cdk.assertions import Template

    template = Template.from_stack(stack)
    config = distribution(template, "CdnDistribution")
    assert config["PriceClass"] == "PriceClass_All"
    assert config["Comment"] == "shop"
    assert config["DefaultRootObject"] == "home.html"
    _, policy = one(template, "AWS::CloudFront::ResponseHeadersPolicy", "CdnSecurityHeaders")
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert csp == {"ContentSecurityPolicy": "default-src 'self'", "Override": True}
    _, bucket = one(template, "AWS::S3::Bucket", "CdnContentBucket")
    assert bucket["Properties"]["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"] == ["https://example.com"]
    assert isinstance(cdn.bucket, s3.Bucket) and isinstance(cdn.log_bucket, s3.Bucket)
    assert isinstance(cdn.distribution, cloudfront.Distribution)


def test_origin_secret_may_be_a_secrets_manager_token():
    """The platform passes FargateWebService's Secrets Manager value; tokens are not length-checked."""
    from aws_cdk import aws_secretsmanager as secretsmanager
    from aws_cdk.assertions import Template

    stack, profile = _stack()
    secret = secretsmanager.Secret(stack, "OriginSecret")
    cdn = CdnBucket(stack, "Cdn", profile=profile)
    cdn.add_api_origin(_public_alb(stack), origin_header_value=secret.secret_value.unsafe_unwrap())
    config = distribution(Template.from_stack(stack), "CdnDistribution")
    (api,) = [o for o in config["Origins"] if "CustomOriginConfig" in o]
    (header,) = api["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    assert "{{resolve:secretsmanager:" in json.dumps(header["HeaderValue"])


def _acked(construct) -> set[str]:
    return {
        k.split("::", 1)[-1]
        for m in construct.node.default_child.node.metadata
        if m.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for k in m.data
    }


def test_a_certificate_from_another_stack_is_acknowledged_for_the_controls_that_cannot_follow_it():
    """Control Tower's TLS controls cannot read a cross-stack certificate at synth time; only then are they accepted."""
    app = cdk.App()
    profile = support.profile_for_tests("production")
    env = cdk.Environment(account=ACCOUNT, region="us-east-1")
    certs = EnvironmentStack(app, "Certs", profile=profile, env=env)
    edge = EnvironmentStack(app, "Edge", profile=profile, env=env)
    cert = acm.Certificate(certs, "Cert", domain_name="www.example.com", validation=acm.CertificateValidation.from_dns())
    other = CdnBucket(edge, "Other", profile=profile, certificate=cert, domain_names=["www.example.com"], web_acl_arn=WEB_ACL)
    same = CdnBucket(edge, "Same", profile=profile, certificate=_cert(edge), domain_names=["www.example.com"], web_acl_arn=WEB_ACL)
    assert _acked(other.distribution) - _acked(same.distribution) == {"CT.CLOUDFRONT.PR.6", "CT.CLOUDFRONT.PR.7"}
    assert "AwsSolutions-CFR4" not in _acked(other.distribution)  # its own certificate, not CloudFront's


def test_a_geo_restriction_argument_wins_and_drops_the_worldwide_acknowledgement():
    profile = dataclasses.replace(
        support.profile_for_tests("development"), cdn=profiles.CdnSettings(blocked_countries=("KP",))
    )
    stack = EnvironmentStack(cdk.App(), "Geo", profile=profile)
    cdn = CdnBucket(stack, "Cdn", profile=profile, geo_restriction=cloudfront.GeoRestriction.allowlist("GB", "IE"))
    from aws_cdk.assertions import Template

    config = distribution(Template.from_stack(stack), "CdnDistribution")
    assert config["Restrictions"] == {"GeoRestriction": {"RestrictionType": "whitelist", "Locations": ["GB", "IE"]}}
    assert "AwsSolutions-CFR1" not in _acked(cdn.distribution)
