"""A short, human-readable account of a valid event definition."""

from datetime import datetime

from tilmeld_contracts.catalog.v1 import EventDefinition, Meeting, Round


def _zone(moment: datetime) -> str:
    offset = moment.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else ""


def _span(starts: datetime, ends: datetime) -> str:
    if starts.date() == ends.date():
        return f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M} ({_zone(starts)})"
    if _zone(starts) == _zone(ends):
        return f"{starts:%Y-%m-%d %H:%M} – {ends:%Y-%m-%d %H:%M} ({_zone(starts)})"
    return f"{starts:%Y-%m-%d %H:%M} ({_zone(starts)}) – {ends:%Y-%m-%d %H:%M} ({_zone(ends)})"


def _round(round_: Round) -> list[str]:
    head = f"{round_.id}  {round_.starts_at:%H:%M}–{round_.ends_at:%H:%M}"
    lines = [f"  {head}  {round_.title or ''}".rstrip()]
    for s in round_.sessions:
        seats = "unlimited" if s.capacity is None else f"{s.capacity} seats"
        lines.append(f"    {s.id} ({seats}): {s.title}")
    return lines


def _meeting(meeting: Meeting) -> str:
    where = meeting.location if meeting.mode == "physical" else f"online {meeting.online_url}"
    return f"  {meeting.id}  {_span(meeting.starts_at, meeting.ends_at)}  {where or 'physical'}"


def describe(d: EventDefinition) -> list[str]:
    venue = ", ".join(p for p in (d.venue.name, d.venue.address) if p) if d.venue else "-"
    window = d.registration
    opens = f"opens {window.opens_at:%Y-%m-%d %H:%M}" if window.opens_at else "open now"
    closes = f"closes {window.closes_at:%Y-%m-%d %H:%M}" if window.closes_at else "no closing date"
    limits = d.per_organisation
    lines = [
        f"{d.id} ({d.kind}) is valid",
        f"  title:        {d.title}",
        f"  organiser:    {d.organiser}",
        f"  when:         {_span(d.starts_at, d.ends_at)}",
        f"  venue:        {venue}",
        f"  capacity:     {'unlimited' if d.capacity is None else d.capacity}",
        f"  fee:          {d.fee.amount_dkk} DKK per {d.fee.per}",
        f"  registration: {opens}, {closes}; waitlist promotion {d.waitlist.promotion}",
    ]
    bounds = [
        f"{name} {value}"
        for name, value in (("min", limits.min), ("max", limits.max))
        if value is not None
    ]
    if bounds:
        lines.append(f"  per organisation: {', '.join(bounds)} attendees")
    if d.rounds:
        lines.append(f"rounds ({len(d.rounds)}):")
        lines += [line for r in d.rounds for line in _round(r)]
    if d.meetings:
        lines.append(f"meetings ({len(d.meetings)}):")
        lines += [_meeting(m) for m in d.meetings]
    return lines
