"""The hash page's Send: a person's PDQ and MD5 codes become a victim submission in the hash bank, and the
withdrawal reference they get back takes it out again at their word.

The bank's case reference is the SHA-256 of the withdrawal reference (prefixed `public:`), so whoever can read
the bank cannot withdraw a person's request, and the person needs nothing but their reference.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

from trailguard.frontline.references import digest, new_reference
from trailguard.store import banks

PREFIX = "TGW"
ACTOR = "public"
LENGTHS = {"pdq": 64, "md5": 32}


def case_ref(reference: str) -> str:
    return f"public:{digest(reference)}"


def checked_hex(what: str, value: str | None) -> str | None:
    """`value` in lower case if it is a hex code of the right length for `what` (pdq, md5), None if empty."""
    if not value:
        return None
    if len(value) != LENGTHS[what] or not re.fullmatch(r"[0-9a-fA-F]+", value):
        raise ValueError(f"{what} must be {LENGTHS[what]} hexadecimal characters")
    return value.lower()


def submit(engine: Engine, pdq: str | None, quality: int | None, md5: str | None) -> str:
    """Add the codes as one person's request; the withdrawal reference. ValueError for bad codes."""
    pdq, md5 = checked_hex("pdq", pdq), checked_hex("md5", md5)
    if quality is not None and not 0 <= quality <= 100:
        raise ValueError("quality must be 0..100")
    reference = new_reference(PREFIX)
    report = banks.submit_victim_hash(
        engine, case_ref=case_ref(reference), pdq=pdq, quality=quality, md5=md5, submitted_by=ACTOR
    )
    if report.rejected:
        raise ValueError("; ".join(reason for _, reason in report.rejected))
    return reference


def withdraw(engine: Engine, reference: str) -> int:
    """Withdraw every active entry of the request with this reference; how many (0: none or already done)."""
    try:
        return banks.withdraw(
            engine,
            banks.VICTIM_BANK,
            by=ACTOR,
            reason="withdrawn by the person who asked",
            case_ref=case_ref(reference),
        )
    except KeyError:  # no victim-submission bank yet: nothing was ever submitted
        return 0
