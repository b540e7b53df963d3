"""Turn one untrusted record into an `Item` or a `Reject` with a reason a reviewer can act on.

Every reader (JSON Lines, CSV, chat exports) ends here, so the rules are the same whatever the format. Only
this module decides what a valid item is; later stages trust `Item` and never re-check. Validation raises
`InvalidRecord` internally and `item_from_record` turns it into a `Reject`, so a bad record can never stop
the batch.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import orjson

from trailguard.model import KINDS, Item, Message, Reject, SourceRef
from trailguard.settings import Settings

from .lines import PREFIX_CHARS

# Upper bounds on short string fields, in characters. Generous for real data, small enough that a hostile
# record cannot turn an identifier into a megabyte key in every index and report downstream.
FIELD_LIMITS: dict[str, int] = {
    "id": 512,
    "kind": 16,
    "platform": 256,
    "url": 8192,
    "posted_at": 64,
    "location": 1024,
    "author": 512,
}
IMAGE_PATH_LIMIT = 4096
MAX_IMAGES = 64  # per item: each one is read and hashed, so the count is bounded like every other size
# NUL cannot be stored in PostgreSQL text and means nothing in a name or an address: a short field holding one
# rejects the record; in free text (title, text, messages) it becomes U+FFFD, which keeps every offset valid.
NUL = "\x00"
REPLACEMENT = "\ufffd"
_FREE_TEXT = frozenset({"title", "text"})
TEXT_FIELDS = ("platform", "url", "title", "text", "location", "author")
ITEM_FIELDS = ("id", "kind", *TEXT_FIELDS, "posted_at", "images", "messages")
_KNOWN = frozenset(ITEM_FIELDS)

_NORMAL_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)
# A JSON string (escapes included) or a bracket: enough to measure nesting without parsing. Possessive
# quantifiers, and an unterminated string running to the end, keep the scan linear on hostile input (a run of
# escaped quotes would otherwise be rescanned from each one).
_JSON_TOKEN = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?|[\[\]{}]', re.DOTALL)


class InvalidRecord(ValueError):
    """A record broke the input contract; the message is the reason written to rejected.jsonl."""


def raw_prefix(data: bytes | str) -> str:
    """The start of an offending record, decoded leniently so the reviewer sees what was there."""
    if isinstance(data, bytes):
        data = data[: PREFIX_CHARS * 4].decode("utf-8", errors="replace")
    return data[:PREFIX_CHARS].rstrip("\r\n")


def nesting_exceeds(data: bytes, limit: int) -> bool:
    """Whether JSON text nests deeper than `limit` containers, judged without parsing it.

    orjson has its own limit (1024) but a smaller one is wanted here, and walking a parsed object costs more
    than this scan. Most records have fewer brackets than the limit in total and return at once; the rest are
    scanned token by token, skipping string contents, and stop as soon as the limit is passed.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for match in _JSON_TOKEN.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def decode_json(data: bytes, max_nesting: int) -> Any:
    """Parse one JSON text from untrusted bytes, raising `InvalidRecord` with a precise reason."""
    if nesting_exceeds(data, max_nesting):
        raise InvalidRecord(f"nesting deeper than {max_nesting} levels")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as utf8:
            raise InvalidRecord(f"invalid UTF-8 at byte {utf8.start + 1}") from None
        if exc.msg == "depth limit exceeded":  # only reachable with max_nesting above orjson's own limit
            raise InvalidRecord(f"nesting deeper than {max_nesting} levels") from None
        raise InvalidRecord(f"invalid JSON: {exc.msg} at column {exc.pos + 1}") from None


def item_from_record(
    record: object, source: SourceRef, settings: Settings, raw: bytes | str | None = None
) -> Item | Reject:
    """Validate a parsed record against the Item contract (see docs/input-formats.md).

    `raw` is the record as read, kept (bounded) in a reject so the reviewer can see what was wrong.
    """
    record_id: str | None = None
    try:
        if not isinstance(record, dict):
            raise InvalidRecord(f"not a JSON object (got {_type_name(record)})")
        record_id = _identifier(record)
        return _build_item(record, record_id, source)
    except InvalidRecord as exc:
        return Reject(
            source=source,
            reason=str(exc),
            record_id=record_id,
            raw=None if raw is None else raw_prefix(raw),
        )


def normalise_timestamp(value: object, name: str) -> str | None:
    """ISO-8601 in, UTC `YYYY-MM-DDTHH:MM:SSZ` out; a time without an offset is taken as UTC.

    Dates order the timeline and movement links, so an unreadable one rejects the record rather than
    silently dropping it (see docs/input-formats.md).
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidRecord(f"field '{name}' must be an ISO-8601 string, got {_type_name(value)}")
    text = value.strip()
    if len(text) > FIELD_LIMITS["posted_at"]:
        raise InvalidRecord(f"field '{name}' is longer than {FIELD_LIMITS['posted_at']} characters")
    try:
        moment = datetime.fromisoformat(text)
        if _NORMAL_TIMESTAMP.fullmatch(text):
            return text  # already in the normal form (the common case): checking it was enough
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidRecord(
            f"field '{name}' is not an ISO-8601 date or time: {text[:40]!r} "
            "(expected e.g. 2024-05-01T10:00:00Z, 2024-05-01T12:00:00+02:00 or 2024-05-01)"
        ) from None
    return moment.isoformat()[:19] + "Z"  # YYYY-MM-DDTHH:MM:SS, faster than strftime


def _build_item(record: dict[str, Any], record_id: str, source: SourceRef) -> Item:
    kind = _kind(record.get("kind"))
    strings = _strings(record)
    images = _images(record.get("images"))
    messages = _messages(record.get("messages"))
    if not (_has_text(strings.get("text")) or _has_text(strings.get("title")) or images or messages):
        raise InvalidRecord("no content: one of text, title, messages, images is required")
    return Item(
        id=record_id,
        kind=kind,
        posted_at=normalise_timestamp(record.get("posted_at"), "posted_at"),
        images=images,
        messages=messages,
        extra=_extra(record),
        source=source,
        **strings,
    )


def _identifier(record: dict[str, Any]) -> str:
    """`id` is a non-empty string; an integer is accepted and written in decimal (many exports number rows)."""
    if "id" not in record or record["id"] is None:
        raise InvalidRecord("missing required field 'id'")
    return _id_value(record["id"], "id")


def _id_value(value: object, name: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, float) and abs(value) >= 2**63:
        # orjson reads an integer literal past 64 bits as a float: its digits are already lost, so it is
        # refused for what it is rather than as a "float" the user never wrote.
        raise InvalidRecord(
            f"field '{name}' is a number too large to keep exactly (64 bits); write the id as a string"
        )
    if not isinstance(value, str):
        raise InvalidRecord(f"field '{name}' must be a string, got {_type_name(value)}")
    value = value.strip()
    if not value:
        raise InvalidRecord(f"field '{name}' must not be empty")
    if len(value) > FIELD_LIMITS["id"]:
        raise InvalidRecord(f"field '{name}' is longer than {FIELD_LIMITS['id']} characters")
    if NUL in value:
        raise InvalidRecord(f"field '{name}' contains a NUL character")
    return value


def _kind(value: object) -> str:
    if value is None or value == "":
        return "ad"
    if isinstance(value, str) and value.strip().lower() in KINDS:
        return value.strip().lower()
    shown = repr(value[: FIELD_LIMITS["kind"]]) if isinstance(value, str) else _type_name(value)
    raise InvalidRecord(f"field 'kind' must be one of {', '.join(KINDS)}, got {shown}")


def _strings(record: dict[str, Any]) -> dict[str, str]:
    """The optional string fields that are present (this loop runs for every record: kept plain)."""
    found: dict[str, str] = {}
    for name in TEXT_FIELDS:
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidRecord(f"field '{name}' must be a string, got {_type_name(value)}")
        limit = FIELD_LIMITS.get(name)
        if limit is not None and len(value) > limit:
            raise InvalidRecord(f"field '{name}' is longer than {limit} characters")
        if NUL in value:
            if name not in _FREE_TEXT:
                raise InvalidRecord(f"field '{name}' contains a NUL character")
            value = value.replace(NUL, REPLACEMENT)
        found[name] = value
    return found


def _images(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(f"field 'images' must be a list of strings, got {_type_name(value)}")
    for index, path in enumerate(value):
        if not isinstance(path, str):
            raise InvalidRecord(f"field 'images[{index}]' must be a string, got {_type_name(path)}")
        if len(path) > IMAGE_PATH_LIMIT:
            raise InvalidRecord(f"field 'images[{index}]' is longer than {IMAGE_PATH_LIMIT} characters")
        if NUL in path:
            raise InvalidRecord(f"field 'images[{index}]' contains a NUL character")
    paths = list(dict.fromkeys(path for path in value if path.strip()))  # each image once, in order
    if len(paths) > MAX_IMAGES:
        raise InvalidRecord(f"field 'images' names {len(paths)} images, more than {MAX_IMAGES}")
    return paths


def _messages(value: object) -> list[Message]:
    """Messages are `{id, author, sent_at, text}`; a missing id becomes its 1-based position ("1", "2", ...)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(f"field 'messages' must be a list of objects, got {_type_name(value)}")
    messages = []
    for index, entry in enumerate(value):
        name = f"messages[{index}]"
        if not isinstance(entry, dict):
            raise InvalidRecord(f"field '{name}' must be an object, got {_type_name(entry)}")
        raw_id = entry.get("id")
        text = entry.get("text")
        author = entry.get("author")
        if text is not None and not isinstance(text, str):
            raise InvalidRecord(f"field '{name}.text' must be a string, got {_type_name(text)}")
        if author is not None and not isinstance(author, str):
            raise InvalidRecord(f"field '{name}.author' must be a string, got {_type_name(author)}")
        if author is not None and len(author) > FIELD_LIMITS["author"]:
            raise InvalidRecord(f"field '{name}.author' is longer than {FIELD_LIMITS['author']} characters")
        if author is not None and NUL in author:
            raise InvalidRecord(f"field '{name}.author' contains a NUL character")
        messages.append(
            Message(
                id=str(index + 1) if raw_id is None else _id_value(raw_id, f"{name}.id"),
                text=(text or "").replace(NUL, REPLACEMENT),
                author=author,
                sent_at=normalise_timestamp(entry.get("sent_at"), f"{name}.sent_at"),
            )
        )
    return messages


def _extra(record: dict[str, Any]) -> dict[str, Any]:
    """Unknown fields, kept as read; an `extra` object (as written by `Item.to_dict`) is merged in."""
    extra = {key: value for key, value in record.items() if key not in _KNOWN}
    nested = extra.get("extra")
    if isinstance(nested, dict):
        del extra["extra"]
        extra.update(nested)
    return extra


def _has_text(value: str | None) -> bool:
    return value is not None and not value.isspace() and value != ""


def _type_name(value: object) -> str:
    """JSON's names for JSON values, so reasons read the same as the input the user wrote."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
