"""Facts the notification service publishes on `tilmeld.notifications`."""

from typing import Literal

from pydantic import BaseModel, ConfigDict

SENT = "dk.tilmeld.notification.sent.v1"
FAILED = "dk.tilmeld.notification.failed.v1"


class _Notification(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    notification_id: str
    registration_id: str | None
    event_id: str
    channel: Literal["email"] = "email"
    template: str
    recipient: str


class NotificationSent(_Notification):
    message_id: str


class NotificationFailed(_Notification):
    reason: str
    detail: str
