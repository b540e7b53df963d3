"""What the chat export readers (ingest/discord.py, telegram.py, whatsapp.py) share: a size-capped read of
one export file, stable item ids, and each message checked on its own against the item contract.

Exports are single documents (one JSON object, one text file), so they are read whole, but never more than
`MAX_EXPORT_BYTES`: a larger file is rejected rather than parsed. Each reader turns a chat into a record in
the item contract and hands it to `validate.item_from_record`, like every other reader, so the same field
limits, NUL rules and reasons apply whatever the format.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from trailguard.ingest.validate import InvalidRecord, decode_json, item_from_record, raw_prefix
from trailguard.model import Reject, SourceRef
from trailguard.settings import Settings

MAX_EXPORT_BYTES = 256 * 1024 * 1024
# An export's own chat id is kept in the item id when it is this short and plain (Discord and Telegram ids
# are numbers); anything else is hashed, so a hostile id can never become an oversized or odd store key.
MAX_NATIVE_ID = 200
_PLAIN_ID = re.compile(r"[0-9A-Za-z_.@+-]+", re.ASCII)


class ExportTooLarge(ValueError):
    pass


def read_capped(stream: BinaryIO, limit: int = MAX_EXPORT_BYTES) -> bytes:
    """The whole stream, or ExportTooLarge when it holds more than `limit` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ExportTooLarge(f"export is larger than {limit} bytes; split it or raise the limit")
    return data


def load_json_export(stream: BinaryIO, source_name: str, settings: Settings) -> Any | Reject:
    """The parsed JSON document of one export, or the Reject that says why it cannot be read."""
    try:
        return decode_json(read_capped(stream), settings.max_nesting)
    except ExportTooLarge as exc:
        return reject(source_name, 0, str(exc))
    except InvalidRecord as exc:
        return reject(source_name, 1, f"unreadable export: {exc}")


def stable_id(platform: str, *parts: str) -> str:
    """`platform:` + a short hash of `parts`: the same export always yields the same item id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{platform}:{digest}"


def chat_id(platform: str, native: str | int) -> str:
    """`platform:<the export's chat id>` when that id is plain and at most `MAX_NATIVE_ID` characters (as
    real Discord and Telegram ids are), else `platform:<hash of it>`: stable either way."""
    text = str(native)
    if len(text) <= MAX_NATIVE_ID and _PLAIN_ID.fullmatch(text):
        return f"{platform}:{text}"
    return stable_id(platform, text)


def reject(
    source_name: str, line: int, reason: str, raw: bytes | str | None = None, record_id: str | None = None
) -> Reject:
    return Reject(
        source=SourceRef(source_name, line),
        reason=reason,
        record_id=record_id,
        raw=None if raw is None else raw_prefix(raw),
    )


def checked_message(
    parsed: dict[str, Any] | str, raw: object, label: str, source: SourceRef, settings: Settings
) -> dict[str, Any] | Reject:
    """One message as a reader parsed it (`{id, author, sent_at, text}`, or the reason it could not), checked
    on its own against the item contract and the record size limit; or the Reject that names it.

    Checking each message before the chat record is built means one bad message is rejected alone and the
    rest of the chat is still read. The check is `item_from_record` itself on a one-message record, so no
    rule is restated here; its reason names the field as `messages[0].x`, which is reworded to the message.
    """
    raw_text = raw if isinstance(raw, str) else orjson.dumps(raw)
    if isinstance(parsed, str):
        return Reject(source=source, reason=f"{label}: {parsed}", raw=raw_prefix(raw_text))
    checked = item_from_record({"id": "message", "kind": "chat", "messages": [parsed]}, source, settings)
    if isinstance(checked, Reject):
        reason = checked.reason.replace("'messages[0].", "'")
        return Reject(source=source, reason=f"{label}: {reason}", raw=raw_prefix(raw_text))
    message = checked.messages[0]
    if len(message.text.encode("utf-8", "surrogatepass")) > settings.max_record_bytes:
        return Reject(
            source=source,
            reason=f"{label}: longer than {settings.max_record_bytes} bytes",
            raw=raw_prefix(raw_text),
        )
    return {"id": message.id, "author": message.author, "sent_at": message.sent_at, "text": message.text}


MAX_OTHER_NAMES = 20  # other display names listed per participant in `extra.other_names`


def part_id(platform: str, chat: str | int, raw_messages: list[Any]) -> str:
    """`platform:<chat id>:<first message id>-<last message id>`, from the export's own message list.

    Parts of one chat (a partitioned or date-ranged export) differ in their message range, so they never
    overwrite each other in the store, and re-reading a file gives the same id. The ids are taken from the
    raw list, not from the messages that passed validation, so the id does not move with the size limits.
    Each piece is kept as written when plain and short, else hashed (`chat_id`). A chat with no message ids
    is `platform:<chat id>`."""
    ids = [str(m["id"]) for m in raw_messages if isinstance(m, dict) and isinstance(m.get("id"), str | int)]
    base = chat_id(platform, chat)
    if not ids:
        return base
    span = chat_id(platform, f"{ids[0]}-{ids[-1]}").removeprefix(f"{platform}:")
    return f"{base}:{span}"


def unique_authors(people: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """({user id: author name}, {author name: up to `MAX_OTHER_NAMES` other names that id used}) for
    (user id, display name) pairs in message order.

    An id is named by the first display name it used, so a renamed person stays one participant. A name that
    more than one id uses becomes "Name (<user id>)" for each of them, so different people are never merged;
    and so does a name someone chose to equal such a suffixed one ("Mia (222)"), checked only against the
    newly suffixed names so that a crafted chain of names costs linear time.
    """
    first: dict[str, str] = {}
    used: dict[str, dict[str, None]] = {}  # insertion-ordered sets
    for user, name in people:
        first.setdefault(user, name)
        used.setdefault(user, {})[name] = None
    holders: dict[str, list[str]] = {}
    for user, name in first.items():
        holders.setdefault(name, []).append(user)
    names = dict(first)
    pending = [user for users in holders.values() if len(users) > 1 for user in users]
    while pending:
        for user in pending:
            names[user] = f"{first[user]} ({user})"
        pending = [v for u in pending for v in holders.get(names[u], ()) if names[v] == first[v]]
    others = {
        names[user]: list(seen)[1 : 1 + MAX_OTHER_NAMES] for user, seen in used.items() if len(seen) > 1
    }
    return names, others
