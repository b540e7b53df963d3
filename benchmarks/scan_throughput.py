"""Scan throughput and memory on generated items.

Measures, on the same generated corpus:
1. analyze only (extract + indicators + scoring) in one process: items/s per core, median of --repeat runs;
2. the full `trailguard scan` pipeline (ingest, a process pool, outputs, SQLite store, link, report):
   items/s and the peak resident memory of the parent and of the largest worker.

    .venv/bin/python benchmarks/scan_throughput.py --n 100000
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import tempfile
import time
from itertools import islice
from pathlib import Path

import orjson

from trailguard.demo.corpus import iter_items
from trailguard.ingest import read_sources
from trailguard.model import Item
from trailguard.pipeline.analyze import Analyzer
from trailguard.pipeline.local import ScanOptions, run_scan
from trailguard.settings import Settings


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="items to generate and scan")
    parser.add_argument("--analyze-n", type=int, default=20_000, help="items for the single-process timing")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-link", action="store_true", help="scan without the link stage (flat memory)")
    parser.add_argument("--skip-analyze", action="store_true", help="skip the single-process timing")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with open(corpus, "wb") as fh:
            for d in iter_items(args.n, args.seed):
                fh.write(orjson.dumps(d) + b"\n")
        size_mb = corpus.stat().st_size / 1e6
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}")

        want = 0 if args.skip_analyze else args.analyze_n
        items = list(islice((r for r in read_sources([str(corpus)], settings) if isinstance(r, Item)), want))
        analyzer = Analyzer(region="US")
        rates: list[float] = []
        for _ in range(0 if args.skip_analyze else args.repeat):
            t0 = time.perf_counter()
            for item in items:
                analyzer.analyze(item)
            rates.append(len(items) / (time.perf_counter() - t0))
        del items

        t0 = time.perf_counter()
        result = run_scan(
            [str(corpus)], settings, ScanOptions(out_dir=Path(tmp) / "out", link=not args.no_link)
        )
        wall = time.perf_counter() - t0
        parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    figures = {
        "machine": f"{cpu_model()}, {platform.machine()}, cores={__import__('os').cpu_count()}",
        "items": args.n,
        "link": not args.no_link,
        "corpus_mb": round(size_mb, 1),
        "analyze_items_per_s_one_core_median": round(statistics.median(rates)) if rates else None,
        "analyze_runs": [round(r) for r in rates],
        "scan_wall_s": round(wall, 1),
        "scan_items_per_s": round(result.assessed / wall),
        "scan_read": result.read,
        "scan_assessed": result.assessed,
        "scan_rejected": result.rejected,
        "networks": len(result.networks),
        "peak_rss_parent_mb": round(parent_rss),
        "peak_rss_largest_worker_mb": round(child_rss),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
