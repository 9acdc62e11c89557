"""One mail job per person for an organiser's change, a broadcast or a reminder round, written
in one statement in the caller's transaction. The jobs go in the bulk lane: the mailer
sends a person's own outcome mails first, so a fan-out of thousands never holds them up."""

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from asyncpg import Connection

from notification.adapters import fanouts_table, new_jobs
from notification.domain.audience import Attendance
from notification.domain.kinds import BULK_LANE, MailKind
from notification.service import metrics
from notification.service.registrations import job_id_for

_FANOUT_IDS = uuid.UUID("b5f0a7e2-4c1d-4f0b-8d7e-2a9c6e1f3b40")

Payload = Callable[[Attendance], dict[str, Any]]


def attendance_context(attendance: Attendance) -> dict[str, Any]:
    return {
        "attendance": {
            "status": attendance.status,
            "attendee": dict(attendance.attendee),
            "sessions": dict(attendance.sessions),
        }
    }


async def enqueue(
    conn: Connection,
    *,
    source: str,
    cause_id: str,
    fact_type: str,
    kind: MailKind,
    event_id: str,
    audience: Sequence[Attendance],
    payload: Payload,
) -> int:
    """`source`+`cause_id` name what caused the fan-out (a CloudEvent, a reminder slot): done
    twice, it adds nothing. Returns the number of recipients."""
    fanout_id = uuid.uuid5(_FANOUT_IDS, f"{source}\n{cause_id}")
    jobs = [
        new_jobs.NewJob(
            id=job_id_for(source, f"{cause_id}/{a.registration_id}"),
            fact_source=source,
            fact_id=f"{cause_id}/{a.registration_id}",
            fact_type=fact_type,
            template=kind,
            event_id=event_id,
            registration_id=a.registration_id,
            recipient=a.email,
            fact=payload(a),
            context=attendance_context(a),
            lane=BULK_LANE,
            fanout_id=fanout_id,
        )
        for a in audience
    ]
    await new_jobs.insert_many(conn, jobs)
    await fanouts_table.create(conn, fanout_id, event_id, kind, len(jobs))
    metrics.FANOUT_RECIPIENTS.labels(kind).inc(len(jobs))
    return len(jobs)
