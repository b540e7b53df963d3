"""Identifiers and facts from text: every extractor run once, overlaps resolved, offsets into the input.

`extract_entities` is the one entry point every caller uses (the scan, `trailguard extract`, chat analysis,
the evaluation scripts), so a text yields the same entities wherever it is read.
"""

from __future__ import annotations

from trailguard.extract.ages import find_ages
from trailguard.extract.crypto import find_wallets
from trailguard.extract.emails import find_emails
from trailguard.extract.handles import find_handles
from trailguard.extract.phones import find_phones
from trailguard.extract.places import find_places
from trailguard.extract.prices import find_prices
from trailguard.extract.urls import find_urls
from trailguard.model import Entity

# A number, age, price or place found *inside* an identifier's span is part of that identifier (the digits of
# a URL path, the "22" of "jade22@example.com"), not a fact of its own. A phone inside a messaging handle is
# kept: "WhatsApp 646-555-0120" names both the account and the number, and linking needs the number.
_CONTAINERS: dict[str, frozenset[str]] = {
    "phone": frozenset({"email", "url", "crypto", "payment"}),
    "age": frozenset({"email", "url", "crypto", "payment", "handle"}),
    "price": frozenset({"email", "url", "crypto", "payment", "handle"}),
    "place": frozenset({"email", "url", "crypto", "payment", "handle"}),
}


def extract_entities(text: str, region: str = "US", message: int | None = None) -> list[Entity]:
    """All entities in `text`, sorted by position; `message` (a chat message index) is set on each."""
    found: list[Entity] = []
    found += find_wallets(text)
    found += find_emails(text)
    found += find_urls(text)
    found += find_handles(text)
    found += find_phones(text, region)
    found += find_prices(text)
    found += find_ages(text)
    found += find_places(text)
    spans = [(e.type, e.start, e.end) for e in found]
    kept = []
    for e in found:
        outer = _CONTAINERS.get(e.type)
        if outer and any(kind in outer and s <= e.start and e.end <= t for kind, s, t in spans):
            continue
        if message is not None:
            e.message = message
        kept.append(e)
    kept.sort(key=lambda e: (e.start, e.end, e.type))
    return kept
