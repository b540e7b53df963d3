"""Email addresses, plain and disguised ("jane at example dot com", "jane (at) example [dot] com").

The standard library parses addresses (`email.utils`) but does not find them in prose, let alone spelled-out
ones, so the recognisers are hand-written regular expressions. Disguised forms must end in a well-known
top-level domain (see `urls.KNOWN_TLDS`), which keeps prose such as "meet me at home dot" out.

Addresses are matched on the `textnorm.fold` skeleton, so a zero-width space or soft hyphen inside an address
("jane\u200bdoe@example.com") or full-width letters do not cut or hide it; offsets map back to the original and
such a match is `obfuscated`. Local parts may hold letters of any script ("andré.dupont@example.com"), as
RFC 6531 allows: a pattern limited to ASCII would return the tail after the last accented letter and merge
different people on it. Domains stay ASCII (an IDN domain in ad text is not matched rather than cut).
"""

from __future__ import annotations

import re
import unicodedata

from trailguard.extract.textnorm import Folded, fold
from trailguard.extract.urls import DISGUISED_DOT, TLD_ALTERNATION, lower_same_length
from trailguard.model import Entity

# [^\W_] is a letter or digit of any script; \w adds "_" (RFC 6531 local parts).
_LOCAL = r"[^\W_](?:[\w.%+-]{0,62}\w)?"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Anchored on the "@" (or its disguise) and read outwards: scanning for the local part at every position of
# the text was the extractor's main cost.
_LOCAL_RE = re.compile(_LOCAL, re.IGNORECASE)
_LOCAL_SYMBOLS = frozenset("_.%+-")
# From U+2E80 on lie the CJK, kana and Hangul blocks: text in those scripts runs on without spaces
# ("邮箱jane@example.com"), so such a character ends a local part instead of joining it.
_SPACELESS_SCRIPTS = "\u2e80"
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
    while (
        start > 0 and (ch := text[start - 1]) < _SPACELESS_SCRIPTS and (ch.isalnum() or ch in _LOCAL_SYMBOLS)
    ):
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


def _local_value(folded: Folded, start: int, end: int, local: str) -> str:
    """The local part as written: the skeleton drops combining marks, so a decomposed "e\u0301" would read as
    "e"; composing the original first (NFC) keeps it "é", as the precomposed spelling gives."""
    if folded.text is folded.original:
        return local
    o_start, o_end = folded.span(start, end)
    written = folded.original[o_start:o_end]
    composed = unicodedata.normalize("NFC", written)
    if composed == written:
        return local
    value = fold(composed).text
    return value if _LOCAL_RE.fullmatch(value) else local


def find_emails(text: str) -> list[Entity]:
    """Email addresses; `obfuscated` marks the disguised forms and those with hidden or look-alike characters.
    Values are lower-case."""
    folded = fold(text)
    s = folded.text
    lowered = lower_same_length(s)
    if not any(hint in lowered for hint in _AT_HINTS):
        return []
    found: list[Entity] = []
    end_of_last = 0
    for at in _AT.finditer(lowered):
        left, right = at.start(), at.end()
        while left > 0 and at.start() - left < _MAX_SPACES and s[left - 1].isspace():
            left -= 1
        while right < len(s) and right - at.end() < _MAX_SPACES and s[right].isspace():
            right += 1
        if left < end_of_last:
            continue
        found_local = _local_before(s, left)
        if found_local is None or found_local[0] < end_of_last:
            continue
        local_start, local = found_local
        is_plain = at.group(0) == "@" and left == at.start() and right == at.end()
        plain = _PLAIN_DOMAIN.match(s, at.start()) if is_plain else None
        if plain is not None:
            value = f"{_local_value(folded, local_start, left, local)}@{plain.group(1)}".lower()
            start, end, hidden = folded.locate(local_start, plain.end())
            found.append(Entity("email", value, text[start:end], start, end, obfuscated=hidden))
            end_of_last = plain.end()
            continue
        domain = _DISGUISED_DOMAIN.match(s, right)
        spaced_at = at.group(0).strip() == "at"
        if domain is None or (spaced_at and local.lower() in _PROSE_LOCALS):
            continue
        host = _DOT_RE.sub(".", domain.group(1)) + domain.group(2)
        value = f"{_local_value(folded, local_start, left, local)}@{host}".lower()
        start, end, _ = folded.locate(local_start, domain.end())
        found.append(Entity("email", value, text[start:end], start, end, obfuscated=True))
        end_of_last = domain.end()
    return found
