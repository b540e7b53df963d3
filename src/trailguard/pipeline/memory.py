"""Whether linking fits in the memory this machine has free: a scan that streamed 10 GB through analysis
must not die of memory at its last stage, after hours of work.

Linking keeps compact columns of every item (trailguard.link.columns); its peak grows linearly with the
items, measured by benchmarks/link_scale.py at 269 MiB for 100k ads and 1.7 GiB for 1M (docs/benchmarks.md).
Free memory is read from the kernel (MemAvailable) and, in a container, from its cgroup limit, since the
machine's figure says nothing about a container's share. Hand-written because psutil knows no cgroups.
"""

from __future__ import annotations

from pathlib import Path

LINK_BASE_BYTES = 200 << 20
LINK_BYTES_PER_ITEM = 1_900
_MEMINFO = Path("/proc/meminfo")
_CGROUP = Path("/sys/fs/cgroup")


def available_memory() -> int | None:
    """Bytes this process may still use, or None where the system does not say (not Linux)."""
    found = [v for v in (_meminfo_available(), _cgroup_headroom()) if v is not None]
    return min(found) if found else None


def link_shortfall(items: int, available: int | None = None) -> str | None:
    """Why linking `items` items would not fit in free memory, or None when it fits (or nobody can tell)."""
    free = available_memory() if available is None else available
    need = LINK_BASE_BYTES + items * LINK_BYTES_PER_ITEM
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
    """cgroup v2 `memory.max - memory.current` of this process's group; None without a limit."""
    try:
        limit = (_CGROUP / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return int(limit) - int((_CGROUP / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None
