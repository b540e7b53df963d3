"""Answers read in context: a bare reply means what the question before it asked about.

Age answers: "15" (or "7th grade") alone is an age disclosure only as the reply to an age question.

A bare number cannot be a catalogue pattern (it would fire on "15" as a price or a count), so it is read in
context: a short message that is just an age under 18 (optionally with m/f, "yo", "hbu") counts as an age
disclosure when another participant asked for age or school grade in one of the `REPLY_WINDOW` messages
before it.

Document answers: "it stays in my cabin" or "the supervisor collects them" names no document, so no catalogue
pattern can read it as one held; as the reply to another participant's message about their passport or
papers, it is that document held by someone else (people ask "and my passport?" and get a pronoun back).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trailguard.chat.participants import author_of
from trailguard.chat.stages import AGE_DISCLOSURE
from trailguard.indicators.computed import ComputedIndicator
from trailguard.model import Hit, Message, Span

REPLY_WINDOW = 2
_ANSWER = re.compile(
    r"^\W*(?:i['’]?m\s+|im\s+)?(1[0-7]|[89])\s*(?:m|f|yo|y/o|yrs?|years?(?:\s+old)?)?\s*(?:[,/]?\s*[mf])?"
    r"\W*(?:(?:hbu|wbu|u|you|and you|what about you|po|lang|tho|only|lol|next month|next week|soon)\W*)?$"
    # a school grade for minors given as the answer ("7th grade", "grade 8", "year 9")
    r"|^\W*(?:i['’]?m\s+|im\s+)?(?:in\s+)?(?:([5-9]|1[0-2])(?:th|st|nd|rd)?\s+grade|grade\s+([5-9]|1[0-2])"
    r"|year\s+([6-9]|1[01]))\W*$",
    re.IGNORECASE,
)
AGE_ANSWER = ComputedIndicator(
    id="chat.age_answer",
    applies_to="message in context",
    category="age",
    weight=0.1,
    grade="C",
    holds_when=f"a message that is only an age under 18 (or a school grade for minors) replies to another participant's age or school-grade "
    f"question in the {REPLY_WINDOW} messages before it",
    source="Wolak, J., Finkelhor, D., Walsh, W., & Treitman, L. (2018). Sextortion of minors: Characteristics "
    "and dynamics. Journal of Adolescent Health, 62(1), 72-79.",
    stage=AGE_DISCLOSURE,
)


def age_answers(messages: Sequence[Message], per_message: Sequence[Sequence[Hit]]) -> list[list[Hit]]:
    """`per_message` with an age-disclosure hit added to each bare-age reply to another's age question."""
    out = [list(hits) for hits in per_message]
    for i, msg in enumerate(messages):
        if len(msg.text) > 40:
            continue
        m = _ANSWER.match(msg.text)
        if m is None or any(h.stage == AGE_DISCLOSURE and h.effect == "risk" for h in out[i]):
            continue
        asker = _asked_by_other(messages, per_message, i)
        if asker is None:
            continue
        g = m.lastindex or 1  # the one group that matched: the age, or the school grade
        out[i].append(
            AGE_ANSWER.hit(
                f"A bare age under 18 or a school grade ({m.group(g)!r}) given in reply to an age question from "
                f"{asker!r}: a stated minor age.",
                [Span(m.start(g), m.end(g), m.group(g), i)],
            )
        )
    return out


def _asked_by_other(messages: Sequence[Message], per_message: Sequence[Sequence[Hit]], i: int) -> str | None:
    me = author_of(messages[i])
    for j in range(max(0, i - REPLY_WINDOW), i):
        if author_of(messages[j]) != me and any(
            h.stage == "age_probing" and h.effect == "risk" for h in per_message[j]
        ):
            return author_of(messages[j])
    return None


DOCUMENT_WINDOW = 2
_DOCUMENT = re.compile(
    r"\b(?:passports?|pasaportes?|papers|papeles|documents|documentos|docs|id ?cards?|ids?|seaman['’]?s? book|"
    r"work permit|residence (?:card|permit)|buletin|cedula)\b",
    re.IGNORECASE,
)
_HELD = re.compile(
    r"\b(?:it|they|them)\s+(?:stays?|remains?|is kept|are kept|will stay)\s+(?:with|in|at)\b"
    r"|\b(?:keeps?|keeping|holds?|holding|collects?|collecting)\s+(?:it|them)\b(?!\s+(?:back|for you to|until you need))",
    re.IGNORECASE,
)
DOCUMENT_ANSWER = ComputedIndicator(
    id="chat.documents_held_in_reply",
    applies_to="message in context",
    category="seizure",
    weight=0.35,
    grade="C",
    holds_when=f'a message that keeps, holds or collects "it" or "them" ("it stays in my cabin", "the '
    f"supervisor collects them\") replies to another participant's message about their passport or papers in the "
    f"{DOCUMENT_WINDOW} messages before it; no band floor (a reply read in context is weaker than a written phrase)",
    source="ILO (2012). ILO indicators of forced labour (retention of identity documents); UNODC, Human "
    "Trafficking Indicators (passports or identity documents held by someone else).",
    stage="control",
)


def document_answers(messages: Sequence[Message], per_message: Sequence[Sequence[Hit]]) -> list[list[Hit]]:
    """`per_message` with a held-document hit added to each pronoun reply that keeps another's papers.

    Runs before benign context (trailguard.chat.context), so "the consulate keeps it ... and returns it" is
    explained like any weak document sign."""
    out = [list(hits) for hits in per_message]
    for i, msg in enumerate(messages):
        m = _HELD.search(msg.text)
        if m is None or _DOCUMENT.search(msg.text):
            continue
        me = author_of(msg)
        asked = next(
            (
                j
                for j in range(i - 1, max(-1, i - 1 - DOCUMENT_WINDOW), -1)
                if author_of(messages[j]) != me and _DOCUMENT.search(messages[j].text)
            ),
            None,
        )
        if asked is None:
            continue
        out[i].append(
            DOCUMENT_ANSWER.hit(
                f"{m.group(0)!r} replies to {author_of(messages[asked])!r}'s message about their documents "
                f"(message {asked + 1}): the documents held by someone else.",
                [Span(m.start(), m.end(), m.group(0), i)],
            )
        )
    return out
