"""Memory of reading one WhatsApp export, as a multiple of the file's size.

A child process imports Trailguard, notes its peak resident memory, reads a generated export of --messages
short messages through the same reader the scan uses (`read_sources`), and reports how far the peak rose:
(peak after - peak before) / file size. Median of --repeat children.

    .venv/bin/python benchmarks/whatsapp_memory.py --messages 200000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_NAMES = ("Ana", "Bo", "Cy")  # fictional participants

_CHILD = """
import resource, sys, time
from trailguard.ingest import read_sources
from trailguard.settings import Settings
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
records = sum(1 for _ in read_sources([sys.argv[1]], Settings(database_url="sqlite://")))
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(after - before, seconds, records)
"""


def write_export(path: Path, messages: int) -> int:
    """An Android (US) export of short messages, the shape where per-message overhead matters most."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(messages):
            hour, minute = i % 12 + 1, i % 60
            fh.write(
                f"12/{1 + i % 28:02d}/24, {hour}:{minute:02d} PM - {_NAMES[i % 3]}: message {i}, see you at 5\n"
            )
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "chat.txt"
        size = write_export(export, args.messages)
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, str(export)], capture_output=True, text=True, check=True
            )
            grown_kib, seconds, records = out.stdout.split()
            runs.append((int(grown_kib) * 1024, float(seconds), int(records)))
    grown = statistics.median(r[0] for r in runs)
    print(
        json.dumps(
            {
                "messages": args.messages,
                "file_bytes": size,
                "peak_growth_bytes": grown,
                "times_file_size": round(grown / size, 1),
                "seconds_median": round(statistics.median(r[1] for r in runs), 2),
                "records": runs[0][2],
            }
        )
    )


if __name__ == "__main__":
    main()
