"""Calendar invitations as `.ics` text (RFC 5545 / iTIP RFC 5546) with the icalendar library.

Times are written in UTC; every calendar program shows them in its own time zone. SEQUENCE is
the mail job's sequence number: every later mail about the same entries has a higher one, and
a resend of the same mail the same one, which is what iTIP asks."""

from datetime import UTC, datetime
from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress, vText

from notification.domain.calendar import Invitation

PRODID = "-//Tilmeld//Tilmeld notification//DA"


def to_ics(
    invitation: Invitation,
    *,
    sequence: int,
    stamp: datetime,
    organiser_name: str,
    mail_from: str,
    attendee_email: str,
    attendee_name: str | None,
) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invitation.method)
    organiser = vCalAddress(f"mailto:{parseaddr(mail_from)[1]}")
    organiser.params["cn"] = vText(organiser_name)
    for entry in invitation.entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("sequence", sequence)
        event.add("summary", entry.summary)
        if entry.starts_at is not None and entry.ends_at is not None:
            event.add("dtstart", entry.starts_at.astimezone(UTC))
            event.add("dtend", entry.ends_at.astimezone(UTC))
        if entry.location:
            event.add("location", entry.location)
        if entry.url:
            event.add("url", entry.url)
        if entry.description:
            event.add("description", entry.description)
        event.add("status", "CANCELLED" if invitation.method == "CANCEL" else "CONFIRMED")
        event.add("transp", "OPAQUE")
        event["organizer"] = organiser
        attendee = vCalAddress(f"mailto:{attendee_email}")
        if attendee_name:
            attendee.params["cn"] = vText(attendee_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
        calendar.add_component(event)
    return bytes(calendar.to_ical()).decode("utf-8")
