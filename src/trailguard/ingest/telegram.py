"""Telegram Desktop JSON export ("Export chat history" or "Export Telegram data", format JSON).

A single-chat export (`result.json`) is {"name", "type", "id", "messages": [...]}; a full-account export is
{"about", "personal_information", "contacts", ..., "chats": {"list": [chat, ...]}, "left_chats": {"list":
[...]}} and yields one item per chat in both lists (a chat the account has left is still evidence). A message
is {"id", "type": "message", "date", "date_unixtime", "from", "from_id", "text"}, where `text` is a string or
a list of strings and {"type", "text"} entities; service messages (joins, pins, calls) are counted in
`extra.service_messages`, not read as messages. `date_unixtime` (UTC) is preferred to `date` (the exporter's
local time). Media become "[attachment: ...]" lines. People are told apart by `from_id`, as on Discord
(`exports.unique_authors`); the item id names the chat and its message range (`exports.part_id`), since
Telegram Desktop can export one chat over several date ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson

from trailguard.ingest.exports import checked_message, load_json_export, part_id, reject, unique_authors
from trailguard.ingest.validate import InvalidRecord, item_from_record, normalise_timestamp
from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

_MEDIA_KEYS = ("photo", "file", "sticker_emoji", "media_type")
# The top-level keys of a full-account export ("Export Telegram data"); "about" alone is too common to count.
FULL_EXPORT_KEYS = frozenset(
    {
        "personal_information",
        "profile_pictures",
        "stories",
        "contacts",
        "frequent_contacts",
        "sessions",
        "web_sessions",
        "chats",
        "left_chats",
        "other_data",
    }
)
_CHAT_LISTS = (("chats", "chat"), ("left_chats", "left chat"))
# A JSON string (group 1: its body; group 2: the colon that makes it a key) or a bracket.
# The closing quote is optional so that a string cut off by the end of the head is one token to its end:
# with it required, every later quote would start a new attempt scanning to the end (quadratic).
_JSON_TOKEN = re.compile(rb'"([^"\\]*(?:\\.[^"\\]*)*)("?)(\s*:)?|[{}\[\]]')


def sniff(name: str, head: bytes) -> bool:
    """A .json file with Telegram's `date_unixtime` near its start, or a full-account export: one whose
    outermost object has a key only that export has. A full export can open with many kilobytes of contacts
    before "chats", so its keys are read wherever they sit in the head, at the top level only."""
    if not name.lower().endswith(".json"):
        return False
    if b'"messages"' in head and (b'"date_unixtime"' in head or b'"from_id"' in head):
        return True
    return not FULL_EXPORT_KEYS.isdisjoint(_top_level_keys(head))


def _top_level_keys(head: bytes) -> set[str]:
    """The keys of the outermost JSON object in `head`, as far as the head goes. Hand-written because the
    head is a cut-off prefix that no JSON parser accepts; strings are skipped whole, so a brace or key name
    inside a message cannot confuse it. A second document after the first (JSON Lines) means no keys."""
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return set()
    keys: set[str] = set()
    depth = 0
    for token in _JSON_TOKEN.finditer(head):
        if token[1] is not None:
            if not token[2]:
                return keys  # a string the head cuts off: nothing after it can be read
            if depth == 1 and token[3]:
                keys.add(token[1].decode("utf-8", "replace"))
        elif token[0] in (b"{", b"["):
            depth += 1
        else:
            depth -= 1
            if depth <= 0:
                return keys if not head[token.end() :].strip() else set()
    return keys


def read(stream: BinaryIO, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
    doc = load_json_export(stream, source_name, settings)
    if isinstance(doc, Reject):
        yield doc
        return
    if isinstance(doc, dict) and "messages" not in doc and not FULL_EXPORT_KEYS.isdisjoint(doc):
        yield from _full_export(doc, source_name, settings)
    else:
        yield from _chat(doc, "chat", source_name, settings)


def _full_export(doc: dict[str, Any], source_name: str, settings: Settings) -> Iterator[Item | Reject]:
    """Every chat in `chats.list` and `left_chats.list`, each labelled with the list it came from."""
    present = [(key, label) for key, label in _CHAT_LISTS if key in doc]
    if not present:
        yield reject(
            source_name, 1, "Telegram full export holds no 'chats' or 'left_chats' (exported without chats?)"
        )
    for key, label in present:
        chats = doc[key].get("list") if isinstance(doc[key], dict) else None
        if not isinstance(chats, list):
            yield reject(source_name, 1, f"not a Telegram export: '{key}' has no 'list'")
            continue
        for n, chat in enumerate(chats, start=1):
            yield from _chat(chat, f"{label} #{n}", source_name, settings, export_list=key)


def _chat(
    chat: Any, where: str, source_name: str, settings: Settings, export_list: str | None = None
) -> Iterator[Item | Reject]:
    if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
        yield reject(source_name, 1, f"not a Telegram export: {where} has no 'messages' list")
        return
    if not isinstance(chat.get("id"), int | str):
        yield reject(source_name, 1, f"not a Telegram export: {where} has no 'id'")
        return
    source = SourceRef(source_name, 1)  # a JSON document has no per-record lines: the file is the record
    ident = part_id("telegram", chat["id"], chat["messages"])
    said = [raw for raw in chat["messages"] if not (isinstance(raw, dict) and raw.get("type") == "service")]
    service = len(chat["messages"]) - len(said)
    parsed = [(raw, _message(raw)) for raw in said]
    people = [(_user(raw), p["author"]) for raw, p in parsed if isinstance(p, dict) and p["author"]]
    names, other_names = unique_authors(people)
    messages: list[dict[str, Any]] = []
    authors: dict[str, str] = {}
    for raw, p in parsed:
        if isinstance(p, dict) and p["author"]:
            p["author"] = names[_user(raw)]
        msg = checked_message(p, raw, f"{where} ({ident}), message {_ident(raw)}", source, settings)
        if isinstance(msg, Reject):
            yield msg
            continue
        if msg["author"]:
            authors[msg["author"]] = _user(raw)
        messages.append(msg)
    header = {k: chat.get(k) for k in ("id", "name", "type")}
    extra: dict[str, Any] = {
        "export_file": source_name,
        "chat_type": chat.get("type"),
        "service_messages": service,
        "authors": authors,
    }
    if other_names:
        extra["other_names"] = other_names
    if export_list:
        extra["export_list"] = export_list
    record = {
        "id": ident,
        "kind": "chat",
        "platform": "telegram",
        "title": chat.get("name") if isinstance(chat.get("name"), str) else None,
        "posted_at": messages[0]["sent_at"] if messages else None,
        "messages": messages,
        "extra": extra,
    }
    yield item_from_record(record, source, settings, orjson.dumps(header))


def _user(raw: dict[str, Any]) -> str:
    """Who wrote a message: `from_id` ("user123"), else the display name when the export has no id."""
    ident = raw.get("from_id")
    return str(ident) if isinstance(ident, str | int) and str(ident) else str(raw.get("from"))


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
