"""Stated names ("I'm Jade", "ask for Lily"): nobody else extracts them, and link needs them per number.

Several different names behind one number is a sign that one person controls others' contact. The pattern
is deliberately narrow (a capitalised word right after a self-introduction phrase) so that it reads names,
not nouns; it misses names written in other ways, which only makes the sign fire less often.
"""

from __future__ import annotations

import re

MAX_TEXT = 5_000  # attacker-written text: only the start is read
MAX_NAMES = 10
_NAME = r"([A-Z][a-z]{1,14})"
_PATTERNS = re.compile(
    rf"\b(?:I'?m|I am|[Mm]y name is|[Cc]all me|[Aa]sk for|[Tt]his is|[Ss]weet(?: young)?|[Mm]eet)\s+{_NAME}\b"
    rf"|\b{_NAME}(?: here\b| is new\b| is in\b| and friends\b|,\s*\d\d\b)"
)
# Capitalised words that follow the same cues in ordinary ads ("Call me Tonight", "Ask for Details", "This is
# Friday special"): days, months that are rarely given names, times of day and common ad words. No given-name
# list is installed (a package for it would add a dependency for one sign), so a stop list it is.
_NOT_NAMES = frozenset(
    """
    The New Here Back Not Real Available Only In On At Your Our My Very Just Now Hi Hello Call Text Me Always
    Sweet Independent Looking Monday Tuesday Wednesday Thursday Friday Saturday Sunday Weekend Weekends
    January February March August September October November December Today Tonight Tomorrow Anytime Morning
    Evening Night Afternoon Late Early Details Detail Info Information More Price Prices Rates Rate Specials
    Special Deal Deals Offer Offers Discount Sale Appointment Appointments Booking Bookings Questions Question
    Service Services Help Support Everyone Everybody Anyone Anything Everything Something Nothing Free Fun Good
    Great Best Top Hot Open Ready Sure Yes No Please Thanks Thank Visiting Last First Next This That What When
    Where Who How Why Quick Easy Cash Cheap Private Discreet Incall Outcall Ladies Girls Guys Men Gentlemen
    Staff Manager Management Reception Customer Customers Clients Client Owner Admin Team Us You It Him Her
    """.split()  # noqa: SIM905 (a word list reads better than 150 quoted strings)
)


def stated_names(text: str) -> list[str]:
    """Distinct stated names in order of first mention (bounded)."""
    found: list[str] = []
    for m in _PATTERNS.finditer(text[:MAX_TEXT]):
        name = m.group(1) or m.group(2)
        if name and name not in _NOT_NAMES and name not in found:
            found.append(name)
            if len(found) >= MAX_NAMES:
                break
    return found
