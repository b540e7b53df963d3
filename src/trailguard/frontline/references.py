"""Follow-up references handed to the public: unguessable, easy to read out, stored only as a hash.

Whoever holds a reference may ask for a report's status or withdraw a hash submission, so it is a secret:
120 random bits, and the database keeps SHA-256 of it, never the reference itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

_SHAPE = re.compile(r"^[A-Z]{3}(-[A-Z2-7]{4}){6}$")
MAX_LENGTH = 64


def new_reference(prefix: str) -> str:
    """`prefix` (three letters) and 24 base32 characters in groups of four: 120 bits from `secrets`."""
    body = base64.b32encode(secrets.token_bytes(15)).decode()
    return prefix + "".join(f"-{body[i : i + 4]}" for i in range(0, 24, 4))


def normalise(reference: str) -> str:
    """The reference as issued, from what a person typed (case, spaces); ValueError if it cannot be one."""
    text = re.sub(r"\s+", "", reference[:MAX_LENGTH]).upper()
    if not _SHAPE.match(text):
        raise ValueError("this is not a reference we issue (it looks like ABC-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX)")
    return text


def digest(reference: str) -> str:
    return hashlib.sha256(normalise(reference).encode()).hexdigest()
