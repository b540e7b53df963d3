"""The `near` rule form of a catalogue: two lists of terms (concepts) that must occur close together.

A trafficking sign is a relation between two concepts more often than a fixed phrase: a document (passport,
papers, ID card, seaman's book) and holding it (kept, stays with the driver, in my drawer); a debt (owe, pay
back, deducted) and what it is for (the ticket, the room, the portfolio). People write that relation in
endless wordings, which phrase lists and hand-written expressions chase one at a time. A `near` clause names
each concept's words once and matches any message where a word of one list is within `within` words of a
word of the other, in either order:

    near:
      - within: 8
        terms:
          - [passport*, papers, id card, documents]
          - [keep*, kept, hold*, held, stays with, safe with]

A term is matched case-insensitively on word boundaries; a `*` ending a word stands for any ending
(`keep*`: keep, keeps, keeping); an apostrophe may be left out (`can't` also finds `cant`). Each clause is
compiled to one regular expression at load time, so the engine, its prefilter and the evidence spans treat it
like any `pattern`; hand-written here because the library alternatives (spaCy's matcher and the like) bring
a model and a tokenizer per language for what is one bounded expression.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_WITHIN = 20  # words between the two terms; the expression's work per position is bounded by it
MAX_TERMS = 300  # per list
MAX_TERM_CHARS = 60


class NearError(ValueError):
    """A malformed `near` clause; the message says what is wrong."""


def term_regex(term: str) -> str:
    """One term as a regular expression (lower case, word boundaries at word characters)."""
    words = term.strip().lower().split()
    if not words or len(term) > MAX_TERM_CHARS:
        raise NearError(f"a term must be 1-{MAX_TERM_CHARS} characters, got {term!r}")
    parts = []
    for word in words:
        star = word.endswith("*")
        core = word[:-1] if star else word
        if not core or "*" in core:
            raise NearError(f"'*' may only end a word of at least one letter, got {term!r}")
        piece = re.escape(core).replace("'", "'?")
        parts.append(piece + (r"\w*" if star else ""))
    body = r"\s+".join(parts)
    start = r"\b" if re.match(r"\w", words[0]) else ""
    end = "" if words[-1].endswith("*") or not re.search(r"\w$", words[-1]) else r"\b"
    return f"{start}{body}{end}"


def clause_regex(terms: Sequence[Sequence[str]], within: int) -> str:
    """The expression of one clause: a term of either list, then at most `within` words, then one of the other."""
    if len(terms) != 2:
        raise NearError(f"'terms' must hold exactly two lists of terms, got {len(terms)}")
    if not 0 <= within <= MAX_WITHIN:
        raise NearError(f"'within' must be 0..{MAX_WITHIN} words, got {within}")
    groups = []
    for words in terms:
        if not words or len(words) > MAX_TERMS:
            raise NearError(f"each list of terms must hold 1-{MAX_TERMS} terms, got {len(words)}")
        groups.append("(?:" + "|".join(term_regex(w) for w in words) + ")")
    a, b = groups
    gap = rf"(?:\W+\w+){{0,{within}}}?\W+"
    return f"(?:{a}{gap}{b}|{b}{gap}{a})"
