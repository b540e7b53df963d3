"""Benchmark: how long `trailguard` takes to start, before and after a change, measured in the same run.

    PYTHONPATH=src .venv/bin/python benchmarks/startup.py                 # this tree against main
    PYTHONPATH=src .venv/bin/python benchmarks/startup.py --before HEAD~3 --runs 21

The "before" source is `git archive` of the given revision's src/ into a temporary folder; both versions run
with the same interpreter and installed packages, alternately (before, after, before, ...) so that a busy
machine slows both alike. Each run is a fresh process, as a shell starts it: `from trailguard.cli import
main; main()`, exactly what the installed `trailguard` script does. Reported per command: median wall time,
median CPU time (user + system, the child's own rusage: less sensitive to other load than wall time) and
the peak resident memory. The machine (CPU, cores, load average before and after) is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: dict[str, tuple[list[str], bytes]] = {
    "trailguard --help": (["--help"], b""),
    "trailguard extract (empty input)": (["extract"], b""),
    "trailguard extract (one line)": (["extract"], b"call 555-0142 tonight\n"),
    "trailguard scan --help": (["scan", "--help"], b""),
}
_LAUNCH = "import sys; sys.argv[0] = 'trailguard'; from trailguard.cli import main; main()"


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )  # fmt: skip
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def export_source(revision: str, into: Path) -> Path:
    """src/ of `revision`, unpacked into `into`; the folder to put on PYTHONPATH."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "src"], check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryFile() as fh:
        fh.write(archive)
        fh.seek(0)
        with tarfile.open(fileobj=fh) as tar:
            tar.extractall(into, filter="data")
    return into / "src"


def run_once(src: Path, args: list[str], stdin: bytes) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one fresh `trailguard ARGS` process."""
    env = {**os.environ, "PYTHONPATH": str(src), "TRAILGUARD_DATABASE_URL": "sqlite:///:memory:"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _LAUNCH, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"trailguard {' '.join(args)} exited {proc.returncode} with PYTHONPATH={src}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--runs", type=int, default=15, help="runs per command and version (default 15)")
    args = parser.parse_args()
    after = ROOT / "src"
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        before = export_source(args.before, Path(tmp))
        rows = []
        for name, (argv, stdin) in COMMANDS.items():
            samples: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
            run_once(before, argv, stdin)  # warm the file cache and byte-code for both
            run_once(after, argv, stdin)
            for _ in range(args.runs):
                samples["before"].append(run_once(before, argv, stdin))
                samples["after"].append(run_once(after, argv, stdin))
            rows.append((name, samples))
    load_after = os.getloadavg()
    print(f"Machine: {machine()}; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print(f"Median of {args.runs} runs each; before = {args.before}, after = the working tree\n")
    print("| command | version | wall s (median) | CPU s (median) | peak RSS MiB (max) |")
    print("|---|---|---|---|---|")
    for name, samples in rows:
        for version, runs in samples.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            print(f"| `{name}` | {version} | {wall:.3f} | {cpu:.3f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
