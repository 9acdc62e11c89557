"""Signed, expiring self-service links: the notification service puts them in mails, the
registration service serves the pages they open. Signing is itsdangerous (HMAC-SHA256 over the
payload) with the secret from TILMELD_LINK_SECRET; the expiry travels inside the signed payload
so an offer link can end exactly when the offer does."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer

Action = Literal["view", "cancel", "accept", "decline"]
ACTIONS: tuple[Action, ...] = ("view", "cancel", "accept", "decline")
_SALT = "tilmeld.self-service.v1"


@dataclass(frozen=True)
class LinkClaims:
    action: Action
    registration_id: str
    event_id: str
    expires_at: datetime


class InvalidLink(Exception):
    def __init__(self, reason: Literal["tampered", "expired", "malformed"]) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def sign(secret: str, claims: LinkClaims) -> str:
    payload = [
        claims.action,
        claims.registration_id,
        claims.event_id,
        int(claims.expires_at.timestamp()),
    ]
    return str(_serializer(secret).dumps(payload))


def verify(secret: str, token: str, now: datetime) -> LinkClaims:
    try:
        action, registration_id, event_id, expires = _serializer(secret).loads(token)
    except BadSignature:
        raise InvalidLink("tampered") from None
    except (ValueError, TypeError):
        raise InvalidLink("malformed") from None
    if action not in ACTIONS or not isinstance(expires, int):
        raise InvalidLink("malformed")
    claims = LinkClaims(
        action, str(registration_id), str(event_id), datetime.fromtimestamp(expires, UTC)
    )
    if now >= claims.expires_at:
        raise InvalidLink("expired")
    return claims


def url(base_url: str, token: str) -> str:
    """The page a link opens: `{base}/selvbetjening/{token}` on the registration service."""
    return f"{base_url.rstrip('/')}/selvbetjening/{quote(token, safe='')}"
