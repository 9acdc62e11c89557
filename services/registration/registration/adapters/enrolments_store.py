import asyncpg


async def enrol(
    conn: asyncpg.Connection,
    event_id: str,
    organisation_key: str,
    registration_id: str,
    fee_dkk: int,
) -> bool:
    """True when this organisation is enrolled now (first confirmed participant)."""
    status = await conn.execute(
        "INSERT INTO enrolments (event_id, organisation_key, registration_id, fee_dkk)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        event_id,
        organisation_key,
        registration_id,
        fee_dkk,
    )
    return bool(status.endswith(" 1"))
