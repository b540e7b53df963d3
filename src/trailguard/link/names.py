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
_NOT_NAMES = frozenset(
    {
        "The",
        "New",
        "Here",
        "Back",
        "Not",
        "Real",
        "Available",
        "Only",
        "In",
        "On",
        "At",
        "Your",
        "Our",
        "My",
        "Very",
        "Just",
        "Now",
        "Hi",
        "Hello",
        "Call",
        "Text",
        "Me",
        "Always",
        "Sweet",
        "Independent",
        "Looking",
    }
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
