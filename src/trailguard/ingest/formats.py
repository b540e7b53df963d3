"""The input formats Trailguard reads, and how one is chosen for a file or for stdin.

A format is a name, the file suffixes it takes from directories, a `sniff(name, head) -> bool` and a
`read(stream, source_name, settings, **options)` that yields `Item | Reject`, and the reader options it takes:

- `suffixes`: a directory is read file by file, and only files whose name (lower-cased, `.gz` removed) ends
  with a registered suffix are opened and sniffed; other files are skipped with a warning. A file named
  explicitly, and stdin, are offered to every format.
- `name` given to sniff is the file name, lower-cased, with a compression suffix (`.gz`) removed, or "-" for
  stdin; `head` is up to `HEAD_BYTES` of the (decompressed) content. Sniff must be cheap and must not raise.
- `stream` given to read is a binary, already-decompressed stream positioned at the start. Read it
  incrementally (`lines.iter_lines` bounds line length), never whole; validate each record with
  `validate.item_from_record` so rejection reasons are the same everywhere; yield a `Reject` for a bad record
  and go on. A read error that ends the stream may be raised (`lines.CorruptStream` or OSError): the caller
  turns it into one reject for the rest of that source.
- `options`: names of keyword options the reader takes (CSV takes `csv_mapping`); a reader is called only with
  the options it declares, so most readers take none.

Adding a format is one line in `FORMATS` below, e.g.

    Format("discord", (".json",), discord.sniff, discord.read),

Sniffers run in list order and the first match wins, so put specific formats (chat exports recognised by
their content) before the generic JSON Lines and CSV readers. Code outside the package can call
`register_format`, which puts the format first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from trailguard.model import Item, Reject

from . import csvfile, discord, jsonl, telegram, whatsapp

HEAD_BYTES = 1 << 16

Sniff = Callable[[str, bytes], bool]
Reader = Callable[..., Iterator[Item | Reject]]


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    suffixes: tuple[str, ...]  # files with these names (after removing .gz) are read from directories
    sniff: Sniff
    read: Reader
    options: tuple[
        str, ...
    ] = ()  # keyword options `read` accepts (e.g. "csv_mapping"); only these are passed


FORMATS: list[Format] = [
    Format("discord", (".json",), discord.sniff, discord.read),
    Format("telegram", (".json",), telegram.sniff, telegram.read),
    Format("whatsapp", (".txt",), whatsapp.sniff, whatsapp.read),
    Format("jsonl", (*jsonl.SUFFIXES, ".json"), jsonl.sniff, jsonl.read),
    Format("csv", csvfile.SUFFIXES, csvfile.sniff, csvfile.read, options=("csv_mapping",)),
]


def register_format(fmt: Format) -> None:
    """Add a format ahead of the built-in generic ones (a specific format must win over JSON Lines/CSV)."""
    FORMATS.insert(0, fmt)


def format_key(name: str) -> str:
    """The name formats see: lower-cased, compression suffix removed."""
    return name.lower().removesuffix(".gz")


def has_known_suffix(name: str) -> bool:
    """Whether a file found in a directory is worth opening (some format takes files named like it)."""
    key = format_key(name)
    return any(key.endswith(fmt.suffixes) for fmt in FORMATS)


def detect(name: str, head: bytes) -> Format | None:
    """The first format that claims this input, or None."""
    key = format_key(name)
    for fmt in FORMATS:
        if fmt.sniff(key, head):
            return fmt
    return None
