"""The bounded line reader under every reader: same lines as bytes.splitlines, never an over-long one held."""

from __future__ import annotations

import io
import time

from hypothesis import given
from hypothesis import strategies as st

from trailguard.ingest.lines import PREFIX_CHARS, iter_lines

LINES = st.lists(st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"")), max_size=30)


@given(LINES, st.integers(1, 60), st.booleans(), st.integers(1, 7))
def test_lines_match_the_input_and_long_ones_are_flagged(
    lines: list[bytes], max_bytes: int, final_newline: bool, buffer_size: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    stream = io.BufferedReader(io.BytesIO(data), buffer_size=buffer_size)
    got = list(iter_lines(stream, max_bytes, skip_blank=False))
    expected = data.split(b"\n")
    if expected and expected[-1] == b"":
        expected.pop()
    assert [number for number, _, _ in got] == list(range(1, len(expected) + 1))
    for (_, chunk, oversize), line in zip(got, expected, strict=True):
        content = line[:-1] if line.endswith(b"\r") else line
        assert oversize == (len(content) > max_bytes)
        if oversize:
            assert chunk == (line + b"\n")[: min(len(chunk), PREFIX_CHARS)] and len(chunk) <= max_bytes + 2
        else:
            assert chunk.rstrip(b"\n") == line


BLANKY = st.lists(
    st.one_of(st.sampled_from([b"", b"\r", b" ", b"\r\r"]), st.binary(max_size=12)).map(
        lambda b: b.replace(b"\n", b"")
    ),
    max_size=60,
)


@given(BLANKY, st.integers(1, 20), st.integers(1, 9))
def test_skipping_blank_lines_keeps_every_other_line_and_its_number(
    lines: list[bytes], max_bytes: int, buffer_size: int
) -> None:
    data = b"\n".join(lines) + b"\n"
    every = list(
        iter_lines(io.BufferedReader(io.BytesIO(data), buffer_size=buffer_size), max_bytes, skip_blank=False)
    )
    kept = list(iter_lines(io.BufferedReader(io.BytesIO(data), buffer_size=buffer_size), max_bytes))
    assert kept == [entry for entry in every if entry[1] not in (b"\n", b"\r\n")]


def test_a_run_of_millions_of_blank_lines_is_skipped_in_bulk() -> None:
    # 20 MiB of newlines took ~10 s at one Python step per line; in bulk it is a few hundred steps.
    data = b'{"id": "a"}\n' + b"\n" * (20 << 20) + b"\r\n" * 1000 + b'{"id": "b"}\n'
    started = time.perf_counter()
    got = list(iter_lines(io.BufferedReader(io.BytesIO(data), buffer_size=1 << 16), 1000))
    assert time.perf_counter() - started < 2.0
    assert [(n, chunk) for n, chunk, _ in got] == [
        (1, b'{"id": "a"}\n'),
        ((20 << 20) + 1002, b'{"id": "b"}\n'),
    ]


def test_a_gigantic_line_is_skipped_in_bounded_reads() -> None:
    class CountingStream(io.RawIOBase):
        """Serves 50 MB of one line, then a short one, recording the largest read asked for."""

        def __init__(self) -> None:
            self.left = 50_000_000
            self.tail = b"\n{}\n"
            self.largest = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            self.largest = max(self.largest, len(buffer))
            if self.left:
                count = min(len(buffer), self.left)
                buffer[:count] = b"x" * count
                self.left -= count
                return count
            count = min(len(buffer), len(self.tail))
            buffer[:count] = self.tail[:count]
            self.tail = self.tail[count:]
            return count

    raw = CountingStream()
    got = [(n, len(chunk), oversize) for n, chunk, oversize in iter_lines(io.BufferedReader(raw), 1000)]
    assert got == [(1, PREFIX_CHARS, True), (2, 3, False)]
    assert raw.largest <= 1 << 17
