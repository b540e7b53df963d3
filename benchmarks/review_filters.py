"""How fast queue filters and routing are on a large store: `fill` with routing rules, then list and
next-job under each filter, on SQLite (default) or PostgreSQL (`--url`).

Synthetic items (fictional numbers, example.* platforms, a few places, three indicators, every band) are
written through the store's own writer, the store is migrated, a routing rule is added and jobs are made.
Each filter is then timed as the median of `--repeat` runs of `list_jobs` (50 jobs) and of `next_job` (claim
then roll back, so every run sees the same queue).

    PYTHONPATH=src .venv/bin/python benchmarks/review_filters.py --n 100000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from trailguard.batching import chunked
from trailguard.model import BANDS, Assessment, Hit, Item, Span
from trailguard.review import audit, routing, schema, users, work
from trailguard.review.filters import JobFilter
from trailguard.store.db import make_engine
from trailguard.store.writer import Store

PLACES = ("Boston, MA", "Albany, NY", "Austin, TX", "Denver, CO", "Tampa, FL")
PLATFORMS = ("example.com", "example.org", "forum.test")
INDICATORS = ("ads.obscured_phone", "ads.third_party", "ads.minor_age")
FILTERS = {
    "none": JobFilter(),
    "band=critical": JobFilter(bands=("critical",)),
    "score 0.5-0.7": JobFilter(score_min=0.5, score_max=0.7),
    "kind=post": JobFilter(kind="post"),
    "platform=forum.test": JobFilter(platform="forum.test"),
    "place=den": JobFilter(place="den"),
    "indicator=ads.third_party": JobFilter(indicator="ads.third_party"),
    "max_age_hours=1": JobFilter(max_age_hours=1),
    "kind+platform+place+indicator": JobFilter(
        kind="ad", platform="example.org", place="aus", indicator="ads.third_party"
    ),
    # No job passes (platform and indicator never meet): every job of the platform is read, the worst case.
    "platform+indicator, no match": JobFilter(platform="example.org", indicator="ads.obscured_phone"),
}


def seed(url: str, n: int) -> None:
    store = Store(url)
    scan = store.start_scan(["bench"])
    pairs = []
    for i in range(n):
        band = BANDS[i % 4]
        kind = "post" if i % 5 == 0 else "ad"
        body = f"synthetic listing {i}, call 555-01{i % 100:02d}"
        item = Item(
            id=f"{kind}-{i}",
            kind=kind,
            text=body,
            location=PLACES[i % len(PLACES)],
            platform=PLATFORMS[i % len(PLATFORMS)],
        )
        hit = Hit(
            INDICATORS[i % len(INDICATORS)], "deception", 0.3, "A", [Span(0, 9, "synthetic")], "x", "src"
        )
        score = 0.1 + 0.25 * BANDS.index(band) + (i % 1000) / 10_000
        pairs.append((item, Assessment(item.id, kind, [], [hit], score, band, text=body)))
    for batch in chunked(pairs, 2000):
        store.save_assessed(scan, list(batch))
    store.finish_scan(scan, read=n, assessed=n, rejected=0)
    store.engine.dispose()


def timed(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="items to store")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'tg.db'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        started = time.perf_counter()
        seed(url, args.n)
        print(f"{engine.dialect.name}: stored {args.n} items in {time.perf_counter() - started:.1f} s")
        if engine.dialect.name == "postgresql":  # what autovacuum does soon after a scan's bulk writes
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        log = audit.AuditLog(engine, audit.Anchor(Path(tmp) / "key.pem", Path(tmp) / "checkpoint.json"))
        with log.begin() as conn:
            user = users.add_user(conn, "bench", "reviewer", "a long bench password", by="bench")
            routing.add_rule(conn, "minors", "bench", indicator="ads.minor_*", priority="high")
            queue = work.create_queue(conn, "all", "low", None, "", by="bench")["id"]
        started = time.perf_counter()
        with log.begin() as conn:
            made = work.fill(conn, by="bench")
        print(f"fill: {made} in {time.perf_counter() - started:.1f} s")
        print(f"{'filter':40} {'list 50 ms':>11} {'next ms':>9}")
        for name, where in FILTERS.items():
            listed = timed(lambda w=where: work.list_jobs(engine, queue, "open", 50, 0, w), args.repeat)

            def claim(w: JobFilter = where) -> None:
                with engine.connect() as conn, conn.begin() as tx:
                    work.next_job(conn, queue, user, 30, w)
                    tx.rollback()

            print(f"{name:40} {listed:11.1f} {timed(claim, args.repeat):9.1f}")
        engine.dispose()


if __name__ == "__main__":
    main()
