"""Topic names. Public ones are fixed by CONTRACT.md; internal ones are ours to change."""

CATALOG = "tilmeld.catalog"
SIGNUPS = "tilmeld.signups"
REGISTRATIONS = "tilmeld.registrations"
NOTIFICATIONS = "tilmeld.notifications"
DEADLETTER = "tilmeld.deadletter"
# Organisers' broadcasts to attendees (key = event id); an extension of the contract.
ORGANISER_MESSAGES = "tilmeld.organiser-messages"

# Commands for the capacity service (the single writer of seats) and its decisions.
CAPACITY_COMMANDS = "tilmeld.internal.capacity-commands"
CAPACITY_DECISIONS = "tilmeld.internal.capacity-decisions"

PUBLIC_TOPICS = (CATALOG, SIGNUPS, REGISTRATIONS, NOTIFICATIONS, DEADLETTER, ORGANISER_MESSAGES)
INTERNAL_TOPICS = (CAPACITY_COMMANDS, CAPACITY_DECISIONS)
