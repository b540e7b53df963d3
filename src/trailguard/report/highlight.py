"""Safe highlighting of evidence in attacker-written text.

The text is split at span boundaries and every piece is HTML-escaped on its own before the <mark> tags are
added, so no character of the item can open a tag or an attribute, whatever the spans are.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape


def highlight(text: str, spans: Iterable[tuple[int, int, str]], limit: int | None = None) -> Markup:
    """`text` escaped, with each (start, end, label) span wrapped in <mark title="label">.

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
        out.append(escape(text[pos:start]))
        out.append(Markup('<mark title="{}">{}</mark>').format(", ".join(labels), text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    if cut:
        out.append(Markup(' <span class="cut">[… cut]</span>'))
    return Markup("").join(out)
