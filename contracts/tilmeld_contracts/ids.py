"""UUID strings exactly as `str(uuid.uuid4())` and `str(uuid.uuid5(...))` give them, without
building a `uuid.UUID` on the way: its int conversions are most of the ~2-2.6 µs each of those
costs, and every sign-up needs several (the request's registration id, one per event written).
test_ids.py compares them with the uuid module's own."""

import hashlib
import os
import uuid


def random_id() -> str:
    """A random (version 4) UUID."""
    return _formatted(os.urandom(16), version=4)


def name_based_id(namespace: uuid.UUID, name: str) -> str:
    """The name-based (version 5, SHA-1) UUID of `name` in `namespace`."""
    return _formatted(
        hashlib.sha1(namespace.bytes + name.encode(), usedforsecurity=False).digest(), version=5
    )


def _formatted(raw: bytes, version: int) -> str:
    """The first 16 bytes as a UUID of `version` in RFC 4122's variant, in its usual text form."""
    octets = bytearray(raw[:16])
    octets[6] = (octets[6] & 0x0F) | (version << 4)
    octets[8] = (octets[8] & 0x3F) | 0x80
    text = octets.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
