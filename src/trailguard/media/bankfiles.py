"""Bank files in and out: Trailguard CSV and the plain `hash,quality` lines of Meta's PDQ tools.

Formats:
- `csv`: a header row; columns `hash_type` (pdq, md5, sha256; HMA's `signal_type` is accepted too), `value`
  (or `signal_value`/`hash`), and optional `quality`, `label`, `source`, `case_ref`. Exports add `id`, `bank`,
  `added_by`, `added_at`. HMA's bank-content CSV (`signal_type,signal_value`) imports as is.
- `pdq-lines`: one PDQ hash a line, optionally followed by `,quality` and further comma-separated fields,
  the output of ThreatExchange's `pdq-photo-hasher` and the layout of its reference hash lists; `#` starts
  a comment.
Only active entries are ever exported: a withdrawn hash is purged from every export, and every exported
text cell is neutralised against spreadsheet formula injection (`trailguard.csvsafe`).

Partner files are untrusted: a record that cannot be parsed (a field over `MAX_FIELD` characters, a line over
`MAX_LINE`, broken quoting) becomes a rejected entry naming its physical line, and reading goes on.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from trailguard.csvsafe import safe_row
from trailguard.store.banks import BankEntry, NewEntry

MAX_FIELD = 4096  # characters in one CSV field; stored labels are cut at 500, anything longer is not a label
MAX_LINE = 8192  # characters in one pdq-lines line (a hash, a quality and a file name fit many times over)

FORMATS: tuple[str, ...] = ("csv", "pdq-lines")
EXPORT_COLUMNS = (
    "id",
    "bank",
    "hash_type",
    "value",
    "quality",
    "label",
    "source",
    "case_ref",
    "added_by",
    "added_at",
)
_ALIASES = {"signal_type": "hash_type", "signal_value": "value", "hash": "value", "type": "hash_type"}
_TYPE_ALIASES = {"photo_md5": "md5", "md5": "md5", "pdq": "pdq", "sha256": "sha256", "sha-256": "sha256"}


def _quality(text: str) -> tuple[int | None, str | None]:
    text = text.strip()
    if not text:
        return None, None
    try:
        return int(text), None
    except ValueError:
        return None, f"quality must be an integer, got {text[:20]!r}"


class _Lines:
    """Feeds the csv reader and counts the physical lines it has taken, so errors name the right line.

    `csv.reader.line_num` is not advanced for a record the reader rejects, hence a count of our own.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for text in self._stream:
            self.line += 1
            yield text


def _rejected(line: int, reason: str) -> NewEntry:
    return NewEntry(hash_type="", value="", error=reason, line=line)


def read_csv(stream: TextIO, *, default_type: str = "pdq", source: str = "") -> Iterator[NewEntry]:
    lines = _Lines(stream)
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ValueError(f"CSV header on line {lines.line} cannot be read: {exc}") from exc
    if header is None:
        return
    names = [_ALIASES.get(f.strip().lower(), f.strip().lower()) for f in header]
    if "value" not in names:
        raise ValueError("CSV has no value column (expected `value`, `signal_value` or `hash`)")
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _rejected(lines.line, f"unreadable CSV record: {exc}")
            continue
        if not record:
            continue  # a blank line
        row = dict(zip(names, record, strict=False))
        long = next((n for n, v in row.items() if len(v) > MAX_FIELD), None)
        if long is not None:
            yield _rejected(lines.line, f"field {long!r} is over {MAX_FIELD} characters")
            continue
        kind = row.get("hash_type", "").strip().lower() or default_type
        quality, error = _quality(row.get("quality", ""))
        yield NewEntry(
            hash_type=_TYPE_ALIASES.get(kind, kind),
            value=row.get("value", ""),
            quality=quality,
            label=row.get("label", ""),
            source=row.get("source", "") or source,
            case_ref=row.get("case_ref") or None,
            error=error,
            line=lines.line,
        )


def read_pdq_lines(stream: TextIO, *, source: str = "") -> Iterator[NewEntry]:
    number = 0
    while text := stream.readline(MAX_LINE + 1):
        number += 1
        if len(text) > MAX_LINE and not text.endswith("\n"):
            while (rest := stream.readline(MAX_LINE)) and not rest.endswith("\n"):
                pass  # drain the oversized line without holding it in memory
            yield _rejected(number, f"line is over {MAX_LINE} characters")
            continue
        text = text.split("#", 1)[0].strip()
        if not text:
            continue
        fields = [f.strip() for f in text.split(",")]
        quality, error = _quality(fields[1]) if len(fields) > 1 else (None, None)
        yield NewEntry(
            hash_type="pdq", value=fields[0], quality=quality, source=source, error=error, line=number
        )


def read_entries(
    stream: TextIO, fmt: str, *, default_type: str = "pdq", source: str = ""
) -> Iterator[NewEntry]:
    if fmt == "csv":
        return read_csv(stream, default_type=default_type, source=source)
    if fmt == "pdq-lines":
        return read_pdq_lines(stream, source=source)
    raise ValueError(f"unknown bank file format {fmt!r} (expected one of {', '.join(FORMATS)})")


def write_entries(entries: Iterable[BankEntry], stream: TextIO, fmt: str) -> int:
    """Write active entries; returns how many were written. `pdq-lines` writes only PDQ entries."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for e in entries:
            writer.writerow(
                safe_row([e.id, e.bank, e.hash_type, e.value, "" if e.quality is None else e.quality, e.label, e.source,
                 e.case_ref or "", e.added_by, e.added_at.isoformat()])
            )  # fmt: skip
            count += 1
    elif fmt == "pdq-lines":
        for e in entries:
            if e.hash_type == "pdq":
                stream.write(f"{e.value},{'' if e.quality is None else e.quality}\n")
                count += 1
    else:
        raise ValueError(f"unknown bank file format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return count
