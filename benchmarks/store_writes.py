"""How fast the store takes a scan's results: `Store.save_assessed` of generated items in the scan's batches.

The parent process of a scan writes every batch itself, so this bounds a whole scan's rate. The items are
generated and analysed once (not timed), then written into a fresh SQLite file `--repeat` times.

    .venv/bin/python benchmarks/store_writes.py --n 10000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from trailguard.batching import chunked
from trailguard.demo.corpus import generate
from trailguard.model import Item
from trailguard.pipeline.analyze import Analyzer
from trailguard.pipeline.local import BATCH
from trailguard.store.writer import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="items to generate and write")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    analyzer = Analyzer(region="US")
    items = [Item.from_dict(d) for d in generate(args.n, seed=args.seed).items]
    pairs = [(item, analyzer.analyze(item, [])) for item in items]
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{Path(tmp) / 'tg.db'}")
            scan = store.start_scan(["bench"])
            started = time.perf_counter()
            for batch in chunked(pairs, BATCH):
                store.save_assessed(scan, list(batch))
            runs.append(time.perf_counter() - started)
            store.engine.dispose()
    median = statistics.median(runs)
    print(f"{args.n} items, batches of {BATCH}: median {median:.2f} s = {args.n / median:,.0f} items/s")
    print("runs: " + ", ".join(f"{r:.2f} s" for r in runs))


if __name__ == "__main__":
    main()
