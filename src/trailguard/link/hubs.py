"""Hub identifiers: a site's own contact address or a hotline quoted by many unrelated posters.

A hub is kept as a fact (a LinkReason with merged=False) but never merges groups. Detected from the data:
- frequency: on more items than `hub_min_items` and than `hub_factor` x the largest template cluster, i.e.
  far more widespread than any group is, AND widespread in the partner sense (its items carry many different
  other identifiers, `widespread` from linker._widespread). Size alone never makes a hub: a prolific
  poster's own number is on many items but always with the same few partners;
- bridging: its items fall in `hub_min_groups` or more otherwise-separate groups: template families of
  unrelated wording that stay apart when merged through all other (non-candidate) identifiers;
- or named by the operator in `LinkConfig.never_merge`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from trailguard.link.config import LinkConfig
from trailguard.link.templates import components


def star_edges(groups: list[list[int]]) -> np.ndarray:
    """Edges linking each group's members to its first member: enough for connectivity, linear in size."""
    rows = [(g[0], m) for g in groups for m in g[1:]]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 2)


def _groups_spanned(items: list[int], labels: np.ndarray, sizes: np.ndarray) -> int:
    return len({int(labels[i]) for i in items if sizes[labels[i]] >= 2})


def detect_hubs(
    identifiers: Mapping[str, list[int]],
    widespread: set[str],
    template_groups: list[list[int]],
    families: list[list[int]],
    n: int,
    cfg: LinkConfig,
) -> dict[str, str]:
    """Hub keys with the reason each was judged a hub.

    `widespread` are the identifiers whose items each carry many different other identifiers (see
    linker._widespread); only those can be hubs by frequency.
    `families` are the members of the templates found in one text cluster: a group that writes from two
    related templates is one family, so its own number does not look like a bridge between two groups.
    """
    hubs: dict[str, str] = {}
    largest = max((len(g) for g in template_groups), default=0)
    limit = max(cfg.hub_min_items, int(cfg.hub_factor * largest))
    shared = {k: v for k, v in identifiers.items() if len(v) >= 2}
    for key in sorted(shared):
        if key in cfg.never_merge:
            hubs[key] = "operator allow-list"
        elif key in widespread and len(shared[key]) > limit:
            hubs[key] = (
                f"on {len(shared[key])} items, more than {limit} (far above any group), "
                "each with different other identifiers"
            )
    # Candidates bridge several template groups; confirm against components built from everything else.
    labels = components(n, star_edges(families))
    sizes = np.bincount(labels, minlength=n)
    candidates = [
        k
        for k in sorted(shared)
        if k not in hubs and _groups_spanned(shared[k], labels, sizes) >= cfg.hub_min_groups
    ]
    if candidates:
        excluded = set(hubs) | set(candidates)
        rest = [v for k, v in shared.items() if k not in excluded]
        labels = components(n, star_edges(template_groups + rest))
        sizes = np.bincount(labels, minlength=n)
        for key in candidates:
            spanned = _groups_spanned(shared[key], labels, sizes)
            if spanned >= cfg.hub_min_groups:
                hubs[key] = f"bridges {spanned} otherwise separate groups"
    return hubs
