"""Billing facts for events whose fee is per organisation (networks, partnerships)."""

from tilmeld_contracts.catalog.v1 import EventDefinition


def fee_per_organisation(definition: EventDefinition) -> int | None:
    """The fee an organisation owes on enrolment, or None when the fee is per attendee."""
    return definition.fee.amount_dkk if definition.fee.per == "organisation" else None
