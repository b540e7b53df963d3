"""Hub identifiers: one identifier quoted beside several posters' own contacts (a screening line, a booker's
number, a site's e-mail), kept as a fact and never used to merge.

The evidence an identifier gives that its items are one poster's is measured on the corpus itself: its
carriers are sorted into *contact sets*, carriers that also show another (non-hub) contact identifier, two
carriers being in one set when they share another identifier or one template. One poster's number is
beside that poster's other numbers and handles, or beside nothing; a hub is beside many posters' numbers
that have nothing else in common. An identifier's strength is 1 / (contact sets), and one beside
`LinkConfig.hub_contact_sets` or more sets is a hub, whatever its type (phone, e-mail, handle, URL, wallet)
and whatever its size. How many wording families its items fall into says nothing (a poster rewrites
ads; posters copy stock wording), so it is not used.

Hubs are decided in passes, strongest first: a candidate shown on one ad beside a stronger candidate
waits, and hubs found stop counting as anyone's own contact in the next pass, until nothing changes. (A
group's number quoted beside a screening e-mail on some ads and a site's e-mail on others would otherwise
look like a number beside two posters.)
"""

from __future__ import annotations

import numpy as np

from trailguard.link.columns import Frozen
from trailguard.link.config import LinkConfig
from trailguard.link.templates import components

MAX_PASSES = 20


def star_edges(groups: list[list[int]]) -> np.ndarray:
    """Edges linking each group's members to its first member: enough for connectivity, linear in size."""
    rows = [(g[0], m) for g in groups for m in g[1:]]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 2)


def contact_mask(ident: Frozen, cfg: LinkConfig) -> np.ndarray:
    """Per key id: is it a contact identifier (phone, e-mail, handle, payment, wallet), not an image."""
    types = cfg.identifier_types
    return np.fromiter((k.split(":", 1)[0] in types for k in ident.keys), dtype=bool, count=len(ident.keys))


def carried(ident: Frozen) -> list[tuple[int, list[int]]]:
    """(item, its key ids) for every item that carries a key shared with another item."""
    shared = ident.count >= 2
    out = []
    for i in range(ident.n):
        kids = ident.of_item(i).tolist()
        if any(shared[k] for k in kids):
            out.append((i, kids))
    return out


def contact_sets(
    ident: Frozen,
    rows: list[tuple[int, list[int]]],
    contact: np.ndarray,
    template_of: list[list[int]],
    hubs: set[int],
) -> dict[int, int]:
    """Per shared key id: how many contact sets its carriers fall into (see the module docstring).

    One union-find over (key, carrier) and (key, attribute) nodes for all keys at once (scipy), where an
    attribute is another shared non-hub key or a template of the carrier: linear in the item-key pairs.
    """
    n_keys = len(ident.keys)
    shared = ident.count >= 2
    node_of: dict[tuple[int, int], int] = {}
    edges: list[tuple[int, int]] = []
    counted: list[tuple[int, int]] = []  # (key, carrier node) for carriers showing another contact
    for i, all_kids in rows:
        kids = [k for k in all_kids if k not in hubs]
        mine = [k for k in kids if shared[k]]
        if not mine:
            continue
        attrs = mine + [n_keys + t for t in template_of[i]]
        contacts = [k for k in kids if contact[k]]
        for k in mine:
            carrier = node_of.setdefault((k, -1 - i), len(node_of))
            if any(c != k for c in contacts):
                counted.append((k, carrier))
            for a in attrs:
                if a != k:
                    edges.append((carrier, node_of.setdefault((k, a), len(node_of))))
    labels = components(len(node_of), np.asarray(edges, dtype=np.int64).reshape(-1, 2))
    sets: dict[int, set[int]] = {}
    for k, node in counted:
        sets.setdefault(k, set()).add(int(labels[node]))
    return {k: len(v) for k, v in sets.items()}


def _outranked(
    rows: list[tuple[int, list[int]]],
    candidates: set[int],
    counts: dict[int, int],
    ident: Frozen,
    hubs: set[int],
) -> set[int]:
    """Candidates shown beside a stronger candidate (more contact sets): decided in a later pass, once the
    stronger one is a hub, because their own contact sets may be nothing but that hub's."""

    def rank(k: int) -> tuple[int, int, str]:
        return counts[k], int(ident.count[k]), ident.keys[k]

    out: set[int] = set()
    for _, kids in rows:
        here = [k for k in kids if k in candidates and k not in hubs]
        if len(here) >= 2:
            top = max(here, key=rank)
            out.update(k for k in here if k != top)
    return out


def detect_hubs(
    ident: Frozen, template_of: list[list[int]], cfg: LinkConfig
) -> tuple[dict[str, str], dict[str, int]]:
    """Hub keys with the reason each was judged a hub, and every shared key's contact-set count."""
    contact = contact_mask(ident, cfg)
    kid_of = {k: i for i, k in enumerate(ident.keys)}
    hubs: dict[str, str] = {k: "operator allow-list" for k in sorted(cfg.never_merge) if k in ident.shared}
    hub_ids = {kid_of[k] for k in hubs}
    rows = carried(ident)
    sets: dict[str, int] = {}
    for _ in range(MAX_PASSES):
        counts = contact_sets(ident, rows, contact, template_of, hub_ids)
        sets.update((ident.keys[k], c) for k, c in counts.items())
        candidates = {
            k
            for k, c in counts.items()
            if c >= cfg.hub_contact_sets and k not in hub_ids and ident.keys[k] not in cfg.always_merge
        }
        new = candidates - _outranked(rows, candidates, counts, ident, hub_ids)
        if not new:
            break
        for k in sorted(new):
            hubs[ident.keys[k]] = (
                f"quoted beside {counts[k]} separate posters' own contacts (strength 1/{counts[k]}), "
                "who share nothing else"
            )
        hub_ids |= new
    return dict(sorted(hubs.items())), sets
