"""Prices and rates: "$150/hr", "€80", "150 roses", "200 for an hour", "80hh".

value is the amount as a float; attrs carry `currency` (ISO code, or None when the text names none),
`unit` ("hour", "half hour", "visit", "overnight" or None) and `coded: True` for code words ("roses",
"donations") that stand in for money. A bare number is only a price when a rate unit or a code word
follows it, so phone numbers, ages, heights and times are not prices; "24 hours"/"24hr" (availability) is
excluded, and so is a number labelled as something else ("Route 66 overnight", "Speed 60 per hour").

Separators: a "." or "," followed by exactly three digits groups thousands, whatever the currency ("€1.000",
"1.000€", "$1,200", and "$1.000", which in peso ads is a thousand: no ad quotes three decimal places); one or
two digits after the last separator are the decimals ("$1.5", "€1,50", "€1.000,50"). An amount is never cut
short: "$1.2.3" is no price rather than $1.2. No library reads ad rates, so this is hand-written.
"""

from __future__ import annotations

import re
from typing import Any

from trailguard.extract.urls import SpanSet, lower_same_length
from trailguard.model import Entity

_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_CODES = {
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "gbp": "GBP",
    "pounds": "GBP",
    "cad": "CAD",
    "aud": "AUD",
    "mxn": "MXN",
    "pesos": "MXN",
}
_CODED = r"roses?|donations?|kisses|gifts?|flowers"
_AMOUNT = (
    r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?"  # 1,200  1,200.50
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?"  # 1.200  1.200,50
    r"|\d{1,5}(?:[.,]\d{1,2})?)"  # 150  19.99  1.5  1,50
    r"(?!\d|[.,]\d)"
)
# Unit phrases, longest first. "h" alone only when glued to the number ("150h").
_UNIT = (
    r"(?P<unit>half\s+(?:an?\s+)?(?:hour|hr)|1/2\s*(?:hour|hr|h)|hh|30\s*min(?:ute)?s?|"
    r"quick\s+visit|qv|qk|visit|session|overnight|night|"
    r"(?:1\s*|one\s+)?(?:hours?|hrs?))"
)
_UNIT_LINK = r"(?:\s*/\s*|\s*(?:per|an?|for\s+(?:an?|one|the|1)?|each)\s*|\s*)"
# All patterns run on a lower-cased copy (urls.lower_same_length), without IGNORECASE.
_PREFIX_SYMBOL = re.compile(rf"(?P<sym>[$€£¥])\s?{_AMOUNT}(?:{_UNIT_LINK}{_UNIT}\b)?")  # $150/hr
# The rest start with the amount; they are tried only where a digit run starts (see _anchored), with the
# character before it checked in code, because a pattern that starts with a number is otherwise tried at
# every position of the text.
_SUFFIX_SYMBOL = re.compile(rf"{_AMOUNT}\s?(?P<sym>[$€£¥])(?:{_UNIT_LINK}{_UNIT}\b)?")  # 150$
_WORD_PRICE = re.compile(
    rf"{_AMOUNT}\s*(?:(?P<code>{'|'.join(_CODES)})|(?P<coded>{_CODED}))\b(?:{_UNIT_LINK}{_UNIT}\b)?"
)
# "200 for an hour", "150/hr", "80hh", "120 per hour", "300 overnight": a bare number with a rate unit.
_BARE_RATE = re.compile(
    rf"{_AMOUNT}(?P<link>\s*/\s*|\s*(?:per|for\s+(?:an?|one|the|1)?|an?)\s*|\s?){_UNIT}\b(?![/-]\d)"
)
_DIGIT_RUN = re.compile(r"\d+")
# A label that makes the number after it an identifier or a measure, not an amount: a bare "66 overnight" after
# "route" is a road, "1549 overnight" after "flight" a flight, "60 per hour" after "speed" a speed.
_NOT_MONEY_BEFORE = re.compile(
    r"\b(?:route|rte|highway|hwy|interstate|exit|miles?|flight|flt|train|bus|gate|platform|room|rm|suite|apt|"
    r"floor|level|page|chapter|episode|season|model|version|build|posted|updated|since|year|yr|born|est|"
    r"speed|limit|temp|temperature|mph|kmh|number)\W{0,3}\Z|#\s?\Z"
)
_NOT_BEFORE_AMOUNT = frozenset(".,$€£¥:/+-_")
_AVAILABILITY = frozenset({24, 48, 72})
_MIN_BARE_RATE = 20  # "2 hr", "8 hours": counts of hours, not money


def _unit(text: str | None) -> str | None:
    if not text:
        return None
    t = text.lower()
    if "half" in t or "1/2" in t or t == "hh" or t.startswith("30"):
        return "half hour"
    if t in ("qv", "qk") or "visit" in t or t == "session":
        return "visit"
    if "night" in t:
        return "overnight"
    return "hour"


def _amount(m: re.Match[str]) -> float:
    """The amount as a number: one or two digits after the last separator are decimals, the rest groups."""
    text = m.group("amount")
    last = max(text.rfind("."), text.rfind(","))
    whole, fraction = (text[:last], text[last + 1 :]) if last >= 0 and len(text) - last <= 3 else (text, "0")
    return float(f"{whole.replace(',', '').replace('.', '')}.{fraction}")


def _bare_rate_ok(m: re.Match[str], lowered: str) -> bool:
    unit = m.group("unit")
    amount = _amount(m)
    glued_hours = unit.startswith(("hour", "hr")) and m.group("link").strip() == ""
    if glued_hours and (amount in _AVAILABILITY or unit.endswith("s")):
        return False  # "24 hours", "48hrs", "10 hours": a duration or availability, not a rate
    if unit.startswith(("1", "one")) and m.group("link").strip() == "":
        return False  # "2 1hr": two numbers, not a rate
    if m.group("amount").startswith("0"):
        return False  # "0123 for an hour": the tail of a phone number or a code; no rate starts with 0
    start = m.start()
    if _NOT_MONEY_BEFORE.search(lowered, max(0, start - 16), start):
        return False
    return amount >= _MIN_BARE_RATE


def _anchored(lowered: str) -> list[tuple[re.Match[str], dict[str, Any], bool]]:
    """Amount-first forms, tried at each digit run in turn: currency after, code word, bare rate."""
    out: list[tuple[re.Match[str], dict[str, Any], bool]] = []
    resume = 0
    for run in _DIGIT_RUN.finditer(lowered):
        start = run.start()
        if start < resume or (
            start > 0 and (lowered[start - 1].isalpha() or lowered[start - 1] in _NOT_BEFORE_AMOUNT)
        ):
            continue
        m = _SUFFIX_SYMBOL.match(lowered, start)
        if m is not None:
            out.append((m, {"currency": _SYMBOLS[m.group("sym")], "unit": _unit(m.group("unit"))}, False))
        elif (m := _WORD_PRICE.match(lowered, start)) is not None:
            if m.group("coded"):
                out.append((m, {"currency": None, "unit": _unit(m.group("unit")), "coded": True}, True))
            else:
                out.append((m, {"currency": _CODES[m.group("code")], "unit": _unit(m.group("unit"))}, False))
        elif (m := _BARE_RATE.match(lowered, start)) is not None and _bare_rate_ok(m, lowered):
            out.append((m, {"currency": None, "unit": _unit(m.group("unit"))}, False))
        else:
            continue
        resume = m.end()
    return out


def find_prices(text: str) -> list[Entity]:
    """Amounts with a currency, a code word or a rate unit; see the module docstring for what is excluded."""
    lowered = lower_same_length(text)
    found: list[Entity] = []
    candidates: list[tuple[re.Match[str], dict[str, Any], bool]] = []
    if any(sym in text for sym in _SYMBOLS):
        candidates += [
            (m, {"currency": _SYMBOLS[m.group("sym")], "unit": _unit(m.group("unit"))}, False)
            for m in _PREFIX_SYMBOL.finditer(lowered)
        ]
    candidates += _anchored(lowered)
    taken = SpanSet()
    for m, attrs, coded in candidates:
        start, end = m.start(), m.end()
        amount = _amount(m)
        if amount <= 0 or not taken.add(start, end):
            continue
        found.append(Entity("price", amount, text[start:end], start, end, coded, attrs=attrs))
    found.sort(key=lambda e: e.start)
    return found
