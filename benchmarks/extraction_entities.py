"""Precision/recall of the non-phone extractors on their labelled sets, and their time per ad.

    .venv/bin/python benchmarks/extraction_entities.py [--repeat 2000]

Quality: each line of tests/data/labelled/{emails,urls,...}.jsonl lists every entity of its `types`; an
extracted entity is a true positive when an expected one of the same type and value (and, for prices, the
same currency, unit and coded flag) is still unmatched. Timing: each extractor on a realistic 560-character
ad, `repeat` calls, process CPU time (less disturbed by other processes than wall time); the median of 7
rounds per extractor is reported, with the minimum beside it.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trailguard.extract.ages import find_ages
from trailguard.extract.crypto import find_wallets
from trailguard.extract.emails import find_emails
from trailguard.extract.handles import find_handles
from trailguard.extract.places import find_places, gazetteer
from trailguard.extract.prices import find_prices
from trailguard.extract.urls import find_urls
from trailguard.model import Entity

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled"
SETS: dict[str, Callable[[str], list[Entity]]] = {
    "emails": find_emails,
    "urls": find_urls,
    "handles": find_handles,
    "payments": find_handles,
    "crypto": find_wallets,
    "ages": find_ages,
    "prices": find_prices,
    "places": find_places,
}
AD = (
    "NEW IN TOWN!! Sweet 22 yrs young girl visiting Boston, MA this week only. Upscale and discreet, "
    "incall near the airport or outcall to your hotel. Rates: $150/hr, 100 roses for half hour, 300 overnight. "
    "No games, no law enforcement. Text me at six1seven 555 o1two3 or email jade22 at example dot com. "
    "snap me jade.doe22 or IG @jade_official, find me on telegram @jadexo. Deposit by cashapp $JadeXO22 "
    "or venmo @jade-xo. More pics on www.example.com/jade. Next week in Houston and then Dallas, TX. "
    "BTC accepted. Serious gentlemen only, 35+ please, must be respectful."
)


def entity_key(d: dict[str, Any]) -> tuple[Any, ...]:
    attrs = d.get("attrs") or {}
    if d["type"] == "price":
        return (
            "price",
            float(d["value"]),
            attrs.get("currency"),
            attrs.get("unit"),
            bool(attrs.get("coded")),
        )
    return (d["type"], d["value"])


def score(name: str) -> dict[str, Any]:
    """True/false positives and false negatives over one labelled file, with the failing lines."""
    extract = SETS[name]
    tp = fp = fn = 0
    misses: list[dict[str, Any]] = []
    for line in (LABELLED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        types = set(case["types"])
        expected = Counter(entity_key(e) for e in case["expected"])
        got = Counter(entity_key(e.to_dict()) for e in extract(case["text"]) if e.type in types)
        hit = sum((expected & got).values())
        tp += hit
        fp += sum(got.values()) - hit
        fn += sum(expected.values()) - hit
        if expected != got:
            misses.append({"text": case["text"], "expected": sorted(expected), "got": sorted(got)})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "set": name,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "misses": misses,
    }


def time_per_ad(repeat: int) -> dict[str, tuple[float, float]]:
    gazetteer()  # built once per process; not part of the per-ad cost
    out: dict[str, tuple[float, float]] = {}
    for fn in (find_emails, find_urls, find_handles, find_wallets, find_ages, find_prices, find_places):
        rounds = []
        for _ in range(7):
            start = time.process_time()
            for _ in range(repeat):
                fn(AD)
            rounds.append((time.process_time() - start) / repeat * 1e6)
        out[fn.__name__] = (statistics.median(rounds), min(rounds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}")
    print(f"{'set':10s} {'lines':>5s} {'tp':>4s} {'fp':>3s} {'fn':>3s} {'precision':>9s} {'recall':>6s}")
    for name in SETS:
        r = score(name)
        lines = len((LABELLED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines())
        print(
            f"{name:10s} {lines:5d} {r['tp']:4d} {r['fp']:3d} {r['fn']:3d} {r['precision']:9.3f} {r['recall']:6.3f}"
        )
        if args.show_misses:
            for miss in r["misses"]:
                print("   ", miss)
    print(f"\nper-ad time ({len(AD)} chars), median [min] of 7 rounds x {args.repeat} calls, CPU time:")
    timings = time_per_ad(args.repeat)
    for name, (median, low) in timings.items():
        print(f"  {name:14s} {median:7.1f} us  [{low:6.1f}]")
    total = sum(m for m, _ in timings.values())
    print(f"  {'total':14s} {total:7.1f} us  -> {1e6 / total:,.0f} ads/s per core for these extractors")


if __name__ == "__main__":
    main()
