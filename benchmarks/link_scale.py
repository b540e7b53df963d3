"""Benchmark: link N generated ads (streamed) and report wall time and peak memory.

Assessments are built from the generator's ground-truth entities (`to_assessment`): extraction and
indicator matching are excluded here and measured by the scan benchmark. Each size runs in a fresh process so
peak RSS is that run's own. The stream is generated twice: once alone (to time generation) and once fed into
link_assessments; link time = (generate + link) - generate. Precision and recall are pairwise against the
generator's plant; up to 100k items the phone-only baseline is scored on the same stream.

    .venv/bin/python benchmarks/link_scale.py 100000 300000 1000000
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

BASELINE_MAX = 100_000  # the phone-only baseline (same stream, same truth) is computed up to this size


def run_one(n: int, seed: int) -> dict[str, float]:
    from trailguard.demo.corpus import iter_records, to_assessment
    from trailguard.link import link_assessments
    from trailguard.link.evaluate import pairwise_scores, phone_only_baseline

    t0 = time.perf_counter()
    for rec in iter_records(n, seed):
        to_assessment(rec)
    generate_s = time.perf_counter() - t0
    truth: dict[str, str] = {}

    def stream():  # type: ignore[no-untyped-def]
        for rec in iter_records(n, seed):
            if rec.group is not None:
                truth[rec.item["id"]] = rec.group
            yield to_assessment(rec)

    t0 = time.perf_counter()
    networks = link_assessments(stream())
    total_s = time.perf_counter() - t0
    precision, recall = pairwise_scores(networks, truth)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the baseline's own memory
    baseline: dict[str, float] = {}
    if n <= BASELINE_MAX:
        base_p, base_r = pairwise_scores(
            phone_only_baseline(to_assessment(r) for r in iter_records(n, seed)), truth
        )
        baseline = {"phone_only_precision": round(base_p, 4), "phone_only_recall": round(base_r, 4)}
    return {
        "n": n,
        "generate_s": round(generate_s, 1),
        "generate_and_link_s": round(total_s, 1),
        "link_s": round(total_s - generate_s, 1),
        "peak_rss_mib": round(peak_mib),
        "networks": len(networks),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        **baseline,
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(run_one(int(sys.argv[2]), 1)))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 300_000, 1_000_000]
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True
        )
        print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
