"""Identifiers and facts from text: every extractor run once, overlaps resolved, offsets into the input.

`extract_entities` is the one entry point every caller uses (the scan, `trailguard extract`, chat analysis,
the evaluation scripts), so a text yields the same entities wherever it is read.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from trailguard.extract.ages import find_ages
from trailguard.extract.crypto import find_wallets
from trailguard.extract.emails import find_emails
from trailguard.extract.handles import find_handles
from trailguard.extract.phones import find_phones
from trailguard.extract.places import find_places
from trailguard.extract.prices import find_prices
from trailguard.extract.regions import item_regions
from trailguard.extract.urls import find_urls
from trailguard.model import Entity

# A digit run starting with a trunk "0" (not "00"): the only numbers other regions can read.
_TRUNK = re.compile(r"(?<![0-9])0[1-9]")
# A number, age, price or place found *inside* an identifier's span is part of that identifier (the digits of
# a URL path, the "22" of "jade22@example.com"), not a fact of its own. A phone inside a messaging handle is
# kept: "WhatsApp 646-555-0120" names both the account and the number, and linking needs the number; so is a
# phone inside a URL ("wa.me/16175550123", ".../call-617-555-0123"): ads put their number in links, and the
# phone rules (validity, figures) apply to it as anywhere.
_CONTAINERS: dict[str, frozenset[str]] = {
    "phone": frozenset({"email", "crypto", "payment"}),
    "age": frozenset({"email", "url", "crypto", "payment", "handle"}),
    "price": frozenset({"email", "url", "crypto", "payment", "handle"}),
    "place": frozenset({"email", "url", "crypto", "payment", "handle"}),
}
# A price whose amount *starts* inside a phone number is the number's tail read as a rate ("call +61 491 570 156
# for an hour" is not a rate of 156), although its unit runs past the number's end.
_TAIL_CONTAINERS: dict[str, frozenset[str]] = {"price": frozenset({"phone"})}
_CONTAINER_TYPES: frozenset[str] = frozenset().union(*_CONTAINERS.values(), *_TAIL_CONTAINERS.values())


def extract_entities(
    text: str, region: str = "US", message: int | None = None, regions: Sequence[str] = ()
) -> list[Entity]:
    """All entities in `text`, sorted by position; `message` (a chat message index) is set on each.

    `regions` are the item's own candidate phone regions (extract.regions.item_regions of its location and
    platform); the places and country names of the text are added to them when it holds a number written
    with a trunk prefix ("03 9699 1047")."""
    found: list[Entity] = []
    places = find_places(text)
    if _TRUNK.search(text):
        regions = (*regions, *item_regions(None, None, places, text))
    found += find_wallets(text)
    found += find_emails(text)
    found += find_urls(text)
    found += find_handles(text)
    found += find_phones(text, region, tuple(dict.fromkeys(regions)))
    found += find_prices(text)
    found += find_ages(text)
    found += places
    kept = _drop_handles_into_urls(_drop_contained(found))
    if message is not None:
        for e in kept:
            e.message = message
    kept.sort(key=lambda e: (e.start, e.end, e.type))
    return kept


def _drop_handles_into_urls(found: list[Entity]) -> list[Entity]:
    """`found` without the handles whose name runs into a URL: in "WhatsApp https://wa.me/1..." or "whatsapp:
    wa.me/1..." the cue's next word is the link itself, not an account, and `whatsapp:https` or
    `whatsapp:wa.me` would then join every ad that links its number the same way."""
    urls = sorted((e.start, e.end) for e in found if e.type == "url")
    if not urls:
        return found
    starts = [u[0] for u in urls]

    def into_url(e: Entity) -> bool:
        k = bisect_right(starts, e.end - 1) - 1  # the last URL starting before the handle's last character
        return k >= 0 and urls[k][0] >= e.start and urls[k][1] >= e.end - 1

    return [e for e in found if e.type != "handle" or not into_url(e)]


def _drop_contained(found: list[Entity]) -> list[Entity]:
    """`found` without the entities that lie inside a container span of a type that absorbs them (or, for
    `_TAIL_CONTAINERS`, start inside one).

    A sweep over spans sorted by start keeps this O(E log E): a text crafted to hold thousands of prices and
    ages must not cost the square of their number.
    """
    containers = sorted((e.start, e.end, e.type) for e in found if e.type in _CONTAINER_TYPES)
    if not containers:
        return found
    starts = [c[0] for c in containers]
    # For each prefix of `containers`, the furthest end reached so far by each container type.
    reach: list[dict[str, int]] = []
    furthest: dict[str, int] = {}
    for _start, end, kind in containers:
        if end > furthest.get(kind, -1):
            furthest = {**furthest, kind: end}
        reach.append(furthest)
    kept = []
    for e in found:
        outer = _CONTAINERS.get(e.type)
        if outer:
            k = bisect_right(starts, e.start) - 1  # containers that start at or before this entity
            if k >= 0 and (
                any(reach[k].get(kind, -1) >= e.end for kind in outer)
                or any(reach[k].get(kind, -1) > e.start for kind in _TAIL_CONTAINERS.get(e.type, ()))
            ):
                continue
        kept.append(e)
    return kept
