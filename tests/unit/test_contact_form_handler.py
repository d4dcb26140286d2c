"""The marketing site's contact-form handler (examples/marketing_site/contact_form/handler.py), SES stubbed."""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
from pathlib import Path

import pytest

HANDLER = Path(__file__).resolve().parents[2] / "examples" / "marketing_site" / "contact_form" / "handler.py"


def _load():
    spec = importlib.util.spec_from_file_location("contact_form_handler", HANDLER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


handler_module = _load()

VALID = {"name": "Ada Lovelace", "email": "ada@example.com", "message": "I would like to know more about FineFinds."}


class StubSes:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict] = []
        self.fail = fail

    def send_email(self, **kwargs):
        self.calls.append(kwargs)
        if self.fail:
            raise RuntimeError("MessageRejected")
        return {"MessageId": "0100-stub-message-id"}


@pytest.fixture
def ses(monkeypatch):
    stub = StubSes()
    monkeypatch.setattr(handler_module, "ses_client", lambda: stub)
    monkeypatch.setenv("SENDER", "contact-form@dev.marketing.finefinds.example")
    monkeypatch.setenv("RECIPIENT", "marketing@finefinds.example")
    monkeypatch.setenv("CONFIGURATION_SET", "marketing-config-set")
    return stub


def invoke(body, *, base64_encoded: bool = False):
    if base64_encoded:
        body = base64.b64encode(body.encode()).decode()
    result = handler_module.handler({"body": body, "isBase64Encoded": base64_encoded}, None)
    return result["statusCode"], json.loads(result["body"]), result


def submit(**changes):
    return invoke(json.dumps({**VALID, **changes}))


# ---------------------------------------------------------------------------------- success
def test_valid_submission_is_sent_and_returns_200(ses):
    status, body, result = submit()
    assert status == 200 and body == {"status": "sent"}
    assert result["headers"]["Content-Type"] == "application/json"
    (call,) = ses.calls
    assert call["FromEmailAddress"] == "contact-form@dev.marketing.finefinds.example"
    assert call["Destination"] == {"ToAddresses": ["marketing@finefinds.example"]}
    assert call["ReplyToAddresses"] == ["ada@example.com"]
    assert call["ConfigurationSetName"] == "marketing-config-set"
    assert VALID["message"] in call["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert call["Content"]["Simple"]["Subject"]["Data"] == "Contact form: Ada Lovelace"


def test_base64_encoded_body_is_accepted(ses):
    status, _, _ = invoke(json.dumps(VALID), base64_encoded=True)
    assert status == 200 and len(ses.calls) == 1


def test_fields_are_trimmed(ses):
    status, _, _ = submit(name="  Ada  ", email=" ada@example.com ")
    assert status == 200
    assert ses.calls[0]["ReplyToAddresses"] == ["ada@example.com"]


def test_message_body_is_never_logged(ses, caplog):
    secret = "my private phone number is 0123456789, call me"
    with caplog.at_level(logging.DEBUG):
        status, _, _ = submit(message=secret)
        submit(message=secret, email="not-an-address")
    assert status == 200
    assert secret not in caplog.text
    assert "ada@example.com" not in caplog.text


def test_ses_failure_returns_502_without_details(monkeypatch, ses):
    ses.fail = True
    status, body, _ = submit()
    assert status == 502
    assert "MessageRejected" not in body["error"]


def test_client_is_created_lazily_once(monkeypatch):
    module = _load()
    created = []

    class FakeBoto3:
        @staticmethod
        def client(name):
            created.append(name)
            return StubSes()

    monkeypatch.setitem(__import__("sys").modules, "boto3", FakeBoto3)
    assert created == []  # importing the module creates no client
    first, second = module.ses_client(), module.ses_client()
    assert first is second and created == ["sesv2"]


# ---------------------------------------------------------------------- missing / bad JSON
@pytest.mark.parametrize("body", [None, ""])
def test_missing_body_is_rejected(ses, body):
    status, payload, _ = invoke(body)
    assert status == 400 and "missing" in payload["error"]
    assert ses.calls == []


@pytest.mark.parametrize("body", ["{not json", "name=Ada&email=a@b.c", "{'name': 'Ada'}"])
def test_invalid_json_is_rejected(ses, body):
    status, payload, _ = invoke(body)
    assert status == 400 and payload["error"] == "the request body is not valid JSON"
    assert ses.calls == []


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_non_object_json_is_rejected(ses, body):
    status, payload, _ = invoke(body)
    assert status == 400 and "JSON object" in payload["error"]


def test_oversized_body_is_rejected(ses):
    status, payload, _ = invoke(json.dumps({**VALID, "message": "x" * 20000}))
    assert status == 400 and "larger than" in payload["error"]


def test_invalid_base64_is_rejected(ses):
    result = handler_module.handler({"body": "%%%not-base64", "isBase64Encoded": True}, None)
    assert result["statusCode"] == 400


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize("field", ["name", "email", "message"])
def test_each_field_is_required(ses, field):
    data = {k: v for k, v in VALID.items() if k != field}
    status, payload, _ = invoke(json.dumps(data))
    assert status == 400 and payload["error"] == f"'{field}' is required"


@pytest.mark.parametrize("field", ["name", "email", "message"])
def test_fields_must_be_strings(ses, field):
    status, payload, _ = submit(**{field: 123})
    assert status == 400 and payload["error"] == f"'{field}' must be a string"


def test_unknown_fields_are_rejected(ses):
    status, payload, _ = submit(bcc="everyone@example.com")
    assert status == 400 and "unknown field(s): bcc" == payload["error"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "n" * 101),
        ("email", "a@"),
        ("email", "a" * 250 + "@example.com"),
        ("message", "too short"),
        ("message", "m" * 5001),
    ],
)
def test_field_lengths_are_enforced(ses, field, value):
    status, payload, _ = submit(**{field: value})
    assert status == 400
    low, high = handler_module.LIMITS[field]
    assert payload["error"] == f"'{field}' must be {low} to {high} characters long"
    assert ses.calls == []


@pytest.mark.parametrize("field", ["name", "email", "message"])
def test_limits_themselves_are_accepted(ses, field):
    low, high = handler_module.LIMITS[field]
    value = {"name": "n" * high, "email": "a" * (high - len("@example.com")) + "@example.com", "message": "m" * high}[field]
    status, _, _ = submit(**{field: value})
    assert status == 200


@pytest.mark.parametrize("email", ["not-an-address", "ada@", "@example.com", "ada@example", "ada @example.com"])
def test_invalid_email_is_rejected(ses, email):
    status, payload, _ = submit(email=email)
    assert status == 400
    assert payload["error"] in ("'email' is not a valid e-mail address", "'email' must be 3 to 254 characters long")


# ------------------------------------------------------------------------ header injection
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Ada\r\nBcc: victim@example.com"),
        ("name", "Ada\nBcc: victim@example.com"),
        ("email", "ada@example.com\r\nBcc: victim@example.com"),
        ("email", "ada@example.com\nCc: victim@example.com"),
        ("name", 'Ada" <evil@example.com>'),
        ("name", "Ada\x00"),
    ],
)
def test_header_injection_is_rejected(ses, field, value):
    status, payload, _ = submit(**{field: value})
    assert status == 400
    assert "not allowed" in payload["error"]
    assert ses.calls == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("message", "Hello <script>alert('x')</script> there"),
        ("message", "Click <a href='https://evil.example'>here</a> please"),
        ("message", "see javascript:alert(1) for details"),
        ("message", "an <img src=x onerror=alert(1)> in the text"),
        ("name", "<b>Ada</b>"),
    ],
)
def test_html_and_script_are_rejected(ses, field, value):
    status, payload, _ = submit(**{field: value})
    assert status == 400
    assert "not allowed" in payload["error"]
    assert ses.calls == []


def test_plain_text_with_comparisons_is_accepted(ses):
    status, _, _ = submit(message="Prices 3 < 5 and 7 > 2 are fine; someone = me, a one-liner.")
    assert status == 200
