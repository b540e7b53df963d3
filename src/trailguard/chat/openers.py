"""Stranger-chat openers: "asl", "how old r u", "where do you live" are not risk by themselves.

Between adults meeting online these questions open most conversations, and both sides ask them; the
issue's review of real chats found the age question fired far more often on ordinary chats than on
predatory ones. So a participant's openers are kept for the reviewer but not counted when the conversation
shows small talk between adults: another participant asked an opener too (mutual), or another participant
stated an adult age in a short message ("27 f nyc", "im 24, you?"). They stay counted when another
participant disclosed a minor's age: an age question put to a minor is what the grooming rules read.
Judged on the whole conversation, like benign context, so what a prefix counts still only grows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace

from trailguard.chat.participants import author_of
from trailguard.model import Hit, Message

OPENERS = frozenset({"chats.age_probing.direct", "chats.meeting.where_live"})
MAX_AGE_MESSAGE_CHARS = 80
# "im 24", "24 m", "27 f nyc", "i am 31 btw": an adult age said in a short message (not minutes, not money)
_ADULT_AGE = re.compile(
    r"(?:^\W*|\b(?:i['’]?m|im|i am|i m|age|aged)\s+(?:like\s+|about\s+|almost\s+|turning\s+)?)"
    r"(1[89]|[2-9]\d)\b(?!\s*(?:min|mins|minutes|hours|hrs|km|miles|mi|%|dollars|bucks|\$|am|pm|:|\.\d))",
    re.IGNORECASE,
)


def discount_openers(
    messages: Sequence[Message], per_message: Sequence[Sequence[Hit]], minors: Collection[str]
) -> list[list[Hit]]:
    """`per_message` with the opener hits that were small talk turned into context hits; `minors` are the
    participants who disclosed a minor's age (`participants.minor_age_disclosers`)."""
    askers: set[str] = set()
    adults: dict[str, int] = {}  # participant -> first message stating an adult age
    for i, (msg, hits) in enumerate(zip(messages, per_message, strict=True)):
        author = author_of(msg)
        if any(h.effect == "risk" and h.indicator in OPENERS for h in hits):
            askers.add(author)
        if author not in adults and len(msg.text) <= MAX_AGE_MESSAGE_CHARS and _ADULT_AGE.search(msg.text):
            adults[author] = i
    minors = set(minors)
    out: list[list[Hit]] = []
    for msg, hits in zip(messages, per_message, strict=True):
        me = author_of(msg)
        reason = None if minors - {me} else _small_talk(me, askers, adults)
        out.append(
            [
                _not_counted(h, reason)
                if reason is not None and h.effect == "risk" and h.indicator in OPENERS
                else h
                for h in hits
            ]
        )
    return out


def _small_talk(me: str, askers: set[str], adults: dict[str, int]) -> str | None:
    other_asker = min(askers - {me}, default=None)
    if other_asker is not None:
        return f"{other_asker!r} asked the same kind of question (mutual small talk)"
    adult = min(((i, a) for a, i in adults.items() if a != me), default=None)
    if adult is not None:
        return f"{adult[1]!r} stated an adult age in message {adult[0]}"
    return None


def _not_counted(h: Hit, reason: str) -> Hit:
    return replace(h, weight=0.0, effect="context", explanation=f"{h.explanation} Not counted: {reason}.")
