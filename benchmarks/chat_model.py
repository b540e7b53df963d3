"""Cross-validated figures of the trainable chat scorer (learn.chat_scorer) on a labelled conversation set.

Run: .venv/bin/python benchmarks/chat_model.py [--folds 5] [--set tests/data/chat_eval ...]; prints the
docs/benchmarks.md rows. `--set` may be given several times (the sets are pooled); `--write-model FILE` also
trains one model on all of them and writes it, for `trailguard scan --model FILE` on a held-out set
(benchmarks/chat_heldout_bands.py --model FILE). The set's `extra.label` ("risky"/"benign") becomes the 1/0 label `trailguard model`
reads; each conversation is scored by a model trained on the other folds. Equivalent to
`trailguard model evaluate --kind chat LABELLED.jsonl --folds 5 --json` on the same set with top-level labels.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from chat_eval import describe_machine, load
from trailguard.learn import modelfile
from trailguard.learn.chat_scorer import cross_validate, train

LABELS = {"risky": 1, "benign": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--set", action="append", help="a labelled set's folder (default tests/data/chat_eval)"
    )
    parser.add_argument("--write-model", help="train on all the sets and write the model file here")
    args = parser.parse_args()
    sets = args.set or ["tests/data/chat_eval"]
    items = [item for folder in sets for item in load(folder)]
    labels = [LABELS[str(i.extra["label"])] for i in items]
    started = time.perf_counter()
    figures = cross_validate(items, labels, folds=args.folds)
    seconds = time.perf_counter() - started
    print(
        f"Sets {', '.join(f'`{folder}/`' for folder in sets)}: {figures['items']} conversations ({figures['positive']} risky), "
        f"{args.folds}-fold stratified cross-validation (seed {figures['seed']}), {seconds:.1f} s."
    )
    print(f"Machine: {describe_machine()}.")
    print()
    print("| figure (risky class, out-of-fold) | value |")
    print("|---|---|")
    for key in ("roc_auc", "precision", "recall", "f05", "benign_alert_rate", "threshold"):
        print(f"| {key} | {figures[key]:.3f} |")
    print(f"| ROC-AUC per fold | {', '.join(f'{v:.3f}' for v in figures['roc_auc_per_fold'])} |")
    if args.write_model:
        modelfile.save(train(items, labels), Path(args.write_model))
        print(f"\nTrained on all {len(items)} conversations: {args.write_model}")


if __name__ == "__main__":
    main()
