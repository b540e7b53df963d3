"""Fold attacker-styled text to a plain matching skeleton, keeping the way back to the original offsets.

Ads hide identifiers from keyword filters with Unicode: full-width or mathematical digits (`６１７`, `𝟔𝟏𝟕`),
circled digits (`⑥①⑦`), emoji keycaps (`6️⃣`), digits of other scripts (`٦١٧`), zero-width characters and
combining strokes between characters. Extractors match against the folded skeleton and report entities
with offsets into the text the user gave, so `fold` returns both and `Folded.span` maps back.

The skeleton is for matching, never for display: compatibility forms are folded (NFKC), every character
with a Unicode digit value becomes its ASCII digit, dash-like marks become "-", and invisible format characters and combining marks are
dropped (they are attached to the preceding character's span, so an emoji keycap `6️⃣` maps back whole).
Written by hand because no library folds per character while keeping an offset map; `unicodedata` does the
character knowledge.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right

# Number words posters spell digits with (English, Spanish), and the teens, which stand for two digits.
NUMBER_WORDS: dict[str, str] = {
    "cuatro": "4", "three": "3", "seven": "7", "eight": "8", "nueve": "9", "siete": "7", "cinco": "5",
    "zero": "0", "cero": "0", "four": "4", "five": "5", "nine": "9", "tres": "3", "seis": "6", "ocho": "8",
    "one": "1", "two": "2", "six": "6", "uno": "1", "dos": "2", "oh": "0", "o": "0",
    "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16",
    "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
# Words read as digits only when glued to a digit or a number word ("3tothree", "for80"): alone they are prose.
GLUED_NUMBER_WORDS: dict[str, str] = {"to": "2", "for": "4"}
# Letters that stand for a digit (look-alikes), including the Cyrillic and Greek capitals that look like O,
# З and I.
LOOKALIKE_DIGITS: dict[str, str] = {
    "O": "0", "D": "0", "Q": "0", "О": "0", "о": "0", "Ο": "0", "ο": "0",
    "I": "1", "l": "1", "|": "1", "!": "1", "Ι": "1", "І": "1", "i": "1",
    "Z": "2", "z": "2", "E": "3", "З": "3", "A": "4", "S": "5", "s": "5",
    "G": "6", "b": "6", "T": "7", "B": "8", "g": "9", "q": "9",
}  # fmt: skip
_NUMBERISH = re.compile(
    "(?:[0-9]|" + "|".join(sorted({*NUMBER_WORDS, *GLUED_NUMBER_WORDS}, key=len, reverse=True)) + ")+"
)


def is_number_spelling(word: str) -> bool:
    """Whether `word` spells digits: digits and number words, with at most look-alike letters besides, and
    at least one digit or number word of three letters or more ("20six", "four", "lfour", "sixI7"; not
    "lola", "oslo" or "stone"). A handle is never made of these: it is a piece of a phone number."""
    low = word.lower()
    rest = _NUMBERISH.sub("", low)
    core = any(ch.isdigit() for ch in low) or any(w in low for w in NUMBER_WORDS if len(w) >= 3)
    return core and all(ch in _LOOKALIKE_LOWER for ch in rest)


_LOOKALIKE_LOWER = frozenset("ilo|!sbzgqe")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})  # format characters (zero-width, VS16), combining marks
# Dashes and dash-like marks (the katakana length mark "ー" is how Japanese input methods type a dash).
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d\u30fc\uff70")
_fold_cache: dict[str, str] = {}
_FOLD_CACHE_MAX = 65_536  # distinct non-ASCII characters remembered; bounded so hostile text cannot grow it


def fold_char(ch: str) -> str:
    """The skeleton of one character: its ASCII digit, its NFKC form, or "" when it is invisible."""
    cached = _fold_cache.get(ch)
    if cached is not None:
        return cached
    value = unicodedata.digit(ch, None)
    if value is not None:
        out = str(value)  # before NFKC, which would turn "⑴" into "(1)"
    elif ch in _DASHES:
        out = "-"
    elif unicodedata.category(ch) in _DROPPED_CATEGORIES:
        out = ""
    else:
        out = "".join(
            str(d) if (d := unicodedata.digit(c, None)) is not None else c
            for c in unicodedata.normalize("NFKC", ch)
            if unicodedata.category(c) not in _DROPPED_CATEGORIES
        )
    if len(_fold_cache) < _FOLD_CACHE_MAX:
        _fold_cache[ch] = out
    return out


class Folded:
    """A folded text and the segments that map it back to the original.

    Segment k starts at folded offset `f_start[k]` and original offset `o_start[k]`; it is either an identity
    stretch (mapped character by character) or one original character that folded to `f_len[k]` characters
    (zero for an invisible one) and maps as a whole. Arrays keep the map compact on megabyte inputs.
    """

    __slots__ = ("f_len", "f_start", "identity", "o_len", "o_start", "original", "text")

    def __init__(self, text: str, original: str) -> None:
        self.text = text
        self.original = original
        self.f_start = array("q")
        self.o_start = array("q")
        self.f_len = array("q")
        self.o_len = array("q")
        self.identity = bytearray()

    def _add(self, f_start: int, o_start: int, f_len: int, o_len: int, identity: bool) -> None:
        n = len(self.f_start)
        if identity and n and self.identity[n - 1] and self.o_start[n - 1] + self.o_len[n - 1] == o_start:
            self.f_len[n - 1] += f_len  # merge with the identity stretch before
            self.o_len[n - 1] += o_len
            return
        self.f_start.append(f_start)
        self.o_start.append(o_start)
        self.f_len.append(f_len)
        self.o_len.append(o_len)
        self.identity.append(identity)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original `[start, end)` for folded `[start, end)` (end > start), widened to whole characters and to
        the invisible marks that follow the last one (keycap, variation selector)."""
        if not self.f_start:
            return start, end
        k = bisect_right(self.f_start, start) - 1
        o_start = self.o_start[k] + (start - self.f_start[k]) if self.identity[k] else self.o_start[k]
        k = bisect_right(self.f_start, end - 1) - 1
        if self.identity[k]:
            o_end = self.o_start[k] + (end - self.f_start[k])
        else:
            o_end = self.o_start[k] + self.o_len[k]
        for j in range(k + 1, len(self.f_start)):
            if self.f_len[j] != 0 or self.o_start[j] != o_end:
                break
            o_end += self.o_len[j]
        return o_start, o_end

    def locate(self, start: int, end: int) -> tuple[int, int, bool]:
        """Original `[start, end)` for a folded match, and whether the original differs from the skeleton
        there (hidden characters, full-width or other look-alike forms): extractors report that as
        `obfuscated`."""
        if self.text is self.original:
            return start, end, False
        o_start, o_end = self.span(start, end)
        return o_start, o_end, self.original[o_start:o_end] != self.text[start:end]


def fold(text: str) -> Folded:
    """Fold `text` (see the module docstring). ASCII text is returned as is, without building a map."""
    if text.isascii():
        return Folded(text, text)
    parts: list[str] = []
    folded = Folded("", text)
    f_pos = 0
    o_pos = 0
    for m in _NON_ASCII.finditer(text):
        a, b = m.span()
        if a > o_pos:
            parts.append(text[o_pos:a])
            folded._add(f_pos, o_pos, a - o_pos, a - o_pos, True)
            f_pos += a - o_pos
        for i in range(a, b):
            ch = text[i]
            out = fold_char(ch)
            parts.append(out)
            folded._add(f_pos, i, len(out), 1, out == ch)
            f_pos += len(out)
        o_pos = b
    if o_pos < len(text):
        parts.append(text[o_pos:])
        folded._add(f_pos, o_pos, len(text) - o_pos, len(text) - o_pos, True)
    folded.text = "".join(parts)
    return folded
