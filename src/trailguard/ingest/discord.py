"""Discord channel export in the JSON format of DiscordChatExporter (github.com/Tyrrrz/DiscordChatExporter).

One file is one channel: {"guild": {...}, "channel": {"id", "name", ...}, "messages": [{"id", "type",
"timestamp", "content", "author": {"id", "name", "nickname"}, "attachments": [{"fileName", ...}], ...}]}.
The author is the nickname when set, else the user name; the author's id is kept in `extra` of the item
(`authors`), so a handle can be linked even when display names change. Attachments become
"[attachment: name]" lines in the message text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from trailguard.ingest.exports import iso_to_utc_z, load_json_export, oversized, reject
from trailguard.model import Item, Message, Reject
from trailguard.settings import Settings

_SNIFF_KEYS = (b'"channel"', b'"messages"')


def sniff(name: str, head: bytes) -> bool:
    """A .json file that opens with DiscordChatExporter's top-level keys."""
    return name.lower().endswith(".json") and b'"guild"' in head and all(k in head for k in _SNIFF_KEYS)


def read(stream: BinaryIO, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
    doc = load_json_export(stream, source_name, settings)
    if isinstance(doc, Reject):
        yield doc
        return
    problem = _shape_problem(doc)
    if problem:
        yield reject(source_name, 1, f"not a DiscordChatExporter export: {problem}")
        return
    channel = doc["channel"]
    guild = doc.get("guild") if isinstance(doc.get("guild"), dict) else {}
    messages: list[Message] = []
    authors: dict[str, str] = {}
    for n, raw in enumerate(doc["messages"], start=1):
        msg = _message(raw)
        if isinstance(msg, str):
            yield reject(
                source_name, 1, f"message #{n}: {msg}", orjson.dumps(raw)[:200].decode("utf-8", "replace")
            )
            continue
        if oversized(msg, settings.max_record_bytes):
            yield reject(
                source_name, 1, f"message #{n} ({msg.id}) longer than {settings.max_record_bytes} bytes"
            )
            continue
        author = raw["author"]
        authors[msg.author or ""] = str(author.get("id", ""))
        messages.append(msg)
    yield Item(
        id=f"discord:{channel['id']}",
        kind="chat",
        platform="discord",
        title=_title(guild, channel),
        posted_at=messages[0].sent_at if messages else None,
        messages=messages,
        extra={"export_file": source_name, "guild_id": str(guild.get("id", "")), "authors": authors},
    )


def _shape_problem(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return "the document is not a JSON object"
    if not isinstance(doc.get("channel"), dict) or not isinstance(doc["channel"].get("id"), str | int):
        return "missing 'channel' with an 'id'"
    if not isinstance(doc.get("messages"), list):
        return "missing the 'messages' list"
    return None


def _message(raw: Any) -> Message | str:
    """The message, or the reason it cannot be read."""
    if not isinstance(raw, dict):
        return "not an object"
    ident, stamp, content, author = (
        raw.get("id"),
        raw.get("timestamp"),
        raw.get("content", ""),
        raw.get("author"),
    )
    if not isinstance(ident, str | int) or not isinstance(stamp, str) or not isinstance(content, str):
        return "needs 'id', a string 'timestamp' and a string 'content'"
    if not isinstance(author, dict) or not isinstance(author.get("name") or author.get("id"), str | int):
        return "needs an 'author' with a 'name' or 'id'"
    sent_at = iso_to_utc_z(stamp)
    if sent_at is None:
        return f"unreadable timestamp {stamp[:40]!r}"
    attachments = raw.get("attachments") or []
    names = [a.get("fileName") or a.get("url") or "file" for a in attachments if isinstance(a, dict)]
    text = "\n".join([content, *(f"[attachment: {n}]" for n in names)]) if names else content
    display = author.get("nickname") or author.get("name") or author.get("id")
    return Message(id=str(ident), author=str(display), sent_at=sent_at, text=text.strip("\n"))


def _title(guild: dict[str, Any], channel: dict[str, Any]) -> str | None:
    parts = [str(p) for p in (guild.get("name"), channel.get("name")) if p]
    return " / ".join(parts) or None
