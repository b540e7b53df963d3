"""Streaming: memory stays flat however large the input (a 10 GB file must scan on a 24 GB machine)."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import orjson

from trailguard.ingest import ReadStats, read_sources
from trailguard.model import Item
from trailguard.settings import Settings

RECORD_TEXT = "Room for rent near the station, ask for details at +1 617 555 0123. " * 150  # about 10 KB
RECORDS = 20_000  # about 200 MB once decompressed


def write_large_gzip(path: Path) -> int:
    """Records of about 10 KB each: few records keep the test fast, the bytes are what memory must not follow."""
    size = 0
    with gzip.open(path, "wb", compresslevel=1) as out:
        batch = []
        for n in range(RECORDS):
            line = orjson.dumps({"id": f"ad-{n}", "kind": "ad", "text": RECORD_TEXT, "seq": n}) + b"\n"
            size += len(line)
            batch.append(line)
            if len(batch) == 1000:
                out.write(b"".join(batch))
                batch.clear()
    return size


def test_streaming_a_200mb_gzip_keeps_memory_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl.gz"
    decompressed = write_large_gzip(path)
    assert decompressed > 200_000_000
    stats = ReadStats()
    last_seq = -1
    tracemalloc.start()
    try:
        for result in read_sources([str(path)], Settings(database_url="sqlite://"), stats=stats):
            assert isinstance(result, Item)
            assert result.extra["seq"] == last_seq + 1
            last_seq = result.extra["seq"]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stats.accepted == RECORDS and stats.rejected == 0
    assert peak < 16_000_000, f"peak {peak / 1e6:.1f} MB while streaming {decompressed / 1e6:.0f} MB"
