"""How posters write a phone number so that filters miss it: the obfuscations of the held-out generator.

Written for benchmarks/heldout without reading Trailguard's extractors; the forms come from how numbers are
disguised on real boards (number words, spacing, look-alike letters, glued forms, emoji digits, odd
separators, national forms with a leading zero). Standard library only.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# Homophones people use for 2 and 4 ("to", "for") and the letter O for zero.
ALT_WORDS = {"0": ["oh", "o", "zero"], "2": ["to", "two"], "4": ["for", "four"]}
TEENS = {
    "10": "ten",
    "11": "eleven",
    "12": "twelve",
    "13": "thirteen",
    "14": "fourteen",
    "15": "fifteen",
    "16": "sixteen",
    "17": "seventeen",
    "18": "eighteen",
    "19": "nineteen",
}
# Letters that pass for digits.
LOOKALIKE = {"1": ["I", "l", "|"], "0": ["O", "o"]}
KEYCAP = "\ufe0f\u20e3"
FULLWIDTH_ZERO = 0xFF10
BOLD_ZERO = 0x1D7CE

STYLES = [
    "plain",
    "plain_intl",
    "spaced",
    "dotted",
    "words",
    "mixed",
    "lookalike",
    "glued",
    "tofor",
    "teens",
    "emoji",
    "fullwidth",
    "separators",
    "double",
    "url",
]


@dataclass(frozen=True)
class Phone:
    """A fictional number: its region (US, GB, AU), national digits (with the trunk 0 outside the US)."""

    region: str
    national: str

    @property
    def e164(self) -> str:
        if self.region == "US":
            return "+1" + self.national
        code = {"GB": "+44", "AU": "+61"}[self.region]
        return code + self.national[1:]

    def groups(self) -> list[str]:
        """The digit groups people write: 3-3-4 in the US, 5-6 in the UK, 4-3-3 in Australia."""
        d = self.national
        if self.region == "US":
            return [d[:3], d[3:6], d[6:]]
        if self.region == "GB":
            return [d[:5], d[5:]]
        return [d[:4], d[4:7], d[7:]]


def _word(digit: str, rng: random.Random, alt: bool) -> str:
    if alt and digit in ALT_WORDS:
        return rng.choice(ALT_WORDS[digit])
    return WORDS[int(digit)]


def _plain(p: Phone, rng: random.Random) -> str:
    g = p.groups()
    if p.region == "US":
        return rng.choice(
            [
                f"({g[0]}) {g[1]}-{g[2]}",
                f"{g[0]}-{g[1]}-{g[2]}",
                f"{g[0]}.{g[1]}.{g[2]}",
                f"{g[0]} {g[1]} {g[2]}",
                p.national,
                f"1-{g[0]}-{g[1]}-{g[2]}",
            ]
        )
    return rng.choice([" ".join(g), p.national, f"({g[0]}) {' '.join(g[1:])}"])


def _intl(p: Phone, rng: random.Random) -> str:
    e = p.e164
    if p.region == "US":
        return rng.choice([f"+1 {e[2:5]} {e[5:8]} {e[8:]}", f"+1-{e[2:5]}-{e[5:8]}-{e[8:]}", e])
    cc = e[:3]
    rest = e[3:]
    if p.region == "GB":
        return rng.choice([f"{cc} {rest[:4]} {rest[4:]}", e, f"{cc} (0){rest[:4]} {rest[4:]}"])
    return rng.choice([f"{cc} {rest[:3]} {rest[3:6]} {rest[6:]}", e])


def _per_digit(p: Phone, rng: random.Random, each: Callable[[str], str], inner: str, outer: list[str]) -> str:
    sep = rng.choice(outer)
    return sep.join(inner.join(each(ch) for ch in grp) for grp in p.groups())


def _mixed_digit(ch: str, rng: random.Random, alt: bool, look: bool) -> str:
    r = rng.random()
    if look and ch in LOOKALIKE and r < 0.45:
        return rng.choice(LOOKALIKE[ch])
    if r < 0.55:
        return ch
    return _word(ch, rng, alt)


def _teens(p: Phone, rng: random.Random) -> str:
    """Digits in pairs where a pair reads as a teen word ("six seventeen"), the rest digit by digit."""
    out = []
    for grp in p.groups():
        parts: list[str] = []
        i = 0
        while i < len(grp):
            pair = grp[i : i + 2]
            if pair in TEENS and rng.random() < 0.8:
                parts.append(TEENS[pair])
                i += 2
            else:
                parts.append(rng.choice([grp[i], WORDS[int(grp[i])]]))
                i += 1
        out.append(" ".join(parts))
    return rng.choice([" ", " - ", ", "]).join(out)


def _double(p: Phone, rng: random.Random) -> str:
    """British habit: "double seven", "triple five" for repeated digits."""
    out = []
    for grp in p.groups():
        parts: list[str] = []
        i = 0
        while i < len(grp):
            j = i
            while j < len(grp) and grp[j] == grp[i]:
                j += 1
            run = j - i
            word = _word(grp[i], rng, alt=grp[i] == "0")
            if run == 3:
                parts.append(f"triple {word}")
            elif run == 2:
                parts.append(f"double {word}")
            else:
                parts.extend(_word(c, rng, alt=c == "0") for c in grp[i:j])
            i = j
        out.append(" ".join(parts))
    return " ".join(out)


def _url(p: Phone, rng: random.Random) -> str:
    digits = p.e164[1:]
    return rng.choice(
        [
            f"https://wa.me/{digits}",
            f"wa.me/{digits}",
            f"tel:{p.e164}",
            f"https://api.whatsapp.com/send?phone={digits}",
            f"sms:{p.e164}",
        ]
    )


def render(p: Phone, style: str, rng: random.Random) -> str:
    """The number written in one style; every style keeps all digits recoverable by a careful reader."""
    if style == "plain":
        return _plain(p, rng)
    if style == "plain_intl":
        return _intl(p, rng)
    if style == "spaced":
        return _per_digit(p, rng, lambda c: c, " ", ["  ", " ", " - "])
    if style == "dotted":
        return _per_digit(p, rng, lambda c: c, ".", [".", " . ", ".."])
    if style == "words":
        alt = rng.random() < 0.3
        return _per_digit(p, rng, lambda c: _word(c, rng, alt), " ", [" ", " - ", ", "])
    if style == "mixed":
        return _per_digit(p, rng, lambda c: _mixed_digit(c, rng, False, False), "", [" ", "-", " "])
    if style == "lookalike":
        return _per_digit(
            p, rng, lambda c: rng.choice(LOOKALIKE[c]) if c in LOOKALIKE else c, "", ["-", " ", ".", ""]
        )
    if style == "glued":
        return _per_digit(p, rng, lambda c: _mixed_digit(c, rng, True, True), "", ["-", " ", ""])
    if style == "tofor":
        return _per_digit(p, rng, lambda c: rng.choice(ALT_WORDS[c]) if c in "24" else c, "", [" ", "-"])
    if style == "teens":
        return _teens(p, rng)
    if style == "emoji":
        return _per_digit(p, rng, lambda c: c + KEYCAP, "", [" ", "-", ""])
    if style == "fullwidth":
        base = rng.choice([FULLWIDTH_ZERO, BOLD_ZERO])
        return _per_digit(p, rng, lambda c: chr(base + int(c)), "", [" ", "-"])
    if style == "separators":
        sep = rng.choice(["$", ";", "'", '"', "*", "/"])
        return sep.join(p.groups())
    if style == "double":
        return _double(p, rng)
    if style == "url":
        return _url(p, rng)
    raise ValueError(f"unknown style {style!r}")
