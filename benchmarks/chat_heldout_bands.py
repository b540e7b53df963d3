"""A held-out conversation set with a risky and a benign file (tests/data/chat_heldout2, chat_heldout3): how
many risky chats reach high or more, how many benign chats reach medium or more, overall and per family.

It reads only what a scan writes (`assessments.jsonl`), through the `trailguard` command, so it measures any
code version the same way and never depends on how the chat assessment works inside. Without arguments it
scans both files with the `trailguard` of the current environment (set PYTHONPATH to measure a worktree):

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/chat_heldout_bands.py [--set tests/data/chat_heldout3]

or it reads the outputs of scans already run:

    trailguard scan tests/data/chat_heldout2/risky.jsonl --out /tmp/h2r --no-store
    trailguard scan tests/data/chat_heldout2/benign.jsonl --out /tmp/h2b --no-store
    .venv/bin/python benchmarks/chat_heldout_bands.py --risky /tmp/h2r --benign /tmp/h2b

`--model MODEL` scans with a trained chat model (`trailguard scan --model`). Prints `risky >= high: 17/65`
and `benign >= medium: 9/66` (chat_heldout2, main at d7930f1), the ROC-AUC of the scan's score (risky
against benign), then one line per
risky family (`extra.family`, or the word before the first colon of `extra.scenario`): counts only, never a
conversation's text or scenario. A conversation of the set that the scan did not assess (rejected, missing)
counts as not reaching the band.

The set is for measuring only: never change the rules to fit it (see its README).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "chat_heldout2"  # the default set
# The scan's band order (its output contract), lowest first.
BANDS = ("low", "medium", "high", "critical")


def set_ids(data: Path, label: str) -> dict[str, str]:
    """The conversation ids of one file of the set with their family, read as plain JSON (no Trailguard code)."""
    out: dict[str, str] = {}
    with open(data / f"{label}.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                extra = record.get("extra") or {}
                out[record["id"]] = str(
                    extra.get("family") or str(extra.get("scenario", "")).split(":")[0][:20]
                )
    return out


def assessed(out_dir: Path) -> dict[str, tuple[str, float]]:
    """item id -> (band, score), from a scan's assessments.jsonl."""
    result: dict[str, tuple[str, float]] = {}
    with open(out_dir / "assessments.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                if record["band"] not in BANDS:
                    raise SystemExit(f"unknown band {record['band']!r} for {record['item_id']} in {out_dir}")
                result[record["item_id"]] = (record["band"], float(record["score"]))
    return result


def score_auc(risky: Iterable[str], benign: Iterable[str], scores: dict[str, float]) -> float:
    """ROC-AUC of the scan's score, risky against benign (an unassessed conversation scores 0)."""
    from sklearn.metrics import roc_auc_score

    pos, neg = list(risky), list(benign)
    return float(roc_auc_score([1] * len(pos) + [0] * len(neg), [scores.get(i, 0.0) for i in pos + neg]))


def reaching(ids: Iterable[str], bands: dict[str, str], floor: str) -> tuple[int, int]:
    """How many of `ids` reach `floor` or above, out of all of them."""
    wanted = list(ids)
    least = BANDS.index(floor)
    return sum(1 for i in wanted if i in bands and BANDS.index(bands[i]) >= least), len(wanted)


def scan(data: Path, label: str, out_dir: Path, model: Path | None) -> None:
    """Run `trailguard scan` on one file of the set, without the store (with a trained chat model when one
    is given), its console output discarded."""
    exe = Path(sys.executable).with_name("trailguard")
    command = str(exe) if exe.exists() else shutil.which("trailguard")
    if command is None:
        raise SystemExit("no `trailguard` command found next to this Python or on PATH")
    subprocess.run(
        [command, "scan", str(data / f"{label}.jsonl"), "--out", str(out_dir), "--no-store"]
        + (["--model", str(model)] if model else []),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", type=Path, default=DATA, help="the set's folder (default chat_heldout2)")
    parser.add_argument("--risky", type=Path, help="output directory of a scan of risky.jsonl")
    parser.add_argument("--benign", type=Path, help="output directory of a scan of benign.jsonl")
    parser.add_argument("--model", type=Path, help="a trained chat model file for the scans (scan --model)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {"risky": args.risky, "benign": args.benign}
        for label, given in dirs.items():
            if given is None:
                dirs[label] = Path(tmp) / label
                scan(args.set, label, dirs[label], args.model)
        risky, benign = set_ids(args.set, "risky"), set_ids(args.set, "benign")
        found = {**assessed(dirs["risky"]), **assessed(dirs["benign"])}
        bands = {i: band for i, (band, _) in found.items()}
        hit, total = reaching(risky, bands, "high")
        print(f"risky >= high: {hit}/{total}")
        hit, total = reaching(benign, bands, "medium")
        print(f"benign >= medium: {hit}/{total}")
        print(f"score ROC-AUC: {score_auc(risky, benign, {i: sc for i, (_, sc) in found.items()}):.3f}")
        for family in sorted(set(risky.values())):
            hit, total = reaching((i for i, f in risky.items() if f == family), bands, "high")
            print(f"  {family} >= high: {hit}/{total}")


if __name__ == "__main__":
    main()
