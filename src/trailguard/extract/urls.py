"""Web addresses in ad and chat text, including the "example dot com" forms used to slip past filters.

Parsing and re-assembly use `urllib.parse`; what no library does is *find* addresses in prose, so the
recognisers below are hand-written: a scheme form, a `www.` form, a bare-domain form limited to well-known
top-level domains (so "e.g." or "file.jpg" are not addresses), and the spelled-out "dot" form.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from urllib.parse import urlsplit, urlunsplit

from trailguard.model import Entity

MAX_URL = 2048  # longer runs are cut here: no real ad link is longer, and it bounds the work per match

# Top-level domains accepted where nothing else says "this is an address" (bare domains, spelled-out dots,
# disguised emails). Generic TLDs common in ads and chats plus frequent country codes; words that are also
# ordinary English ("in", "is", "at", "me" is kept because of paypal.me / t.me) are left out on purpose.
KNOWN_TLDS: frozenset[str] = frozenset(
    [
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "io",
        "co",
        "me",
        "us",
        "uk",
        "ca",
        "au",
        "nz",
        "de",
        "fr",
        "es",
        "it",
        "nl",
        "be",
        "ch",
        "at",
        "se",
        "no",
        "dk",
        "fi",
        "pl",
        "ru",
        "ua",
        "cz",
        "pt",
        "ie",
        "mx",
        "br",
        "ar",
        "cl",
        "jp",
        "cn",
        "kr",
        "tw",
        "hk",
        "sg",
        "my",
        "ph",
        "th",
        "vn",
        "id",
        "za",
        "ng",
        "ke",
        "xyz",
        "app",
        "dev",
        "site",
        "online",
        "live",
        "club",
        "top",
        "link",
        "shop",
        "store",
        "blog",
        "tech",
        "space",
        "website",
        "icu",
        "vip",
        "fun",
        "pro",
        "page",
        "example",
        "test",
        "invalid",
        "localhost",
        "onion",
        "ly",
        "gg",
        "tv",
        "cc",
        "to",
        "ws",
        "fm",
    ]
)
TLD_ALTERNATION = "|".join(sorted(KNOWN_TLDS, key=len, reverse=True))

_URL_CHARS = r"[^\s<>\"'`{}|\\^\[\]]"
_SCHEME_URL = re.compile(rf"(?<![\w.])(?:https?|ftp)://{_URL_CHARS}{{1,{MAX_URL}}}", re.IGNORECASE)
_WWW_URL = re.compile(rf"(?<![\w.@/])www\.{_URL_CHARS}{{1,{MAX_URL}}}", re.IGNORECASE)
# Bare domains are anchored on ".<known tld>" (a literal-prefixed search, cheap) and read outwards.
_TLD_AFTER_DOT = re.compile(rf"\.(?:{TLD_ALTERNATION})(?![\w-])", re.IGNORECASE)
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,6}[a-z]{2,24}", re.IGNORECASE)
_PATH = re.compile(rf"[/?#]{_URL_CHARS}{{0,{MAX_URL}}}")
# "example dot com", "example (dot) com", "example[.]com": a label, a disguised dot, a known TLD.
DISGUISED_DOT = r"(?:\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+)"
_SPELLED_URL = re.compile(
    rf"(?<![\w.@-])((?:[a-z0-9][a-z0-9-]{{0,62}}{DISGUISED_DOT}){{1,4}})({TLD_ALTERNATION})(?![\w-])",
    re.IGNORECASE,
)
_DISGUISED_DOT_RE = re.compile(DISGUISED_DOT, re.IGNORECASE)
_SPELLED_ANCHOR = re.compile(r"dot|[\[({<] ?\. ?[\])}>]")
_SPELLED_BEFORE = 64 + 8  # one label and its spacing: a match includes the first disguised dot it meets
_SPELLED_AFTER = 4 * (64 + 8) + 24  # up to four more labels and the TLD
_TRAILING = ".,;:!?'\")]}>*"
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}


class SpanSet:
    """Non-overlapping spans already claimed, with O(log n) overlap tests: hostile text can hold thousands of
    candidates, and a linear scan per candidate would make extraction quadratic."""

    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start)
        if i > 0 and self.ends[i - 1] > start:
            return True
        return i < len(self.starts) and self.starts[i] < end

    def add(self, start: int, end: int) -> bool:
        """Claim start..end unless it overlaps a claimed span; True when claimed."""
        if self.overlaps(start, end):
            return False
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        return True


def lower_same_length(text: str) -> str:
    """`text.lower()` with offsets intact: the few characters whose lower case is longer ("İ") stay as they are.

    Lets the hot-path extractors search a lower-cased copy with case-sensitive patterns (about twice as fast
    as re.IGNORECASE) and still report offsets into the original.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def _trim(raw: str) -> str:
    """Drop sentence punctuation after a link, keeping a ')' that closes a '(' inside it (wiki-style links)."""
    while raw and raw[-1] in _TRAILING:
        if raw[-1] == ")" and raw.count("(") >= raw.count(")"):
            break
        raw = raw[:-1]
    return raw


def _idna_host(host: str) -> str | None:
    host = host.lower().rstrip(".")
    if not host or len(host) > 253:
        return None
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def normalize_url(raw: str) -> str | None:
    """Canonical form used for linking: lower-case scheme and host (IDNA), no default port, no empty path, no
    `#fragment` (a place within the page, never sent to the server: "…/ad#photos" is the same page as "…/ad").

    "www." and the scheme are kept: they can name different sites. Returns None when the text does not parse
    as an address with a host.
    """
    text = raw if "://" in raw[:10] else "http://" + raw
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = _idna_host(parts.hostname or "")
    if not host or ("." not in host and host != "localhost"):
        return None
    netloc = host  # credentials ("user:pw@") are left out of the link key; the raw text keeps them
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    path = parts.path if parts.path not in ("", "/") else ""
    return urlunsplit((scheme, netloc, path, parts.query, ""))


_AT_BEFORE = re.compile(r"(?:\bat|[\[({<]\s*at\s*[\])}>]|@)\s*\Z", re.IGNORECASE)


class _EmailEnds:
    """Where disguised emails end: a domain ending there with an "at" before it belongs to that email
    ("jade at example dot com" is one email, not an email and a URL), while "look at example dot com" stays a
    URL. The first few questions read a short window before the domain (cheap on an ordinary ad); after that
    the email extractor runs once over the whole text, so hostile text with thousands stays linear."""

    _WINDOWED = 8
    _WINDOW = 90  # enough for a 64-character local part and a disguised "at"

    def __init__(self, text: str) -> None:
        self.text = text
        self.asked = 0
        self.ends: frozenset[int] | None = None

    def owns(self, start: int, end: int) -> bool:
        if not _AT_BEFORE.search(self.text, max(0, start - 12), start):
            return False
        from trailguard.extract.emails import find_emails  # emails imports this module's constants

        self.asked += 1
        if self.ends is None and self.asked <= self._WINDOWED:
            window = max(0, start - self._WINDOW)
            return any(window + e.end == end for e in find_emails(self.text[window:end]))
        if self.ends is None:
            self.ends = frozenset(e.end for e in find_emails(self.text))
        return end in self.ends


def _bare_domains(text: str, found: list[Entity], taken: SpanSet, emails: _EmailEnds) -> None:
    for m in _TLD_AFTER_DOT.finditer(text):
        if taken.overlaps(m.start(), m.start() + 1):
            continue
        start, end = m.start(), m.end()
        while start > 0 and text[start - 1] in _HOST_CHARS:
            start -= 1
        while end < len(text) and text[end] in _HOST_CHARS:
            end += 1
        while start < m.start() and text[start] in ".-":
            start += 1
        while end > m.end() and text[end - 1] in ".-":
            end -= 1
        if start > 0 and (text[start - 1] in "@/$" or text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # an email's domain, a path segment, a cashtag, or glued to other text
        host = text[start:end]
        if host.rsplit(".", 1)[-1].lower() not in KNOWN_TLDS or not _HOST.fullmatch(host):
            continue
        if emails.owns(start, end):
            continue
        path = _PATH.match(text, end)
        raw = _trim(text[start : path.end()]) if path else host
        value = normalize_url(raw)
        if value is None or not taken.add(start, start + len(raw)):
            continue
        found.append(Entity("url", value, raw, start, start + len(raw)))


def find_urls(text: str) -> list[Entity]:
    """Addresses with a scheme, `www.` addresses, bare domains on known TLDs and "dot"-spelled domains."""
    lowered = lower_same_length(text)
    spelled = " dot " in lowered or "dot)" in lowered or "dot]" in lowered or "[.]" in text or "(.)" in text
    if "." not in text and not spelled:
        return []
    found: list[Entity] = []
    taken = SpanSet()

    for pattern, hint in ((_SCHEME_URL, "://"), (_WWW_URL, "www.")):
        if hint not in lowered:
            continue
        for m in pattern.finditer(text):
            raw = _trim(m.group(0))
            start, end = m.start(), m.start() + len(raw)
            value = normalize_url(raw)
            if value is None or not taken.add(start, end):
                continue
            found.append(Entity("url", value, raw, start, end))
    emails = _EmailEnds(text)
    _bare_domains(text, found, taken, emails)
    if spelled:
        _spelled_domains(text, lowered, found, taken, emails)
    found.sort(key=lambda e: e.start)
    return found


def _spelled_domains(
    text: str, lowered: str, found: list[Entity], taken: SpanSet, emails: _EmailEnds
) -> None:
    """Searched only near spelled dots (the pattern starts with a label, which would otherwise be tried at
    every position): a match contains its first disguised dot, so it lies in that dot's window. Overlapping
    windows are merged and each merged region is searched once, which keeps hostile text linear."""
    regions: list[list[int]] = []
    for anchor in _SPELLED_ANCHOR.finditer(lowered):
        start = max(0, anchor.start() - _SPELLED_BEFORE)
        end = min(len(text), anchor.end() + _SPELLED_AFTER)
        if regions and start <= regions[-1][1]:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    for region_start, region_end in regions:
        for m in _SPELLED_URL.finditer(text, region_start, region_end):
            start, end = m.start(), m.end()
            if taken.overlaps(start, end) or emails.owns(start, end):
                continue
            host = _DISGUISED_DOT_RE.sub(".", m.group(1)) + m.group(2)
            value = normalize_url(host)
            if value is None:
                continue
            taken.add(start, end)
            found.append(Entity("url", value, m.group(0), start, end, obfuscated=True))
