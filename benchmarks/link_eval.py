"""Pairwise precision and recall of the link stage on any planted-network corpus, with baselines.

Input: items as JSON Lines (the scan's input contract) and the plant as JSON Lines `{"id": ..., "group": ...}`
(items absent from it are singletons). Items are analysed by the real extractors (trailguard.pipeline.analyze,
in `--workers` processes), then linked; the same assessments are scored against two baselines:
phone-only linking (equal numbers, transitively) and template-only clustering (InfoShield's method: the link
stage's templates with identifiers switched off, every template merged). Prints one JSON object per method
with precision, recall, networks, the largest network, and for the linker the analyse and link times and the
process's peak RSS.

    python benchmarks/link_eval.py --items items.jsonl --truth truth.jsonl [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import time
from pathlib import Path

import orjson

from trailguard.link import LinkConfig, link_assessments
from trailguard.link.evaluate import pairwise_scores, phone_only_baseline
from trailguard.model import Assessment, Item
from trailguard.pipeline.analyze import Analyzer

_ANALYZER: Analyzer | None = None


def _analyze(line: bytes) -> Assessment:
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = Analyzer()
    return _ANALYZER.analyze(Item.from_dict(orjson.loads(line)))


def read_truth(path: Path) -> dict[str, str]:
    truth: dict[str, str] = {}
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                row = orjson.loads(line)
                if not isinstance(row, dict) or "id" not in row or "group" not in row:
                    raise SystemExit(f"{path}:{number}: expected {{'id': ..., 'group': ...}}")
                truth[str(row["id"])] = str(row["group"])
    return truth


def analyse(items: Path, workers: int) -> list[Assessment]:
    with items.open("rb") as fh:
        lines = [line for line in fh if line.strip()]
    if workers <= 1:
        return [_analyze(line) for line in lines]
    with multiprocessing.Pool(workers) as pool:
        return pool.map(_analyze, lines, chunksize=256)


def _row(method: str, nets: list[list[str]], truth: dict[str, str], **extra: object) -> dict[str, object]:
    precision, recall = pairwise_scores(nets, truth)
    return {
        "method": method,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "networks": len(nets),
        "largest": max((len(n) for n in nets), default=0),
        **extra,
    }


def evaluate(items: Path, truth_path: Path, workers: int) -> list[dict[str, object]]:
    truth = read_truth(truth_path)
    t0 = time.perf_counter()
    assessments = analyse(items, workers)
    analyse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nets = [n.items for n in link_assessments(assessments)]
    link_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        _row(
            "trailguard",
            nets,
            truth,
            items=len(assessments),
            analyse_s=round(analyse_s, 1),
            link_s=round(link_s, 1),
            peak_rss_mib=round(peak),
        ),
        _row("phone_only", phone_only_baseline(assessments), truth),
    ]
    templates_only = LinkConfig(identifier_types=frozenset())
    for a in assessments:
        a.images = []
    rows.append(
        _row("template_only", [n.items for n in link_assessments(assessments, templates_only)], truth)
    )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=Path, required=True)
    ap.add_argument("--truth", type=Path, required=True)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    for row in evaluate(a.items, a.truth, a.workers):
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
