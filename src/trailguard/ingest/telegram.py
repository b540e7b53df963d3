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

from trailguard.ingest.exports import chat_id, checked_message, load_json_export, reject
from trailguard.ingest.validate import InvalidRecord, item_from_record, normalise_timestamp
from trailguard.model import Item, Reject, SourceRef
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
    source = SourceRef(source_name, 1)  # a JSON document has no per-record lines: the file is the record
    ident = chat_id("telegram", chat["id"])
    messages: list[dict[str, Any]] = []
    service = 0
    for raw in chat["messages"]:
        if isinstance(raw, dict) and raw.get("type") == "service":
            service += 1
            continue
        label = f"{where} ({ident}), message {_ident(raw)}"
        msg = checked_message(_message(raw), raw, label, source, settings)
        if isinstance(msg, Reject):
            yield msg
            continue
        messages.append(msg)
    header = {k: chat.get(k) for k in ("id", "name", "type")}
    record = {
        "id": ident,
        "kind": "chat",
        "platform": "telegram",
        "title": chat.get("name") if isinstance(chat.get("name"), str) else None,
        "posted_at": messages[0]["sent_at"] if messages else None,
        "messages": messages,
        "extra": {"export_file": source_name, "chat_type": chat.get("type"), "service_messages": service},
    }
    yield item_from_record(record, source, settings, orjson.dumps(header))


def _ident(raw: Any) -> str:
    return repr(raw.get("id"))[:40] if isinstance(raw, dict) else "(not an object)"


def _message(raw: Any) -> dict[str, Any] | str:
    """The message as a record, or the reason it cannot be read."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), int | str):
        return "not an object with an 'id'"
    try:
        sent_at = _when(raw)
    except InvalidRecord as exc:
        return str(exc)
    if sent_at is None:
        return "needs 'date_unixtime' or an ISO 'date'"
    text = _text(raw.get("text", ""))
    if text is None:
        return "'text' must be a string or a list of strings and entities"
    media = [str(raw[k]) for k in _MEDIA_KEYS if isinstance(raw.get(k), str)][:1]
    lines = [text, *(f"[attachment: {m}]" for m in media)] if media else [text]
    author = raw.get("from") or raw.get("from_id")
    return {
        "id": str(raw["id"]),
        "author": str(author) if author else None,
        "sent_at": sent_at,
        "text": "\n".join(lines).strip("\n"),
    }


def _when(raw: dict[str, Any]) -> str | None:
    """UTC from `date_unixtime` when present, else the local `date` read as UTC (as every reader reads a time
    without a zone); InvalidRecord when the one present cannot be read."""
    unix = raw.get("date_unixtime")
    if isinstance(unix, str | int) and str(unix).isdigit():
        try:
            moment = datetime.fromtimestamp(int(unix), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise InvalidRecord(f"field 'date_unixtime' is out of range: {str(unix)[:40]!r}") from None
        return normalise_timestamp(moment.isoformat(), "date_unixtime")
    if isinstance(raw.get("date"), str):
        return normalise_timestamp(raw["date"], "date")
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
