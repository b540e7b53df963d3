"""Checks shared by the held-out sets' well-formedness tests: only fictional numbers and example domains."""

from __future__ import annotations

import re

from trailguard.model import Item

# Anything shaped like a phone number (not part of a user name): seven or more digits, optionally separated by spaces, dots, dashes
# or brackets. Each must be a fictional 555-01xx number.
PHONE_LIKE = re.compile(r"(?<!\w)\+?\d[\d ().-]{5,}\d(?!\w)")
FICTIONAL_PHONE = re.compile(r"^(\+1[ .-]?)?\(?555\)?[ .-]?01\d\d$")
# A host name: labels joined by dots ending in a common top-level domain. Each must be an example.* domain
# or sit under .example.
HOST = re.compile(
    r"\b((?:[a-z0-9-]+\.)+(?:com|net|org|io|co|me|app|gg|tv|info|biz|uk|de|ru|ua|ro|pl|ph|ng|ae|example))\b",
    re.IGNORECASE,
)


ROUND_RANGE = re.compile(r"^\d+00-\d+00$")


def assert_synthetic(item: Item) -> None:
    """Every phone-shaped string in the conversation is a fictional 555-01xx number, every host an example one."""
    texts = [item.platform or ""] + [f"{m.author}\n{m.text}" for m in item.messages]
    for text in texts:
        for number in PHONE_LIKE.findall(text):
            if ROUND_RANGE.match(number):
                continue  # "5000-8000": a salary range, not a number to call
            assert FICTIONAL_PHONE.match(number.strip()), (item.id, number)
        for host in HOST.findall(text):
            assert "example" in host.lower().split("."), (item.id, host)
