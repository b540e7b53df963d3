"""Whether linking fits in the memory this machine has free: a scan that streamed 10 GB through analysis
must not die of memory at its last stage, after hours of work.

Linking keeps compact columns of every item (trailguard.link.columns) and the shingles of its text; its peak
grows linearly with the items and with their text, measured by benchmarks/link_scale.py at 269 MiB for 100k
ads and 1.7 GiB for 1M (docs/benchmarks.md), at 1.75 GiB for the held-out generator's 1M ads (`trailguard
link`, exports included), and by a review at about 3.3 KB per item for 8,000-character texts. The estimate
below (200 MiB + 1.9 KB per item: 2.0 GiB at 1M) covers both 1M figures. Free memory is read from the kernel (MemAvailable) and from this process's cgroup (v2, or v1's memory
controller) up to the root, since the machine's figure says nothing about a container's or a systemd unit's
share; file cache the kernel can drop (inactive_file) counts as free, as container runtimes count it.
Hand-written because psutil knows no cgroups.
"""

from __future__ import annotations

from pathlib import Path

LINK_BASE_BYTES = 200 << 20
LINK_BYTES_PER_ITEM = 1_900
# bytes of linking memory per byte of assessments.jsonl: 3.3 KB per item for texts whose assessment lines
# are about 10 KB, with a margin
LINK_BYTES_PER_INPUT_BYTE = 0.5
_MEMINFO = Path("/proc/meminfo")
_SELF_CGROUP = Path("/proc/self/cgroup")
_CGROUP = Path("/sys/fs/cgroup")
_V1_UNLIMITED = 1 << 60  # v1 reports "no limit" as a huge number near 2**63


def available_memory() -> int | None:
    """Bytes this process may still use, or None where the system does not say (not Linux)."""
    found = [v for v in (_meminfo_available(), _cgroup_headroom()) if v is not None]
    return max(0, min(found)) if found else None


def link_need(items: int, assessment_bytes: int = 0) -> int:
    """Estimated peak bytes of linking `items` items whose assessments.jsonl holds `assessment_bytes`."""
    return LINK_BASE_BYTES + max(
        items * LINK_BYTES_PER_ITEM, int(assessment_bytes * LINK_BYTES_PER_INPUT_BYTE)
    )


def link_shortfall(items: int, assessment_bytes: int = 0, available: int | None = None) -> str | None:
    """Why linking would not fit in free memory, or None when it fits (or nobody can tell)."""
    free = available_memory() if available is None else available
    need = link_need(items, assessment_bytes)
    if free is None or need <= free:
        return None
    return (
        f"linking {items:,} items needs about {need / 2**30:.1f} GiB and {free / 2**30:.1f} GiB is free, so it was "
        "skipped: the assessments are complete; link them on a larger machine with `trailguard link`"
    )


def _meminfo_available() -> int | None:
    try:
        for line in _MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_headroom() -> int | None:
    """The least headroom (limit - usage + reclaimable cache) of this process's cgroup and its ancestors."""
    try:
        lines = _SELF_CGROUP.read_text().splitlines()
    except OSError:
        return None
    found: list[int] = []
    for line in lines:
        _, controllers, path = [*line.split(":", 2), "", ""][:3]
        if controllers == "":  # cgroup v2: one unified hierarchy
            found += _walk(_CGROUP, path, "memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):  # cgroup v1: the memory controller's own hierarchy
            found += _walk(
                _CGROUP / "memory",
                path,
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
                "total_inactive_file",
            )
    return min(found) if found else None


def _walk(root: Path, path: str, limit_file: str, usage_file: str, cache_key: str) -> list[int]:
    """Headroom of each group from `path` up to `root` that has a limit. Inside a container the group's
    path may not exist under its own mount (the mount is the group itself), so the root is tried too."""
    out = []
    parts = [p for p in path.strip().split("/") if p]
    for depth in range(len(parts), -1, -1):
        group = root.joinpath(*parts[:depth])
        try:
            limit_text = (group / limit_file).read_text().strip()
            if limit_text == "max" or int(limit_text) >= _V1_UNLIMITED:
                continue
            usage = int((group / usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        out.append(int(limit_text) - usage + _stat(group / "memory.stat", cache_key))
    return out


def _stat(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        return 0
    return 0
