"""The pure decisions: language, recipient, dates, subjects, retry timing."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notification.domain.dates import format_moment, format_span
from notification.domain.language import choose_language
from notification.domain.recipient import (
    Recipient,
    checked_at_the_edge,
    raw_address,
    recipient_of,
)
from notification.domain.retry import RetryPolicy
from notification.domain.subjects import subject
from tilmeld_contracts.signups.v1 import Attendee


@pytest.mark.parametrize(
    ("attendee", "event", "expected"),
    [
        ("en", "da", "en"),
        (None, "en", "en"),
        (None, None, "da"),
        ("fr", None, "da"),
    ],
)
def test_language_is_the_attendees_then_the_events_then_danish(
    attendee: str | None, event: str | None, expected: str
) -> None:
    assert choose_language(attendee, event) == expected


def test_recipients_come_from_attendees_or_from_whatever_a_rejection_carried() -> None:
    attendee = Attendee(
        name="Mette Hansen", email="mette@aarhus.dk", organisation="Aarhus", language="en"
    )
    assert recipient_of(attendee) == Recipient("mette@aarhus.dk", "Mette Hansen", "en")
    assert recipient_of({"email": " ", "name": "X"}) is None
    assert recipient_of({"email": "mette@"}) is None
    assert recipient_of("mette@aarhus.dk") is None and recipient_of(None) is None
    assert recipient_of({"email": "a@b.dk", "name": "  ", "language": 3}) == Recipient(
        "a@b.dk", None, None
    )
    # A rejection of a valid request (e.g. the quota) carries an address checked at the edge:
    # only its shape is checked again; one of an invalid request gets the full check.
    assert checked_at_the_edge("organisation_quota_reached") and not checked_at_the_edge(
        "invalid_request"
    )
    assert recipient_of({"email": "m..h@aarhus.dk"}) is None
    assert recipient_of({"email": "m..h@aarhus.dk"}, checked_upstream=True) == Recipient(
        "m..h@aarhus.dk", None, None
    )
    assert recipient_of({"email": "m h@aarhus.dk"}, checked_upstream=True) is None
    assert raw_address({"email": "mette(at)aarhus"}) == "mette(at)aarhus"
    assert raw_address(["x"]) == ""


def test_dates_are_told_in_copenhagen_time_summer_and_winter() -> None:
    utc = UTC
    assert format_moment(datetime(2023, 10, 3, 7, 0, tzinfo=utc), "da") == (
        "tirsdag den 3. oktober 2023 kl. 09.00"
    )
    assert format_moment(datetime(2024, 1, 10, 8, 0, tzinfo=utc), "da") == (
        "onsdag den 10. januar 2024 kl. 09.00"
    )
    assert format_moment(datetime(2024, 1, 10, 8, 0, tzinfo=utc), "en") == (
        "Wednesday 10 January 2024 at 09:00"
    )
    start = datetime(2023, 10, 3, 7, 0, tzinfo=utc)
    assert format_span(start, start + timedelta(days=1), "da") == (
        "fra tirsdag den 3. oktober 2023 kl. 09.00 til onsdag den 4. oktober 2023 kl. 09.00"
    )


def test_a_subject_is_always_one_line() -> None:
    assert subject("confirmed", "da", "Første\r\nlinje  og anden") == (
        "Bekræftelse af tilmelding: Første linje og anden"
    )


@given(
    attempts=st.integers(min_value=1, max_value=200),
    jitter=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_retry_delays_grow_stay_under_the_cap_and_are_spread(attempts: int, jitter: float) -> None:
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=30)
    delay = policy.delay(attempts, jitter)
    assert 15 <= delay <= 3600
    assert policy.delay(attempts, 0.0) <= policy.delay(attempts + 1, 0.0)
    assert policy.gives_up_after(attempts) == (attempts >= 30)
