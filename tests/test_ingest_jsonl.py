"""JSON Lines reading: fixtures, every line-level rejection, gzip, bounded lines, and counts that add up."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailguard.ingest import ReadStats, read_sources
from trailguard.model import Item, Reject
from trailguard.settings import Settings

DATA = Path(__file__).parent / "data" / "ingest"
SETTINGS = Settings(database_url="sqlite://")


def read(paths: list[str], settings: Settings = SETTINGS) -> tuple[list[Item], list[Reject], ReadStats]:
    stats = ReadStats()
    results = list(read_sources(paths, settings, stats=stats))
    items = [r for r in results if isinstance(r, Item)]
    rejects = [r for r in results if isinstance(r, Reject)]
    assert stats.read == len(results) == len(items) + len(rejects)
    return items, rejects, stats


def test_fixture_items_and_rejects_with_line_numbers() -> None:
    path = str(DATA / "items.jsonl")
    items, rejects, stats = read([path])
    assert [(i.id, i.kind, i.source.line if i.source else None) for i in items] == [
        ("ad-1", "ad", 1),
        ("job-7", "job", 2),
        ("42", "post", 4),
        ("chat-1", "chat", 5),
    ]
    assert items[1].posted_at == "2024-05-02T12:30:00Z"
    assert items[1].extra == {"salary": "1500 EUR"}
    assert [m.id for m in items[3].messages] == ["m1", "2"]
    got = [(r.source.file, r.source.line, r.record_id, r.reason.split(":")[0]) for r in rejects]
    assert got == [
        (path, 6, None, "invalid JSON"),
        (path, 7, None, "not a JSON object (got list)"),
        (path, 8, None, "missing required field 'id'"),
        (path, 9, "ad-4", "field 'kind' must be one of ad, job, post, profile, chat, got 'listing'"),
        (path, 10, "ad-5", "field 'images' must be a list of strings, got string"),
        (path, 11, "ad-6", "field 'posted_at' is not an ISO-8601 date or time"),
        (path, 12, "ad-7", "no content"),
    ]
    assert rejects[0].raw == '{"id": "ad-2", "text": "Call 617-555-0199"'
    assert (stats.accepted, stats.rejected, stats.files) == (4, 7, 1)


def test_invalid_utf8_line_is_rejected_and_the_rest_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "bad \xc3\x28 byte"}\n{"id": "c", "text": "ok"}\n'
    )
    items, rejects, _ = read([str(path)])
    assert [i.id for i in items] == ["a", "c"]
    assert [(r.source.line, r.reason) for r in rejects] == [(2, "invalid UTF-8 at byte 26")]
    assert rejects[0].raw is not None and "\ufffd" in rejects[0].raw


def test_crlf_bom_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "windows.ndjson"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "x"}\r\n\r\n   \r\n{"id": "b", "title": "y"}')
    items, rejects, _ = read([str(path)])
    assert [(i.id, i.source.line if i.source else 0) for i in items] == [("a", 1), ("b", 4)]
    assert rejects == []


def test_100k_deep_nesting_is_a_clean_rejection(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b"[" * 100_000 + b"\n" + b'{"id": "after", "text": "x"}\n' + b'{"a":' * 100_000 + b"\n")
    items, rejects, _ = read([str(path)])
    assert [i.id for i in items] == ["after"]
    assert [(r.source.line, r.reason) for r in rejects] == [
        (1, "nesting deeper than 32 levels"),
        (3, "nesting deeper than 32 levels"),
    ]


def test_oversize_lines_are_rejected_without_stopping(tmp_path: Path) -> None:
    small = Settings(database_url="sqlite://", max_record_bytes=200)
    long_text = "x" * 5000
    lines = [
        orjson.dumps({"id": "a", "text": "short"}),
        orjson.dumps({"id": "big", "text": long_text}),
        orjson.dumps({"id": "b", "text": "y" * 150}),
        b'{"id": "unterminated", "text": "' + b"z" * 100_000,  # no newline at the end of the file either
    ]
    path = tmp_path / "sizes.jsonl"
    path.write_bytes(b"\n".join(lines))
    items, rejects, _ = read([str(path)], small)
    assert [i.id for i in items] == ["a", "b"]
    assert [(r.source.line, r.reason) for r in rejects] == [
        (2, "record larger than 200 bytes"),
        (4, "record larger than 200 bytes"),
    ]
    assert (
        rejects[0].raw is not None and rejects[0].raw.startswith('{"id":"big"') and len(rejects[0].raw) <= 500
    )


def test_line_exactly_at_the_bound_is_accepted(tmp_path: Path) -> None:
    record = b'{"id": "a", "text": "' + b"x" * 100 + b'"}'
    small = Settings(database_url="sqlite://", max_record_bytes=len(record))
    path = tmp_path / "edge.jsonl"
    path.write_bytes(record + b"\r\n" + record[:-2] + b'x"}\n')
    items, rejects, _ = read([str(path)], small)
    assert [i.id for i in items] == ["a"]
    assert [r.source.line for r in rejects] == [2]


def test_gzip_jsonl_and_gzip_detected_by_magic_bytes(tmp_path: Path) -> None:
    body = b"".join(
        orjson.dumps({"id": f"ad-{n}", "text": f"call 617 555 01{n:02d}"}) + b"\n" for n in range(50)
    )
    (tmp_path / "ads.jsonl.gz").write_bytes(gzip.compress(body))
    (tmp_path / "misnamed.jsonl").write_bytes(gzip.compress(body[:100] + b"\n"))
    items, rejects, stats = read([str(tmp_path / "ads.jsonl.gz"), str(tmp_path / "misnamed.jsonl")])
    assert [i.id for i in items[:50]] == [f"ad-{n}" for n in range(50)]
    assert [i.id for i in items[50:]] == ["ad-0", "ad-1"]
    assert [(r.source.line, r.reason.split(":")[0]) for r in rejects] == [(3, "invalid JSON")]  # the cut line
    assert stats.files == 2


def test_damaged_gzip_stops_that_file_with_the_line_where_it_broke(tmp_path: Path) -> None:
    body = b"".join(orjson.dumps({"id": f"r{n}", "text": "t" * 40}) + b"\n" for n in range(2000))
    packed = gzip.compress(body, compresslevel=1)
    (tmp_path / "a_cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "b_trailing_junk.jsonl.gz").write_bytes(packed + b"not gzip at all")
    bad_crc = bytearray(packed)
    bad_crc[-8] ^= 0xFF  # the CRC-32 of the member: deflate decodes fine, the check at the end fails
    (tmp_path / "c_bad_crc.jsonl.gz").write_bytes(bytes(bad_crc))
    (tmp_path / "d_ok.jsonl").write_bytes(b'{"id": "last", "text": "x"}\n')
    items, rejects, stats = read([str(tmp_path)])
    assert items[-1].id == "last" and stats.files == 4
    names = [Path(r.source.file).name for r in rejects]
    assert names == ["a_cut.jsonl.gz", "b_trailing_junk.jsonl.gz", "c_bad_crc.jsonl.gz"]
    for reject, cause in zip(rejects, ["EOFError", "BadGzipFile", "CRC check failed"], strict=True):
        before = [i.id for i in items if i.source and i.source.file == reject.source.file]
        assert reject.reason.startswith("unreadable data") and cause in reject.reason
        assert reject.reason.endswith("reading of this file stopped here")
        assert before == [f"r{n}" for n in range(len(before))]
        assert reject.source.line == len(before) + 1
    assert len([i for i in items if i.source and "a_cut" in i.source.file]) > 100


VALID = st.builds(
    lambda n, text: {"id": f"id-{n}", "text": text},
    st.integers(0, 10**6),
    st.text(min_size=1).filter(str.strip),
)
INVALID = st.sampled_from(
    [
        b'{"id": "x", "text": ',
        b"[1, 2, 3]",
        b'"just a string"',
        b'{"text": "no id"}',
        b'{"id": "x", "images": 5}',
        b'{"id": "x", "text": "\xff"}',
        b"[" * 200,
        b'{"id": "x", "text": "' + b"w" * 3000 + b'"}',
        b'{"id": "x"}',
        b'{"id": "x", "text": "t", "kind": "other"}',
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(VALID, INVALID), max_size=40), st.booleans())
def test_counts_add_up_and_valid_ids_come_out_in_order(entries: list[object], compress: bool) -> None:
    small = Settings(database_url="sqlite://", max_record_bytes=2000)
    lines = [e if isinstance(e, bytes) else orjson.dumps(e) for e in entries]
    body = b"\n".join(lines) + b"\n"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / ("batch.jsonl.gz" if compress else "batch.jsonl")
        path.write_bytes(gzip.compress(body) if compress else body)
        items, rejects, stats = read([str(path)], small)
    valid = [e for e in entries if isinstance(e, dict)]
    assert stats.read == len(entries)
    assert [i.id for i in items] == [v["id"] for v in valid]
    assert [i.text for i in items] == [v["text"].replace("\x00", "\ufffd") for v in valid]  # NUL: U+FFFD
    assert [r.source.line for r in rejects] == [n + 1 for n, e in enumerate(entries) if isinstance(e, bytes)]
