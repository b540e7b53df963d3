"""Benign context: the same words occur in harmless talk, so a nearby benign explanation discounts them.

A context indicator in the catalogue (`effect: context`) that names a `stage` is a benign explanation for
that stage ("present" for secrecy, "lease" for a photo request, "tickets" for money). A weak risk signal of
that stage within `WINDOW` messages of it is kept for the reviewer but not counted: it becomes a context hit
whose explanation names the cue. Strong, specific signals (a request for intimate images, a threat to share
images) are never explained away by a nearby word, so a sender cannot neutralise them by adding "it's a
surprise"; only signals weighing at most `DISCOUNTABLE_MAX_WEIGHT` are discounted.

A cue whose category is "context" explains every signal of its stage; a cue that names a risk category
explains only signals of that category (messenger words make "gimme ur id" a user id, they do not explain a
debt in the same stage).

A general cue never explains a sign of holding a person's documents, phone or movement (`HELD_CATEGORIES`):
"the ticket, the cost" explains money talk between friends, not "give me the original passport" two
messages later; only a cue naming that category ("you keep your passport, we need a copy") explains it.

A cue never explains a signal made of its own words: in "they take the ticket money out of it" the word
"ticket" is the debt's cost, not a concert ticket, so a cue whose span lies inside the signal's evidence in
the same message is passed over.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import replace

from trailguard.model import Hit

WINDOW = 2  # messages either side of the cue
DISCOUNTABLE_MAX_WEIGHT = 0.35
GENERAL = "context"  # the category of a cue that explains every signal of its stage (but HELD_CATEGORIES)
HELD_CATEGORIES = frozenset({"seizure", "confinement", "monitoring", "isolation"})


def apply_context(per_message: Sequence[Sequence[Hit]]) -> list[list[Hit]]:
    """Per-message hits with the weak risk hits that a nearby benign cue explains turned into context hits."""
    cues: dict[tuple[str, str], list[tuple[int, Hit]]] = {}
    for i, hits in enumerate(per_message):
        for h in hits:
            if h.effect == "context" and h.stage is not None:
                cues.setdefault((h.stage, h.category), []).append((i, h))
    out: list[list[Hit]] = []
    for i, hits in enumerate(per_message):
        kept: list[Hit] = []
        for h in hits:
            cue = None
            if _discountable(h):
                stage = h.stage or ""
                found = [
                    c
                    for c in (
                        None
                        if h.category in HELD_CATEGORIES
                        else _nearest_cue(cues.get((stage, GENERAL), ()), i, h),
                        _nearest_cue(cues.get((stage, h.category), ()), i, h),
                    )
                    if c is not None
                ]
                cue = min(found, key=lambda c: (abs(c[0] - i), c[0]), default=None)
            kept.append(h if cue is None else _discounted(h, cue))
        out.append(kept)
    return out


def _discountable(h: Hit) -> bool:
    return h.effect == "risk" and h.stage is not None and h.weight <= DISCOUNTABLE_MAX_WEIGHT


def _nearest_cue(cues: Sequence[tuple[int, Hit]], i: int, h: Hit) -> tuple[int, Hit] | None:
    """The cue nearest to message `i` within the window (the earlier one on a tie) that is not part of `h`'s
    own words; `cues` is in message order, so a binary search keeps long chats with many cues linear rather
    than quadratic."""
    lo = bisect_left(cues, i - WINDOW, key=lambda c: c[0])
    hi = bisect_right(cues, i + WINDOW, key=lambda c: c[0])
    found = [c for c in cues[lo:hi] if c[0] != i or not _inside(c[1], h)]
    return min(found, key=lambda c: (abs(c[0] - i), c[0]), default=None)


def _inside(cue: Hit, h: Hit) -> bool:
    """Whether every span of the cue lies within a span of `h` (both in the same message)."""
    return bool(cue.evidence) and all(
        any(s.start <= c.start and c.end <= s.end for s in h.evidence) for c in cue.evidence
    )


def _discounted(h: Hit, cue: tuple[int, Hit]) -> Hit:
    j, ctx = cue
    word = ctx.evidence[0].text if ctx.evidence else ""
    note = f" Not counted: benign context {word!r} in message {j} ({ctx.indicator})."
    return replace(h, weight=0.0, effect="context", explanation=h.explanation + note)
