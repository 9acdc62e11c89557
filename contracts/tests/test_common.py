"""The edge's email check with the domain answers remembered and the common shape taken
short: the same verdicts as email-validator's own check, and the shortcuts really happen."""

import importlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import EmailStr, TypeAdapter, ValidationError

from tilmeld_contracts import common
from tilmeld_contracts.common import Email, field_or_none
from tilmeld_contracts.registration import v1 as registration

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
    "Postmaster@aarhus.dk",
    "ABUSE@Aarhus.dk",
    ".mette@aarhus.dk",
    "mette.@aarhus.dk",
    "mette..hansen@aarhus.dk",
    '"mette hansen"@aarhus.dk',
    "Mette <mette@aarhus.dk>",
    " mette@aarhus.dk ",
    "mette@aarhus.dk\n",
    "m" * 65 + "@aarhus.dk",
    "m" * 64 + "@" + ".".join(["a" * 60] * 3) + ".dk",
    "n@xn--kbenhavn-54a.dk",
    "n@aarhus.dk@odense.dk",
]
EMAIL = TypeAdapter(Email)
PLAIN_EMAIL = TypeAdapter(EmailStr)
CHECKS = importlib.import_module("email_validator.validate_email")


def _verdict(address: str) -> str:
    try:
        return EMAIL.validate_python(address)
    except ValidationError as error:
        return f"invalid: {error.errors()[0]['msg']}"


def _library_verdict(address: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """pydantic's EmailStr as it comes (email-validator's full check), nothing remembered."""
    with monkeypatch.context() as patched:
        unremembered = CHECKS.validate_email_domain_name.__wrapped__
        patched.setattr(CHECKS, "validate_email_domain_name", unremembered)
        try:
            return PLAIN_EMAIL.validate_python(address)
        except ValidationError as error:
            return f"invalid: {error.errors()[0]['msg']}"


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


# Addresses from a few of each kind of character: those the short way takes and those it must
# leave to the library (dots, quotes, spaces, non-ASCII, brackets, a second @, mailbox names).
_CHARACTERS = ["a", "Z", "9", ".", "-", "_", "+", "!", "~", "@", '"', " ", "<", ">", "ø", "é"]
_WORDS = ["\\", "[", "]", "postmaster", "Abuse", "dk", "xn--", "aarhus", "localhost", "test"]
_PIECES = st.sampled_from([*_CHARACTERS, *_WORDS, "invalid"])
_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=70)


@settings(max_examples=2_000, deadline=None)
@given(
    local=st.lists(_PIECES, min_size=0, max_size=12).map("".join),
    domain=st.one_of(
        st.lists(_LABEL, min_size=1, max_size=5).map(".".join),
        st.lists(_PIECES, min_size=1, max_size=8).map("".join),
    ),
)
@example(local="Mette.Hansen", domain="Aarhus.DK")  # taken short
@example(local="Info", domain="aarhus.dk")  # a mailbox name: the library lower-cases it
def test_the_short_way_gives_the_librarys_answer(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    short = common._plain_ascii(address)
    if short is not None:
        assert short == PLAIN_EMAIL.validate_python(address)


@pytest.mark.parametrize(
    ("address", "normalized"),
    [
        ("mette.hansen@aarhus.dk", "mette.hansen@aarhus.dk"),
        ("A+b@Sub.Odense.DK", "A+b@sub.odense.dk"),
    ],
)
def test_the_common_shape_is_taken_short(address: str, normalized: str) -> None:
    assert common._plain_ascii(address) == normalized


@pytest.mark.parametrize(
    "address",
    ["søren@kø.dk", "Postmaster@aarhus.dk", "Info@aarhus.dk", '"a b"@aarhus.dk', "n@aarhus..dk"],
)
def test_other_shapes_get_the_full_check(address: str) -> None:
    assert common._plain_ascii(address) is None


def test_field_or_none_reads_a_field_some_models_have() -> None:
    attendee = {"name": "Mette Hansen", "email": "mette@example.dk", "organisation": "0101"}
    common = {"registration_id": "r", "event_id": "e", "request_source": "s", "request_id": "i"}
    cancelled = registration.RegistrationCancelled.model_validate(
        common | {"attendee": attendee, "reason": "by_attendee"}
    )
    waitlisted = registration.RegistrationWaitlisted.model_validate(
        common | {"attendee": attendee, "position": 4}
    )
    assert field_or_none(cancelled, "reason") == "by_attendee"
    assert field_or_none(waitlisted, "reason") is None
    assert field_or_none(waitlisted, "position") == 4
