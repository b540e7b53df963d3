"""Necessary literals of a regular expression: strings one of which every match must contain.

The engine runs about seventy chat patterns on every message, and Python's `re` tries each of them at every
position; most messages can match only a few. Reading each pattern's syntax tree once, this finds a set of
literal strings such that any match contains at least one of them (for a sequence, the best such set of one
of its mandatory parts; for an alternation, the union over its branches). One Aho-Corasick pass then tells
which patterns can match a message, and only those are run. The filter can only skip a pattern that cannot
match, so results are unchanged (tests/test_indicators_prefilter.py checks it on every packaged pattern).

Written here because no maintained Python library does this for `re` syntax: RE2 and Hyperscan prefilter
internally but do not accept the look-behinds the catalogues rely on. It reads `re`'s own parser
(`re._parser`); should a future Python drop it, `required_literals` returns None and every pattern is run.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

try:  # the parser `re.compile` itself uses; private, hence the fallback
    _p: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - a Python without it runs every pattern
    _p = None

MIN_LITERAL = 3  # shorter literals occur in nearly every message: the pattern is then always run
# Words that occur in most messages, however long: a necessary set holding one gates nothing, so a sequence
# prefers a mandatory part without them ("give me ... the original" is gated on "original", not "give").
_COMMON_WORDS = (
    "the you your and for with have has had that this what get got all out one day are was but not can "
    "just now when will she her him his they them their there here send pay know tell come want need like "
    "good time make take give back then how too see say said did does dont yes from our who why where some "
    "any more much very really going about after before only also over into than been were would could "
    "should ill lol let money"
)
COMMON = frozenset(_COMMON_WORDS.split())


def required_literals(pattern: str) -> frozenset[str] | None:
    """Literals one of which every match of `pattern` (case-sensitive, no flags) contains; None if no useful
    set is known (the pattern must then always be run)."""
    if _p is None:
        return None
    try:
        tree = _p.parse(pattern)
    except (re.error, RecursionError):  # re.compile reports a bad pattern; a deep one is just not filtered
        return None
    found = _sequence(list(tree))
    if found is None or min(len(s) for s in found) < MIN_LITERAL:
        return None
    return frozenset(found)


def _sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The best necessary set among the mandatory parts of a sequence (its longest shortest literal)."""
    candidates: list[set[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            candidates.append({"".join(run)})
            run.clear()

    for op, arg in items:
        if op is _c.LITERAL:
            run.append(chr(arg))
            continue
        if op is _c.IN and len(arg) == 1 and arg[0][0] is _c.LITERAL:
            run.append(chr(arg[0][1]))
            continue
        close_run()
        part = _part(op, arg)
        if part:
            candidates.append(part)
    close_run()
    if not candidates:
        return None
    return max(candidates, key=_selectivity)


def _selectivity(literals: set[str]) -> tuple[bool, bool, int, int]:
    """How well a necessary set gates (larger is better): long enough at all, free of words most messages
    hold, then its shortest literal as long as possible, then as few literals as possible."""
    shortest = min(len(x) for x in literals)
    return shortest >= MIN_LITERAL, not literals & COMMON, shortest, -len(literals)


def _part(op: Any, arg: Any) -> set[str] | None:
    """The necessary set of one element of a sequence, or None (optional, a look-around, a class...)."""
    if op is _c.SUBPATTERN:
        return _sequence(list(arg[3]))
    if op is _c.BRANCH:
        branches = [_sequence(list(b)) for b in arg[1]]
        if all(branches):
            return set().union(*branches)  # type: ignore[arg-type]
        return None
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)):
        low, _high, sub = arg
        return _sequence(list(sub)) if low >= 1 else None
    return None
