"""AWS Config: a delivery channel and its recorder must not wait for each other."""

from __future__ import annotations

from collections.abc import Iterator

from .. import Rule
from ..model import Templates

RECORDER = "AWS::Config::ConfigurationRecorder"
CHANNEL = "AWS::Config::DeliveryChannel"


def _check(templates: Templates) -> Iterator[tuple]:
    for stack in templates.stacks:
        recorders = [r.logical_id for r in templates.in_stack(stack, RECORDER)]
        for channel in templates.in_stack(stack, CHANNEL):
            for recorder in recorders:
                if templates.needs(channel, recorder):
                    yield channel, f"the delivery channel waits for the recorder {recorder}"
        channels = [c.logical_id for c in templates.in_stack(stack, CHANNEL)]
        for recorder in templates.in_stack(stack, RECORDER):
            for channel_id in channels:
                if templates.needs(recorder, channel_id):
                    yield recorder, f"the recorder waits for the delivery channel {channel_id}"


RULE = Rule(
    name="ConfigRecorderChannelOrder",
    trap=(
        "CloudFormation's recorder handler starts recording as soon as the recorder exists, which needs a "
        "delivery channel, while a channel can only be put once a recorder exists: when either waits for "
        "the other, the stack sits in CREATE_IN_PROGRESS for about 30 minutes and fails with "
        "NoAvailableDeliveryChannelException (aws-cdk #9001, #3577)."
    ),
    fix=(
        "Create both in the same template with no DependsOn between them (Config retries until the other "
        "exists); let both depend on the role's policy and the bucket policy, and the Config rules on the recorder."
    ),
    check=_check,
)
