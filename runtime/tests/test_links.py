from datetime import UTC, datetime, timedelta

import pytest

from tilmeld_runtime.links import InvalidLink, LinkClaims, sign, url, verify

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
CLAIMS = LinkClaims("cancel", "reg-1", "konf", NOW + timedelta(days=2))


def test_a_signed_link_verifies_until_it_expires() -> None:
    token = sign("s3cret", CLAIMS)
    assert verify("s3cret", token, NOW) == CLAIMS
    with pytest.raises(InvalidLink) as expired:
        verify("s3cret", token, NOW + timedelta(days=2))
    assert expired.value.reason == "expired"


@pytest.mark.parametrize("change", ["other-secret", "tamper", "garbage"])
def test_a_changed_link_is_refused(change: str) -> None:
    token = sign("s3cret", CLAIMS)
    secret, bad = "s3cret", token
    if change == "other-secret":
        secret = "other"
    elif change == "tamper":
        payload, signature = token.rsplit(".", 1)
        bad = payload.replace("cancel", "accept") + "." + signature
        bad = bad if bad != token else token[:-2] + "xx"
    else:
        bad = "not-a-token"
    with pytest.raises(InvalidLink) as refused:
        verify(secret, bad, NOW)
    assert refused.value.reason in {"tampered", "malformed"}


def test_url_points_at_the_self_service_page() -> None:
    assert url("http://127.0.0.1:8081/", "abc.def") == "http://127.0.0.1:8081/selvbetjening/abc.def"
