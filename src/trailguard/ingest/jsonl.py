"""JSON Lines: one Item object a line (the native format, and what `Item.to_dict` writes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

from .lines import iter_lines
from .validate import InvalidRecord, decode_json, item_from_record, raw_prefix

_BOM = b"\xef\xbb\xbf"
SUFFIXES = (".jsonl", ".ndjson")


def sniff(name: str, head: bytes) -> bool:
    """By name (.jsonl, .ndjson; .json when its first line is a whole object) or, on stdin, by a leading `{`/`[`.

    A plain .json file is only taken when its first line parses on its own, so pretty-printed single-document
    exports (chat formats) are left to their own readers.
    """
    if name.endswith(SUFFIXES):
        return True
    body = head.removeprefix(_BOM).lstrip()
    if name == "-":
        return body[:1] in (b"{", b"[", b"")
    if name.endswith(".json"):
        first, newline, _ = body.partition(b"\n")
        return bool(newline) and _is_object(first)
    return False


def read(stream: BinaryIO, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
    """Yield one Item or Reject per non-blank line; blank lines are not records and are skipped."""
    limit = settings.max_record_bytes
    for number, data, oversize in iter_lines(stream, limit):
        source = SourceRef(source_name, number)
        if oversize:
            yield Reject(source, f"record larger than {limit} bytes", raw=raw_prefix(data))
            continue
        if number == 1:
            data = data.removeprefix(_BOM)
        if data.isspace() or not data:
            continue
        try:
            record = decode_json(data, settings.max_nesting)
        except InvalidRecord as exc:
            yield Reject(source, str(exc), raw=raw_prefix(data))
            continue
        yield item_from_record(record, source, settings, raw=data)


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(decode_json(line, 1024), dict)
    except InvalidRecord:
        return False
