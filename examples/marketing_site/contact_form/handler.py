"""The marketing site's contact form: validate a JSON submission, send it to the team via SES.

Invoked by the HTTP API (payload format 2.0). Returns 400 with a clear error on bad input, 200
once SES accepted the message, 502 when SES refused it. The message body and the sender's
details are never logged, only the outcome and SES's message id.

Configuration (environment variables): ``SENDER`` (an address of the verified SES domain),
``RECIPIENT`` (where submissions go), ``CONFIGURATION_SET`` (the SES configuration set).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from typing import Any

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

#: Field limits (characters).
LIMITS = {"name": (1, 100), "email": (3, 254), "message": (10, 5000)}
MAX_BODY_BYTES = 16 * 1024

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
#: Characters that must not reach a mail header (header injection) or markup (HTML/script injection).
_HEADER_UNSAFE = re.compile(r"[\r\n\x00<>\"]")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]|javascript:|\bon\w+\s*=", re.IGNORECASE)

_client: Any = None


class ValidationError(ValueError):
    """Bad input: reported to the caller as a 400 with this message."""


def ses_client() -> Any:
    """The SES (v2) client, created on first use (tests replace this function)."""
    global _client
    if _client is None:
        import boto3

        _client = boto3.client("sesv2")
    return _client


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body),
    }


def parse(event: dict[str, Any]) -> dict[str, str]:
    """The validated submission ``{"name", "email", "message"}``; raises ValidationError."""
    raw = event.get("body")
    if raw is None or raw == "":
        raise ValidationError("the request body is missing: send a JSON object with name, email and message")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise ValidationError("the request body is not valid UTF-8") from None
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise ValidationError(f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ValidationError("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("the request body must be a JSON object with name, email and message")
    unknown = sorted(set(data) - set(LIMITS))
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(unknown)}")
    fields: dict[str, str] = {}
    for field, (low, high) in LIMITS.items():
        value = data.get(field)
        if value is None:
            raise ValidationError(f"'{field}' is required")
        if not isinstance(value, str):
            raise ValidationError(f"'{field}' must be a string")
        value = value.strip()
        if not low <= len(value) <= high:
            raise ValidationError(f"'{field}' must be {low} to {high} characters long")
        fields[field] = value
    for field in ("name", "email"):  # these reach mail headers (Reply-To, Subject)
        if _HEADER_UNSAFE.search(fields[field]):
            raise ValidationError(f"'{field}' contains characters that are not allowed (line breaks, <, >, \")")
    if _MARKUP.search(fields["name"]) or _MARKUP.search(fields["message"]):
        raise ValidationError("HTML or script content is not allowed")
    if not _EMAIL.match(fields["email"]):
        raise ValidationError("'email' is not a valid e-mail address")
    return fields


def send(fields: dict[str, str]) -> str:
    """Send the submission to the team; returns SES's message id."""
    result = ses_client().send_email(
        FromEmailAddress=os.environ["SENDER"],
        Destination={"ToAddresses": [os.environ["RECIPIENT"]]},
        ReplyToAddresses=[fields["email"]],
        ConfigurationSetName=os.environ["CONFIGURATION_SET"],
        Content={
            "Simple": {
                "Subject": {"Data": f"Contact form: {fields['name']}", "Charset": "UTF-8"},
                "Body": {
                    "Text": {
                        "Data": f"From: {fields['name']} <{fields['email']}>\n\n{fields['message']}\n",
                        "Charset": "UTF-8",
                    }
                },
            }
        },
    )
    return result["MessageId"]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        fields = parse(event)
    except ValidationError as error:
        LOG.info("rejected submission: %s", error)
        return response(400, {"error": str(error)})
    try:
        message_id = send(fields)
    except Exception as error:  # noqa: BLE001 - SES refused it: report without the content
        LOG.error("SES did not accept the submission: %s", type(error).__name__)
        return response(502, {"error": "the message could not be sent, please try again later"})
    LOG.info("submission sent, SES message id %s", message_id)
    return response(200, {"status": "sent"})
