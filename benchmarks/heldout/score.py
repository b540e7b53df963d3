"""Pairwise precision, recall and F1 of a Trailguard networks.json against a held-out truth.jsonl.

    python benchmarks/heldout/score.py --truth DIR/truth.jsonl --networks OUT/networks.json [--json]

A pair of items is predicted linked when both are in the same network, truly linked when both have the same
truth group. Items in no network are singletons (they predict no pair). Figures: overall, per kind (pairs whose
two items are both ads, or both jobs), per planted type (recall of the type's true pairs; precision of the
predicted pairs touching the type), the largest network with how many distinct true groups it merged, and the widest (most true groups).

Written for issue 9 without reading the linker; standard library only. networks.json is read whole (json.load):
at 1M items it is the largest single allocation here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def _pairs(k: int) -> int:
    return k * (k - 1) // 2


def _prf(tp: int, pred: int, true: int) -> dict[str, float | int]:
    p = tp / pred if pred else 1.0
    r = tp / true if true else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "pred": pred,
        "true": true,
    }


def read_truth(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """item id -> group, and group -> planted type (the item kind is recovered from the networks' items)."""
    group: dict[str, str] = {}
    gtype: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            if rec["id"] in group:
                raise SystemExit(f"score: {path}:{no}: item {rec['id']!r} appears twice in the truth")
            group[rec["id"]] = rec["group"]
            gtype[rec["group"]] = rec.get("type", "?")
    return group, gtype


def read_kinds(path: Path | None) -> dict[str, str]:
    """item id -> kind from items.jsonl (ad unless stated)."""
    kinds: dict[str, str] = {}
    if path is None:
        return kinds
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                kinds[str(rec["id"])] = (rec.get("kind") or "ad").lower()
    return kinds


def read_networks(path: Path, known: dict[str, str]) -> list[list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise SystemExit(f"score: {path}: expected a list of networks, got {type(data).__name__}")
    seen: dict[str, str] = {}
    out = []
    for net in data:
        members = [str(x) for x in net["items"]]
        for m in members:
            if m not in known:
                raise SystemExit(
                    f"score: network {net.get('id')!r} holds item {m!r}, which is not in the truth"
                )
            if m in seen:
                raise SystemExit(f"score: item {m!r} is in two networks ({seen[m]!r} and {net.get('id')!r})")
            seen[m] = str(net.get("id"))
        out.append(members)
    return out


def score(group: dict[str, str], gtype: dict[str, str], kinds: dict[str, str], nets: list[list[str]]) -> dict:
    true_sizes = Counter(group.values())
    true_pairs = sum(_pairs(k) for k in true_sizes.values())
    pred_pairs = sum(_pairs(len(n)) for n in nets)
    tp = 0
    largest = {"items": 0, "groups": 0}
    widest = {"items": 0, "groups": 0}
    for n in nets:
        cells = Counter(group[m] for m in n)
        tp += sum(_pairs(k) for k in cells.values())
        if len(n) > largest["items"]:
            largest = {"items": len(n), "groups": len(cells)}
        if len(cells) > widest["groups"]:
            widest = {"items": len(n), "groups": len(cells)}
    result: dict = {
        "items": len(group),
        "true_groups": len(true_sizes),
        "true_groups_multi": sum(1 for k in true_sizes.values() if k > 1),
        "networks": len(nets),
        "items_in_networks": sum(len(n) for n in nets),
        "overall": _prf(tp, pred_pairs, true_pairs),
        "largest_network": largest,
        "widest_network": widest,
        "networks_merging_groups": sum(1 for n in nets if len({group[m] for m in n}) > 1),
    }
    # Per kind: only pairs whose two items are both of that kind.
    kind_of = {i: kinds.get(i, "ad") for i in group}
    per_kind = {}
    for kind in sorted(set(kind_of.values())):
        t_sizes = Counter(g for i, g in group.items() if kind_of[i] == kind)
        ktrue = sum(_pairs(k) for k in t_sizes.values())
        kpred = ktp = 0
        for n in nets:
            sub = [m for m in n if kind_of[m] == kind]
            kpred += _pairs(len(sub))
            ktp += sum(_pairs(k) for k in Counter(group[m] for m in sub).values())
        per_kind[kind] = _prf(ktp, kpred, ktrue)
    result["per_kind"] = per_kind
    # Per planted type: recall of its true pairs; precision of predicted pairs with an item of that type.
    type_true: Counter[str] = Counter()
    for g, k in true_sizes.items():
        type_true[gtype[g]] += _pairs(k)
    type_tp: Counter[str] = Counter()
    type_pred: Counter[str] = Counter()
    type_pred_ok: Counter[str] = Counter()
    for n in nets:
        cells = Counter(group[m] for m in n)
        for g, k in cells.items():
            type_tp[gtype[g]] += _pairs(k)
        by_type = Counter(gtype[group[m]] for m in n)
        for t, k in by_type.items():
            # pairs touching type t: within t plus t with others
            touching = _pairs(k) + k * (len(n) - k)
            type_pred[t] += touching
        for g, k in cells.items():
            type_pred_ok[gtype[g]] += _pairs(k)
    per_type = {}
    for t in sorted(set(gtype.values())):
        per_type[t] = {
            "groups": sum(1 for g in true_sizes if gtype[g] == t),
            "items": sum(k for g, k in true_sizes.items() if gtype[g] == t),
            "recall": round(type_tp[t] / type_true[t], 4) if type_true[t] else None,
            "precision": round(type_pred_ok[t] / type_pred[t], 4) if type_pred[t] else None,
        }
    result["per_type"] = per_type
    return result


def _table(res: dict) -> str:
    o = res["overall"]
    lines = [
        f"items {res['items']}, true groups {res['true_groups']} ({res['true_groups_multi']} with 2+ items), "
        f"networks {res['networks']} holding {res['items_in_networks']} items",
        f"pairwise precision {o['precision']:.4f}  recall {o['recall']:.4f}  F1 {o['f1']:.4f}  "
        f"(tp {o['tp']}, predicted {o['pred']}, true {o['true']})",
        f"largest network: {res['largest_network']['items']} items from {res['largest_network']['groups']} "
        f"true groups; widest: {res['widest_network']['groups']} true groups in {res['widest_network']['items']} "
        f"items; networks merging 2+ groups: {res['networks_merging_groups']}",
    ]
    for kind, k in res["per_kind"].items():
        lines.append(
            f"  {kind:4s} precision {k['precision']:.4f}  recall {k['recall']:.4f}  F1 {k['f1']:.4f}"
        )
    lines.append("per planted type (recall of its pairs; precision of predicted pairs touching it):")
    for t, v in res["per_type"].items():
        lines.append(
            f"  {t:11s} groups {v['groups']:6d} items {v['items']:7d}  recall {v['recall']}  precision {v['precision']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, required=True)
    ap.add_argument("--networks", type=Path, required=True)
    ap.add_argument("--items", type=Path, help="items.jsonl for the kinds (default: next to the truth)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)
    items = args.items or args.truth.with_name("items.jsonl")
    group, gtype = read_truth(args.truth)
    kinds = read_kinds(items if items.exists() else None)
    nets = read_networks(args.networks, group)
    res = score(group, gtype, kinds, nets)
    print(json.dumps(res, sort_keys=True) if args.json else _table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
