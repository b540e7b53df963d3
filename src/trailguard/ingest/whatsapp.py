"""WhatsApp chat export (.txt): "Export chat" on Android and iOS, in the date formats of several locales.

Each message starts with a dated line; lines that do not start with a date continue the message before
(multi-line messages). The formats handled (seconds optional, 12 h or 24 h clock, narrow no-break space
before AM/PM, a leading left-to-right mark on iOS):

    12/31/24, 9:15 PM - Name: text            Android, US
    31/12/2024, 21:15 - Name: text            Android, UK/EU
    31.12.24, 21:15 - Name: text              Android, DE/RU
    [31.12.24, 21:15:03] Name: text           iOS
    [12/31/24, 9:15:03 PM] Name: text         iOS, US
    2024-12-31, 21:15 - Name: text            Android, ISO-like locales

Day-first or month-first is decided once per file from its dates (a first field over 12 means day-first, a
second field over 12 month-first; a dotted date is day-first; otherwise 12 h exports are read month-first and
24 h exports day-first, and the guess is recorded in `extra.date_order_guessed`). Exports carry local time
without a zone; times are recorded as if UTC and `extra.timezone` says so. Lines without an author ("Messages
and calls are end-to-end encrypted", "X added Y") are system lines: counted in `extra.system_lines`, not
messages. Hand-written because no maintained library parses these exports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any, BinaryIO

from trailguard.ingest.exports import ExportTooLarge, checked_message, read_capped, reject, stable_id
from trailguard.ingest.validate import item_from_record
from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

_MARKS = "\ufeff\u200e\u200f"
_HEADER = re.compile(
    rf"^[{_MARKS}]?(?P<bracket>\[)?(?P<date>\d{{1,4}}(?P<sep>[./-])\d{{1,2}}(?P=sep)\d{{2,4}})\.?,?\s"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)(?:[\s\u202f\u00a0]?(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?"
    r"(?(bracket)\]\s|\s[-–]\s)(?P<rest>.*)$"
)
_AUTHOR = re.compile(r"^(?P<author>[^:\n]{1,100}?):\s(?P<text>.*)$", re.DOTALL)
# iOS writes system events as messages "from" the chat, their text starting with a left-to-right mark.
_SYSTEM_IOS = re.compile(
    r"^(\u200e|Messages and calls are end-to-end encrypted)(?!.{0,40}omitted|<attached|This message was deleted)"
)
_MEDIA = re.compile(
    r"^\u200e?(?:<(?:attached:\s*)?(?P<tag>[^<>]{1,120})>|(?P<kind>image|video|audio|sticker|GIF|document|"
    r"Contact card) omitted|(?P<file>\S{1,120}) \(file attached\))\s*$",
    re.IGNORECASE,
)
_INLINE_ATTACHMENT = re.compile(r"\u200e?<attached:\s*(?P<file>[^<>]{1,120})>")
_SNIFF_LINES = 8


def sniff(name: str, head: bytes) -> bool:
    """A .txt file whose first lines include a dated WhatsApp line."""
    if not name.lower().endswith(".txt"):
        return False
    text = head.decode("utf-8", errors="replace")
    return any(_HEADER.match(line) for line in _lines(text)[:_SNIFF_LINES])


@dataclass(slots=True)
class _Entry:
    line: int
    raw: str
    date: str
    sep: str
    time: str
    ampm: str | None
    rest: str
    continuation: list[str] = field(default_factory=list)


def read(stream: BinaryIO, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
    """One chat Item for the export, plus a Reject for each line that cannot be read."""
    try:
        data = read_capped(stream)
    except ExportTooLarge as exc:
        yield reject(source_name, 0, str(exc))
        return
    lines = _lines(data.decode("utf-8-sig", errors="replace"))
    entries, orphans = _split(lines)
    if not entries:
        yield reject(
            source_name, 1, "not a WhatsApp export: no dated message lines found", lines[0] if lines else ""
        )
        return
    if orphans:
        yield reject(source_name, orphans[0][0], "text before the first dated line", orphans[0][1])
    order, guessed = _date_order(entries)
    messages: list[dict[str, Any]] = []
    system = 0
    for e in entries:
        try:
            sent_at = _parse_moment(e, order).isoformat()
        except ValueError as exc:
            yield reject(source_name, e.line, f"unreadable date or time {e.date} {e.time}: {exc}", e.raw)
            continue
        m = _AUTHOR.match(e.rest)
        if m is None or _SYSTEM_IOS.match(m.group("text")):
            system += 1
            continue
        parsed = {
            "id": f"line-{e.line}",
            "author": m.group("author").strip(_MARKS + " "),
            "sent_at": sent_at,
            "text": _media("\n".join([m.group("text"), *e.continuation])),
        }
        msg = checked_message(parsed, e.raw, "message", SourceRef(source_name, e.line), settings)
        if isinstance(msg, Reject):
            yield msg
            continue
        messages.append(msg)
    if not messages:
        yield reject(
            source_name, 1, "WhatsApp export holds no readable messages (only system lines or errors)"
        )
        return
    file_name = PurePath(source_name).name
    record = {
        "id": stable_id("whatsapp", file_name, entries[0].raw),
        "kind": "chat",
        "platform": "whatsapp",
        "posted_at": messages[0]["sent_at"],
        "messages": messages,
        "extra": {
            "export_file": file_name,
            "date_order": order,
            "date_order_guessed": guessed,
            "timezone": "local time of the exporting phone, recorded as UTC",
            "system_lines": system,
        },
    }
    yield item_from_record(record, SourceRef(source_name, entries[0].line), settings, entries[0].raw)


def _lines(text: str) -> list[str]:
    r"""The export's lines: split on "\n" only (a trailing "\r" dropped), never on the other separators
    `str.splitlines` honours (U+2028, U+0085, form feed...). Those can sit inside a message, and splitting
    on them would let one participant start a forged dated line attributed to another."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _split(lines: list[str]) -> tuple[list[_Entry], list[tuple[int, str]]]:
    """Dated entries with their continuation lines, and the non-empty lines before the first entry."""
    entries: list[_Entry] = []
    orphans: list[tuple[int, str]] = []
    for n, line in enumerate(lines, start=1):
        m = _HEADER.match(line)
        if m is not None:
            entries.append(_Entry(n, line, m["date"], m["sep"], m["time"], m["ampm"], m["rest"]))
        elif entries:
            entries[-1].continuation.append(line)
        elif line.strip():
            orphans.append((n, line))
    return entries, orphans


def _date_order(entries: list[_Entry]) -> tuple[str, bool]:
    """ "ymd", "dmy" or "mdy" for the file, and whether it had to be guessed."""
    first = entries[0]
    if len(first.date.split(first.sep)[0]) == 4:
        return "ymd", False
    if first.sep == ".":
        return "dmy", False
    for e in entries:
        a, b, _ = (int(p) for p in e.date.split(e.sep))
        if a > 12:
            return "dmy", False
        if b > 12:
            return "mdy", False
    return ("mdy" if any(e.ampm for e in entries) else "dmy"), True


def _parse_moment(e: _Entry, order: str) -> datetime:
    parts = [int(p) for p in e.date.split(e.sep)]
    if order == "ymd":
        year, month, day = parts
    elif order == "dmy":
        day, month, year = parts
    else:
        month, day, year = parts
    if year < 100:
        year += 2000
    clock = [int(p) for p in re.split(r"[:.]", e.time)]
    hour, minute, second = clock[0], clock[1], clock[2] if len(clock) > 2 else 0
    if e.ampm:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} on a 12-hour clock")
        pm = e.ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return datetime(year, month, day, hour, minute, second)


def _media(text: str) -> str:
    """Media placeholders in the export ("<Media omitted>", "image omitted", "<attached: x.jpg>") as
    "[attachment: ...]", so they read the same from every export format."""
    m = _MEDIA.match(text)
    if m is None:
        return _INLINE_ATTACHMENT.sub(lambda a: f"[attachment: {a['file']}]", text)
    what = m["tag"] or (f"{m['kind']} omitted" if m["kind"] else m["file"])
    return f"[attachment: {what}]"
