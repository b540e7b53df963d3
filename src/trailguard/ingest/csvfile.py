"""CSV with a header row; columns map to Item fields by name or through a column mapping.

The csv module parses, but it cannot say which row held invalid UTF-8 or an over-long line: it only sees text.
So bytes are read here line by line (bounded), decoded strictly one physical line at a time, and problems are
noted against the physical line; a row is rejected when it spans a noted line, and the rest of the file goes on.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

from .lines import PREFIX_CHARS, iter_lines
from .validate import ITEM_FIELDS, InvalidRecord, decode_json, item_from_record, raw_prefix

log = logging.getLogger(__name__)

SUFFIXES = (".csv",)
_IMAGE_SEPARATORS = str.maketrans({"|": ";"})
_SLACK = 1 << 16
_STRUCTURE = re.compile(r'[^",\r\n]+')


def sniff(name: str, head: bytes) -> bool:
    """By name (.csv); on stdin, anything that does not start like JSON."""
    if name.endswith(SUFFIXES):
        return True
    return name == "-" and head.lstrip()[:1] not in (b"{", b"[", b"")


def check_mapping(mapping: Mapping[str, str]) -> None:
    """A mapping target must be an Item field: a typo would otherwise send a column to `extra` unnoticed."""
    wrong = sorted(target for target in mapping.values() if target not in ITEM_FIELDS)
    if wrong:
        raise ValueError(
            f"CSV column mapping targets {', '.join(map(repr, wrong))} are not Item fields "
            f"(allowed: {', '.join(ITEM_FIELDS)}); unmapped columns are kept in `extra` anyway"
        )


def read(
    stream: BinaryIO,
    source_name: str,
    settings: Settings,
    *,
    csv_mapping: Mapping[str, str] | None = None,
) -> Iterator[Item | Reject]:
    """Yield one Item or Reject per data row; the line reported is the physical line where the row starts."""
    mapping = dict(csv_mapping or {})
    check_mapping(mapping)
    lines = _DecodedLines(stream, settings.max_record_bytes)
    # A backstop only: rows are bounded by _DecodedLines; this stops a quote left open to the end of the file.
    previous_limit = csv.field_size_limit(2 * settings.max_record_bytes + _SLACK)
    try:
        yield from _rows(csv.reader(lines, strict=True), lines, source_name, settings, mapping)
    finally:
        csv.field_size_limit(previous_limit)


class _DecodedLines:
    """Feeds csv.reader decoded physical lines and keeps, for the row being read, its first bytes and problem.

    Once a row is known to be bad (invalid UTF-8, over the size bound) only its structure is fed on: each run
    of ordinary characters becomes one "x", quotes, commas and line ends stay. csv.reader then finds the row's
    real end (a quoted field may span lines) without holding its content, and the next row starts in step.
    """

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        self._lines = iter_lines(stream, max_bytes, skip_blank=False)
        self._max_bytes = max_bytes
        self._size = 0
        self._problem: str | None = None
        self._prefix: bytes | None = None

    def __iter__(self) -> Iterator[str]:
        for number, data, oversize in self._lines:
            if self._prefix is None:
                self._prefix = data[:PREFIX_CHARS]
            self._size += len(data)
            if oversize or self._size > self._max_bytes:
                self._problem = self._problem or f"record larger than {self._max_bytes} bytes"
            if oversize:
                yield "\n"  # its structure is unknown (never read whole): assume it does not close a quote
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._problem = self._problem or f"invalid UTF-8 at byte {exc.start + 1}"
                text = data.decode("utf-8", errors="replace")
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield text if self._problem is None else _STRUCTURE.sub("x", text)

    def take(self) -> tuple[str | None, bytes]:
        """The problem found in the row just read (if any) and its first bytes; then start afresh.

        csv.reader pulls exactly the lines of one row per step, so everything remembered belongs to that row.
        """
        problem, prefix = self._problem, self._prefix or b""
        self._size, self._problem, self._prefix = 0, None, None
        return problem, prefix


def _rows(
    reader: Any, lines: _DecodedLines, source_name: str, settings: Settings, mapping: dict[str, str]
) -> Iterator[Item | Reject]:
    columns: list[tuple[str, str]] | None = None  # (header name, key in the record) per column
    while True:
        first = reader.line_num + 1
        error = None
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            error, row = _csv_reason(exc, settings), []
        problem, prefix = lines.take()
        source = SourceRef(source_name, first)
        reason = problem or error
        if reason is not None:
            if columns is None:
                reason = f"unreadable CSV header ({reason})"
            yield Reject(source, reason, raw=raw_prefix(prefix))
            if columns is None:
                return  # without a header no row can be read; the reject above accounts for the file
            continue
        if not row:
            continue  # a blank line is not a record
        if columns is None:
            columns = _columns(row, mapping, source_name)
            continue
        yield _row_item(row, columns, source, settings, prefix)


def _csv_reason(exc: csv.Error, settings: Settings) -> str:
    if "field larger than field limit" in str(exc):
        return f"record larger than {settings.max_record_bytes} bytes"
    return f"invalid CSV: {exc}"


def _columns(header: list[str], mapping: dict[str, str], source_name: str) -> list[tuple[str, str]]:
    """Key per column: its mapped field, its own name if that is an Item field, else its name (to `extra`).

    When two columns claim one field the first wins and the other keeps its own name, so nothing is dropped.
    """
    keys: list[tuple[str, str]] = []
    taken: set[str] = set()
    for position, raw_name in enumerate(header):
        name = raw_name.strip() or f"column_{position + 1}"
        key = mapping.get(name, name)
        if key in taken:
            kept_as = name if name not in taken else f"{name}#{position + 1}"
            log.warning(
                "%s: column %r maps to %r, already taken; kept as %r", source_name, name, key, kept_as
            )
            key = kept_as
        taken.add(key)
        keys.append((name, key))
    absent = sorted(set(mapping) - {name for name, _ in keys})
    if absent:
        log.warning("%s: mapped columns not in the header: %s", source_name, ", ".join(absent))
    if "id" not in taken:
        log.warning("%s: no column maps to 'id' (columns: %s)", source_name, ", ".join(n for n, _ in keys))
    return keys


def _row_item(
    row: list[str], columns: list[tuple[str, str]], source: SourceRef, settings: Settings, prefix: bytes
) -> Item | Reject:
    if len(row) > len(columns):
        reason = f"row has {len(row)} fields, the header has {len(columns)}"
        return Reject(source, reason, raw=raw_prefix(prefix))
    record: dict[str, Any] = {}
    for (_, key), value in zip(columns, row, strict=False):
        if value == "":
            continue
        if key == "images":
            record[key] = [
                part.strip() for part in value.translate(_IMAGE_SEPARATORS).split(";") if part.strip()
            ]
        elif key == "messages":
            try:
                record[key] = decode_json(value.encode("utf-8"), settings.max_nesting)
            except InvalidRecord as exc:
                return Reject(source, f"column for 'messages': {exc}", raw=raw_prefix(prefix))
        else:
            record[key] = value
    return item_from_record(record, source, settings, raw=prefix)
