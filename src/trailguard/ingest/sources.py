"""Where records come from: files, directories of them, stdin; plain or gzip-compressed.

This module opens inputs, undoes compression, picks a format (formats.py) and turns every failure that ends a
source (missing file, unknown format, corrupt gzip, a reader bug) into one `Reject` for that source, so the
rest of the batch always goes on and every record read is counted exactly once.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

from .csvfile import check_mapping
from .formats import FORMATS, HEAD_BYTES, detect, has_known_suffix
from .lines import STREAM_ERRORS, CorruptStream, describe_stream_error

log = logging.getLogger(__name__)

STDIN = "-"
STDIN_NAME = "<stdin>"
_GZIP_MAGIC = b"\x1f\x8b"
_BUFFER = 1 << 16


@dataclass(slots=True)
class ReadStats:
    """Running counts of one read; `read == accepted + rejected` holds at every step.

    A caller that exits non-zero "only when nothing could be read" checks `accepted == 0`.
    """

    accepted: int = 0
    rejected: int = 0
    files: int = 0  # sources opened and read with a known format (stdin counts as one)
    skipped: int = 0  # files found in directories and skipped as not in a known format

    @property
    def read(self) -> int:
        return self.accepted + self.rejected


def read_sources(
    inputs: Sequence[str],
    settings: Settings,
    csv_mapping: Mapping[str, str] | None = None,
    *,
    stats: ReadStats | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Item | Reject]:
    """Stream Items and Rejects from every input, in order; directories are read recursively, sorted.

    `"-"` reads stdin (`stdin` overrides `sys.stdin.buffer`). A bad csv_mapping raises ValueError at once: it
    is the caller's configuration, not the data, that is wrong. Nothing else raises for bad input.
    """
    if csv_mapping:
        check_mapping(csv_mapping)
    counts = stats if stats is not None else ReadStats()
    opts: dict[str, Any] = {"csv_mapping": csv_mapping}
    for entry in inputs:
        for result in _read_input(entry, settings, opts, counts, stdin):
            if isinstance(result, Reject):
                counts.rejected += 1
            else:
                counts.accepted += 1
            yield result


def _read_input(
    entry: str, settings: Settings, opts: dict[str, Any], stats: ReadStats, stdin: BinaryIO | None
) -> Iterator[Item | Reject]:
    if entry == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        yield from _read_stream(stream, STDIN_NAME, STDIN, settings, opts, stats, explicit=True)
        return
    path = Path(entry)
    if path.is_dir():
        yield from _read_directory(path, settings, opts, stats)
    elif path.exists():
        yield from _read_file(path, entry, settings, opts, stats, explicit=True)
    else:
        yield Reject(SourceRef(entry, 0), "no such file or directory")


def _read_directory(
    root: Path, settings: Settings, opts: dict[str, Any], stats: ReadStats
) -> Iterator[Item | Reject]:
    errors: list[OSError] = []
    for directory, subdirectories, names in os.walk(root, onerror=errors.append):
        subdirectories.sort()
        while errors:
            failed = errors.pop(0)
            yield Reject(
                SourceRef(str(failed.filename or directory), 0), f"cannot list directory: {failed.strerror}"
            )
        for name in sorted(names):
            path = Path(directory) / name
            if has_known_suffix(name):
                yield from _read_file(path, str(path), settings, opts, stats, explicit=False)
            else:
                stats.skipped += 1
                log.warning("skipped %s: not a known input format (by its name)", path)
    while errors:
        failed = errors.pop(0)
        yield Reject(SourceRef(str(failed.filename or root), 0), f"cannot list directory: {failed.strerror}")


def _read_file(
    path: Path,
    source_name: str,
    settings: Settings,
    opts: dict[str, Any],
    stats: ReadStats,
    *,
    explicit: bool,
) -> Iterator[Item | Reject]:
    try:
        raw = path.open("rb")
    except OSError as exc:
        yield Reject(SourceRef(source_name, 0), f"cannot open: {exc.strerror or exc}")
        return
    with raw:
        yield from _read_stream(raw, source_name, path.name, settings, opts, stats, explicit=explicit)


def _read_stream(
    raw: BinaryIO,
    source_name: str,
    sniff_name: str,
    settings: Settings,
    opts: dict[str, Any],
    stats: ReadStats,
    *,
    explicit: bool,
) -> Iterator[Item | Reject]:
    stream, head = _open_content(raw)
    fmt = detect(sniff_name, head)
    if fmt is None:
        if explicit:
            known = ", ".join(f.name for f in FORMATS)
            yield Reject(SourceRef(source_name, 0), f"unrecognised input format (known formats: {known})")
        else:
            stats.skipped += 1
            log.warning("skipped %s: content not recognised as any input format", source_name)
        return
    stats.files += 1
    line = 0
    try:
        options = {name: opts[name] for name in fmt.options if opts.get(name) is not None}
        for result in fmt.read(stream, source_name, settings, **options):
            line = result.source.line if result.source is not None else line
            yield result
    except CorruptStream as exc:
        yield Reject(SourceRef(source_name, exc.line), f"{exc.reason}; reading of this file stopped here")
    except STREAM_ERRORS as exc:
        yield Reject(
            SourceRef(source_name, line + 1),
            f"{describe_stream_error(exc)}; reading of this file stopped here",
        )
    except (
        Exception
    ) as exc:  # a reader bug on hostile input must not end the batch; logged with its traceback
        log.exception("%s reader failed on %s", fmt.name, source_name)
        reason = (
            f"{fmt.name} reader failed ({exc.__class__.__name__}: {exc}); reading of this file stopped here"
        )
        yield Reject(SourceRef(source_name, line + 1), reason)


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _open_content(raw: BinaryIO) -> tuple[io.BufferedReader, bytes]:
    """Undo gzip (recognised by its magic bytes, whatever the name) and peek at the head for sniffing.

    Works on unseekable streams (stdin): what was read to decide is replayed in front of the rest. A read
    error while peeking is raised only once the lines read before it have been replayed.
    """
    magic, failure = _read_up_to(raw, len(_GZIP_MAGIC))
    replay = _Replay(magic, raw, failure)
    content: _Readable = gzip.GzipFile(fileobj=replay, mode="rb") if magic == _GZIP_MAGIC else replay
    head, failure = _read_up_to(content, HEAD_BYTES)
    return io.BufferedReader(_Replay(head, content, failure), buffer_size=_BUFFER), head


def _read_up_to(stream: _Readable, size: int) -> tuple[bytes, BaseException | None]:
    """Up to `size` bytes, fewer only at the end of the stream or on a read error (returned, not raised)."""
    parts: list[bytes] = []
    remaining = size
    read = getattr(stream, "read1", stream.read)  # one chunk per call: a failure loses no earlier chunk
    try:
        while remaining > 0:
            part = read(remaining)
            if not part:
                break
            parts.append(part)
            remaining -= len(part)
    except STREAM_ERRORS as exc:
        return b"".join(parts), exc
    return b"".join(parts), None


class _Replay(io.RawIOBase):
    """A raw stream that yields `prefix` and then the rest of `inner`, or `failure` if reading it had failed."""

    def __init__(self, prefix: bytes, inner: _Readable, failure: BaseException | None = None) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._failure = failure
        self._read_more = getattr(inner, "read1", inner.read)  # read1: return what is there, do not wait

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        if self._prefix:
            count = min(wanted, len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        if self._failure is not None:
            raise self._failure
        data = self._read_more(wanted)
        buffer[: len(data)] = data
        return len(data)
