"""Copied scripts: one text that many unrelated posters copy word for word, each with their own contacts.

A template is evidence of one poster only as far as its members' contact evidence agrees. Its members are
sorted into posters by their (non-hub) identifiers; posters whose ads state a name in common are taken as
one (one person behind many single-use numbers still writes the same names). A template written by
`LinkConfig.script_posters_always` (4) or more such posters, or by `script_posters` (2) or more with fewer
than `script_ads_per_poster` (4) ads each, is a copied script: listed as a fact, like a hub, and
never used to merge, while each poster's own ads stay linked by their own numbers. Its strength is
1 / posters. Members without any identifier cannot be told apart: a copied script does not link them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from trailguard.link.templates import components


def posters(
    members: Sequence[int],
    label: np.ndarray,
    has_contact: np.ndarray,
    names: Callable[[int], tuple[str, ...]],
) -> int:
    """How many posters write these members: contact components, joined where they state a common name."""
    sets: dict[int, int] = {}
    name_ids: dict[str, int] = {}
    pairs: list[tuple[int, int]] = []
    for i in members:
        if has_contact[i]:
            s = sets.setdefault(int(label[i]), len(sets))
            pairs.extend((s, -1 - name_ids.setdefault(nm, len(name_ids))) for nm in names(i))
    edges = np.asarray([(s, len(sets) + (-1 - nm)) for s, nm in pairs], dtype=np.int64).reshape(-1, 2)
    return len(np.unique(components(len(sets) + len(name_ids), edges)[: len(sets)]))
