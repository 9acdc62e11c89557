"""Registration ids derive from the request's CloudEvents (source, id): a replay of the same
input stream yields the same ids."""

import uuid

from tilmeld_contracts.ids import name_based_id

_NAMESPACE = uuid.UUID("5b0d3c2e-7f7a-4f0e-9d8e-3a1f2b6c9d10")


def registration_id(request_source: str, request_id: str) -> str:
    return name_based_id(_NAMESPACE, f"{request_source}\n{request_id}")
