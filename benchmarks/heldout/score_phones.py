"""Precision and recall of `trailguard extract` on the held-out phone set (phones_heldout.jsonl).

    PYTHONPATH=src python benchmarks/heldout/score_phones.py [--set FILE] [--show] [--json]

Each labelled text goes to `trailguard extract` as a JSON item on stdin (so a text may hold new
lines), with `--region R` for the texts that name a region; the phone entities that come back are compared
with the labelled E.164 numbers as sets per text. A number counts once per text however often it is found.
Precision is over every number found; decoy precision is 1 - (decoy texts with any number) / (decoy texts).

Written for issue 9 without reading the extractors; standard library only. Never tune on this set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if line.strip():
                rec = json.loads(line)
                if not isinstance(rec.get("text"), str) or not isinstance(rec.get("phones"), list):
                    raise SystemExit(f"score_phones: {path}:{no}: needs 'text' (string) and 'phones' (list)")
                rows.append(rec)
    return rows


def extract(texts: list[str], region: str | None, command: list[str]) -> list[set[str]]:
    """The phone values `trailguard extract` finds in each text, in order."""
    stdin = "".join(
        json.dumps({"id": f"t{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)
    )
    args = [*command, "extract"] + (["--region", region] if region else [])
    proc = subprocess.run(args, input=stdin, capture_output=True, text=True, encoding="utf-8", check=False)
    if proc.returncode != 0:
        raise SystemExit(f"score_phones: {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    found: list[set[str]] = [set() for _ in texts]
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        k = int(str(rec["id"])[1:])
        found[k] = {e["value"] for e in rec.get("entities", []) if e.get("type") == "phone"}
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=HERE / "phones_heldout.jsonl")
    ap.add_argument("--show", action="store_true", help="list every miss and false positive")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--command",
        default=str(Path(sys.executable).with_name("trailguard")),
        help="how to run trailguard (default: the trailguard script beside this Python)",
    )
    args = ap.parse_args(argv)
    rows = load(args.set)
    by_region: dict[str | None, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_region[r.get("region")].append(i)
    found: list[set[str]] = [set() for _ in rows]
    for region, idx in sorted(by_region.items(), key=lambda kv: kv[0] or ""):
        for i, f in zip(
            idx, extract([rows[i]["text"] for i in idx], region, args.command.split()), strict=True
        ):
            found[i] = f
    tp = fp = fn = 0
    decoys = decoys_hit = 0
    problems = []
    for r, f in zip(rows, found, strict=True):
        truth = set(r["phones"])
        tp += len(truth & f)
        fp += len(f - truth)
        fn += len(truth - f)
        if not truth:
            decoys += 1
            decoys_hit += bool(f)
        if f != truth:
            problems.append(
                {
                    "text": r["text"],
                    "region": r.get("region"),
                    "missed": sorted(truth - f),
                    "extra": sorted(f - truth),
                }
            )
    res = {
        "texts": len(rows),
        "numbers": tp + fn,
        "found": tp + fp,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "decoys": decoys,
        "decoy_precision": round(1 - decoys_hit / decoys, 4) if decoys else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }
    if args.json:
        print(json.dumps({**res, "problems": problems} if args.show else res, ensure_ascii=False))
    else:
        print(
            f"texts {res['texts']} ({res['decoys']} decoys), numbers {res['numbers']}: precision {res['precision']:.4f} "
            f"recall {res['recall']:.4f} (tp {tp}, fp {fp}, fn {fn}); decoy precision {res['decoy_precision']:.4f}"
        )
        if args.show:
            for p in problems:
                print(json.dumps(p, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
