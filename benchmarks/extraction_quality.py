"""Precision, recall and F1 of the extractors against the labelled sets in tests/data/labelled/*.jsonl.

Each line of a set is `{"text": ..., "expected": [{"type": ..., "value": ...}], "family": ...}`. Found and
expected entities are compared as multisets of (type, value) per text, and only for the types a file
labels (a phone set says nothing about the prices in its texts). The extractor is
`trailguard.extract.extract_entities` when the package provides it, else the per-type functions that import.

    .venv/bin/python benchmarks/extraction_quality.py [--direct] [--show-errors] [--ad-timing] [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "labelled"
# Fallback per-type extractors, tried one by one when `extract_entities` is not importable.
FALLBACKS = {"phone": ("trailguard.extract.phones", "find_phones")}

Extractor = Callable[[str], Iterable[Any]]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, found: Counter[Any], expected: Counter[Any], text: str) -> None:
        tp = sum((found & expected).values())
        self.tp += tp
        self.fp += sum(found.values()) - tp
        self.fn += sum(expected.values()) - tp
        if found != expected and len(self.errors) < 20:
            missed = sorted(map(str, (expected - found).elements()))
            extra = sorted(map(str, (found - expected).elements()))
            self.errors.append({"text": text, "missed": missed, "extra": extra})

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision, "recall": self.recall,
                "f1": self.f1}  # fmt: skip


def load_extractor(direct: bool = False) -> tuple[str, Extractor, set[str] | None]:
    """The package's combined extractor, or (when it is missing, or `direct`) the per-type functions."""
    if not direct:
        try:
            from trailguard.extract import extract_entities

            return "trailguard.extract.extract_entities", extract_entities, None
        except ImportError as exc:
            print(f"extract_entities unavailable ({exc}); using per-type extractors", file=sys.stderr)
    functions: list[Extractor] = []
    available: set[str] = set()
    for kind, (module, name) in FALLBACKS.items():
        try:
            functions.append(getattr(importlib.import_module(module), name))
            available.add(kind)
        except (ImportError, AttributeError) as exc:
            print(f"skipping {module}.{name}: {exc}", file=sys.stderr)

    def combined(text: str) -> list[Any]:
        return [e for f in functions for e in f(text)]

    return "per-type: " + ", ".join(f"{m}.{n}" for m, n in FALLBACKS.values()), combined, available


def read_cases(path: Path) -> list[dict[str, Any]]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            if not isinstance(case.get("text"), str) or not isinstance(case.get("expected"), list):
                raise ValueError("needs a string 'text' and a list 'expected'")
        except ValueError as exc:
            raise SystemExit(f"{path}:{number}: bad labelled case: {exc}") from exc
        cases.append(case)
    return cases


def evaluate(cases: list[dict[str, Any]], extract: Extractor, labelled_types: set[str]) -> dict[str, Any]:
    """Tallies per type and per (type, family), and the extraction time of each text in seconds."""
    by_type: dict[str, Tally] = defaultdict(Tally)
    by_family: dict[tuple[str, str], Tally] = defaultdict(Tally)
    seconds = []
    for case in cases:
        t0 = time.perf_counter()
        entities = list(extract(case["text"]))
        seconds.append(time.perf_counter() - t0)
        family = str(case.get("family", "-"))
        for kind in labelled_types:
            found = Counter(str(e.value) for e in entities if e.type == kind)
            expected = Counter(str(e["value"]) for e in case["expected"] if e["type"] == kind)
            by_type[kind].add(found, expected, case["text"])
            by_family[(kind, family)].add(found, expected, case["text"])
    return {"types": by_type, "families": by_family, "seconds": seconds}


def table(rows: list[tuple[str, Tally]], label: str) -> str:
    lines = [f"| {label} | TP | FP | FN | precision | recall | F1 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, t in rows:
        lines.append(
            f"| {name} | {t.tp} | {t.fp} | {t.fn} | {t.precision:.3f} | {t.recall:.3f} | {t.f1:.3f} |"
        )
    return "\n".join(lines)


def ad_timing(cases: list[dict[str, Any]], repeats: int = 20) -> dict[str, float]:
    """Median cost of `find_phones` per 500-character ad, the figure the scan's throughput budget is set
    against. "typical": one labelled phone text padded with decoy texts (prices, ages, dates); "dense": labelled
    texts joined in file order, so each ad carries three or four numbers."""
    from trailguard.extract.phones import find_phones

    decoys = [c["text"] for c in cases if not c["expected"]]
    typical = []
    for k, case in enumerate(c for c in cases if c["expected"]):
        ad = case["text"]
        while len(ad) < 500:
            ad += " " + decoys[(k + len(ad)) % len(decoys)]
        typical.append(ad[:500])
    dense: list[str] = []
    current = ""
    for case in cases:
        current = f"{current} {case['text']}".strip()
        if len(current) >= 500:
            dense.append(current[:500])
            current = ""
    result: dict[str, float] = {}
    for name, ads in (("typical", typical), ("dense", dense)):
        per_ad = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for ad in ads:
                find_phones(ad)
            per_ad.append((time.perf_counter() - t0) / len(ads))
        result[f"{name}_ads"] = len(ads)
        result[f"{name}_median_ms_per_ad"] = statistics.median(per_ad) * 1000
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--direct", action="store_true", help="per-type extractors, not extract_entities")
    parser.add_argument("--ad-timing", action="store_true", help="time find_phones on 500-character ads")
    parser.add_argument("--show-errors", action="store_true", help="print up to 20 mistakes per type")
    args = parser.parse_args(argv)

    name, extract, available = load_extractor(args.direct)
    print(f"extractor: {name}\n")
    report: dict[str, Any] = {"extractor": name, "sets": {}}
    for path in sorted(LABELLED.glob("*.jsonl")):
        cases = read_cases(path)
        types = {e["type"] for c in cases for e in c["expected"]} or {path.stem.rstrip("s")}
        if available is not None:
            types &= available  # per-type mode: only the types an extractor was loaded for
            if not types:
                continue
        result = evaluate(cases, extract, types)
        ms = [s * 1000 for s in result["seconds"]]
        print(f"## {path.name}: {len(cases)} texts, median {statistics.median(ms):.3f} ms per text\n")
        print(table(sorted(result["types"].items()), "type") + "\n")
        families = sorted(result["families"].items())
        if len({f for _, f in result["families"]}) > 1:
            print(table([(f"{k} / {f}", t) for (k, f), t in families], "type / family") + "\n")
        if args.show_errors:
            for kind, tally in sorted(result["types"].items()):
                for err in tally.errors:
                    print(f"- {kind}: {err}")
            print()
        report["sets"][path.name] = {
            "texts": len(cases),
            "median_ms": statistics.median(ms),
            "types": {k: t.row() for k, t in result["types"].items()},
            "families": {f"{k}/{f}": t.row() for (k, f), t in result["families"].items()},
        }
    phones = LABELLED / "phones.jsonl"
    if args.ad_timing and phones.exists():
        timing = ad_timing(read_cases(phones))
        for name in ("typical", "dense"):
            print(
                f"find_phones, {timing[f'{name}_ads']:.0f} {name} ads of 500 characters: "
                f"median {timing[f'{name}_median_ms_per_ad']:.3f} ms per ad"
            )
        report["phone_ad_timing"] = timing
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
