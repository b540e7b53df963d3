"""Social-media handles and payment handles: the accounts an ad or chat moves people to.

A handle is only recorded when the text names the platform: "sc: jane_doe", "add me on kik: janed", "IG @jane",
"t.me/jane". A bare "@jane" is *not* recorded: it could be any platform, and linking on it would merge
unrelated people who share a common nickname. Payment handles come from Cash App $cashtags, Venmo and PayPal.
No library recognises these phrasings, so the patterns are hand-written; they are bounded (names are at most
32 characters) and linear.

Handles are matched on the `textnorm.fold` skeleton: a zero-width space or soft hyphen inside a name
("jane\u200bdoe") or full-width letters ("ｊａｎｅ＿ｄｏｅ") neither cut nor hide it; offsets map back to the
original and such a match is `obfuscated`. Platform names are ASCII, so a name glued to a letter of another
script ("renée") or carrying an accent written as a combining mark is refused rather than cut to its ASCII part.
"""

from __future__ import annotations

import re
import unicodedata

from trailguard.extract.textnorm import Folded, fold, is_number_spelling
from trailguard.extract.urls import SpanSet, lower_same_length
from trailguard.model import Entity

# Cue word (lower-case) -> platform. Cues in _STRICT are common words or abbreviations; they only count when
# followed by an explicit separator (":", "=", "-", "@", "me", "id", "username"), so "snap a photo" or
# "no signal here" are not handles.
_CUES: dict[str, str] = {
    "snapchat": "snapchat",
    "snap": "snapchat",
    "sc": "snapchat",
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "telegram": "telegram",
    "tg": "telegram",
    "kik": "kik",
    "onlyfans": "onlyfans",
    "of": "onlyfans",
    "twitter": "twitter",
    "x": "twitter",
    "wechat": "wechat",
    "weixin": "wechat",
    "whatsapp": "whatsapp",
    "wa": "whatsapp",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
    "discord": "discord",
    "signal": "signal",
}
_STRICT = frozenset({"snap", "sc", "ig", "tg", "of", "x", "wa", "discord", "signal"})
# Factored by first letter: the regex engine then rejects most positions on one character.
_CUE = (
    r"(?:s(?:napchat|nap|c)|i(?:nstagram|nsta|g)|t(?:elegram|g|witter|ik\s?tok)|kik|onlyfans|"
    r"w(?:echat|eixin|hatsapp|a)|discord|signal)"
)
_NAME = r"[a-z0-9_](?:[a-z0-9._-]{0,30}[a-z0-9_])?"
_STRONG_WORDS = r"me|id|username|user|name|handle"
_SEP = rf"(?P<sep>(?:\s*(?:[:=>|–-]|\b(?:{_STRONG_WORDS}|is|at|on|add)\b))*\s*)"
_TAIL = rf"(?P<at>@)?(?P<name>{_NAME})(?:#(?P<disc>\d{{4}}))?(?![\w@])"
# Searched in a lower-cased copy of the text (see urls.lower_same_length), so no IGNORECASE. Patterns do not
# start with a look-behind (that disables the engine's first-character scan and triples the cost); the
# character before a match is checked in code (_starts_word).
_HANDLE_CUE = re.compile(rf"(?P<cues>{_CUE}(?:\s*(?:/|&|\+|,|\band\b|\bor\b)\s*{_CUE})*)\b{_SEP}{_TAIL}")
# "OF" (OnlyFans) and "X" (Twitter) are cues only in capitals; searched in the case-keeping skeleton.
_CASED_CUE = re.compile(rf"(?P<cues>OF|X)\b(?i:{_SEP}{_TAIL})")
_ONE_CUE = re.compile(rf"{_CUE}|OF|X", re.IGNORECASE)
_STRONG_SEP = re.compile(rf"[:=>|–-]|\b(?:{_STRONG_WORDS})\b", re.IGNORECASE)

# Profile addresses: host (and fixed path prefix) -> platform.
_PROFILE_HOSTS: dict[str, str] = {
    "t.me/": "telegram",
    "telegram.me/": "telegram",
    "instagram.com/": "instagram",
    "instagr.am/": "instagram",
    "snapchat.com/add/": "snapchat",
    "onlyfans.com/": "onlyfans",
    "twitter.com/": "twitter",
    "x.com/": "twitter",
    "tiktok.com/@": "tiktok",
    "kik.me/": "kik",
}
_PROFILE_URL = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?(?P<host>"
    + "|".join(re.escape(h) for h in sorted(_PROFILE_HOSTS, key=len, reverse=True))
    + rf")(?P<name>{_NAME})(?![\w@])"
)
# First path segments that are site pages, not accounts.
_RESERVED_PATHS = frozenset(
    [
        "p",
        "reel",
        "reels",
        "explore",
        "stories",
        "accounts",
        "home",
        "i",
        "intent",
        "share",
        "search",
        "joinchat",
        "s",
        "c",
        "login",
        "signup",
        "about",
        "legal",
        "privacy",
        "terms",
        "help",
        "hashtag",
        "settings",
        "tv",
        "direct",
        "addstickers",
        "proxy",
        "hashtags",
        "notifications",
        "messages",
    ]
)
# Words that follow a cue in ordinary sentences ("snap me now", "kik only") and are never taken as names.
_NOT_NAMES = frozenset(
    [
        "me",
        "my",
        "on",
        "at",
        "is",
        "id",
        "the",
        "and",
        "or",
        "to",
        "for",
        "only",
        "now",
        "here",
        "too",
        "also",
        "pls",
        "plz",
        "please",
        "dm",
        "dms",
        "msg",
        "message",
        "later",
        "anytime",
        "first",
        "back",
        "account",
        "acct",
        "page",
        "profile",
        "link",
        "name",
        "username",
        "handle",
        "info",
        "below",
        "above",
        "same",
        "it",
        "this",
        "that",
        "with",
        "you",
        "your",
        "babe",
        "baby",
        "hun",
        "us",
        "then",
        "there",
        "if",
        "not",
        "no",
        "yes",
        "ok",
        "okay",
        "free",
        "app",
        "call",
        "text",
        "chat",
        "video",
        "pics",
        "pic",
        "photos",
        "verified",
        "verify",
        "ready",
        "today",
        "tonight",
        "asap",
        "just",
        "available",
        "avail",
        "via",
        "add",
        "user",
        "from",
        "in",
        "of",
        "an",
        "a",
        "me2",
        "preferred",
        "best",
        "fastest",
    ]
)

_CASHTAG = re.compile(r"\$(?P<name>[a-z][a-z0-9_-]{0,19})(?![\w$])", re.IGNORECASE)
_CASHAPP_CUE = re.compile(r"cash\s?app|cash\.app|cashtag|\bca\s*:", re.IGNORECASE)
_CURRENCY_WORDS = frozenset({"usd", "us", "cad", "aud", "nzd", "eur", "gbp", "mxn", "btc", "eth", "usdt"})
_PAYMENT_HOSTS = ("cash.app/", "cash.me/", "venmo.com/", "paypal.me/", "paypal.com/")
_PAYMENT_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?P<host>cash\.app/\$|cash\.me/\$|venmo\.com/u/|venmo\.com/|"
    rf"paypal\.me/|paypal\.com/paypalme/)(?P<name>{_NAME})(?![\w@])"
)
_PAYMENT_CUE = re.compile(
    rf"(?P<cue>venmo|paypal|cash\s?app)\b(?P<sep>(?:\s*(?:[:=>|–-]|\b(?:me|is|at|id)\b))*\s*)"
    rf"(?P<sigil>[@$])?(?P<name>{_NAME})(?![\w@])"
)
_HANDLE_SHAPE = re.compile(r"[\d_.-]")  # what tells "jade_rose" or "mia22" from an ordinary word
_PAYMENT_SEP = re.compile(r"[:=>|–-]|\b(?:is|id)\b")  # "venmo: x", "cash app is x" ("venmo me later" is not)
_PAYMENT_PREFIX = {"cashapp": "cashapp:$", "venmo": "venmo:@", "paypal": "paypal:"}


def _payment_service(text: str) -> str:
    lowered = text.lower().replace(" ", "")
    if lowered.startswith(("cash", "cashapp")):
        return "cashapp"
    return "venmo" if lowered.startswith("venmo") else "paypal"


def _starts_word(text: str, start: int, forbidden: str) -> bool:
    """True when the match at `start` is not glued to a preceding word or to one of `forbidden`."""
    if start == 0:
        return True
    before = text[start - 1]
    return not (before.isalnum() or before == "_" or before in forbidden)


def _entity(folded: Folded, etype: str, value: str, start: int, end: int) -> Entity | None:
    """The entity for skeleton `[start, end)`, or None when the original spells an accented letter there
    (a base letter and a combining mark that compose): the ASCII skeleton would name someone else."""
    o_start, o_end, hidden = folded.locate(start, end)
    raw = folded.original[o_start:o_end]
    if hidden and unicodedata.normalize("NFC", raw) != raw:
        return None
    return Entity(etype, value, raw, o_start, o_end, obfuscated=hidden)


def _valid_name(name: str) -> bool:
    lowered = name.lower()
    return (
        3 <= len(name) <= 32
        and lowered not in _NOT_NAMES
        and not is_number_spelling(re.sub(r"[._-]", "", lowered))  # "WhatsApp two 0 six ...": a number
    )


def _social_handles(folded: Folded, lowered: str, out: list[Entity]) -> None:
    text = folded.text
    if any(host in lowered for host in _PROFILE_HOSTS):
        _profile_urls(folded, lowered, out)
    matches = list(_HANDLE_CUE.finditer(lowered))
    if "OF" in text or "X:" in text or "X @" in text or "X-" in text:
        matches += _CASED_CUE.finditer(text)
    for m in matches:
        name = m.group("name")
        if not _starts_word(lowered, m.start(), "@./$") or not _valid_name(name):
            continue
        cues = [c.group(0) for c in _ONE_CUE.finditer(m.group("cues"))]
        strong = m.group("at") is not None or _STRONG_SEP.search(m.group("sep")) is not None
        if not strong and any(c.lower() in _STRICT for c in cues):
            continue
        value_name = name.lower() + (f"#{m.group('disc')}" if m.group("disc") else "")
        seen: set[str] = set()
        for cue in cues:
            platform = _CUES[re.sub(r"\s+", " ", cue.lower())]
            if platform in seen:
                continue
            seen.add(platform)
            entity = _entity(folded, "handle", f"{platform}:{value_name}", m.start(), m.end())
            if entity is None:
                break
            out.append(entity)


def _profile_urls(folded: Folded, lowered: str, out: list[Entity]) -> None:
    for m in _PROFILE_URL.finditer(lowered):
        name = m.group("name")
        if name in _RESERVED_PATHS or not _valid_name(name) or not _starts_word(lowered, m.start(), ".@/-"):
            continue
        platform = _PROFILE_HOSTS[m.group("host")]
        entity = _entity(folded, "handle", f"{platform}:{name}", m.start(), m.end())
        if entity is not None:
            out.append(entity)


def _add_payment(folded: Folded, value: str, start: int, end: int, taken: SpanSet, out: list[Entity]) -> None:
    entity = _entity(folded, "payment", value, start, end)
    if entity is not None:
        out.append(entity)
    taken.add(start, end)  # claimed even when refused, so a cashtag inside it is not read on its own


def _payment_handles(folded: Folded, lowered: str, out: list[Entity]) -> None:
    """Payment URLs and cue phrases are searched in the lower-cased copy; cashtags in the skeleton, which keeps
    case (case tells a "$AAPL" ticker from a "$JaneDoe" cashtag)."""
    text = folded.text
    taken = SpanSet()
    urls = _PAYMENT_URL.finditer(lowered) if any(h in lowered for h in _PAYMENT_HOSTS) else ()
    for m in urls:
        name = m.group("name")
        if not _starts_word(lowered, m.start(), ".@/-"):
            continue
        if not _valid_name(name) and not m.group("host").endswith("$"):
            continue
        service = _payment_service(m.group("host"))
        _add_payment(folded, _PAYMENT_PREFIX[service] + name, m.start(), m.end(), taken, out)
    cues = (
        _PAYMENT_CUE.finditer(lowered)
        if "venmo" in lowered or "paypal" in lowered or "cash" in lowered
        else ()
    )
    for m in cues:
        name = m.group("name")
        if taken.overlaps(m.start(), m.end()) or not _valid_name(name):
            continue
        if not _starts_word(lowered, m.start(), ".@/"):
            continue
        if m.group("sigil") == "$" and name[0].isdigit():
            continue  # "cash app $150": an amount, not a cashtag
        if not (m.group("sigil") or _PAYMENT_SEP.search(m.group("sep")) or _HANDLE_SHAPE.search(name)):
            continue  # "cash app right now", "venmo works": a plain word is a name only after "$", "@", ":", "is"
        service = _payment_service(m.group("cue"))
        _add_payment(folded, _PAYMENT_PREFIX[service] + name, m.start(), m.end(), taken, out)
    for m in _CASHTAG.finditer(text):
        if taken.overlaps(m.start(), m.end()) or not _starts_word(text, m.start(), "$"):
            continue
        name = m.group("name")
        if name.lower() in _CURRENCY_WORDS:
            continue
        cued = _CASHAPP_CUE.search(text, max(0, m.start() - 40), m.start()) is not None
        if not cued and name.isupper() and name.isalpha() and len(name) <= 5:
            continue  # "$AAPL", "$BTC": tickers and currency codes, not cashtags
        entity = _entity(folded, "payment", f"cashapp:${name.lower()}", m.start(), m.end())
        if entity is not None:
            out.append(entity)


def find_handles(text: str) -> list[Entity]:
    """Social handles (type "handle", `platform:name`) and payment handles (type "payment")."""
    out: list[Entity] = []
    folded = fold(text)
    lowered = lower_same_length(folded.text)
    _social_handles(folded, lowered, out)
    if "$" in folded.text or "venmo" in lowered or "paypal" in lowered or "cash" in lowered:
        _payment_handles(folded, lowered, out)
    out.sort(key=lambda e: (e.start, e.type, e.value))
    return out
