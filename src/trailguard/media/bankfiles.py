"""Bank files in and out: Trailguard CSV and the plain `hash,quality` lines of Meta's PDQ tools.

Formats:
- `csv`: a header row; columns `hash_type` (a registered hash type: pdq, md5, sha256, or an alias such as
  `photo_md5`; HMA's `signal_type` column name is accepted too), `value`
  (or `signal_value`/`hash`), and optional `quality`, `label`, `source`, `case_ref`. Exports add `id`, `bank`,
  `added_by`, `added_at`. HMA's bank-content CSV (`signal_type,signal_value`) imports as is.
- `pdq-lines`: one PDQ hash a line, optionally followed by `,quality` and further comma-separated fields,
  the output of ThreatExchange's `pdq-photo-hasher` and the layout of its reference hash lists; `#` starts
  a comment.
Only active entries are ever exported: a withdrawn hash is purged from every export, and every exported
text cell is neutralised against spreadsheet formula injection (`trailguard.csvsafe`).

Partner files are untrusted: a record that cannot be parsed (a field over `MAX_FIELD` characters, a line over
`MAX_LINE`, broken quoting) becomes a rejected entry naming its physical line, and reading goes on. Every
record is one physical line, so an unclosed quote costs its own line only; exports keep to that rule by writing
a line break inside a text cell as a space. A UTF-8 byte order mark is ignored.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from trailguard.csvsafe import safe_row
from trailguard.media.hashtypes import HASH_TYPES, PDQ
from trailguard.store.banks import BankEntry, NewEntry

MAX_FIELD = 4096  # characters in one CSV field; stored labels are cut at 500, anything longer is not a label
MAX_LINE = 65_536  # characters in one line of either format: a CSV record of full-size fields fits, with room

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
_LINE_BREAKS = re.compile(r"[\r\n]+")


def _quality(text: str) -> tuple[int | None, str | None]:
    text = text.strip()
    if not text:
        return None, None
    # Plain ASCII digits only: int() would also take "1_00", "+50" and other scripts' digits, none of which
    # a hash list writes, so they point at a shifted or garbled column.
    if not (text.isascii() and text.isdigit()) or len(text) > 3:
        return None, f"quality must be a whole number from 0 to 100, got {text[:20]!r}"
    return int(text), None


def _rejected(line: int, reason: str) -> NewEntry:
    return NewEntry(hash_type="", value="", error=reason, line=line)


def _lines(stream: TextIO) -> Iterator[tuple[int, str | None]]:
    """Each physical line with its 1-based number; None for a line over MAX_LINE, drained, never held whole.

    A UTF-8 byte order mark before the first line (Excel's "CSV UTF-8", Notepad) is dropped, so whoever opens
    the file (the CLI, a library caller with plain utf-8) gets the same header and the same first hash.
    """
    number = 0
    cut_cr = False  # the last read stopped at its size limit on the "\r" of a "\r\n"
    while text := stream.readline(MAX_LINE + 1):
        if cut_cr and text == "\n":
            cut_cr = False
            continue  # the rest of that line's end, not a line of its own
        number += 1
        if number == 1:
            text = text.removeprefix("\ufeff")
        cut_cr = len(text) == MAX_LINE + 1 and text.endswith("\r")
        if len(text) > MAX_LINE and text[-1] not in "\r\n":
            while (rest := stream.readline(MAX_LINE)) and rest[-1] not in "\r\n":
                pass
            cut_cr = len(rest) == MAX_LINE and rest.endswith("\r")
            yield number, None
            continue
        yield number, text


def _record(text: str) -> list[str]:
    """The fields of one physical line; csv.Error for broken quoting.

    Strict parsing of a single line: a quote left open cannot swallow the records after it (they are parsed
    on their own), and text after a closing quote is an error instead of being silently glued on.
    """
    return next(csv.reader([text], strict=True), [])


def _type_name(text: str) -> str:
    """The registered name for a type column's text (aliases resolved); unknown text is kept for the error."""
    try:
        return HASH_TYPES.get(text).name
    except ValueError:
        return text


def read_csv(stream: TextIO, *, default_type: str = PDQ.name, source: str = "") -> Iterator[NewEntry]:
    """Entries of a CSV bank file, one record per physical line (a field may not span lines)."""
    lines = _lines(stream)
    first = next(lines, None)
    if first is None:
        return
    if first[1] is None:
        raise ValueError(f"CSV header on line 1 is over {MAX_LINE} characters")
    try:
        header = _record(first[1])
    except csv.Error as exc:
        raise ValueError(f"CSV header on line 1 cannot be read: {exc}") from exc
    names = [_ALIASES.get(f.strip().lower(), f.strip().lower()) for f in header]
    if "value" not in names:
        raise ValueError("CSV has no value column (expected `value`, `signal_value` or `hash`)")
    for number, text in lines:
        if text is None:
            yield _rejected(number, f"line is over {MAX_LINE} characters")
            continue
        try:
            record = _record(text)
        except csv.Error as exc:
            yield _rejected(number, f"unreadable CSV record: {exc}")
            continue
        if not record:
            continue  # a blank line
        row = dict(zip(names, record, strict=False))
        long = next((n for n, v in row.items() if len(v) > MAX_FIELD), None)
        if long is not None:
            yield _rejected(number, f"field {long!r} is over {MAX_FIELD} characters")
            continue
        kind = row.get("hash_type", "").strip().lower() or default_type
        quality, error = _quality(row.get("quality", ""))
        yield NewEntry(
            hash_type=_type_name(kind),
            value=row.get("value", ""),
            quality=quality,
            label=row.get("label", ""),
            source=row.get("source", "") or source,
            case_ref=row.get("case_ref") or None,
            error=error,
            line=number,
        )


def read_pdq_lines(stream: TextIO, *, source: str = "") -> Iterator[NewEntry]:
    for number, text in _lines(stream):
        if text is None:
            yield _rejected(number, f"line is over {MAX_LINE} characters")
            continue
        text = text.split("#", 1)[0].strip()
        if not text:
            continue
        fields = [f.strip() for f in text.split(",")]
        quality, error = _quality(fields[1]) if len(fields) > 1 else (None, None)
        yield NewEntry(
            hash_type=PDQ.name, value=fields[0], quality=quality, source=source, error=error, line=number
        )


def read_entries(
    stream: TextIO, fmt: str, *, default_type: str = PDQ.name, source: str = ""
) -> Iterator[NewEntry]:
    if fmt == "csv":
        return read_csv(stream, default_type=default_type, source=source)
    if fmt == "pdq-lines":
        return read_pdq_lines(stream, source=source)
    raise ValueError(f"unknown bank file format {fmt!r} (expected one of {', '.join(FORMATS)})")


def _one_line(text: str) -> str:
    """A cell without line breaks: every exported record stays on one physical line, as imports require."""
    return _LINE_BREAKS.sub(" ", text)


def write_entries(entries: Iterable[BankEntry], stream: TextIO, fmt: str) -> int:
    """Write active entries; returns how many were written. `pdq-lines` writes only PDQ entries."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for e in entries:
            cells = [e.id, e.bank, e.hash_type, e.value, "" if e.quality is None else e.quality, e.label, e.source,
                     e.case_ref or "", e.added_by, e.added_at.isoformat()]  # fmt: skip
            writer.writerow(safe_row(_one_line(c) if isinstance(c, str) else c for c in cells))
            count += 1
    elif fmt == "pdq-lines":
        for e in entries:
            if e.hash_type == PDQ.name:
                stream.write(f"{e.value},{'' if e.quality is None else e.quality}\n")
                count += 1
    else:
        raise ValueError(f"unknown bank file format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return count
