"""Linking is skipped, with a reason, when it would not fit in free memory; the rest of the scan is whole."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import trailguard.pipeline.local as local
from trailguard.pipeline.local import ScanOptions, run_scan
from trailguard.pipeline.memory import LINK_BASE_BYTES, LINK_BYTES_PER_ITEM, available_memory, link_shortfall
from trailguard.settings import Settings
from trailguard.store import tables as tb
from trailguard.store.writer import Store


def test_the_estimate_follows_the_measured_cost() -> None:
    # 1M ads peaked at 1.7 GiB in benchmarks/link_scale.py: the estimate must not be below that.
    assert LINK_BASE_BYTES + 1_000_000 * LINK_BYTES_PER_ITEM >= 1.7 * 2**30
    assert link_shortfall(1_000_000, available=4 * 2**30) is None
    reason = link_shortfall(20_000_000, available=24 * 2**30)
    assert reason is not None and "20,000,000 items needs about 35.6 GiB and 24.0 GiB is free" in reason


def test_free_memory_is_the_smaller_of_the_machine_and_the_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trailguard.pipeline.memory as memory

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n")
    monkeypatch.setattr(memory, "_MEMINFO", meminfo)
    monkeypatch.setattr(memory, "_CGROUP", tmp_path / "cg")
    assert available_memory() == 20_000_000 * 1024  # no cgroup files: the machine's figure
    (tmp_path / "cg").mkdir()
    (tmp_path / "cg" / "memory.max").write_text("max\n")
    (tmp_path / "cg" / "memory.current").write_text("1000\n")
    assert available_memory() == 20_000_000 * 1024  # a container without a limit
    (tmp_path / "cg" / "memory.max").write_text(f"{4 * 2**30}\n")
    assert available_memory() == 4 * 2**30 - 1000  # the container's limit is the tighter one
    monkeypatch.setattr(memory, "_MEMINFO", tmp_path / "absent")
    (tmp_path / "cg" / "memory.max").write_text("max\n")
    assert available_memory() is None and link_shortfall(10**9) is None  # nobody can tell: link as asked


def test_a_scan_too_large_to_link_keeps_everything_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [
        {"id": "a1", "text": "Sweet new friend, text 617 555 0123"},
        {"id": "a2", "text": "Relaxing company downtown, call 617-555-0123"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'tg.db'}", workers=1)
    run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o1"))  # fits: one stored network
    monkeypatch.setattr(local, "link_shortfall", lambda n: link_shortfall(n, available=1))
    result = run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o2"))
    assert result.assessed == 2 and result.networks == [] and result.link_skipped
    assert "linking 2 items needs about" in result.link_skipped
    assert orjson.loads((tmp_path / "o2" / "networks.json").read_bytes()) == []
    assert "Networks were not computed: linking 2 items" in (tmp_path / "o2" / "report.html").read_text()
    with Store(settings.database_url).engine.connect() as conn:  # the stored network is left as it was
        assert len(conn.execute(tb.network_items.select()).all()) == 2
