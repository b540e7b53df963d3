"""Telegram Desktop JSON export ("Export chat history" or "Export Telegram data", format JSON).

A single-chat export (`result.json`) is {"name", "type", "id", "messages": [...]}; a full-account export is
{"chats": {"list": [chat, ...]}, ...} and yields one item per chat. A message is {"id", "type": "message",
"date", "date_unixtime", "from", "from_id", "text"}, where `text` is a string or a list of strings and
{"type", "text"} entities; service messages (joins, pins, calls) are counted in `extra.service_messages`,
not read as messages. `date_unixtime` (UTC) is preferred to `date` (the exporter's local time). Media become
"[attachment: ...]" lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson

from trailguard.ingest.exports import load_json_export, oversized, reject, to_utc_z
from trailguard.model import Item, Message, Reject
from trailguard.settings import Settings

_MEDIA_KEYS = ("photo", "file", "sticker_emoji", "media_type")


def sniff(name: str, head: bytes) -> bool:
    """A .json file with Telegram's `date_unixtime` or a full export's `"chats"` list near its start."""
    if not name.lower().endswith(".json"):
        return False
    return (b'"messages"' in head and (b'"date_unixtime"' in head or b'"from_id"' in head)) or (
        b'"chats"' in head and b'"list"' in head
    )


def read(stream: BinaryIO, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
    doc = load_json_export(stream, source_name, settings)
    if isinstance(doc, Reject):
        yield doc
        return
    if isinstance(doc, dict) and isinstance(doc.get("chats"), dict):
        chats = doc["chats"].get("list")
        if not isinstance(chats, list):
            yield reject(source_name, 1, "not a Telegram export: 'chats' has no 'list'")
            return
        for n, chat in enumerate(chats, start=1):
            yield from _chat(chat, f"chat #{n}", source_name, settings)
    else:
        yield from _chat(doc, "chat", source_name, settings)


def _chat(chat: Any, where: str, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
    if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
        yield reject(source_name, 1, f"not a Telegram export: {where} has no 'messages' list")
        return
    if not isinstance(chat.get("id"), int | str):
        yield reject(source_name, 1, f"not a Telegram export: {where} has no 'id'")
        return
    messages: list[Message] = []
    service = 0
    for raw in chat["messages"]:
        if isinstance(raw, dict) and raw.get("type") == "service":
            service += 1
            continue
        msg = _message(raw)
        if isinstance(msg, str):
            raw_text = orjson.dumps(raw)[:200].decode("utf-8", "replace")
            yield reject(source_name, 1, f"{where} ({chat['id']}), message {_ident(raw)}: {msg}", raw_text)
            continue
        if oversized(msg, settings.max_record_bytes):
            yield reject(
                source_name, 1, f"{where} message {msg.id} longer than {settings.max_record_bytes} bytes"
            )
            continue
        messages.append(msg)
    name = chat.get("name")
    yield Item(
        id=f"telegram:{chat['id']}",
        kind="chat",
        platform="telegram",
        title=name if isinstance(name, str) else None,
        posted_at=messages[0].sent_at if messages else None,
        messages=messages,
        extra={"export_file": source_name, "chat_type": chat.get("type"), "service_messages": service},
    )


def _ident(raw: Any) -> str:
    return repr(raw.get("id")) if isinstance(raw, dict) else "(not an object)"


def _message(raw: Any) -> Message | str:
    """The message, or the reason it cannot be read."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), int | str):
        return "not an object with an 'id'"
    sent_at = _when(raw)
    if sent_at is None:
        return "needs 'date_unixtime' or an ISO 'date'"
    text = _text(raw.get("text", ""))
    if text is None:
        return "'text' must be a string or a list of strings and entities"
    media = [str(raw[k]) for k in _MEDIA_KEYS if isinstance(raw.get(k), str)][:1]
    lines = [text, *(f"[attachment: {m}]" for m in media)] if media else [text]
    author = raw.get("from") or raw.get("from_id")
    return Message(
        id=str(raw["id"]),
        author=str(author) if author else None,
        sent_at=sent_at,
        text="\n".join(lines).strip("\n"),
    )


def _when(raw: dict[str, Any]) -> str | None:
    unix = raw.get("date_unixtime")
    try:
        if isinstance(unix, str | int) and str(unix).isdigit():
            return to_utc_z(datetime.fromtimestamp(int(unix), tz=UTC))
        if isinstance(raw.get("date"), str):
            return to_utc_z(datetime.fromisoformat(raw["date"]))
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _text(value: Any) -> str | None:
    """Telegram's text: a string, or a list of strings and {"type", "text"} entities, joined."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return None
    parts = []
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            return None
    return "".join(parts)
