"""What the chat export readers (ingest/discord.py, telegram.py, whatsapp.py) share: a size-capped read of
one export file, timestamps normalised to ISO-8601 UTC, stable ids, and bounded messages.

Exports are single documents (one JSON object, one text file), so they are read whole, but never more than
`MAX_EXPORT_BYTES`: a larger file is rejected rather than parsed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, BinaryIO

from trailguard.ingest.validate import InvalidRecord, decode_json
from trailguard.model import Message, Reject, SourceRef
from trailguard.settings import Settings

MAX_EXPORT_BYTES = 256 * 1024 * 1024
MAX_RAW_PREFIX = 200  # characters of an offending record kept on its Reject


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


def to_utc_z(moment: datetime) -> str:
    """ISO-8601 UTC with a "Z"; a naive datetime is taken as UTC (exports that carry no zone say so in extra)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_to_utc_z(value: str) -> str | None:
    """An ISO-8601 timestamp (any offset, fractional seconds) as UTC "Z"; None when it is not one."""
    try:
        return to_utc_z(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def stable_id(platform: str, *parts: str) -> str:
    """`platform:` + a short hash of `parts`: the same export always yields the same item id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{platform}:{digest}"


def reject(
    source_name: str, line: int, reason: str, raw: str | None = None, record_id: str | None = None
) -> Reject:
    return Reject(
        source=SourceRef(source_name, line),
        reason=reason,
        record_id=record_id,
        raw=raw[:MAX_RAW_PREFIX] if raw is not None else None,
    )


def oversized(message: Message, max_bytes: int) -> bool:
    return len(message.text.encode("utf-8", "surrogatepass")) > max_bytes
