"""Linking is skipped, with a reason, when it would not fit in free memory; the rest of the scan is whole."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import trailguard.pipeline.local as local
from trailguard.pipeline.local import ScanOptions, run_scan
from trailguard.pipeline.memory import (
    LINK_BASE_BYTES,
    LINK_BYTES_PER_ITEM,
    available_memory,
    link_need,
    link_shortfall,
)
from trailguard.settings import Settings
from trailguard.store import tables as tb
from trailguard.store.writer import Store


def test_the_estimate_follows_the_measured_cost() -> None:
    # 1M ads peaked at 1.7 GiB in benchmarks/link_scale.py: the estimate must not be below that.
    assert LINK_BASE_BYTES + 1_000_000 * LINK_BYTES_PER_ITEM >= 1.7 * 2**30
    assert link_shortfall(1_000_000, available=4 * 2**30) is None
    # long texts: 40,000 items whose assessments take 400 MB need more than the per-item figure says
    assert (
        link_need(40_000, 400_000_000) > link_need(40_000) and link_need(40_000, 400_000_000) >= 40_000 * 3300
    )
    reason = link_shortfall(20_000_000, available=24 * 2**30)
    assert reason is not None and "20,000,000 items needs about 35.6 GiB and 24.0 GiB is free" in reason


def test_free_memory_is_the_smallest_headroom_of_the_machine_and_the_process_cgroups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trailguard.pipeline.memory as memory

    meminfo, self_cgroup, root = tmp_path / "meminfo", tmp_path / "self_cgroup", tmp_path / "cg"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n")
    for name, value in [("_MEMINFO", meminfo), ("_SELF_CGROUP", self_cgroup), ("_CGROUP", root)]:
        monkeypatch.setattr(memory, name, value)
    machine = 20_000_000 * 1024
    assert available_memory() == machine  # no cgroup information: the machine's figure

    # cgroup v2: the process's group (a systemd unit) has a limit; its cache counts as free
    self_cgroup.write_text("0::/system.slice/tg.service\n")
    unit = root / "system.slice" / "tg.service"
    unit.mkdir(parents=True)
    (root / "memory.max").write_text("max\n")
    (unit / "memory.max").write_text(f"{4 * 2**30}\n")
    (unit / "memory.current").write_text(f"{4 * 2**30 - 1000}\n")
    (unit / "memory.stat").write_text("anon 10\ninactive_file 3000000000\nactive_file 5\n")
    assert available_memory() == 1000 + 3_000_000_000

    # cgroup v1: the memory controller's hierarchy, "unlimited" shown as a huge number
    self_cgroup.write_text("9:name=systemd:/\n4:memory:/docker/abc\n")
    v1 = root / "memory" / "docker" / "abc"
    v1.mkdir(parents=True)
    (root / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    (v1 / "memory.limit_in_bytes").write_text(f"{2 * 2**30}\n")
    (v1 / "memory.usage_in_bytes").write_text(f"{2 * 2**30}\n")
    assert available_memory() == 0  # full, nothing reclaimable: clamped, never negative
    assert link_shortfall(10) is not None

    monkeypatch.setattr(memory, "_MEMINFO", tmp_path / "absent")
    self_cgroup.unlink()
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
    monkeypatch.setattr(local, "link_shortfall", lambda n, size: link_shortfall(n, size, available=1))
    result = run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o2"))
    assert result.assessed == 2 and result.networks == [] and result.link_skipped
    assert "linking 2 items needs about" in result.link_skipped
    assert orjson.loads((tmp_path / "o2" / "networks.json").read_bytes()) == []
    assert "Networks were not computed: linking 2 items" in (tmp_path / "o2" / "report.html").read_text()
    with Store(settings.database_url).engine.connect() as conn:  # the stored network is left as it was
        assert len(conn.execute(tb.network_items.select()).all()) == 2
