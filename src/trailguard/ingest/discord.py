"""Discord channel export in the JSON format of DiscordChatExporter (github.com/Tyrrrz/DiscordChatExporter).

One file is one channel: {"guild": {...}, "channel": {"id", "name", ...}, "messages": [{"id", "type",
"timestamp", "content", "author": {"id", "name", "nickname"}, "attachments": [{"fileName", ...}], ...}]}.
The author is the nickname when set, else the user name, and `extra.authors` maps it to the user id. People
are told apart by user id, not by name: when two ids share a display name in one export, each becomes
"Name (<user id>)", and one id seen under several names keeps its first one (the others are listed in
`extra.other_names`). Attachments become "[attachment: name]" lines in the message text.

One channel may be exported in several parts (DiscordChatExporter `--partition`, or `--after`/`--before`), so
the item id names the part as well as the channel (`part_id`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from trailguard.ingest.exports import checked_message, load_json_export, part_id, reject, unique_authors
from trailguard.ingest.validate import InvalidRecord, item_from_record, normalise_timestamp
from trailguard.model import Item, Reject, SourceRef
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
    source = SourceRef(source_name, 1)  # a JSON document has no per-record lines: the file is the record
    parsed = [(raw, _message(raw)) for raw in doc["messages"]]
    people = [(_user(raw), p["author"]) for raw, p in parsed if isinstance(p, dict)]
    names, other_names = unique_authors(people)
    messages: list[dict[str, Any]] = []
    authors: dict[str, str] = {}
    for n, (raw, p) in enumerate(parsed, start=1):
        if isinstance(p, dict):
            p["author"] = names[_user(raw)]
        msg = checked_message(p, raw, f"message #{n}", source, settings)
        if isinstance(msg, Reject):
            yield msg
            continue
        authors[msg["author"]] = _user(raw)
        messages.append(msg)
    record = {
        "id": part_id("discord", channel["id"], doc["messages"]),
        "kind": "chat",
        "platform": "discord",
        "title": _title(guild, channel),
        "posted_at": messages[0]["sent_at"] if messages else None,
        "messages": messages,
        "extra": {
            "export_file": source_name,
            "guild_id": str(guild.get("id", "")),
            "authors": authors,
            **({"other_names": other_names} if other_names else {}),
        },
    }
    yield item_from_record(record, source, settings, orjson.dumps(channel))


def _user(raw: dict[str, Any]) -> str:
    """Who wrote a (readable) message: the user id, else the display name when the export has no id."""
    author = raw["author"]
    ident = author.get("id")
    return str(ident) if isinstance(ident, str | int) and str(ident) else str(_display(author))


def _display(author: dict[str, Any]) -> Any:
    return author.get("nickname") or author.get("name") or author.get("id")


def _shape_problem(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return "the document is not a JSON object"
    if not isinstance(doc.get("channel"), dict) or not isinstance(doc["channel"].get("id"), str | int):
        return "missing 'channel' with an 'id'"
    if not isinstance(doc.get("messages"), list):
        return "missing the 'messages' list"
    return None


def _message(raw: Any) -> dict[str, Any] | str:
    """The message as a record, or the reason it cannot be read."""
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
    try:
        sent_at = normalise_timestamp(stamp, "timestamp")
    except InvalidRecord as exc:
        return str(exc)
    attachments = raw.get("attachments")
    names = (
        [_attachment_name(a) for a in attachments if isinstance(a, dict)]
        if isinstance(attachments, list)
        else []
    )
    text = "\n".join([content, *(f"[attachment: {n}]" for n in names)]) if names else content
    return {"id": str(ident), "author": str(_display(author)), "sent_at": sent_at, "text": text.strip("\n")}


def _attachment_name(attachment: dict[str, Any]) -> str:
    name = attachment.get("fileName") or attachment.get("url")
    return name if isinstance(name, str) else "file"


def _title(guild: dict[str, Any], channel: dict[str, Any]) -> str | None:
    parts = [str(p) for p in (guild.get("name"), channel.get("name")) if p]
    return " / ".join(parts) or None
