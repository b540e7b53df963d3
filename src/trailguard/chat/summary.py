"""What a summary may show of a conversation: only the messages that carry evidence, each cut to a window
around its evidence. The full text stays in the store; a reviewer opens it deliberately.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trailguard.model import Assessment, Message

MAX_EXCERPT_CHARS = 240


def evidence_excerpts(
    messages: Sequence[Message], assessment: Assessment, max_chars: int = MAX_EXCERPT_CHARS
) -> list[dict[str, Any]]:
    """[{message, author, sent_at, stages, text, start, end}] for the evidence messages, in conversation order.

    `text` is the message when it fits in `max_chars`, else a window around its first counted evidence span,
    marked with "…" where it was cut; `start`/`end` are the window's offsets in the message (to place the
    highlights of the entry's `spans`).
    """
    conversation = assessment.conversation or {}
    out = []
    for entry in conversation.get("evidence_messages", []):
        i = entry["message"]
        if not 0 <= i < len(messages):
            continue
        text = messages[i].text
        spans = entry.get("spans") or [[0, 0, ""]]  # counted signals first (chat.assess)
        start, end = _window(len(text), spans[0][0], max_chars)
        cut = ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
        out.append({**entry, "text": cut, "start": start, "end": end})
    return out


def _window(length: int, anchor: int, max_chars: int) -> tuple[int, int]:
    """The [start, end) of the message shown: all of it when it fits, else `max_chars` around `anchor`."""
    if length <= max_chars:
        return 0, length
    start = max(0, min(anchor - max_chars // 4, length - max_chars))
    return start, start + max_chars
