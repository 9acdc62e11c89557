"""Which data model each CloudEvents type carries: consumers route on the type string."""

from pydantic import BaseModel

from tilmeld_contracts.catalog import messages_v1 as messages
from tilmeld_contracts.catalog import v1 as catalog
from tilmeld_contracts.internal import bundle_v1 as bundle
from tilmeld_contracts.internal import capacity_v1 as capacity
from tilmeld_contracts.notification import v1 as notification
from tilmeld_contracts.registration import v1 as registration
from tilmeld_contracts.signups import v1 as signups

DATA_MODELS: dict[str, type[BaseModel]] = {
    catalog.EVENT_PUBLISHED: catalog.EventDefinition,
    catalog.EVENT_CHANGED: catalog.EventDefinition,
    catalog.EVENT_CANCELLED: catalog.EventCancelled,
    messages.MESSAGE_REQUESTED: messages.MessageRequested,
    signups.SIGNUP_REQUESTED: signups.SignupRequested,
    signups.CANCELLATION_REQUESTED: signups.CancellationRequested,
    signups.OFFER_ACCEPTED: signups.OfferAnswer,
    signups.OFFER_DECLINED: signups.OfferAnswer,
    registration.CONFIRMED: registration.RegistrationConfirmed,
    registration.WAITLISTED: registration.RegistrationWaitlisted,
    registration.OFFERED: registration.RegistrationOffered,
    registration.PROMOTED: registration.RegistrationPromoted,
    registration.SESSION_CHANGED: registration.RegistrationSessionChanged,
    registration.CANCELLED: registration.RegistrationCancelled,
    registration.REJECTED: registration.RegistrationRejected,
    registration.ORGANISATION_ENROLLED: registration.OrganisationEnrolled,
    notification.SENT: notification.NotificationSent,
    notification.FAILED: notification.NotificationFailed,
    capacity.DEFINE_EVENT: capacity.DefineEvent,
    capacity.CANCEL_EVENT: capacity.CancelEvent,
    capacity.REQUEST_SEAT: capacity.RequestSeat,
    capacity.RELEASE_SEAT: capacity.ReleaseSeat,
    capacity.ANSWER_OFFER: capacity.AnswerOffer,
    capacity.EXPIRE_OFFER: capacity.ExpireOffer,
    capacity.SEAT_GRANTED: capacity.SeatGranted,
    capacity.SEAT_WAITLISTED: capacity.SeatWaitlisted,
    capacity.SEAT_OFFERED: capacity.SeatOffered,
    capacity.SEAT_RELEASED: capacity.SeatReleased,
    capacity.SESSIONS_CHANGED: capacity.SessionsChanged,
    capacity.SEAT_REFUSED: capacity.SeatRefused,
    bundle.BUNDLE: bundle.Bundle,
}

PUBLIC_TYPES = {t for t in DATA_MODELS if ".internal." not in t}
