"""Inputs: directories, explicit files, stdin, unknown formats, the format registry and failing readers."""

from __future__ import annotations

import gzip
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pytest

from trailguard.ingest import FORMATS, Format, ReadStats, read_sources, register_format
from trailguard.ingest.lines import iter_lines
from trailguard.ingest.validate import item_from_record
from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

SETTINGS = Settings(database_url="sqlite://")


def read(paths: list[str], **kwargs: Any) -> tuple[list[Item], list[Reject], ReadStats]:
    stats = ReadStats()
    results = list(read_sources(paths, SETTINGS, stats=stats, **kwargs))
    assert stats.read == len(results)
    return (
        [r for r in results if isinstance(r, Item)],
        [r for r in results if isinstance(r, Reject)],
        stats,
    )


@pytest.fixture()
def mixed_dir(tmp_path: Path) -> Path:
    root = tmp_path / "inbox"
    (root / "b_sub" / "deeper").mkdir(parents=True)
    (root / "a.jsonl").write_text('{"id": "a1", "text": "x"}\n{"id": "a2", "text": "y"}\n')
    (root / "c.csv.gz").write_bytes(gzip.compress(b"id,text\nc1,hello\n"))
    (root / "notes.txt").write_text("not an input\n")
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "export.json").write_text('{\n  "guild": "pretty-printed single document"\n}\n')
    (root / "b_sub" / "b.ndjson").write_text('{"id": "b1", "title": "t"}\n')
    (root / "b_sub" / "deeper" / "d.JSONL.GZ").write_bytes(gzip.compress(b'{"id": "d1", "text": "z"}\n'))
    return root


def test_directory_is_read_recursively_in_sorted_order_and_unknown_files_skipped(
    mixed_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="trailguard.ingest"):
        items, rejects, stats = read([str(mixed_dir)])
    assert [i.id for i in items] == ["a1", "a2", "c1", "b1", "d1"]
    assert items[2].source == SourceRef(str(mixed_dir / "c.csv.gz"), 2)
    # Named like an input but recognised by no reader: records may be in it, so it is a counted reject.
    unrecognised = "unrecognised input format (known formats: discord, telegram, whatsapp, jsonl, csv)"
    assert [(r.source.file, r.source.line, r.reason) for r in rejects] == [
        (str(mixed_dir / "export.json"), 0, unrecognised),
        (str(mixed_dir / "notes.txt"), 0, unrecognised),
    ]
    # Not named like any input (images, notes): skipped, counted and named for the summary.
    assert (stats.files, stats.skipped, stats.skipped_names) == (4, 1, [str(mixed_dir / "photo.jpg")])
    assert [r.getMessage() for r in caplog.records] == [
        f"skipped {mixed_dir / 'photo.jpg'}: not a known input format (by its name)"
    ]


def test_file_names_that_are_not_utf8_are_read_and_shown_escaped(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path / "inbox")
    os.mkdir(root)
    bad_name = os.path.join(root, b"ad\xff.jsonl")
    with open(bad_name, "wb") as fh:
        fh.write(b'{"id": "a1", "text": "x"}\n{oops\n')
    with open(os.path.join(root, b"pic\xfe.png"), "wb") as fh:
        fh.write(b"not an input")
    shown = os.fsdecode(root) + "/ad\\xff.jsonl"
    for entry in (os.fsdecode(root), os.fsdecode(bad_name)):  # found in a directory, and named directly
        items, rejects, stats = read([entry])
        assert [(i.id, i.source) for i in items] == [("a1", SourceRef(shown, 1))]
        assert [(r.source.file, r.source.line) for r in rejects] == [(shown, 2)]
        # What outputs and the store need: the name encodes as UTF-8.
        assert orjson.loads(orjson.dumps(rejects[0].to_dict()))["source"] == shown
    _, rejects, _ = read([os.fsdecode(os.path.join(root, b"gone\xff.jsonl"))])
    assert rejects[0].source.file == os.fsdecode(root) + "/gone\\xff.jsonl"
    _, _, stats = read([os.fsdecode(root)])
    assert stats.skipped_names == [os.fsdecode(root) + "/pic\\xfe.png"]


def test_a_gzip_that_expands_too_far_is_stopped_with_a_reject(tmp_path: Path) -> None:
    # 20 MiB of newlines in about 20 KB: deflate's best ratio, nothing a real export comes near.
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(
        gzip.compress(b'{"id": "a1", "text": "x"}\n' + b"\n" * (20 << 20) + b'{"id": "a2", "text": "x"}\n')
    )
    items, rejects, stats = read([str(bomb)])
    assert [i.id for i in items] == ["a1"]
    [reject] = rejects
    assert reject.source.file == str(bomb) and reject.source.line > 1
    assert reject.reason.startswith("compressed data expands more than 1000 times")
    assert reject.reason.endswith("reading of this file stopped here")
    assert stats.read == 2


def test_decompressed_size_is_capped_per_source(tmp_path: Path) -> None:
    lines = b"".join(
        b'{"id": "a%d", "text": "%s"}\n' % (n, os.urandom(8).hex().encode()) for n in range(2000)
    )
    for name in ("one.jsonl.gz", "two.jsonl.gz"):
        (tmp_path / name).write_bytes(gzip.compress(lines))
    capped = Settings(database_url="sqlite://", max_decompressed_bytes=len(lines) // 2)
    results = list(read_sources([str(tmp_path)], capped))
    rejects = [r for r in results if isinstance(r, Reject)]
    assert [r.source.file for r in rejects] == [
        str(tmp_path / "one.jsonl.gz"),
        str(tmp_path / "two.jsonl.gz"),
    ]
    assert all(r.reason.startswith(f"decompressed data larger than {len(lines) // 2} bytes") for r in rejects)
    for (
        reject
    ) in rejects:  # each file is read up to its own cap (in whole chunks), then the next starts afresh
        read_before = sum(isinstance(r, Item) and r.source.file == reject.source.file for r in results)
        assert 0 < read_before <= 1000 and reject.source.line == read_before + 1
    plain = (
        tmp_path / "plain.jsonl"
    )  # the cap is on decompression only: plain files are bounded by their size
    plain.write_bytes(lines)
    assert sum(isinstance(r, Item) for r in read_sources([str(plain)], capped)) == 2000


def test_explicit_unknown_file_and_missing_path_are_rejections(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    good = tmp_path / "ok.jsonl"
    good.write_text('{"id": "ok", "text": "x"}\n')
    missing = tmp_path / "nope.jsonl"
    items, rejects, stats = read([str(notes), str(missing), str(good)])
    assert [i.id for i in items] == ["ok"]
    assert [(r.source.file, r.source.line, r.reason) for r in rejects] == [
        (str(notes), 0, "unrecognised input format (known formats: discord, telegram, whatsapp, jsonl, csv)"),
        (str(missing), 0, "no such file or directory"),
    ]
    assert stats.accepted == 1


def test_unreadable_file_is_a_rejection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked.jsonl"
    locked.write_text('{"id": "x", "text": "y"}\n')
    locked.chmod(0)
    if not os.access(locked, os.R_OK):
        items, rejects, _ = read([str(locked)])
        assert items == [] and [r.reason for r in rejects] == ["cannot open: Permission denied"]
    # Root (as in CI) reads any file whatever its mode: make the operating system refuse it as it would.
    real_open = Path.open

    def refusing_open(self: Path, *args: object, **kwargs: object) -> object:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refusing_open)
    items, rejects, _ = read([str(locked)])
    assert items == [] and [r.reason for r in rejects] == ["cannot open: Permission denied"]


@pytest.mark.parametrize(
    ("payload", "expected_ids"),
    [
        (b'{"id": "s1", "text": "a"}\n{"id": "s2", "text": "b"}\n', ["s1", "s2"]),
        (b"id,text\ns1,a\ns2,b\n", ["s1", "s2"]),
        # mtime=0: the gzip header holds a time, and a parameter that changes between the two xdist workers'
        # collections gives the test another id ("Different tests were collected").
        (gzip.compress(b'{"id": "g1", "text": "a"}\n', mtime=0), ["g1"]),
        (gzip.compress(b"id,body\ng1,a\n", mtime=0), ["g1"]),
    ],
    ids=["jsonl", "csv", "gzip-jsonl", "gzip-csv"],
)
def test_stdin_is_sniffed_as_jsonl_or_csv_and_gunzipped(payload: bytes, expected_ids: list[str]) -> None:
    items, rejects, _ = read(
        ["-"], stdin=io.BufferedReader(io.BytesIO(payload)), csv_mapping={"body": "text"}
    )
    assert [i.id for i in items] == expected_ids and rejects == []
    assert all(i.source and i.source.file == "<stdin>" for i in items)


def test_stdin_through_a_real_pipe() -> None:
    script = (
        "import sys; from trailguard.ingest import read_sources, ReadStats; from trailguard.settings import Settings\n"
        "s = ReadStats()\n"
        "for r in read_sources(['-'], Settings(database_url='sqlite://'), stats=s): print(type(r).__name__, r.source.line)\n"
        "print(s.accepted, s.rejected)\n"
    )
    payload = b'{"id": "p1", "text": "a"}\nnot json\n' + b'{"id": "p2", "text": "b"}\n' * 3000
    done = subprocess.run(
        [sys.executable, "-c", script], input=payload, capture_output=True, check=True, timeout=60
    )
    lines = done.stdout.decode().splitlines()
    assert lines[:3] == ["Item 1", "Reject 2", "Item 3"]
    assert lines[-1] == "3001 1"


def test_registering_a_format_is_one_call_and_it_wins_over_the_generic_ones(tmp_path: Path) -> None:
    def sniff(name: str, head: bytes) -> bool:
        return name.endswith(".json") and b'"guild"' in head

    def read_export(stream: BinaryIO, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
        for number, data, _oversize in iter_lines(stream, settings.max_record_bytes):
            if b'"author"' in data:
                record = {"id": f"msg-{number}", "kind": "post", "text": data.decode().strip()}
                yield item_from_record(record, SourceRef(source_name, number), settings)

    path = tmp_path / "export.json"
    path.write_text('{\n"guild": "g",\n"author": "u1"\n}\n')
    saved = FORMATS[:]
    try:
        register_format(Format("toy-export", (".json",), sniff, read_export))
        items, rejects, _ = read([str(tmp_path)], csv_mapping={"body": "text"})  # not passed: not its option
    finally:
        FORMATS[:] = saved
    assert [(i.id, i.text) for i in items] == [("msg-3", '"author": "u1"')] and rejects == []


def test_a_failing_reader_costs_its_file_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def broken(stream: BinaryIO, source_name: str, settings: Settings) -> Iterator[Item | Reject]:
        yield Item(id="first", text="x", source=SourceRef(source_name, 1))
        raise KeyError("a bug triggered by hostile input")

    (tmp_path / "a.broken").write_text("anything\n")
    (tmp_path / "b.jsonl").write_text('{"id": "after", "text": "x"}\n')
    saved = FORMATS[:]
    try:
        register_format(Format("broken", (".broken",), lambda name, head: name.endswith(".broken"), broken))
        with caplog.at_level(logging.ERROR, logger="trailguard.ingest"):
            items, rejects, _ = read([str(tmp_path)])
    finally:
        FORMATS[:] = saved
    assert [i.id for i in items] == ["first", "after"]
    assert [(r.source.line, r.reason) for r in rejects] == [
        (
            2,
            "broken reader failed (KeyError: 'a bug triggered by hostile input'); reading of this file stopped here",
        )
    ]
    assert any(r.exc_info for r in caplog.records)


def test_bad_csv_mapping_fails_before_reading() -> None:
    with pytest.raises(ValueError, match="not Item fields"):
        next(read_sources(["-"], SETTINGS, {"a": "nowhere"}, stdin=io.BufferedReader(io.BytesIO(b""))))


def test_empty_inputs_read_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "empty.csv.gz").write_bytes(gzip.compress(b""))
    items, rejects, stats = read([str(tmp_path), "-"], stdin=io.BufferedReader(io.BytesIO(b"")))
    assert (items, rejects, stats.accepted, stats.files) == ([], [], 0, 3)
