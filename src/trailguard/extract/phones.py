"""Phone numbers in ad and chat text, including the forms written to slip past filters.

Ads spell digits as words ("six one seven", "seis uno siete"), glue words and digits ("six1seven555o1two3"),
swap in look-alike letters ("6l7-555-O123"), use Unicode digits (full-width, circled, mathematical, other
scripts, emoji keycaps) and put anything between the groups. They are also full of figures that are not
phones (prices, dates, measurements, reference numbers), so the decoder is built to decode only what reads
as a phone:

1. `textnorm.fold` maps every Unicode digit to ASCII and drops invisible marks, keeping offsets.
2. Each alphanumeric run is decoded into digit groups (`_decode_run`): number words count only in a run made
   of nothing else, look-alike letters only between two digits; any other letter breaks.
3. Groups joined by short separator gaps form chains; a colon, comma, currency sign, newline or word breaks.
4. In each chain, windows of whole groups are tried left to right, longest first, and a window is kept when
   `phonenumbers` accepts it (`_resolve`), it does not end on the hour of a time ("2024-05-20 16" of
   "16:30") and its context does not say it is a reference number, a price, a quantity, a date, a year
   range or a coordinate pair (`_figure_context`). A NANP window split against its 3-3-4 structure
   ("617-5550-123", a common way past filters) is kept too, unless its groups are zip codes ("33139 33140")
   or a well-grouped number overlaps it ("14105 617 555 0123").

Every step is a bounded regex or a loop over groups, so the cost is linear in the text: runs, groups and
windows have fixed maximum sizes and a text has a fixed budget of windows tried.

phonenumbers does the parsing and validation; the decoding around it is hand-written because no library
decodes spelled-out or glued digits with offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import phonenumbers

from trailguard.extract.textnorm import (
    GLUED_NUMBER_WORDS,
    LOOKALIKE_DIGITS,
    NUMBER_WORDS,
    fold,
    fold_char,
)
from trailguard.model import Entity

# Number words, longest first so the possessive alternation takes the longest word at each position.
_WORD_DIGITS = NUMBER_WORDS
_WORDS = "|".join(sorted(_WORD_DIGITS, key=len, reverse=True))
# Letters that stand for a digit, honoured only next to digits or number words ("6l7", "555O123", "sixI7").
_LOOKALIKES = LOOKALIKE_DIGITS

# An alphanumeric run that may hold digits: it contains a digit or starts with a number word. "|" and "!"
# belong to a run (as a 1) only when glued between two alphanumerics and not between two groups of three
# or more digits: "0|23" hides a 1, "555|0123" is a separator. Other runs are never scanned one by one
# (most of an ad is words); they show up as letters in a gap, which breaks the chain.
# All word patterns run on the lower-cased text.
_RUN = re.compile(
    rf"(?<![^\W_])(?=[^\W_0-9]*+[0-9]|{_WORDS}|[il|sbzgq]{{1,2}}(?:{_WORDS})|(?:to|for)(?:{_WORDS}))"
    r"(?:[^\W_]|(?<=[^\W_])(?:(?<![0-9]{3})|(?![|!][0-9]{3}))[|!](?=[^\W_]))+"
)
_WORD = re.compile(_WORDS)
_WORD_RUN = re.compile(rf"(?:{_WORDS})++")
_GLUED = "|".join(sorted(GLUED_NUMBER_WORDS, key=len, reverse=True))
_PIECE = re.compile(rf"(?P<d>[0-9]+)|(?P<w>{_WORDS})|(?P<g>{_GLUED})|(?P<j>.)", re.DOTALL)
_LONG_DIGITS = re.compile(r"(?<![0-9])[0-9]{7,17}(?![0-9])")
# Number words at the start of a word: a text with fewer than three of these and of digits has no phone.
_WORD_HINT = re.compile(rf"\b(?:{_WORDS.removesuffix('|o')})")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# A gap that may sit between two digit groups of one number: short, on one line, without punctuation that
# ends a figure (a word, ":" of times, "'" and '"' of heights, currency, "#", "%", "@"). A comma joins only
# spelled-out groups ("six one seven, five five five"): between digits it separates a list ("33139, 33140").
_BAD_GAP = re.compile(r"[^\W_]|[:;,$€£¥₹#%@&'\"“”‘’«»?¿\n\r\v\f]")
_BAD_WORD_GAP = re.compile(r"[^\W_]|[:;$€£¥₹#%@&'\"“”‘’«»?¿\n\r\v\f]")
# Between two groups of three or more digits, "$", ";" and quotes are a poster's separators ("617$555$0123",
# "617;555;0123", "617'555'0123"): heights and prices put one or two digits beside them.
_SOFT_GAP = re.compile(r"[\s$;'\"“”‘’.\-/]{1,3}")
_MAX_GAP = 6
_LEAD = re.compile(r"(?:\+\s?\(?|\(\+?)\Z")  # "+", "+(", "(", "(+" just before the first group
_PLUS_BEFORE = re.compile(r"\+[\s(]{0,2}\Z")
_CURRENCY_BEFORE = re.compile(r"[$€£¥₹]\s?\Z")
# Words that make the figure after them a reference, not a phone. "no"/"number" alone do not ("my number
# 617..."); they are part of the reference only after one of these ("order no. 4815162342").
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:ref|reference|referencia|order|orden|pedido|invoice|inv|factura|folio|id|version|ver|case|"
    r"ticket|tracking|account|acct|sku|serial|receipt|confirmation|conf|transaction|txn|c[oó]digo|code|"
    r"isbn|item|product|model|lot|batch|zip|zips|postcode)\b\W{0,4}"
    r"(?:(?:no|nr|num|numbers?|n[uú]meros?|codes?)\b\W{0,3})?|#\s?)\Z",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"\s?(?:hrs?|hours?|hh|mins?|minutes?|roses?|usd|dollars?|pesos?|mxn|eur|lbs?|kgs?|cm|mm|ft|yrs?|"
    r"years?|yo|años|am|pm|px|mb|gb|units|boxes|pcs|pieces|items|packs|bags|copies)\b|%",
    re.IGNORECASE,
)
# A date at the start of a window, year first or last ("2024-05-20", "20.05.2024"; one separator throughout;
# spaces only between two-digit month and day, "2065 5 5 0123" is a number), or a range of years ("2024-2025",
# "seasons 2024 2025 12").
_YEAR = r"(?:19|20)[0-9]{2}"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_DATE_AT = re.compile(
    rf"{_YEAR}(?:([-/.]){_MONTH}\1{_DAY}| (?=[0-9]{{2}} [0-9]{{2}}){_MONTH} {_DAY})(?![0-9])"
    rf"|{_DAY}([-/.]){_DAY}\2{_YEAR}(?![0-9])|{_YEAR}\s?[-/ ]\s?{_YEAR}(?![0-9])"
)
# A date just before a window that starts with an hour ("2024-05-20 16 ...", "2024-05-20T16").
_DATE_BEFORE = re.compile(
    r"(?:(?:19|20)[0-9]{2}([-/.])[0-9]{1,2}\1[0-9]{1,2}|[0-9]{1,2}([-/.])[0-9]{1,2}\2(?:19|20)[0-9]{2})[T\s]{1,2}\Z"
)
# Minutes after a window that ends on an hour ("16:30", "16h30", "16 : 30"); `_ends_on_hour` checks the hour.
_MINUTES_AFTER = re.compile(r"\s?(?::\s?|h)[0-5][0-9](?![0-9])")
# The window would start inside "40.7128". Not after "digit,": "212-555-0101,617-555-0123" lists two numbers.
_DECIMAL_BEFORE = re.compile(r"[0-9]\.\Z")
# A latitude/longitude pair in decimal degrees ("40.7128 -74.0060", "3.6940 1.2599"): two decimals of at most
# 180 with two or more places. A number split with dots keeps its digits in phone-sized groups ("617.555.0123").
_DEGREES = r"-?(?:1[0-7][0-9]|[0-9]{1,2})\.[0-9]{2,}"
_COORDINATES = re.compile(rf"(?<![0-9.]){_DEGREES}[\s,/]{{1,4}}{_DEGREES}(?![0-9])")
_COORD_REACH = 24  # characters either side of a window searched for a coordinate pair it belongs to
# NANP numbers are written area-exchange-line (3-3-4); splitting the line number ("555 01 23") is common.
_NANP_CUTS = frozenset({3, 6, 8})
# The raw form of a number nobody tried to hide: ASCII digits and the separators a keyboard, a word
# processor or a phone's autocorrect puts between groups (any Unicode space; dash-like marks are checked
# with `fold_char`). "_" is not among them: no keyboard inserts it between digits, so it is deliberate.
_PLAIN = re.compile(r"[0-9\s().\-/+]+")
_PLAIN_CHARS = frozenset("0123456789().-/+")

_MAX_RUN = 96  # longer alphanumeric runs are not decoded as words; only their long digit stretches count
_MAX_GROUP_DIGITS = 17  # "00" + 15-digit E.164
_MAX_CHAIN = 256  # groups held before a chain is evaluated and a new one begun
_WINDOW_BUDGET = 20_000  # windows tried per text; bounds hostile megabyte inputs
_CONTEXT = 40
_NANP_FICTION = re.compile(r"[2-9][0-9]{2}55501[0-9]{2}")
# Ranges set aside for fiction that phonenumbers' metadata marks invalid: Ofcom's drama numbers (UK) and
# ARCEP's (France). NANP 555-01xx is handled by `_NANP_FICTION`.
_FICTION = {44: re.compile(r"7700900[0-9]{3}|1632960[0-9]{3}"), 33: re.compile(r"639980[0-9]{3}")}
_NANP_REGIONS = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])

Group = tuple[str, int, int, bool]  # digits, folded start, folded end, obfuscated (words or look-alikes)


def find_phones(text: str, region: str = "US", regions: Sequence[str] = ()) -> list[Entity]:
    """Phone numbers in `text` as E.164 entities with offsets into `text`.

    `region` reads numbers written without a country code. `regions` are further candidates from the item
    (trailguard.extract.regions), tried in order for a number written nationally with a trunk prefix
    ("03 9699 1047") that does not read under `region`. Raises ValueError for an unknown region (a caller's
    mistake, never the text's).
    """
    for r in (region, *regions):
        if r not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {r!r}")
    folded = fold(text)
    s = folded.text
    low = s.lower()
    if len(low) != len(s):  # a few non-ASCII capitals lower to two characters; keep offsets aligned
        low = s.translate(_ASCII_LOWER)
    digits = sum(map(s.count, "0123456789"))
    if digits < 3 and not _has_word_hints(low, 3 - digits):
        return []
    found: list[Entity] = []
    for value, f_start, f_end in _Scan(s, low, region, tuple(r for r in regions if r != region)).numbers():
        start, end = folded.span(f_start, f_end)
        raw = text[start:end]
        found.append(Entity("phone", value, raw, start, end, obfuscated=not _is_plain(raw)))
    return found


def _is_plain(raw: str) -> bool:
    """Whether `raw` is ASCII digits with ordinary separators, typographic dashes and Unicode spaces included
    ("617–555–0123" from a word processor is not an attempt to hide the number)."""
    if _PLAIN.fullmatch(raw):
        return True
    return all(ch in _PLAIN_CHARS or ch.isspace() or fold_char(ch) == "-" for ch in raw)


def _has_word_hints(low: str, needed: int) -> bool:
    for _ in _WORD_HINT.finditer(low):
        needed -= 1
        if needed == 0:
            return True
    return False


class _Scan:
    """One pass over a folded text: runs to groups, groups to chains, chains to numbers.

    `low` is the folded text lower-cased with the same length, for the number-word patterns; look-alike
    letters are read from `s`, where case matters ("l" is a 1, "L" is not).
    """

    def __init__(self, s: str, low: str, region: str, national: tuple[str, ...] = ()) -> None:
        self.s = s
        self.low = low
        self.region = region
        self.national = national
        self.budget = _WINDOW_BUDGET
        self.out: list[tuple[str, int, int]] = []

    def numbers(self) -> list[tuple[str, int, int]]:
        s = self.s
        chain: list[Group] = []
        for m in _RUN.finditer(self.low):
            a, b = m.span()
            run = s[a:b]
            if run.isdigit() and run.isascii():  # the common case, decoded inline
                if b - a > _MAX_GROUP_DIGITS:
                    self._flush(chain)
                    continue
                if chain and (
                    len(chain) >= _MAX_CHAIN or not _gap_ok(s, chain[-1][2], a, False, chain[-1][0], run)
                ):
                    self._flush(chain)
                chain.append((run, a, b, False))
                continue
            groups, open_left, open_right = _decode_run(run, m.group(), a)
            if not groups:
                self._flush(chain)
                continue
            for k, group in enumerate(groups):
                if chain and (
                    k > 0
                    or not open_left
                    or len(chain) >= _MAX_CHAIN
                    or not _gap_ok(
                        s, chain[-1][2], group[1], group[3] and chain[-1][3], chain[-1][0], group[0]
                    )
                ):
                    self._flush(chain)
                chain.append(group)
            if not open_right:
                self._flush(chain)
        self._flush(chain)
        return self.out

    def _flush(self, chain: list[Group]) -> None:
        """Evaluate the chain's windows and empty it."""
        if chain:
            if (
                self.budget > 0
                and (len(chain) > 1 or len(chain[0][0]) >= 7)
                and sum(len(g[0]) for g in chain) >= 7
            ):
                self._windows(chain)
            chain.clear()

    def _windows(self, chain: list[Group]) -> None:
        """Longest accepted window of whole groups from each start, left to right, no overlaps."""
        s = self.s
        i = 0
        n = len(chain)
        while i < n and self.budget > 0:
            best = self._best_from(chain, i)
            if best is None:
                i += 1
                continue
            j, value, grouped = best
            if not grouped and (_zip_run(s, chain, i, j) or self._grouped_from(chain, i + 1, j)):
                i += 1  # zip codes in a row, or a well-grouped number overlaps: "14105 617 555 0123"
                continue
            while (
                i < j
                and chain[i][3]
                and len(chain[i][0]) == 1
                and _resolve("".join(g[0] for g in chain[i + 1 : j + 1]), False, self.region) == value
            ):
                i += 1  # a lone number word before the number ("one 617 555 0123") is prose, not the "1"
            start, end = chain[i][1], chain[j][2]
            before = s[max(0, start - _CONTEXT) : start]
            if (
                _CURRENCY_BEFORE.search(before)
                or _REFERENCE_BEFORE.search(before)
                or _UNIT_AFTER.match(s, end)
                or _figure_context(s, chain[i], start, end)
            ):
                i += 1
                continue
            lead = _LEAD.search(s, max(0, start - 4), start)
            self.out.append((value, lead.start() if lead else start, end))
            i = j + 1

    def _best_from(self, chain: list[Group], i: int) -> tuple[int, str, bool] | None:
        """The window from group `i` to keep: (last group, E.164, grouped like a NANP number).

        The longest well-grouped accepted window wins, else the longest accepted one: an odd split is how
        numbers are hidden ("617-5550-123", "6175 550123"), so it counts unless `_windows` finds a figure.
        """
        s = self.s
        start = chain[i][1]
        plus = "+" in s[max(0, start - 3) : start] and _PLUS_BEFORE.search(s, max(0, start - 3), start)
        best: tuple[int, str, bool] | None = None
        digits = ""
        for j in range(i, len(chain)):
            digits += chain[j][0]
            if len(digits) > _MAX_GROUP_DIGITS:
                break
            self.budget -= 1
            value = _resolve(digits, bool(plus), self.region)
            if value is None and not plus and self.national and digits[:1] == "0" and digits[:2] != "00":
                value = next(filter(None, (_resolve(digits, False, r) for r in self.national)), None)
            if value is None or _ends_on_hour(s, chain[j]):
                continue
            grouped = _nanp_grouped(chain, i, j, value)
            if grouped or best is None or not best[2]:
                best = (j, value, grouped)
        return best

    def _grouped_from(self, chain: list[Group], first: int, last: int) -> bool:
        """Whether a well-grouped number starts at one of the groups `first..last`."""
        for k in range(first, last + 1):
            if self.budget <= 0:
                return False
            best = self._best_from(chain, k)
            if best is not None and best[2]:
                return True
        return False


def _ends_on_hour(s: str, last: Group) -> bool:
    """Whether the window's last group is an hour with minutes after it: the window is cut off before a time
    ("2024-05-20 16" of "2024-05-20 16:30"). "0123 h24" (open 24 hours) and "0123 :)" are not times."""
    return len(last[0]) <= 2 and int(last[0]) <= 23 and _MINUTES_AFTER.match(s, last[2]) is not None


def _nanp_grouped(chain: list[Group], i: int, j: int, value: str) -> bool:
    """Whether the window `chain[i..j]` is grouped like a phone number.

    A NANP number written in plain digit groups puts its breaks between area code, exchange and line number
    (3-3-4, 3-7, 3-3-2-2, with a "1" or "+1" in front). Other shapes are not rejected for that alone (breaking
    a number in odd places, "617-5550-123", is a standard way past filters), but they lose to an overlapping
    well-grouped window and are checked for the figures phonenumbers also accepts: zip codes "33139 33140"
    (5-5). A window with a group of one or two digits ("6 17 555 0123", "6175 5501 23"), with no group over
    three digits, or with spelled or look-alike groups is obfuscation, which has no rule, so it counts as
    grouped; dates and times among such windows are `_figure_context`'s job. Other countries do write 5-5
    (India) or 4-4 and are left to phonenumbers.
    """
    if i == j or not value.startswith("+1"):
        return True
    window = chain[i : j + 1]
    if any(g[3] or len(g[0]) <= 2 for g in window) or max(len(g[0]) for g in window) <= 3:
        return True
    offset = sum(len(g[0]) for g in window) - 10  # digits before the national number: "1", "+1", "001"
    cut = -offset
    for g in window[:-1]:
        cut += len(g[0])
        if cut > 0 and cut not in _NANP_CUTS:
            return False
    return True


def _zip_run(s: str, chain: list[Group], i: int, j: int) -> bool:
    """Whether the window holds two 5-digit groups with only spaces between them that read as zip codes: a run
    of three or more, or a pair sharing the first two digits (neighbouring zip codes share their region's
    prefix; the halves of a number split 5-5, "61755 50123", rarely do)."""
    for k in range(i, j):
        if _spaced_zips(s, chain[k], chain[k + 1]) and (
            chain[k][0][:2] == chain[k + 1][0][:2]
            or (k > 0 and _spaced_zips(s, chain[k - 1], chain[k]))
            or (k + 2 < len(chain) and _spaced_zips(s, chain[k + 1], chain[k + 2]))
        ):
            return True
    return False


def _spaced_zips(s: str, a: Group, b: Group) -> bool:
    return len(a[0]) == 5 == len(b[0]) and not (a[3] or b[3]) and s[a[2] : b[1]].isspace()


def _figure_context(s: str, first: Group, start: int, end: int) -> bool:
    """Whether the window is part of a date, timestamp, decimal figure or coordinate pair rather than a number
    of its own."""
    if _DATE_AT.match(s, start) or _DECIMAL_BEFORE.search(s, max(0, start - 2), start):
        return True
    if len(first[0]) <= 2 and _DATE_BEFORE.search(s, max(0, start - 14), start):
        return True  # the hour of "2024-05-20 16 ..."
    pairs = _COORDINATES.finditer(s, max(0, start - _COORD_REACH), end + _COORD_REACH)
    return any(pair.start() < end and pair.end() > start for pair in pairs)


def _gap_ok(s: str, a: int, b: int, spelled: bool, left: str = "", right: str = "") -> bool:
    """Whether `s[a:b]` may separate two groups of one number; `spelled` when both groups are obfuscated;
    `left` and `right` are the digits of the groups either side."""
    if b - a > _MAX_GAP:
        return False
    if not (_BAD_WORD_GAP if spelled else _BAD_GAP).search(s, a, b):
        return True
    return len(left) >= 3 and len(right) >= 3 and _SOFT_GAP.fullmatch(s, a, b) is not None


def _decode_run(run: str, low: str, offset: int) -> tuple[list[Group], bool, bool]:
    """Digit groups of one alphanumeric run, and whether the first/last touch the run's edges.

    A run made only of digits, number words and look-alikes between digits is one group. In a run with
    other letters, number words do not count unless the letters are only a prefix or suffix and the rest
    holds a real digit ("text6l7five"); otherwise only stretches of digits count, and each is its own group.
    """
    n = len(run)
    if n > _MAX_RUN:
        groups = [
            (m.group(), offset + m.start(), offset + m.end(), False) for m in _LONG_DIGITS.finditer(run)
        ]
        return groups, False, False
    if run.isalpha() and _WORD_RUN.fullmatch(low):
        digits = "".join(_WORD_DIGITS[w] for w in _WORD.findall(low))
        if len(digits) <= _MAX_GROUP_DIGITS:
            return [(digits, offset, offset + n, True)], True, True
        return [], False, False
    return _decode_mixed(run, low, offset)


def _strong(piece: tuple[str, str, int, int]) -> bool:
    """A digit stretch, or a number word of three letters or more (not "o", "oh"): what a look-alike letter
    or a glued "to"/"for" may stand beside."""
    return piece[0] == "d" or (piece[0] == "w" and piece[3] - piece[2] >= 3)


def _decode_mixed(run: str, low: str, offset: int) -> tuple[list[Group], bool, bool]:
    # pieces: (kind, digits, start, end) with kind "d" digit stretch, "w" number word, "j" other letter
    pieces: list[tuple[str, str, int, int]] = []
    for m in _PIECE.finditer(low):
        kind = m.lastgroup or "j"
        text = m.group()
        digits = (
            text if kind == "d" else _WORD_DIGITS[text] if kind == "w" else GLUED_NUMBER_WORDS.get(text, "")
        )
        pieces.append((kind, digits, m.start(), m.end()))
    # "to"/"for" count only glued to a digit or number word on a side ("3tothree", "for80"); else letters.
    for k, (kind, digits, a, b) in enumerate(pieces):
        if kind == "g":
            near = [pieces[x] for x in (k - 1, k + 1) if 0 <= x < len(pieces)]
            pieces[k] = ("g" if any(_strong(p) for p in near) else "j", digits, a, b)
    # A look-alike letter stands for a digit between a digit stretch and a digit or the word "o" ("6l7",
    # "Ol23"), or at the edge of the run next to two or more digits ("S55"); never between words ("ozone").
    last = len(pieces) - 1
    for k, (kind, _, a, b) in enumerate(pieces):
        if kind != "j" or run[a:b] not in _LOOKALIKES:
            continue
        left = pieces[k - 1] if k > 0 else None
        right = pieces[k + 1] if k < last else None
        if left and right:
            ok = (
                (left[0] == "d" and right[0] in "dl")
                or (right[0] == "d" and left[1] == "0")
                or (
                    _strong(left)
                    and (right[0] in "dlwg" or (right[0] == "j" and run[right[2] : right[3]] in _LOOKALIKES))
                )
                or (_strong(right) and left[0] in "dlwg")
            )
        else:
            inner = left or right
            numeric = sum(1 for p in pieces if p[0] != "j")
            ok = inner is not None and (
                (inner[0] == "d" and len(inner[1]) >= 2)
                or (inner[0] == "w" and inner[3] - inner[2] >= 3)
                or (_strong(inner) and numeric >= 2)
            )
        if ok:
            pieces[k] = ("l", _LOOKALIKES[run[a:b]], a, b)
    first = next((k for k, p in enumerate(pieces) if p[0] != "j"), None)
    if first is None:
        return [], False, False
    last = max(k for k, p in enumerate(pieces) if p[0] != "j")
    core = pieces[first : last + 1]
    # Without a digit, a run counts when spelled with a look-alike or a glued "to"/"for" beside a number word.
    spelled = any(p[0] in "lg" for p in pieces) and any(_strong(p) for p in core)
    if all(p[0] != "j" for p in core) and (any(p[0] == "d" for p in core) or spelled):
        digits = "".join(p[1] for p in core)
        if len(digits) > _MAX_GROUP_DIGITS:
            return [], False, False
        obfuscated = any(p[0] != "d" for p in core)
        group = (digits, offset + core[0][2], offset + core[-1][3], obfuscated)
        return [group], first == 0, last == len(pieces) - 1
    # letters inside: only digit stretches (with look-alikes between them) count, each on its own
    groups: list[Group] = []
    k = 0
    while k < len(pieces):
        if pieces[k][0] != "d":
            k += 1
            continue
        e = k
        while e + 2 < len(pieces) and pieces[e + 1][0] == "l" and pieces[e + 2][0] == "d":
            e += 2
        digits = "".join(p[1] for p in pieces[k : e + 1])
        if len(digits) <= _MAX_GROUP_DIGITS:
            groups.append((digits, offset + pieces[k][2], offset + pieces[e][3], e > k))
        k = e + 1
    if not groups:
        return [], False, False
    open_left = groups[0][1] == offset
    open_right = groups[-1][2] == offset + len(run)
    return groups, open_left, open_right


@lru_cache(maxsize=8192)
def _resolve(digits: str, plus: bool, region: str) -> str | None:
    """E.164 for a window's digits when it is an acceptable phone number, else None.

    Accepted: numbers phonenumbers calls valid, and the reserved fiction ranges (NANP 555-01xx under an area
    code in use, Ofcom and ARCEP drama numbers), which its metadata may call invalid although they
    are exactly what synthetic and training data use. Possible-but-invalid numbers are rejected: that check is
    what keeps dates, prices and reference numbers out.
    """
    international = plus
    if not plus:
        if digits.startswith("00"):
            digits, international = digits[2:], True
        elif digits.startswith("011") and region in _NANP_REGIONS:
            digits, international = digits[3:], True
    if international:
        if not 7 <= len(digits) <= 15:
            return None
        candidate = "+" + digits
    else:
        if len(digits) not in _national_lengths(region):
            return None
        candidate = digits
    if candidate.startswith("+521") and len(candidate) == 14:
        # Mexico's retired mobile "1" ("+52 1 55 ..."), still widely written
        candidate = "+52" + candidate[4:]
    try:
        number = phonenumbers.parse(candidate, None if international else region)
    except phonenumbers.NumberParseException:
        return None
    if not _acceptable(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _acceptable(number: phonenumbers.PhoneNumber) -> bool:
    if phonenumbers.is_valid_number(number):
        return True
    if not phonenumbers.is_possible_number(number):
        return False
    national = str(number.national_number)
    if number.country_code == 1:
        return _NANP_FICTION.fullmatch(national) is not None and _nanp_area_in_use(national[:3])
    pattern = _FICTION.get(number.country_code or 0)
    return pattern is not None and pattern.fullmatch(national) is not None


@lru_cache(maxsize=1024)
def _nanp_area_in_use(area: str) -> bool:
    """Whether phonenumbers knows valid numbers under this NANP area code (probed with a few exchanges), so
    that 555-01xx is accepted under real area codes only ("1 555 555 0123" is not a number)."""
    return any(
        phonenumbers.is_valid_number(phonenumbers.parse(f"+1{area}{rest}"))
        for rest in ("2345678", "3456789", "4567890", "7654321", "8765432", "9876543", "2001234")
    )


@lru_cache(maxsize=64)
def _national_lengths(region: str) -> frozenset[int]:
    """Digit counts a number written without a country code can have in `region`: the national lengths,
    with the national prefix ("0", "1") or the country code in front."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.general_desc is None:
        return frozenset()
    lengths = set(meta.general_desc.possible_length)
    extra = {len(meta.national_prefix or ""), len(str(meta.country_code))}
    return frozenset(n + e for n in lengths for e in extra | {0})
