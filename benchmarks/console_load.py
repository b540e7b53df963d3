"""Load on the console over loopback: `trailguard serve` with 100k stored items, driven by locust, bounded.

For each store asked for (SQLite in a temporary file; PostgreSQL as a new database on the server of
TRAILGUARD_TEST_DATABASE_URL, dropped afterwards) the store is migrated, seeded in bulk through the scan's own
writer (`Store.save_assessed`, synthetic ads with fictional 555-01xx numbers, and networks of ten), given a
reviewer with an API token and a console session, and its queues filled. Then `trailguard serve` runs as a
subprocess on a free port of 127.0.0.1 and locust (headless, `--run-time` bounded, no think time) sends the
traffic of benchmarks/console_locustfile.py: the queue page, a queue's jobs, item pages and, when the API
lists one, network pages. Printed: requests/s, p50 and p99 per route, and the errors. Both processes are
stopped at the end, whatever happens.

    PYTHONPATH=src .venv/bin/python benchmarks/console_load.py --db sqlite --db postgres \
        --items 100000 --users 20 --run-time 30

Locust, not a hand-written client: it measures without coordinated omission per request and writes CSV
stats; its gevent stays in its own process, away from the server's.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text

from trailguard.batching import chunked
from trailguard.model import Assessment, Entity, Hit, Item, LinkReason, Network, Span
from trailguard.review import audit, schema, users, work
from trailguard.review import tables as rt
from trailguard.store import tables as st
from trailguard.store.db import make_engine
from trailguard.store.writer import Store

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "console_locustfile.py"
BANDS = [("low", 0.1), ("medium", 0.4), ("high", 0.65), ("critical", 0.9)]
CITIES = ["Boston, MA", "Providence, RI", "Hartford, CT", "Albany, NY", "Portland, ME"]
NETWORK_SIZE = 10
SEED_BATCH = 2000


def synthetic_pairs(n: int) -> Iterator[tuple[Item, Assessment]]:
    """`n` synthetic ads (ids ad-0 ... ad-(n-1)) at every band in turn, each with a phone shared by ten ads."""
    for i in range(n):
        band, score = BANDS[i % 4]
        phone = f"+1617555{100 + (i // NETWORK_SIZE) % 100:04d}"
        body = (
            f"new in {CITIES[i % len(CITIES)]} this week, call six1seven 555 01{(i // NETWORK_SIZE) % 100:02d}, "
            f"ask for room {i % 97} <script>alert({i})</script>"
        )
        item = Item(
            id=f"ad-{i}", kind="ad", text=body, location=CITIES[i % len(CITIES)], platform="example.com"
        )
        hit = Hit("ads.obscured_phone", "deception", 0.35, "A", [Span(0, 3, "new")], "digits as words", "src")
        entity = Entity("phone", phone, "six1seven", 0, 3, True)
        yield (
            item,
            Assessment(
                item_id=item.id,
                kind="ad",
                entities=[entity],
                hits=[hit],
                score=score + (i % 1000) / 100_000,
                band=band,
                text=body,
            ),
        )


def seed(url: str, n: int) -> list[str]:
    """Store `n` items and n/10 networks; the ids the store keeps them under (it names a network by its
    members, so not the ids given here)."""
    store = Store(url)
    scan = store.start_scan(["console_load"])
    for batch in chunked(synthetic_pairs(n), SEED_BATCH):
        store.save_assessed(scan, list(batch))
    networks = [
        Network(
            id=f"net-{k}",
            items=[f"ad-{i}" for i in range(k * NETWORK_SIZE, min(n, (k + 1) * NETWORK_SIZE))],
            reasons=[LinkReason("shared_phone", f"+1617555{100 + k % 100:04d}")],
            places=[{"place": CITIES[k % len(CITIES)]}],
            score=0.5,
            band="medium",
        )
        for k in range(n // NETWORK_SIZE)
    ]
    for batch in chunked(networks, SEED_BATCH):
        store.save_networks(scan, list(batch))
    store.finish_scan(scan, read=n, assessed=n, rejected=0)
    with store.engine.connect() as conn:
        stored = list(conn.execute(select(st.networks.c.id)).scalars())
    store.engine.dispose()
    return stored


@contextmanager
def fresh_store(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'load.db'}"
        return
    base = os.environ.get("TRAILGUARD_TEST_DATABASE_URL")
    if not base:
        raise SystemExit(
            "--db postgres needs TRAILGUARD_TEST_DATABASE_URL (a server it may create databases on)"
        )
    name = f"tg_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, tmp: Path, items: int) -> dict[str, str]:
    """Migrate, seed, fill the queues and make the reviewer; the locustfile's environment."""
    engine = make_engine(url)
    schema.upgrade(engine)
    started = time.perf_counter()
    networks = seed(url, items)
    seeded = time.perf_counter() - started
    log = audit.AuditLog(engine, audit.Anchor(tmp / "audit-key.pem", tmp / "audit-checkpoint.json"))
    with log.begin() as conn:
        reviewer = users.add_user(conn, "load", "reviewer", "a load test password", by="console_load")
        token = users.new_token(conn, reviewer, by="console_load")
        cookie, _csrf = users.start_session(conn, reviewer)
        work.fill(conn, by="console_load")
        queue = conn.execute(
            select(rt.queues.c.id).where(rt.queues.c.name == work.DEFAULT_QUEUE)
        ).scalar_one()
    engine.dispose()
    print(f"  seeded {items} items and {len(networks)} networks in {seeded:.0f} s", flush=True)
    (tmp / "network_ids.txt").write_text("\n".join(networks))
    return {
        "TG_TOKEN": token,
        "TG_COOKIE": cookie,
        "TG_ITEMS": str(items),
        "TG_NETWORK_IDS": str(tmp / "network_ids.txt"),
        "TG_QUEUE": str(queue),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(url: str, tmp: Path, workers: int = 1) -> Iterator[str]:
    """`trailguard serve --workers N` on a free loopback port; its base URL. Stopped (SIGINT, then SIGKILL)
    afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "TRAILGUARD_DATABASE_URL": url,
        "TRAILGUARD_AUDIT_KEY_FILE": str(tmp / "audit-key.pem"),
        "TRAILGUARD_AUDIT_CHECKPOINT_FILE": str(tmp / "audit-checkpoint.json"),
    }
    log = open(tmp / "serve.log", "wb")  # noqa: SIM115 - closed below, after the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trailguard.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"trailguard serve exited {proc.returncode}: see {tmp / 'serve.log'}")
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("trailguard serve did not answer /api/health within 120 s")
            time.sleep(0.5)
        yield base
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def network_path(base: str) -> str:
    """The API's network route (`/api/networks/{...}`) if the OpenAPI document lists one, with `{id}`."""
    doc = httpx.get(f"{base}/openapi.json", timeout=10).json()
    for path, ops in doc["paths"].items():
        if path.startswith("/api/networks/{") and path.count("{") == 1 and "get" in ops:
            return path.split("{", 1)[0] + "{id}"
    return ""


def run_locust(
    base: str, env: dict[str, str], tmp: Path, users_n: int, run_time: int
) -> list[dict[str, Any]]:
    prefix = tmp / "locust"
    cmd = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "-u", str(users_n), "-r", str(users_n), "--run-time", f"{run_time}s", "--stop-timeout", "5",
        "-H", base, "--csv", str(prefix), "--exit-code-on-error", "0", "--loglevel", "WARNING",
    ]  # fmt: skip
    done = subprocess.run(
        cmd, env={**os.environ, **env}, capture_output=True, text=True, timeout=run_time + 120, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        for row in csv.DictReader(failures.open(newline="")):
            print(f"  error: {row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}")
    return rows


def report(kind: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{kind}: route | requests | req/s | p50 ms | p99 ms | errors")
    for r in rows:
        name = r["Name"] if r["Name"] != "Aggregated" else "all routes"
        print(
            f"  {name} | {r['Request Count']} | {float(r['Requests/s']):.0f} | {r['50%']} | {r['99%']} | "
            f"{r['Failure Count']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", action="append", choices=["sqlite", "postgres"], help="repeatable; default sqlite"
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20, help="concurrent simulated reviewers")
    parser.add_argument("--run-time", type=int, default=30, help="seconds of load per store (bounded)")
    parser.add_argument("--workers", type=int, default=1, help="`trailguard serve --workers`")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; server ({args.workers} "
        "workers) and locust share them",
        flush=True,
    )
    for kind in args.db or ["sqlite"]:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            with fresh_store(kind, tmp) as url:
                print(f"{kind}:", flush=True)
                env = prepare(url, tmp, args.items)
                with serve(url, tmp, args.workers) as base:
                    env["TG_NETWORK_PATH"] = network_path(base)
                    if not env["TG_NETWORK_PATH"]:
                        print("  no network route in the API yet: network pages not measured")
                    rows = run_locust(base, env, tmp, args.users, args.run_time)
                report(kind, rows)


if __name__ == "__main__":
    main()
