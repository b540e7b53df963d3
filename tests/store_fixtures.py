"""Inputs for the store tests: a chat exported twice (a message deleted in between) and ads with bad lines.

Shared by tests/test_store_versions.py and tests/data/store/make_before_versions.py, which wrote the store
of an older Trailguard that the tests open.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson

CHANNEL = "90210"
THREAT = "i saved your pics. pay me $300 or i send them to all your followers"
_MAY_1 = [
    ("1001", "kai", "7", "hey, saw your drawings, really cool"),
    ("1002", "sam", "8", "thanks!"),
    ("1003", "kai", "7", THREAT),
    ("1004", "sam", "8", "please stop"),
    ("1005", "kai", "7", "ok whatever"),
]
CHAT_ID = f"discord:{CHANNEL}:1001-1005"  # the channel and its first and last message ids (ingest.exports)


def discord_export(deleted: tuple[str, ...] = ()) -> bytes:
    """The channel as DiscordChatExporter writes it; `deleted` message ids left out (a later export)."""
    messages = [
        {
            "id": ident,
            "type": "Default",
            "timestamp": f"2024-05-01T16:0{n}:00+00:00",
            "content": text,
            "author": {"id": user, "name": name},
        }
        for n, (ident, name, user, text) in enumerate(_MAY_1)
        if ident not in deleted
    ]
    doc = {
        "guild": {"id": "1", "name": "Art club"},
        "channel": {"id": CHANNEL, "name": "general"},
        "messages": messages,
    }
    return json.dumps(doc).encode()


def whatsapp_export(deleted: tuple[str, ...] = ()) -> bytes:
    """The same conversation as a WhatsApp "Export chat" file (Android, UK dates); `deleted` message ids
    left out, as a later export after the message was deleted."""
    lines = [
        f"01/05/2024, 16:0{n} - {name}: {text}"
        for n, (ident, name, _user, text) in enumerate(_MAY_1)
        if ident not in deleted
    ]
    return ("\n".join(lines) + "\n").encode()


ADS = [
    {
        "id": "ad-1",
        "kind": "ad",
        "text": "New in town, sweet girl, text 617 555 0123",
        "location": "Boston, MA",
    },
    {
        "id": "ad-2",
        "kind": "ad",
        "text": "Relaxing company tonight, call 617-555-0123",
        "location": "Boston, MA",
    },
]
BAD_LINES = [b"{not json", b'{"id": "x1", "text": 5}']


def write_inputs(folder: Path, deleted: tuple[str, ...] = ()) -> list[str]:
    """`chat.json` and `ads.jsonl` in `folder`, named relative to it (as a scan run there names them)."""
    (folder / "chat.json").write_bytes(discord_export(deleted))
    lines = [orjson.dumps(r) for r in ADS] + BAD_LINES
    (folder / "ads.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return ["chat.json", "ads.jsonl"]
