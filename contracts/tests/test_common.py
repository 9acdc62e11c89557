"""The edge's email check with the domain answers remembered: the same verdicts as
email-validator's own check, and the remembering really happens."""

import importlib

import email_validator
import pytest
from pydantic import TypeAdapter, ValidationError

from tilmeld_contracts.common import Email

ADDRESSES = [
    "mette.hansen@aarhus.dk",
    "Mette.Hansen@AARHUS.DK",
    "søren@kø.dk",
    "soren@xn--k-0ga.dk",
    "a+b@sub.odense.dk",
    "n@localhost",
    "n@aarhus..dk",
    "n@-aarhus.dk",
    "n@aarhus.dk.",
    "n@" + "a" * 64 + ".dk",
    "n@test.invalid",
    "n@example.com",
    "no-at-sign.dk",
    "two@@aarhus.dk",
    "n@aarhus_kommune.dk",
    "n@[127.0.0.1]",
]
EMAIL = TypeAdapter(Email)
CHECKS = importlib.import_module("email_validator.validate_email")


def _verdict(address: str) -> str:
    try:
        return EMAIL.validate_python(address)
    except ValidationError as error:
        return f"invalid: {error.errors()[0]['msg']}"


def _library_verdict(address: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """email-validator's own verdict, nothing remembered."""
    with monkeypatch.context() as patched:
        unremembered = CHECKS.validate_email_domain_name.__wrapped__
        patched.setattr(CHECKS, "validate_email_domain_name", unremembered)
        try:
            return email_validator.validate_email(address, check_deliverability=False).normalized
        except email_validator.EmailNotValidError as error:
            return f"invalid: value is not a valid email address: {error}"


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_verdict_is_email_validators_the_first_time_and_when_remembered(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _library_verdict(address, monkeypatch)
    assert _verdict(address) == expected
    assert _verdict(address) == expected


def test_domain_answers_are_remembered() -> None:
    before = CHECKS.validate_email_domain_name.cache_info().hits
    for local in ("anne", "bo", "carl"):
        EMAIL.validate_python(f"{local}@vejle.dk")
    assert CHECKS.validate_email_domain_name.cache_info().hits >= before + 2
