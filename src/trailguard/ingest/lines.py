"""Bounded line reading over binary streams: the one place that touches raw bytes for line formats.

`readline(limit)` of the standard buffered and gzip readers already reads in bounded pieces; what they do not do
is skip the rest of an over-long line without holding it, or say on which line a compressed stream broke. Both
matter for hostile input (a 10 GB file with no newline, a truncated .gz), hence this small wrapper.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import BinaryIO

PREFIX_CHARS = 500  # how much of an offending record a reject keeps for the reviewer
_SKIP_CHUNK = 1 << 16
_BLANK = (b"\n", b"\r\n")
_BLANK_RUN = re.compile(rb"(?:\r?\n)*")

# What a broken stream raises: gzip.BadGzipFile is an OSError; a truncated member raises EOFError.
STREAM_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)


class InputLimitExceeded(OSError):
    """A source went past a configured bound (decompressed size, expansion ratio): the rest of it is not read.

    An OSError so that every reader already stops on it as on a broken stream, and the reject says why.
    """


class CorruptStream(Exception):
    """The stream could not be read past `line` (1-based): the rest of that source is lost and must be reported."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def describe_stream_error(exc: BaseException) -> str:
    """A reviewer-facing reason for a read failure (the class name says more than some messages do)."""
    if isinstance(exc, InputLimitExceeded):
        return str(exc)
    message = str(exc) or exc.__class__.__name__
    return f"unreadable data ({exc.__class__.__name__}: {message})"


def iter_lines(
    stream: BinaryIO, max_bytes: int, *, skip_blank: bool = True
) -> Iterator[tuple[int, bytes, bool]]:
    """Yield `(line_number, data, oversize)` for each physical line, terminator included.

    A line longer than `max_bytes` (terminator excluded) is skipped in bounded chunks, never held whole; it is
    yielded once with `oversize=True` and only its first `PREFIX_CHARS` bytes as `data`. A read failure (corrupt
    or truncated compressed data, an I/O error) raises `CorruptStream` naming the line it broke on.

    With `skip_blank` (the default) empty lines (only "\n" or "\r\n") are not yielded, and runs of them are
    skipped a buffer at a time: one Python step per line made a 20 KB gzip of newlines cost seconds. Line
    numbers still count them. Readers where a blank line means something (CSV: inside a quoted field) pass
    False.
    """
    limit = max_bytes + 2  # room for a "\r\n" terminator after a line of exactly max_bytes
    peek = getattr(stream, "peek", None)
    number = 0
    while True:
        try:
            chunk = stream.readline(limit)
            if skip_blank and chunk in _BLANK:
                number += 1
                while peek is not None:  # the rest of the run, a buffer-full per step
                    end, count = _blank_prefix(peek(_SKIP_CHUNK)[:_SKIP_CHUNK])
                    if not end:
                        break
                    stream.read(end)
                    number += count
                continue
        except STREAM_ERRORS as exc:
            raise CorruptStream(number + 1, describe_stream_error(exc)) from exc
        if not chunk:
            return
        number += 1
        if len(chunk) < limit or chunk.endswith(b"\n"):
            if len(chunk) - _terminator_length(chunk) <= max_bytes:
                yield number, chunk, False
                continue
        else:
            _skip_to_newline(stream, number)
        yield number, chunk[:PREFIX_CHARS], True


def _blank_prefix(ahead: bytes) -> tuple[int, int]:
    """(bytes, lines) of the whole blank lines at the start of `ahead`."""
    end = _BLANK_RUN.match(ahead).end()  # type: ignore[union-attr]  # matches the empty string at worst
    return end, ahead.count(b"\n", 0, end)


def _terminator_length(chunk: bytes) -> int:
    if chunk.endswith(b"\r\n"):
        return 2
    return 1 if chunk.endswith((b"\n", b"\r")) else 0


def _skip_to_newline(stream: BinaryIO, number: int) -> None:
    while True:
        try:
            part = stream.readline(_SKIP_CHUNK)
        except STREAM_ERRORS as exc:
            raise CorruptStream(number, describe_stream_error(exc)) from exc
        if not part or part.endswith(b"\n"):
            return
