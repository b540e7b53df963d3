"""Safe display of attacker-written text: escaping, visible invisible characters, evidence highlighting.

The text is split at span boundaries and every piece is HTML-escaped on its own before the <mark> tags are
added, so no character of the item can open a tag or an attribute, whatever the spans are. Escaping is not
enough for a reviewer's eyes: a right-to-left override in an author name can reverse the text after it, and a
zero-width space makes "Rob" and "R\u200bob" look like one person. Format characters are therefore shown as
visible markers (⟨U+202E⟩), and each untrusted field is isolated with <bdi> so its direction cannot spill over.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from markupsafe import Markup, escape

# Joiners stay: ZWNJ and ZWJ are part of normal Persian and Indic spelling and of emoji sequences.
_KEPT = frozenset({"\u200c", "\u200d"})
# A subdivision flag (England, Scotland, Wales) is a black flag, tag letters and a cancel tag: shown as the
# flag. Tag characters anywhere else are invisible text, and are revealed like any format character.
_FLAG = "\U0001f3f4[\U000e0020-\U000e007e]{1,8}\U000e007f"


@cache
def _format_characters() -> re.Pattern[str]:
    """Built on first use, not at import: scanning every code point costs ~70 ms, which every command and
    every scan worker would otherwise pay, report or not."""
    return re.compile(
        f"({_FLAG})|["
        + "".join(
            re.escape(chr(c))
            for c in range(0x110000)
            if unicodedata.category(chr(c)) == "Cf" and chr(c) not in _KEPT
        )
        + "]"
    )


def reveal(text: str) -> Markup:
    """`text` escaped, every format character (bidi controls, zero-width spaces, soft hyphens) made visible."""
    out: list[Markup] = []
    pos = 0
    for m in _format_characters().finditer(text):
        if m.group(1):
            continue  # a flag: left in the text, escaped with it
        out.append(escape(text[pos : m.start()]))
        out.append(Markup('<span class="cf">⟨U+{:04X}⟩</span>').format(ord(m.group())))
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def untrusted(value: object) -> Markup:
    """A field written by the people the report is about, revealed and isolated from its neighbours."""
    if value is None:
        return Markup("")
    return Markup("<bdi>{}</bdi>").format(reveal(str(value)))


def highlight(text: str, spans: Iterable[tuple[int, int, str]], limit: int | None = None) -> Markup:
    """`text` revealed (see `reveal`), with each (start, end, label) span wrapped in <mark title="label">.

    Overlapping spans are merged (labels joined). With `limit`, the text is cut at that many characters,
    marked as cut, so one huge item cannot bloat the report.
    """
    cut = limit is not None and len(text) > limit
    if limit is not None and cut:
        text = text[:limit]
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, label in sorted(spans):
        end = min(end, len(text))
        if start < 0 or start >= end:
            continue
        if merged and start < merged[-1][1]:
            s0, e0, labels = merged[-1]
            if label not in labels:
                labels.append(label)
            merged[-1] = (s0, max(e0, end), labels)
        else:
            merged.append((start, end, [label]))
    out = []
    pos = 0
    for start, end, labels in merged:
        out.append(reveal(text[pos:start]))
        out.append(Markup('<mark title="{}">{}</mark>').format(", ".join(labels), reveal(text[start:end])))
        pos = end
    out.append(reveal(text[pos:]))
    if cut:
        out.append(Markup(' <span class="cut">[… cut]</span>'))
    return Markup("").join(out)
