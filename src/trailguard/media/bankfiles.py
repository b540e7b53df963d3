"""Bank files in and out: Trailguard CSV and the plain `hash,quality` lines of Meta's PDQ tools.

Formats:
- `csv`: a header row; columns `hash_type` (pdq, md5, sha256; HMA's `signal_type` is accepted too), `value`
  (or `signal_value`/`hash`), and optional `quality`, `label`, `source`, `case_ref`. Exports add `id`, `bank`,
  `added_by`, `added_at`. HMA's bank-content CSV (`signal_type,signal_value`) imports as is.
- `pdq-lines`: one PDQ hash a line, optionally followed by `,quality` and further comma-separated fields,
  the output of ThreatExchange's `pdq-photo-hasher` and the layout of its reference hash lists; `#` starts
  a comment.
Only active entries are ever exported: a withdrawn hash is purged from every export.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from trailguard.store.banks import BankEntry, NewEntry

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


def read_csv(stream: TextIO, *, default_type: str = "pdq", source: str = "") -> Iterator[NewEntry]:
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        return
    names = {f: _ALIASES.get(f.strip().lower(), f.strip().lower()) for f in reader.fieldnames}
    if "value" not in names.values():
        raise ValueError("CSV has no value column (expected `value`, `signal_value` or `hash`)")
    for raw in reader:
        row = {names[k]: (v or "") for k, v in raw.items() if k is not None}
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
        )


def read_pdq_lines(stream: TextIO, *, source: str = "") -> Iterator[NewEntry]:
    for line in stream:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        fields = [f.strip() for f in text.split(",")]
        quality, error = _quality(fields[1]) if len(fields) > 1 else (None, None)
        yield NewEntry(hash_type="pdq", value=fields[0], quality=quality, source=source, error=error)


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
                [e.id, e.bank, e.hash_type, e.value, "" if e.quality is None else e.quality, e.label, e.source,
                 e.case_ref or "", e.added_by, e.added_at.isoformat()]
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
