"""The facts this service publishes on tilmeld.notifications (keyed by event id)."""

from datetime import datetime

from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CloudEvent, new_event
from tilmeld_contracts.ids import random_id
from tilmeld_contracts.notification import v1 as notification

SOURCE = "urn:tilmeld:notification"


def sent(
    *,
    notification_id: str,
    registration_id: str | None,
    event_id: str,
    template: str,
    recipient: str,
    message_id: str,
    now: datetime,
) -> tuple[str, str, CloudEvent]:
    data = notification.NotificationSent(
        notification_id=notification_id,
        registration_id=registration_id,
        event_id=event_id,
        template=template,
        recipient=recipient,
        message_id=message_id,
    )
    return topics.NOTIFICATIONS, event_id, _event(notification.SENT, data, registration_id, now)


def failed(
    *,
    notification_id: str,
    registration_id: str | None,
    event_id: str,
    template: str,
    recipient: str,
    reason: str,
    detail: str,
    now: datetime,
) -> tuple[str, str, CloudEvent]:
    data = notification.NotificationFailed(
        notification_id=notification_id,
        registration_id=registration_id,
        event_id=event_id,
        template=template,
        recipient=recipient,
        reason=reason,
        detail=detail[:2000],
    )
    return topics.NOTIFICATIONS, event_id, _event(notification.FAILED, data, registration_id, now)


def _event(
    type_: str,
    data: notification.NotificationSent | notification.NotificationFailed,
    registration_id: str | None,
    now: datetime,
) -> CloudEvent:
    return new_event(
        type=type_,
        source=SOURCE,
        id=random_id(),
        time=now,
        subject=registration_id or data.event_id,
        data=data,
    )
