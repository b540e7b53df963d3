"""Pairwise precision and recall of networks against a planted truth, and the phone-only baseline.

Pairwise: every pair of items put in one network is a predicted link; every pair in one planted group is a
true link. Items absent from the truth are singletons, so linking them to anything is a false link.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from trailguard.model import Assessment, Network


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(
    networks: Iterable[Network | Sequence[str]], truth: Mapping[str, str]
) -> tuple[float, float]:
    """(precision, recall) over item pairs; 1.0 where there is nothing to predict or to find."""
    predicted = 0
    correct = 0
    for net in networks:
        items = net.items if isinstance(net, Network) else list(net)
        predicted += _pairs(len(items))
        by_group = Counter(truth[i] for i in items if i in truth)
        correct += sum(_pairs(c) for c in by_group.values())
    actual = sum(_pairs(c) for c in Counter(truth.values()).values())
    precision = correct / predicted if predicted else 1.0
    recall = correct / actual if actual else 1.0
    return precision, recall


def phone_only_baseline(assessments: Iterable[Assessment]) -> list[list[str]]:
    """Groups of items joined by exactly equal phone numbers only (transitively): the naive method."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[str, str] = {}
    for a in assessments:
        find(a.item_id)
        for e in a.entities:
            if e.type == "phone":
                other = first.setdefault(str(e.value), a.item_id)
                ra, rb = find(a.item_id), find(other)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for item in parent:
        groups[find(item)].append(item)
    return sorted(sorted(g) for g in groups.values() if len(g) >= 2)
