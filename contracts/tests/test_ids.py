"""The fast UUID strings are the uuid module's."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from tilmeld_contracts.ids import name_based_id, random_id

_NAMESPACE = uuid.UUID("5b0d3c2e-7f7a-4f0e-9d8e-3a1f2b6c9d10")


@given(name=st.text(max_size=200))
def test_a_name_based_id_is_uuid5s(name: str) -> None:
    assert name_based_id(_NAMESPACE, name) == str(uuid.uuid5(_NAMESPACE, name))
    assert name_based_id(uuid.NAMESPACE_URL, name) == str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def test_a_random_id_is_a_version_4_uuid_in_its_usual_form() -> None:
    ids = [random_id() for _ in range(1_000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text
