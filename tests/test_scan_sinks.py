"""The sink contract: a caller wires the outputs it wants; a failing sink leaves every earlier output in place."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest

from trailguard.model import Assessment, Item
from trailguard.pipeline.contracts import ScanOptions
from trailguard.pipeline.local import run_scan
from trailguard.pipeline.scan import NO_ASSESSMENTS_FILE
from trailguard.pipeline.sinks import AssessmentsFile, BaseSink, LinkFiles, RejectsFile
from trailguard.settings import Settings

RECORDS = [
    {"id": "a1", "text": "Sweet new friend, text 617 555 0123"},
    {"id": "a2", "text": "Relaxing company downtown, call 617-555-0123"},
    {"id": "a3", "text": "Bike for sale, 555-0142"},
]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in RECORDS) + b"\n{broken\n")
    return path


def _settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'never-created.db'}", workers=1)


def test_only_the_wired_sinks_write(tmp_path: Path, source: Path) -> None:
    out = tmp_path / "o"
    sinks = [AssessmentsFile(out / "assessments.jsonl"), LinkFiles(out)]
    result = run_scan([str(source)], _settings(tmp_path), ScanOptions(out_dir=out), sinks=sinks)
    assert sorted(p.name for p in out.iterdir()) == ["assessments.jsonl", "hubs.json", "networks.json"]
    assert result.assessed == 3 and result.rejected == 1 and result.scan_id is None
    assert [n.items for n in result.networks] == [["a1", "a2"]]
    assert not (tmp_path / "never-created.db").exists()  # no store sink: the database is not touched


def test_without_an_assessments_file_linking_says_why_it_did_not_run(tmp_path: Path, source: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "assessments.jsonl").write_bytes(b"")  # an older file must never be linked as this scan's
    result = run_scan(
        [str(source)],
        _settings(tmp_path),
        ScanOptions(out_dir=out),
        sinks=[RejectsFile(out / "rejected.jsonl")],
    )
    assert result.networks == [] and result.link_skipped == NO_ASSESSMENTS_FILE
    assert orjson.loads((out / "rejected.jsonl").read_bytes())["reason"]


class _Breaks(BaseSink):
    def __init__(self) -> None:
        self.failed_called = False

    def assessed(self, items: Sequence[Item], assessments: Sequence[Assessment]) -> None:
        raise OSError(28, "No space left on device", "elsewhere")

    def failed(self) -> None:
        self.failed_called = True


def test_a_failing_sink_leaves_the_previous_outputs_and_no_part_files(tmp_path: Path, source: Path) -> None:
    out = tmp_path / "o"
    settings = _settings(tmp_path)
    first = [AssessmentsFile(out / "assessments.jsonl"), RejectsFile(out / "rejected.jsonl")]
    run_scan([str(source)], settings, ScanOptions(out_dir=out), sinks=first)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    source.write_bytes(orjson.dumps({"id": "b1", "text": "other text"}) + b"\n")
    breaks = _Breaks()
    again = [AssessmentsFile(out / "assessments.jsonl"), RejectsFile(out / "rejected.jsonl"), breaks]
    with pytest.raises(OSError, match="No space left"):
        run_scan([str(source)], settings, ScanOptions(out_dir=out), sinks=again)
    assert breaks.failed_called
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
