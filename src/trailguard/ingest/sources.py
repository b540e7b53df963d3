"""Where records come from: files, directories of them, stdin; plain or gzip-compressed.

This module opens inputs, undoes compression, picks a format (formats.py) and turns every failure that ends a
source (missing file, unknown format, corrupt gzip, a reader bug) into one `Reject` for that source, so the
rest of the batch always goes on and every record read is counted exactly once.
"""

from __future__ import annotations

import errno
import gzip
import io
import logging
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

from .csvfile import check_mapping
from .formats import FORMATS, HEAD_BYTES, detect, has_known_suffix
from .lines import STREAM_ERRORS, CorruptStream, InputLimitExceeded, describe_stream_error

log = logging.getLogger(__name__)

STDIN = "-"
STDIN_NAME = "<stdin>"
_GZIP_MAGIC = b"\x1f\x8b"
_BUFFER = 1 << 16
SKIPPED_NAMES_KEPT = 20  # how many skipped file names ReadStats keeps for the summary (the count is exact)
RATIO_CHECK_AFTER = 8 << 20  # decompressed bytes read before the expansion ratio is checked


def display_name(path: str | os.PathLike[str] | bytes) -> str:
    """A file name as text every output can hold (JSON, SQL, HTML): bytes that are not UTF-8 become `\\xff`.

    Names are the attacker's as much as contents are: a name with invalid UTF-8 arrives from the file system as
    a str with surrogate escapes, which orjson, PostgreSQL and the report all refuse. The real path is kept for
    opening; this is only what a `SourceRef` and the logs show.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


@dataclass(slots=True)
class ReadStats:
    """Running counts of one read; `read == accepted + rejected` holds at every step.

    A caller that exits non-zero "only when nothing could be read" checks `accepted == 0`.
    """

    accepted: int = 0
    rejected: int = 0
    files: int = 0  # sources opened and read with a known format (stdin counts as one)
    skipped: int = 0  # entries found in directories and not read (see SKIP_* for the reasons)
    skipped_names: list[str] = field(default_factory=list)  # the first SKIPPED_NAMES_KEPT of them
    skip_reasons: Counter[str] = field(default_factory=Counter)  # reason -> how many were skipped for it

    def skip(self, name: str, reason: str = "not a known input format (by its name)") -> None:
        self.skipped += 1
        self.skip_reasons[reason] += 1
        if len(self.skipped_names) < SKIPPED_NAMES_KEPT:
            self.skipped_names.append(name)

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

    `"-"` reads stdin (`stdin` overrides `sys.stdin.buffer`). A bad csv_mapping raises ValueError when the
    first record is asked for: it is the caller's configuration, not the data, that is wrong (callers that
    open outputs first check it with `csvfile.check_mapping`). Nothing else raises for bad input.
    """
    if csv_mapping:
        check_mapping(csv_mapping)
    counts = stats if stats is not None else ReadStats()
    for source in list_sources(inputs, counts):
        records = (
            [source]
            if isinstance(source, Reject)
            else read_source(source, settings, csv_mapping, counts, stdin)
        )
        for result in records:
            if isinstance(result, Reject):
                counts.rejected += 1
            else:
                counts.accepted += 1
            yield result


@dataclass(frozen=True, slots=True)
class Source:
    """One file (or stdin) to read; `inside_directory`: found in a directory, so opened only if regular."""

    path: str
    inside_directory: bool = False


def list_sources(inputs: Sequence[str], stats: ReadStats) -> Iterator[Source | Reject]:
    """Every source of `inputs` in reading order (directories recursively, sorted), lazily; an input that
    does not exist, or a directory that cannot be listed, is a Reject; skipped entries are counted in `stats`.

    Split from reading so that a runner may read the sources in parallel (pipeline.spark) in this order."""
    for entry in inputs:
        if entry == STDIN:
            yield Source(STDIN)
            continue
        path = Path(entry)
        if path.is_dir():
            yield from _list_directory(path, stats)
        elif path.exists():
            yield Source(entry)
        else:
            yield Reject(SourceRef(display_name(entry), 0), "no such file or directory")


def read_source(
    source: Source,
    settings: Settings,
    csv_mapping: Mapping[str, str] | None,
    stats: ReadStats,
    stdin: BinaryIO | None = None,
) -> Iterator[Item | Reject]:
    """The records of one source (`stats` counts its skip, if it is not a regular file after all)."""
    opts: dict[str, Any] = {"csv_mapping": csv_mapping}
    if source.path == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        yield from _read_stream(stream, STDIN_NAME, STDIN, settings, opts, stats)
        return
    yield from _read_file(Path(source.path), settings, opts, stats, inside_directory=source.inside_directory)


def read_bytes(
    data: bytes, name: str, settings: Settings, csv_mapping: Mapping[str, str] | None, stats: ReadStats
) -> Iterator[Item | Reject]:
    """The records of one source already read into memory (a file fetched by Spark from a URI), named `name`;
    read exactly as a file of that name would be (format by name and content, gzip, every bound)."""
    opts: dict[str, Any] = {"csv_mapping": csv_mapping}
    sniff = name.rstrip("/").rsplit("/", 1)[-1]
    yield from _read_stream(io.BytesIO(data), display_name(name), sniff, settings, opts, stats)


SKIP_LINK = "symbolic link (only files inside the input directory are read)"


def _list_directory(root: Path, stats: ReadStats) -> Iterator[Source | Reject]:
    """Every regular file under `root` whose name a format takes. Nothing else is opened: a symbolic link may
    lead out of the directory (its lines would reach the outputs, the store and stderr), a FIFO blocks the
    read forever and a device such as /dev/zero never ends, so each is a counted skip with its reason."""
    errors: list[OSError] = []
    for directory, subdirectories, names in os.walk(root, onerror=errors.append):
        while errors:
            yield _listing_reject(errors.pop(0), directory)
        for name in sorted(subdirectories):
            if os.path.islink(os.path.join(directory, name)):  # os.walk lists it but does not descend
                subdirectories.remove(name)
                _skip(stats, Path(directory) / name, SKIP_LINK)
        subdirectories.sort()
        for name in sorted(names):
            path = Path(directory) / name
            if not has_known_suffix(name):
                _skip(stats, path, "not a known input format (by its name)")
                continue
            yield Source(str(path), inside_directory=True)
    while errors:
        yield _listing_reject(errors.pop(0), root)


def _skip(stats: ReadStats, path: Path, reason: str) -> None:
    stats.skip(display_name(path), reason)
    log.warning("skipped %s: %s", display_name(path), reason)


def _kind_of(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return SKIP_LINK
    kinds = {stat.S_ISFIFO: "FIFO", stat.S_ISCHR: "character device", stat.S_ISBLK: "block device"}
    kinds |= {stat.S_ISSOCK: "socket", stat.S_ISDIR: "directory"}
    what = next((name for test, name in kinds.items() if test(mode)), "special file")
    return f"not a regular file ({what})"


def _open_regular(path: Path) -> BinaryIO | str:
    """`path` opened for reading if it is a regular file itself (not a link to one), else why it is not.

    Opened without following a final symbolic link and without blocking (a FIFO would block the open), then
    checked on the open descriptor, so a file swapped for a link or a FIFO after listing cannot slip through.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return SKIP_LINK
        raise
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode):
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return _kind_of(mode)


def _listing_reject(failed: OSError, directory: str | Path) -> Reject:
    where = display_name(failed.filename or directory)
    return Reject(SourceRef(where, 0), f"cannot list directory: {failed.strerror}")


def _read_file(
    path: Path,
    settings: Settings,
    opts: dict[str, Any],
    stats: ReadStats,
    *,
    inside_directory: bool = False,
) -> Iterator[Item | Reject]:
    """Read one file. A file named on the command line is opened as given (a link, or a pipe such as bash's
    `<(...)`, is the user's choice); one found in a directory only when it is a regular file (`_open_regular`)."""
    source_name = display_name(path)
    try:
        if inside_directory:
            opened = _open_regular(path)
            if isinstance(opened, str):
                _skip(stats, path, opened)
                return
            raw = opened
        else:
            raw = path.open("rb")
    except OSError as exc:
        yield Reject(SourceRef(source_name, 0), f"cannot open: {exc.strerror or exc}")
        return
    with raw:
        yield from _read_stream(raw, source_name, path.name, settings, opts, stats)


def _read_stream(
    raw: BinaryIO,
    source_name: str,
    sniff_name: str,
    settings: Settings,
    opts: dict[str, Any],
    stats: ReadStats,
) -> Iterator[Item | Reject]:
    """Read one opened source. A source that no format recognises is one reject (line 0), never a silent
    skip: it was named, or found under a name some format takes, so records may be in it."""
    stream, head = _open_content(raw, settings)
    fmt = detect(sniff_name, head)
    if fmt is None:
        known = ", ".join(f.name for f in FORMATS)
        yield Reject(SourceRef(source_name, 0), f"unrecognised input format (known formats: {known})")
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


def _open_content(raw: BinaryIO, settings: Settings) -> tuple[io.BufferedReader, bytes]:
    """Undo gzip (recognised by its magic bytes, whatever the name) and peek at the head for sniffing.

    Works on unseekable streams (stdin): what was read to decide is replayed in front of the rest. A read
    error while peeking is raised only once the lines read before it have been replayed.
    """
    magic, failure = _read_up_to(raw, len(_GZIP_MAGIC))
    replay = _Replay(magic, raw, failure)
    content: _Readable = replay
    if magic == _GZIP_MAGIC:
        content = _Bounded(gzip.GzipFile(fileobj=replay, mode="rb"), replay, settings)
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
        self.delivered = 0  # bytes handed out so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        if self._prefix:
            count = min(wanted, len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            self.delivered += count
            return count
        if self._failure is not None:
            raise self._failure
        data = self._read_more(wanted)
        buffer[: len(data)] = data
        self.delivered += len(data)
        return len(data)


class _Bounded:
    """Decompressed data, stopped at `max_decompressed_bytes` or at an expansion past
    `max_decompression_ratio` times the compressed bytes read: a 20 KB gzip of 20 MiB of newlines (or
    gigabytes of anything) costs the reader CPU without bound, and gzip itself sets no limit."""

    def __init__(self, inner: gzip.GzipFile, compressed: _Replay, settings: Settings) -> None:
        self._inner = inner
        self._compressed = compressed
        self._max_bytes = settings.max_decompressed_bytes
        self._max_ratio = settings.max_decompression_ratio
        self._total = 0

    def read1(self, size: int = -1, /) -> bytes:
        """At most one chunk (read1 semantics: `_Replay` and `_read_up_to` read this way only)."""
        data = self._inner.read1(size)
        self._total += len(data)
        if self._total > self._max_bytes:
            raise InputLimitExceeded(
                f"decompressed data larger than {self._max_bytes} bytes (TRAILGUARD_MAX_DECOMPRESSED_BYTES)"
            )
        if self._total > RATIO_CHECK_AFTER and self._total > self._max_ratio * self._compressed.delivered:
            raise InputLimitExceeded(
                f"compressed data expands more than {self._max_ratio} times, like a decompression bomb "
                "(TRAILGUARD_MAX_DECOMPRESSION_RATIO)"
            )
        return data

    read = read1
