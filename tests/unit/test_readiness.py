"""The deploy-readiness gate itself: the model, the plugin, acknowledgements, and the rules of no one construct."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_config as config
from aws_cdk import aws_s3 as s3

from finefinds_constructs import compliance, readiness
from finefinds_constructs.readiness import Templates
from finefinds_constructs.readiness.model import references

RECORDER = {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {"RoleARN": {"Fn::GetAtt": ["Role", "Arn"]}}}


def channel(**extra) -> dict:
    return {"Type": "AWS::Config::DeliveryChannel", "Properties": {"S3BucketName": {"Ref": "Bucket"}}, **extra}


def violations(rule: str, templates: dict, **kwargs) -> list[readiness.Violation]:
    return [v for v in readiness.check(Templates.of(templates, **kwargs)) if v.rule == f"DeployReadiness::{rule}"]


# --------------------------------------------------------------------------------- the model
def test_references_follow_ref_getatt_and_sub_but_not_pseudo_parameters():
    value = {
        "A": {"Ref": "Bucket"},
        "B": {"Fn::GetAtt": ["Role", "Arn"]},
        "C": {"Fn::GetAtt": "Key.Arn"},
        "D": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Logs}/x/${Topic.Name}"},
        "E": {"Ref": "AWS::Region"},
    }
    assert references(value) == {"Bucket", "Role", "Key", "Logs", "Topic"}


def test_needs_is_transitive_through_references_and_depends_on():
    templates = Templates.of(
        {"S": {"Resources": {"A": {"Type": "X", "DependsOn": "B"}, "B": {"Type": "X", "Properties": {"P": {"Ref": "C"}}}, "C": {"Type": "X"}}}}
    )
    stack = templates.stacks[0]
    a = templates.resource(stack, "A")
    assert templates.needs(a, "C") and templates.needs(a, "B")
    assert not templates.needs(templates.resource(stack, "C"), "A")


def test_templates_from_an_assembly_know_each_stacks_account_and_region(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    s3.CfnBucket(cdk.Stack(app, "Team", env=cdk.Environment(account="123456789012", region="eu-central-1")), "B")
    s3.CfnBucket(cdk.Stack(app, "Agnostic"), "B")
    app.synth()
    stacks = {s.name: s for s in Templates.from_paths(str(p) for p in tmp_path.glob("*.template.json")).stacks}
    assert (stacks["Team"].account, stacks["Team"].region) == ("123456789012", "eu-central-1")
    assert (stacks["Agnostic"].account, stacks["Agnostic"].region) == (None, None)


# --------------------------------------------------------------------------------- the plugin
def _team_app(tmp_path, *, acknowledge: bool = False) -> cdk.App:
    """A team's own app: raw Cfn resources, the gate attached as the README says."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "TeamAudit")
    recorder = config.CfnConfigurationRecorder(stack, "Recorder", role_arn="arn:aws:iam::123456789012:role/config")
    delivery = config.CfnDeliveryChannel(stack, "Channel", s3_bucket_name="team-config-bucket")
    delivery.add_dependency(recorder)
    if acknowledge:
        cdk.Validations.of(delivery).acknowledge(
            cdk.Acknowledgment(id="DeployReadiness::ConfigRecorderChannelOrder", reason="planted for the test")
        )
    compliance.enable(app, packs=(), control_tower=False)
    return app


def test_given_a_teams_raw_delivery_channel_waiting_for_its_recorder_when_synthesized_then_synthesis_fails(tmp_path):
    app = _team_app(tmp_path)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "DeployReadiness"]
    (violation,) = plugin["violations"]
    assert violation["ruleName"] == "ConfigRecorderChannelOrder"
    assert "NoAvailableDeliveryChannelException" in violation["description"]
    assert "no DependsOn between them" in violation["suggestedFix"]
    assert [c["constructPath"] for c in violation["violatingConstructs"]] == ["TeamAudit/Channel"]
    # ... and compliance.read_findings reports it like a cdk-nag finding.
    assert [(f.pack, f.rule) for f in compliance.read_findings(tmp_path)] == [("DeployReadiness", "ConfigRecorderChannelOrder")]


def test_an_acknowledged_violation_does_not_fail_synthesis(tmp_path):
    _team_app(tmp_path, acknowledge=True).synth()
    assert compliance.read_findings(tmp_path) == []


def test_the_gate_can_leave_the_check_out(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "S")
    recorder = config.CfnConfigurationRecorder(stack, "Recorder", role_arn="arn:aws:iam::123456789012:role/config")
    config.CfnDeliveryChannel(stack, "Channel", s3_bucket_name="b").add_dependency(recorder)
    compliance.enable(app, packs=(), deploy_readiness=False, control_tower=False)
    app.synth()


def test_every_rule_has_a_unique_name_a_trap_and_a_fix():
    names = [rule.name for rule in readiness.RULES]
    assert len(names) == len(set(names))
    for rule in readiness.RULES:
        assert rule.id == f"DeployReadiness::{rule.name}"
        assert len(rule.trap) > 80 and len(rule.fix) > 30, rule.name


# --------------------------------------------------------------------------------- ConfigRecorderChannelOrder
@pytest.mark.parametrize(
    "resources",
    [
        {"Recorder": RECORDER, "Channel": channel(DependsOn=["Recorder"])},
        {"Recorder": {**RECORDER, "DependsOn": "Channel"}, "Channel": channel()},
        # Transitively: the channel waits for a policy that waits for the recorder.
        {"Recorder": RECORDER, "Policy": {"Type": "AWS::IAM::Policy", "DependsOn": "Recorder"}, "Channel": channel(DependsOn="Policy")},
    ],
    ids=["channel-waits", "recorder-waits", "transitive"],
)
def test_a_channel_and_recorder_waiting_for_each_other_is_a_violation(resources):
    assert len(violations("ConfigRecorderChannelOrder", {"S": {"Resources": resources}})) == 1


def test_a_channel_and_recorder_side_by_side_is_not():
    resources = {"Recorder": {**RECORDER, "DependsOn": "Policy"}, "Policy": {"Type": "AWS::IAM::Policy"}, "Channel": channel(DependsOn="Policy")}
    assert violations("ConfigRecorderChannelOrder", {"S": {"Resources": resources}}) == []


# --------------------------------------------------------------------------------- AccessLogDestination
def _buckets(destination: dict) -> dict:
    return {
        "S": {
            "Resources": {
                "Source": {"Type": "AWS::S3::Bucket", "Properties": {"LoggingConfiguration": {"DestinationBucketName": {"Ref": "Logs"}}}},
                "Logs": {"Type": "AWS::S3::Bucket", "Properties": destination},
            }
        }
    }


SSE_S3 = {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}
SSE_KMS = {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}}


@pytest.mark.parametrize(
    "destination, expected",
    [
        ({**SSE_S3, "ObjectLockEnabled": True}, "which has Object Lock on"),
        (SSE_KMS, "whose default encryption is SSE-KMS"),
    ],
    ids=["object-lock", "sse-kms"],
)
def test_access_logs_to_a_bucket_s3_cannot_deliver_to_is_a_violation(destination, expected):
    (violation,) = violations("AccessLogDestination", _buckets(destination))
    assert violation.where == "S/Source" and expected in violation.message


def test_access_logs_to_an_sse_s3_bucket_without_object_lock_are_not():
    assert violations("AccessLogDestination", _buckets(SSE_S3)) == []


# --------------------------------------------------------------------------------- EdgeResourcesInUsEast1
EDGE_ENV = {"Edge": ("111111111111", "eu-west-1")}


def test_a_cloudfront_web_acl_outside_us_east_1_is_a_violation():
    acl = {"Type": "AWS::WAFv2::WebACL", "Properties": {"Scope": "CLOUDFRONT"}}
    (violation,) = violations("EdgeResourcesInUsEast1", {"Edge": {"Resources": {"Acl": acl}}}, environments=EDGE_ENV)
    assert violation.message == "a CLOUDFRONT-scope web ACL in a stack in eu-west-1"
    assert violations("EdgeResourcesInUsEast1", {"Edge": {"Resources": {"Acl": acl}}}, environments={"Edge": ("111111111111", "us-east-1")}) == []


def test_a_distribution_with_a_certificate_from_another_region_or_a_regional_acl_is_a_violation():
    templates = {
        "Certs": {
            "Resources": {"Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {"DomainName": "shop.example.com"}}},
            "Outputs": {"CertArn": {"Value": {"Ref": "Cert"}, "Export": {"Name": "Certs:CertArn"}}},
        },
        "Edge": {
            "Resources": {
                "Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Scope": "REGIONAL"}},
                "Cdn": {
                    "Type": "AWS::CloudFront::Distribution",
                    "Properties": {
                        "DistributionConfig": {
                            "ViewerCertificate": {"AcmCertificateArn": {"Fn::ImportValue": "Certs:CertArn"}},
                            "WebACLId": {"Fn::GetAtt": ["Acl", "Arn"]},
                        }
                    },
                },
            }
        },
    }
    envs = {"Certs": ("111111111111", "eu-west-1"), "Edge": ("111111111111", "us-east-1")}
    found = sorted(v.message for v in violations("EdgeResourcesInUsEast1", templates, environments=envs))
    assert found == ["its certificate Certs/Cert is issued in eu-west-1", "its web ACL Edge/Acl has the REGIONAL scope"]
    envs["Certs"] = ("111111111111", "us-east-1")
    templates["Edge"]["Resources"]["Acl"]["Properties"]["Scope"] = "CLOUDFRONT"
    assert violations("EdgeResourcesInUsEast1", templates, environments=envs) == []


def test_a_query_log_group_outside_us_east_1_is_a_violation():
    resources = {
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
        "Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"QueryLoggingConfig": {"CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["Logs", "Arn"]}}}},
    }
    (violation,) = violations("EdgeResourcesInUsEast1", {"Dns": {"Resources": resources}}, environments={"Dns": ("1", "eu-west-1")})
    assert violation.where == "Dns/Zone"


# --------------------------------------------------------------------------------- RetainedDataDeletedKey
def _retained_bucket(key_policy: str) -> dict:
    return {
        "S": {
            "Resources": {
                "Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": key_policy, "Properties": {}},
                "Bucket": {
                    "Type": "AWS::S3::Bucket",
                    "DeletionPolicy": "Retain",
                    "Properties": {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}}}]}},
                },
            }
        }
    }


def test_retained_data_under_a_key_deleted_with_the_stack_is_a_violation():
    (violation,) = violations("RetainedDataDeletedKey", _retained_bucket("Delete"))
    assert violation.where == "S/Bucket" and "encrypted with S/Key, which is deleted" in violation.message


def test_retained_data_under_a_retained_key_is_not():
    assert violations("RetainedDataDeletedKey", _retained_bucket("Retain")) == []


# --------------------------------------------------------------------------------- LogGroupKeyPolicy
def _encrypted_log_group(statements: list) -> dict:
    return {
        "S": {
            "Resources": {
                "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": statements}}},
                "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
            }
        }
    }


ROOT_ONLY = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}
LOGS = {
    "Effect": "Allow",
    "Principal": {"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}},
    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
    "Resource": "*",
}


def test_a_log_group_whose_key_does_not_admit_cloudwatch_logs_is_a_violation():
    (violation,) = violations("LogGroupKeyPolicy", _encrypted_log_group([ROOT_ONLY]))
    assert violation.where == "S/Logs"


def test_a_log_group_whose_key_admits_cloudwatch_logs_is_not():
    assert violations("LogGroupKeyPolicy", _encrypted_log_group([ROOT_ONLY, LOGS])) == []


# --------------------------------------------------------------------------------- TopicKeyAdmitsPublishers
def _alarm_topic(key_id, statements: list | None = None) -> dict:
    resources = {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": key_id}},
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": [{"Ref": "Topic"}]}},
    }
    if statements is not None:
        resources["Key"] = {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": statements}}}
    return {"S": {"Resources": resources}}


CLOUDWATCH = {"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}


@pytest.mark.parametrize(
    "topic, expected",
    [
        (_alarm_topic("alias/aws/sns"), "encrypted with the AWS managed key alias/aws/sns"),
        (_alarm_topic({"Ref": "Key"}, [ROOT_ONLY]), "its key S/Key does not admit cloudwatch.amazonaws.com"),
    ],
    ids=["aws-managed-key", "key-without-cloudwatch"],
)
def test_alarms_publishing_to_a_topic_whose_key_refuses_cloudwatch_is_a_violation(topic, expected):
    (violation,) = violations("TopicKeyAdmitsPublishers", topic)
    assert violation.where == "S/Topic" and expected in violation.message


def test_alarms_publishing_to_a_topic_whose_key_admits_cloudwatch_is_not():
    assert violations("TopicKeyAdmitsPublishers", _alarm_topic({"Ref": "Key"}, [ROOT_ONLY, CLOUDWATCH])) == []


# --------------------------------------------------------------------------------- EmptiedBeforeDelete
def test_a_bucket_or_repository_deleted_without_being_emptied_is_a_violation():
    resources = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},  # CloudFormation's default DeletionPolicy: Delete
        "Images": {"Type": "AWS::ECR::Repository", "DeletionPolicy": "Delete", "Properties": {}},
    }
    found = {v.where: v.message for v in violations("EmptiedBeforeDelete", {"S": {"Resources": resources}})}
    assert found == {
        "S/Bucket": "deleted with the stack, and nothing empties it first",
        "S/Images": "deleted with the stack without EmptyOnDelete",
    }


def test_a_bucket_emptied_by_auto_delete_a_repository_emptied_on_delete_and_a_retained_bucket_are_not():
    resources = {
        "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete", "Properties": {}},
        "BucketAutoDeleteObjectsCustomResource": {"Type": "Custom::S3AutoDeleteObjects", "Properties": {"BucketName": {"Ref": "Bucket"}}},
        "Kept": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {}},
        "Images": {"Type": "AWS::ECR::Repository", "DeletionPolicy": "Delete", "Properties": {"EmptyOnDelete": True}},
    }
    assert violations("EmptiedBeforeDelete", {"S": {"Resources": resources}}) == []


# --------------------------------------------------------------------------------- CacheFailoverNeedsReplica
@pytest.mark.parametrize(
    "properties, expected",
    [
        ({"MultiAZEnabled": True, "AutomaticFailoverEnabled": False, "NumCacheClusters": 2}, "MultiAZEnabled without AutomaticFailoverEnabled"),
        ({"AutomaticFailoverEnabled": True, "NumCacheClusters": 1}, "AutomaticFailoverEnabled with no replica to fail over to"),
        ({"AutomaticFailoverEnabled": True, "ReplicasPerNodeGroup": 0, "NumNodeGroups": 2}, "AutomaticFailoverEnabled with no replica to fail over to"),
    ],
    ids=["multi-az-without-failover", "failover-single-node", "failover-no-replicas"],
)
def test_a_cache_asking_for_failover_it_cannot_have_is_a_violation(properties, expected):
    template = {"S": {"Resources": {"Cache": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": properties}}}}
    assert [v.message for v in violations("CacheFailoverNeedsReplica", template)] == [expected]


@pytest.mark.parametrize(
    "properties",
    [{"MultiAZEnabled": True, "AutomaticFailoverEnabled": True, "NumCacheClusters": 3}, {"NumCacheClusters": 1}],
    ids=["multi-az-with-replicas", "single-node"],
)
def test_a_cache_with_consistent_failover_settings_is_not(properties):
    template = {"S": {"Resources": {"Cache": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": properties}}}}
    assert violations("CacheFailoverNeedsReplica", template) == []


# --------------------------------------------------------------------------------- RotatedOriginSecret
def _distribution_with_secret_header(rotated: bool) -> dict:
    resources = {
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
        "Cdn": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Origins": [
                        {
                            "Id": "Api",
                            "OriginCustomHeaders": [
                                {
                                    "HeaderName": "X-Origin-Verify",
                                    "HeaderValue": {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "Secret"}, ":SecretString}}"]]},
                                }
                            ],
                        }
                    ]
                }
            },
        },
    }
    if rotated:
        resources["Rotation"] = {"Type": "AWS::SecretsManager::RotationSchedule", "Properties": {"SecretId": {"Ref": "Secret"}}}
    return {"Edge": {"Resources": resources}}


def test_an_origin_header_from_a_rotated_secret_is_a_violation():
    (violation,) = violations("RotatedOriginSecret", _distribution_with_secret_header(rotated=True))
    assert violation.where == "Edge/Cdn" and violation.message == "origin header X-Origin-Verify is the rotated secret Edge/Secret"


def test_an_origin_header_from_a_secret_changed_only_by_deploys_is_not():
    assert violations("RotatedOriginSecret", _distribution_with_secret_header(rotated=False)) == []
