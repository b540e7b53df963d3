"""Email addresses, plain and disguised ("jane at example dot com", "jane (at) example [dot] com").

The standard library parses addresses (`email.utils`) but does not find them in prose, let alone spelled-out
ones, so the recognisers are hand-written regular expressions. Disguised forms must end in a well-known
top-level domain (see `urls.KNOWN_TLDS`), which keeps prose such as "meet me at home dot" out.
"""

from __future__ import annotations

import re

from trailguard.extract.urls import DISGUISED_DOT, TLD_ALTERNATION, lower_same_length
from trailguard.model import Entity

_LOCAL = r"[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9_])?"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Anchored on the "@" (or its disguise) and read outwards: scanning for the local part at every position of
# the text was the extractor's main cost.
_LOCAL_RE = re.compile(_LOCAL, re.IGNORECASE)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_PLAIN_DOMAIN = re.compile(rf"@((?:{_LABEL}\.){{1,8}}[a-z]{{2,24}})(?![\w-])", re.IGNORECASE)
# "@" or its disguise (bracketed or spaced "at"), searched in the lower-cased copy; surrounding spaces are
# taken in code, because a pattern that starts with \s* is tried at every position of the text.
_AT = re.compile(r"@|[\[({<] ?at ?[\])}>]|\sat\s")
_MAX_SPACES = 3
# Disguised ".": bracketed or spelled "dot", or a real "." with spaces around it (only after a disguised @).
_DOT = rf"(?:{DISGUISED_DOT}|\s*\.\s*)"
_DISGUISED_DOMAIN = re.compile(rf"((?:{_LABEL}{_DOT}){{1,4}})({TLD_ALTERNATION})(?![\w-])", re.IGNORECASE)
_AT_HINTS = ("@", "at")
_DOT_RE = re.compile(_DOT, re.IGNORECASE)
# Words that precede a spaced "at" in ordinary prose ("text me at", "I'm at"); never the local part of an email.
_PROSE_LOCALS = frozenset(
    [
        "me",
        "i",
        "im",
        "am",
        "us",
        "you",
        "him",
        "her",
        "them",
        "it",
        "here",
        "there",
        "home",
        "back",
        "out",
        "arrive",
        "arrived",
        "meet",
        "see",
        "look",
        "text",
        "call",
        "email",
        "mail",
        "contact",
        "reach",
        "write",
        "hit",
        "available",
        "staying",
        "stay",
        "living",
        "live",
        "based",
        "work",
        "working",
        "are",
        "is",
        "was",
        "be",
        "now",
        "currently",
        "located",
        "found",
        "online",
        "visit",
        "visiting",
        "pics",
        "photos",
        "more",
        "info",
        "details",
        "book",
        "booking",
        "apply",
        "click",
        "go",
        "find",
        "listed",
        "posted",
        "only",
    ]
)
_MAX_LOCAL = 64


def _local_before(text: str, at: int) -> tuple[int, str] | None:
    """The local part ending at `at`, read backwards (a regex search for it would backtrack quadratically)."""
    start = at
    while start > 0 and text[start - 1] in _LOCAL_CHARS:
        start -= 1
        if at - start > _MAX_LOCAL:
            return None
    dots = text.rfind("..", start, at)
    if dots != -1:  # "mail me...jade@": a local part never holds consecutive dots
        start = dots + 2
    while start < at and not text[start].isalnum():
        start += 1
    local = text[start:at]
    return (start, local) if local and _LOCAL_RE.fullmatch(local) else None


def find_emails(text: str) -> list[Entity]:
    """Email addresses; `obfuscated` marks the disguised forms. Values are lower-case."""
    lowered = lower_same_length(text)
    if not any(hint in lowered for hint in _AT_HINTS):
        return []
    found: list[Entity] = []
    end_of_last = 0
    for at in _AT.finditer(lowered):
        left, right = at.start(), at.end()
        while left > 0 and at.start() - left < _MAX_SPACES and text[left - 1].isspace():
            left -= 1
        while right < len(text) and right - at.end() < _MAX_SPACES and text[right].isspace():
            right += 1
        if left < end_of_last:
            continue
        found_local = _local_before(text, left)
        if found_local is None or found_local[0] < end_of_last:
            continue
        local_start, local = found_local
        is_plain = at.group(0) == "@" and left == at.start() and right == at.end()
        plain = _PLAIN_DOMAIN.match(text, at.start()) if is_plain else None
        if plain is not None:
            value = f"{local}@{plain.group(1)}".lower()
            found.append(Entity("email", value, text[local_start : plain.end()], local_start, plain.end()))
            end_of_last = plain.end()
            continue
        domain = _DISGUISED_DOMAIN.match(text, right)
        spaced_at = at.group(0).strip() == "at"
        if domain is None or (spaced_at and local.lower() in _PROSE_LOCALS):
            continue
        host = _DOT_RE.sub(".", domain.group(1)) + domain.group(2)
        value = f"{local}@{host}".lower()
        raw = text[local_start : domain.end()]
        found.append(Entity("email", value, raw, local_start, domain.end(), obfuscated=True))
        end_of_last = domain.end()
    return found
