"""The local engine against the Spark engine on generated items, and a run on a Spark standalone cluster.

Writes `--n` generated items (trailguard.demo.corpus, seed 11) as `--files` JSONL files in one directory (the
Spark engine reads one partition per file), scans the directory with each engine into its own output
directory (no store unless --store), checks that assessments.jsonl, rejected.jsonl, networks.json and
hubs.json are byte-identical, and reports wall time and items/s. With `--cluster`, it also starts a standalone
cluster on 127.0.0.1 (tests/spark_cluster.py: a master and two workers of `--worker-cores` cores each,
children of this script, stopped at the end), scans with `--master spark://127.0.0.1:PORT`, and reports items/s per executor core.

    PYTHONPATH=src .venv/bin/python benchmarks/spark_vs_local.py --n 100000 --cluster

Bounded: every engine run is a child process under `--timeout` seconds; one that runs out is reported as
such and the rest goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from trailguard.demo.corpus import iter_items

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1] / "tests")
)  # the cluster the Spark tests start too
from scan_throughput import cpu_model  # benchmarks/ is on the path when this file is run
from spark_cluster import StandaloneCluster

OUTPUTS = ("assessments.jsonl", "rejected.jsonl", "networks.json", "hubs.json")

RUN = """
import json, sys, time
from pathlib import Path
from trailguard.pipeline.contracts import ScanOptions
from trailguard.settings import Settings
engine, master, src, out, db, store = sys.argv[1:7]
settings = Settings(database_url=db)
options = ScanOptions(out_dir=Path(out), store=store == "1")
t0 = time.perf_counter()
if engine == "local":
    from trailguard.pipeline.local import run_scan
    r = run_scan([src], settings, options)
else:
    from trailguard.pipeline.spark import run_scan_spark
    r = run_scan_spark([src], settings, options, master=master)
print(json.dumps({"seconds": time.perf_counter() - t0, "assessed": r.assessed, "networks": len(r.networks)}))
"""


def write_corpus(directory: Path, n: int, files: int, seed: int) -> None:
    directory.mkdir(parents=True)
    handles = [open(directory / f"part-{k:05d}.jsonl", "wb") for k in range(files)]  # noqa: SIM115
    try:
        per_file = -(-n // files)
        for i, d in enumerate(iter_items(n, seed)):
            handles[i // per_file].write(orjson.dumps(d) + b"\n")
    finally:
        for fh in handles:
            fh.close()


def scan(
    engine: str, master: str, src: Path, out: Path, db: str, store: bool, timeout: float
) -> dict[str, Any]:
    cmd = [sys.executable, "-c", RUN, engine, master, str(src), str(out), db, "1" if store else "0"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"ran past {timeout:.0f} s"}
    if done.returncode != 0:
        return {
            "error": done.stderr.strip().splitlines()[-1]
            if done.stderr.strip()
            else f"exit {done.returncode}"
        }
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["items_per_s"] = round(figures["assessed"] / figures["seconds"], 1)
    figures["seconds"] = round(figures["seconds"], 1)
    return figures


def identical(a: Path, b: Path) -> bool:
    return all((a / name).read_bytes() == (b / name).read_bytes() for name in OUTPUTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[100_000], help="item counts to run")
    parser.add_argument("--files", type=int, default=16, help="JSONL files the items are written to")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--master", default="local[*]", help="master of the Spark engine run")
    parser.add_argument("--store", action="store_true", help="also write a SQLite store in each run")
    parser.add_argument("--cluster", action="store_true", help="also run on a 2-worker standalone cluster")
    parser.add_argument("--worker-cores", type=int, default=1)
    parser.add_argument("--worker-memory", default="1g")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per engine run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    report: dict[str, Any] = {
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version()},
        "files": args.files,
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cluster = (
            StandaloneCluster(work / "cluster", args.worker_cores, args.worker_memory)
            if args.cluster
            else None
        )
        try:
            for n in args.n:
                src = work / f"in-{n}"
                write_corpus(src, n, args.files, args.seed)
                engines = [("local", ""), ("spark", args.master)]
                if cluster is not None:
                    engines.append(("cluster", cluster.url))
                row: dict[str, Any] = {
                    "n": n,
                    "input_mb": round(sum(f.stat().st_size for f in src.iterdir()) / 1e6, 1),
                }
                for name, master in engines:
                    out = work / f"out-{n}-{name}"
                    db = f"sqlite:///{work / f'{n}-{name}.db'}"
                    engine = "local" if name == "local" else "spark"
                    row[name] = scan(engine, master, src, out, db, args.store, args.timeout)
                    if name != "local" and "error" not in row[name] and "error" not in row["local"]:
                        row[name]["identical_to_local"] = identical(work / f"out-{n}-local", out)
                    if name == "cluster" and "error" not in row[name]:
                        row[name]["executor_cores"] = cluster.cores if cluster else 0
                        row[name]["items_per_s_per_executor_core"] = round(
                            row[name]["items_per_s"] / max(1, row[name]["executor_cores"]), 1
                        )
                    print(json.dumps({"n": n, name: row[name]}), flush=True)
                report["runs"].append(row)
                shutil.rmtree(src)
        finally:
            if cluster is not None:
                cluster.stop()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
