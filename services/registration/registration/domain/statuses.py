"""Registration statuses as the registration service records them."""

from typing import Final

PENDING: Final = "pending"  # accepted, waiting for the capacity service's decision
CONFIRMED: Final = "confirmed"
WAITLISTED: Final = "waitlisted"
OFFERED: Final = "offered"
CANCELLED: Final = "cancelled"
REJECTED: Final = "rejected"

# Statuses that hold or wait for a seat: they count for duplicates and quotas.
ACTIVE: Final = (PENDING, CONFIRMED, WAITLISTED, OFFERED)
