"""Ages people state about themselves or others: "22 yrs", "I'm 19", "age: 21", "19yo", "twenty-two years old".

An age is only taken with an age cue around the number, because ads are full of other two-digit numbers
(prices, heights, measurements, phone fragments, "24/7"). Deliberately not ages:
- "18+" and "must be 18": an age *gate*, which says who may reply, not how old anyone is;
- "10 years experience", "20 years ago": durations;
- numbers outside 10..99.
Spelled-out ages ("twenty-two") are marked `obfuscated`, like spelled-out phone digits.
Hand-written because no library reads ages from prose; the number-word table is the only vocabulary.
"""

from __future__ import annotations

import re

from trailguard.extract.urls import SpanSet, lower_same_length
from trailguard.model import Entity

_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD_NUM = (
    rf"(?:(?:{'|'.join(_TENS)})(?:[\s-]?(?:{'|'.join(_UNITS)}))?|{'|'.join(_TEENS)})"  # twenty-two, nineteen
)
_NUM = rf"(?P<num>\d{{2}}|{_WORD_NUM})"
_YEARS = r"(?:years?|yrs?|yr\.?s?)"
# A number followed by a unit is a measure, not an age: "I'm 12 miles away", "I'm 14 weeks along", "age 12
# months warranty". A wrong minor age is costly (it places an ad in the critical band), so the list is broad.
_UNIT_AFTER = (
    r"dollars?|roses?|lbs?|kg|cm|ft|in\b|mins?|minutes?|hours?|hrs?\b|hh\b|days?\b|weeks?|wks?\b|months?|"
    r"mos?\b|mi\b|miles?|km\b|kms\b|kilomet|met(?:er|re)s?\b|yards?|blocks?|stops?|exits?|floors?|steps?|"
    r"percent|pct\b|times\b|points?|pts?\b"
)
_DURATION_WORDS = r"(?:of\s+)?(?:experience|exp\b|ago|in\b|into\b|later|since|running|service|business|work)"
_NOT_DURATION = rf"(?!\s*{_DURATION_WORDS})"
# ... and "I'm 10 years into this business" is a duration after a cue, as "10 years experience" is without one.
_AFTER_NUM = rf"(?![\d:/+%$€£]|[.,]\d|\s*(?:\+|%|\$|€|£|{_UNIT_AFTER}|'|\")|\s*{_YEARS}\s+{_DURATION_WORDS})"
_DURATION_BEFORE = re.compile(r"\b(?:for|over|past|last|than|been|after|within|about|almost|nearly)\s+$")
# All patterns run on a lower-cased copy (urls.lower_same_length) without IGNORECASE, which halves their cost.
# 19yo, 19 y/o, 19 y.o., 22 years old, 22 yrs, 22-year-old. Tried only where a number starts (see find_ages).
_NUMBER_THEN_YEARS = re.compile(
    rf"{_NUM}\s*[- ]?(?:(?P<old>y\s?/\s?o\b|y\.o\.?|yo\b|{_YEARS}[\s-]*(?:old|young)\b)|{_YEARS}\b{_NOT_DURATION})"
)
_NOT_BEFORE_NUMBER = frozenset("$€£.,/-_")
_DIGITS = re.compile(r"\d+")
_NUMBER_START = re.compile(rf"\d+|{_WORD_NUM}")
_WORD_HINTS = ("ty", "teen", "ten", "eleven", "twelve")
# "Our agency turned 15 this year": things have birthdays too. Not looked behind "we" either, whose
# anniversaries are the usual case ("we turned 10").
_NOT_A_PERSON = (
    r"(?<!agency )(?<!company )(?<!business )(?<!shop )(?<!store )(?<!salon )(?<!spa )(?<!club )"
    r"(?<!brand )(?<!site )(?<!page )(?<!website )(?<!account )(?<!channel )(?<!firm )(?<!we )(?<!it )"
)
# Cue first: "age: 21", "aged 21"; "I'm 19", "just turned 19".
_CUE_THEN_NUMBER = (
    ("age", re.compile(rf"\bage(?:d|\s+is)?\s*[:=-]?\s*{_NUM}\b{_AFTER_NUM}")),
    ("m", re.compile(rf"\b(?:i'?m|i\s+am|i’m)\s+(?:only\s+|just\s+)?{_NUM}\b{_AFTER_NUM}")),
    ("turn", re.compile(rf"{_NOT_A_PERSON}\bturn(?:ed|ing)\s+(?:only\s+|just\s+)?{_NUM}\b{_AFTER_NUM}")),
)


def _value(num: str) -> int | None:
    if num.isdigit():
        return int(num)
    words = re.split(r"[\s-]+", num)
    if len(words) == 1:
        return _TEENS.get(words[0]) or _TENS.get(words[0])
    return _TENS[words[0]] + _UNITS[words[1]]


def _number_then_years(lowered: str) -> list[re.Match[str]]:
    """Anchored on the numbers in the text: a pattern that starts with a number is otherwise tried at every
    position. Spelled numbers are only looked for when a number word could be present."""
    starts = _NUMBER_START if any(h in lowered for h in _WORD_HINTS) else _DIGITS
    out = []
    for n in starts.finditer(lowered):
        start = n.start()
        if start > 0 and (lowered[start - 1].isalnum() or lowered[start - 1] in _NOT_BEFORE_NUMBER):
            continue
        m = _NUMBER_THEN_YEARS.match(lowered, start)
        if m is None:
            continue
        if m.group("old") is None and _DURATION_BEFORE.search(lowered, max(0, start - 12), start):
            continue  # "for 10 years", "over 20 yrs": a duration
        out.append(m)
    return out


def find_ages(text: str) -> list[Entity]:
    """Stated ages between 10 and 99 as ints; raw spans the number and its cue ("22 yrs", "age: 21")."""
    lowered = lower_same_length(text)
    matches = _number_then_years(lowered)
    for hint, pattern in _CUE_THEN_NUMBER:
        if hint in lowered:
            matches += pattern.finditer(lowered)
    found: list[Entity] = []
    taken = SpanSet()
    for m in matches:
        start, end = m.start(), m.end()
        num = m.group("num")
        value = _value(num)
        if value is None or not 10 <= value <= 99 or not taken.add(start, end):
            continue
        found.append(Entity("age", value, text[start:end], start, end, obfuscated=not num.isdigit()))
    found.sort(key=lambda e: e.start)
    return found
