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

Day-first or month-first is decided once per file by a vote of its dated lines: the reading under which the
most of them are real dates wins, so one pasted line in another locale's format cannot flip a whole file.
When the readings tie (every day and month at most 12), a dotted date is day-first, a four-digit first field
year-first, and otherwise 12 h exports are read month-first and 24 h exports day-first, and the guess is
recorded in `extra.date_order_guessed`. Exports carry local time without a zone; times are recorded as if UTC
and `extra.timezone` says so.

System lines (the encryption notice, "X added Y", "X changed the subject to ...") are counted in
`extra.system_lines`, not read as messages. Android writes them without an author; iOS writes them as
one-line messages "from" the chat whose text starts with a left-to-right mark. Neither shape is trusted
alone: an Android line is a system line when its whole text is a known (English) system phrasing, checked
before splitting on "Name: " so a quoted group name holding ": " cannot invent a participant, or when it has
no author at all; an iOS line needs the mark *and* a known phrasing. Anyone can type the mark, so a marked
message that is not a system phrasing is kept, mark removed: nobody can hide a message behind it.
Hand-written because no maintained library parses these exports.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
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
_LRM = "\u200e"
# WhatsApp's own system phrasings (English), matched against a whole line. The actor never holds a colon, so
# "Name: I added Jo" (a message) is never read as "<actor> added Jo"; free parts are bounded.
_ACTOR = r"[^:\n]{1,100}?"
_QUOTED = r"[\"\u201c][^\n]{0,100}[\"\u201d]"  # WhatsApp caps a group's subject at 100 characters
# Who was added or removed: names or numbers, never a sentence. Bounded so that a participant cannot pass a
# message off as a system line ("‎I added you to my list. pay me..."), nor hide their messages behind a
# display name like "Coach added Bo" (a line "Coach added Bo: text" is that person's message).
_PEOPLE = r"[^\n:.!?$]{1,100}"
_LEARN_MORE = r"(?: (?:Tap to learn more|Learn more|Tap for more info)\.?)?"
_ENCRYPTED_NOTICE = (
    r"Messages and calls are end-to-end encrypted\.(?: No one outside of this chat, not even WhatsApp, can "
    r"read or listen to them\.| Only people in this chat can read, listen to, or share them\.)?" + _LEARN_MORE
)
_ENCRYPTED = re.compile(_ENCRYPTED_NOTICE)  # older iOS exports write it without the mark
_SYSTEM = re.compile(
    "|".join(
        [
            _ENCRYPTED_NOTICE,
            r"Messages to this group are now secured with end-to-end encryption\." + _LEARN_MORE,
            rf"{_ACTOR} created group {_QUOTED}",
            rf"{_ACTOR} created this group",
            rf"{_ACTOR} (?:added|removed) {_PEOPLE}",
            rf"{_ACTOR} left",
            rf"{_ACTOR} joined using this (?:group|community)'s invite link",
            rf"{_ACTOR} changed the subject (?:from {_QUOTED} )?to {_QUOTED}",
            rf"{_ACTOR} changed (?:this group's|the group) (?:icon|description)",
            rf"{_ACTOR} changed (?:this group's|the group) settings to allow (?:only admins|all participants|"
            r"admins only|everyone) to [^\n:.!?$]{1,80}\.?",
            rf"{_ACTOR} deleted (?:this group's icon|the group description)",
            rf"{_ACTOR} changed their phone number to a new number\. Tap to message or add the new number\.",
            rf"{_ACTOR} changed to \+?[\d \-()\u202a\u202c]{{6,30}}",
            rf"(?:Your security code with {_ACTOR}|{_ACTOR}'s security code) changed\." + _LEARN_MORE,
            rf"(?:{_ACTOR} turned|Disappearing messages were turned) (?:on|off)(?: disappearing messages)?\."
            r"(?: New messages will disappear from this chat [^\n]{1,60}\.)?(?: Tap to change\.)?",
            r"You(?:'re now an admin| (?:blocked|unblocked) this contact\.(?: Tap to unblock\.)?)",
            rf"{_ACTOR} pinned a message",
            r"Missed (?:group )?(?:voice|video) call(?:, Tap to call back)?",
        ]
    )
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
    """One dated line, kept small: an export holds one per message and all are held until the file's date
    order is known. The date, time and AM/PM strings repeat across messages and are interned; the text after
    the header is a slice of `raw` taken when needed; a line without continuation lines holds no list."""

    line: int
    raw: str
    bracket: bool  # the iOS "[date, time] Name: text" shape
    date: str
    sep: str
    time: str
    ampm: str | None
    rest_at: int  # where the text after the date header starts in `raw`
    continuation: list[str] | None = None

    @property
    def rest(self) -> str:
        return self.raw[self.rest_at :]


def read(stream: BinaryIO, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
    """One chat Item for the export, plus a Reject for each line that cannot be read."""
    try:
        data = read_capped(stream)
    except ExportTooLarge as exc:
        yield reject(source_name, 0, str(exc))
        return
    # The bytes, the decoded text and its list of lines are each as large as the file: only the entries built
    # from them are kept (see _Entry), so the file's own copies are dropped as soon as they are split.
    lines = _lines(data.decode("utf-8-sig", errors="replace"))
    del data
    first_line = lines[0] if lines else ""
    entries, orphans = _split(lines)
    del lines
    if not entries:
        yield reject(source_name, 1, "not a WhatsApp export: no dated message lines found", first_line)
        return
    if orphans:
        yield reject(source_name, orphans[0][0], "text before the first dated line", orphans[0][1])
    order, guessed = _date_order(entries)
    head = entries[0]
    messages: list[dict[str, Any]] = []
    seen: Counter[tuple[str, str]] = Counter()
    system = 0
    pending = deque(entries)
    del entries
    while pending:
        e = pending.popleft()  # each entry is freed as its message is made: the two are never all held
        try:
            # In the stored form (validate.normalise_timestamp keeps it as it is) and interned: minutes repeat.
            sent_at = sys.intern(f"{_parse_moment(e, order).isoformat()}Z")
        except ValueError as exc:
            reason = f"unreadable date or time {e.date} {e.time} (file read {_ORDER_NAMES[order]}): {exc}"
            yield reject(source_name, e.line, reason, e.raw)
            continue
        said = _author_and_text(e)
        if said is None:
            system += 1
            continue
        author, text = said
        parsed = {
            "id": _message_id(sent_at, author, seen),
            "author": author,
            "sent_at": sent_at,
            "text": _media("\n".join([text, *e.continuation]) if e.continuation else text),
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
        "id": chat_identity(file_name, messages[0]),
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
    yield item_from_record(record, SourceRef(source_name, head.line), settings, head.raw)


_EXPORT_NAME = re.compile(r"WhatsApp Chat (?:with |- )(?P<title>.+?)(?: \(\d+\))?\.txt", re.IGNORECASE)


def chat_identity(file_name: str, first: dict[str, Any]) -> str:
    """The chat's item id: what stays when the same chat is exported again.

    The export carries no chat id. What a later export of one chat keeps is its title (WhatsApp names the file
    "WhatsApp Chat with <title>.txt"; a browser's " (2)" on a second download is dropped) and its first
    message's time and author (a deleted message keeps its place, as "This message was deleted", so only a
    cut-off start changes them). A re-export after messages were deleted, edited or added is then a new
    version of the same item (`Item.content_hash`), which the store keeps beside the earlier one and
    `trailguard versions` compares, instead of an unrelated item. iOS's `_chat.txt` has no title: its chats
    are told apart by their first message only.
    """
    m = _EXPORT_NAME.fullmatch(file_name)
    title = m["title"] if m else ""
    return stable_id("whatsapp", title, first["sent_at"], first["author"])


def _message_id(sent_at: str, author: str, seen: Counter[tuple[str, str]]) -> str:
    """`<time>/<n>`-style id of a message: the n-th message its author sent in that minute, hashed with the
    author. Unlike the line number, it does not move when another message is deleted or added, so
    `trailguard versions` matches a re-export's messages to the earlier ones (removed, added, edited)."""
    seen[sent_at, author] += 1
    key = f"{sent_at}\x1f{author}\x1f{seen[sent_at, author]}"
    return "m-" + hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


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
            ampm = m["ampm"]
            entries.append(
                _Entry(
                    n,
                    line,
                    bool(m["bracket"]),
                    sys.intern(m["date"]),
                    m["sep"],
                    sys.intern(m["time"]),
                    None if ampm is None else sys.intern(ampm),
                    m.start("rest"),
                )
            )
        elif entries:
            last = entries[-1]
            if last.continuation is None:
                last.continuation = []
            last.continuation.append(line)
        elif line.strip():
            orphans.append((n, line))
    return entries, orphans


def _author_and_text(e: _Entry) -> tuple[str, str] | None:
    """Who wrote the line and what, or None for a system line (see the module docstring for the rules)."""
    if not e.bracket and not e.continuation and _SYSTEM.fullmatch(e.rest):
        return None
    m = _AUTHOR.match(e.rest)
    if m is None:
        return None
    text = m.group("text")
    one_line_ios = e.bracket and not e.continuation
    if one_line_ios and (
        (text.startswith(_LRM) and _SYSTEM.fullmatch(text[1:])) or _ENCRYPTED.fullmatch(text)
    ):
        return None
    return sys.intern(m.group("author").strip(_MARKS + " ")), text.removeprefix(_LRM)


_ORDERS = ("dmy", "mdy", "ymd")
_ORDER_NAMES = {"dmy": "day-first", "mdy": "month-first", "ymd": "year-first"}


def _date_order(entries: list[_Entry]) -> tuple[str, bool]:
    """ "ymd", "dmy" or "mdy" for the file, and whether it had to be guessed.

    Each reading is scored by how many dated lines it turns into real dates; the best wins. Only a tie, where
    the dates cannot tell, falls back on the locale's habit (and is a guess unless the date is dotted or
    starts with a four-digit year)."""
    dates = Counter((e.date, e.sep) for e in entries)
    score = {
        order: sum(n for (date, sep), n in dates.items() if _is_date(date, sep, order)) for order in _ORDERS
    }
    best = max(score.values())
    tied = [order for order in _ORDERS if score[order] == best]
    if len(tied) == 1:
        return tied[0], False
    first = entries[0]
    if len(first.date.split(first.sep)[0]) == 4 and "ymd" in tied:
        return "ymd", False
    if first.sep == "." and "dmy" in tied:
        return "dmy", False
    habit = "mdy" if any(e.ampm for e in entries) else "dmy"
    return (habit if habit in tied else tied[0]), True


def _is_date(date: str, sep: str, order: str) -> bool:
    try:
        _calendar_date(date, sep, order)
    except ValueError:
        return False
    return True


def _calendar_date(date: str, sep: str, order: str) -> tuple[int, int, int]:
    """(year, month, day) of the date read in `order`, or ValueError when it is no date in that reading (a
    four-digit field must be the year, so "2024-12-31" is never read day-first)."""
    first, second, third = date.split(sep)
    if (order == "ymd") != (len(first) == 4) or (order != "ymd" and len(third) == 3):
        raise ValueError(f"{date} is not a {_ORDER_NAMES[order]} date")
    a, b, c = int(first), int(second), int(third)
    year, month, day = {"ymd": (a, b, c), "dmy": (c, b, a), "mdy": (c, a, b)}[order]
    if year < 100:
        year += 2000
    datetime(year, month, day)
    return year, month, day


def _parse_moment(e: _Entry, order: str) -> datetime:
    year, month, day = _calendar_date(e.date, e.sep, order)
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
