"""Hub identifiers: one identifier quoted beside several posters' own contacts (a screening line, a booker's
number, a site's e-mail), kept as a fact and never used to merge.

The evidence an identifier gives that its items are one poster's is measured on the corpus itself: its
carriers are sorted into *contact sets*, carriers that also show another (non-hub) contact identifier, two
carriers being in one set when they share another identifier or one template. Identifiers that travel
together (printed on the same ads for at least 90% of the larger one's items, `COMPANION`: a screening
e-mail and its screening number, a poster's two numbers) neither tie nor separate each other's carriers:
otherwise the screening pair would tie every poster who quotes it into one "set". One poster's number is
beside that poster's other numbers and handles, or beside nothing; a hub is beside many posters' numbers
that have nothing else in common. An identifier's strength is 1 / (contact sets), and one beside
`LinkConfig.hub_contact_sets` or more sets is a hub, whatever its type (phone, e-mail, handle, payment tag, wallet, image)
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
MAX_TIES = 50  # shared keys on one item beyond which it ties nothing (bounds the pairs per item)
COMPANION = 0.9  # two keys on one item for at least this share of the larger one's items travel together


def star_edges(groups: list[list[int]]) -> np.ndarray:
    """Edges linking each group's members to its first member: enough for connectivity, linear in size."""
    rows = [(g[0], m) for g in groups for m in g[1:]]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 2)


def contact_mask(ident: Frozen, cfg: LinkConfig) -> np.ndarray:
    """Per key id: is it a contact identifier (phone, e-mail, handle, payment, wallet), not an image."""
    types = cfg.identifier_types
    return np.fromiter((k.split(":", 1)[0] in types for k in ident.keys), dtype=bool, count=len(ident.keys))


def _within_items(item: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by item: every ordered pair (r, q), r != q, of rows of one item (vectorised).

    An item with more than MAX_TIES shared keys gives no pairs (hostile input: 1,000 keys on an item would be
    a million pairs); its keys still count it as a carrier.
    """
    cuts = np.flatnonzero(np.r_[True, item[1:] != item[:-1], True])
    size = np.diff(cuts)
    rows = np.flatnonzero(np.repeat(size <= MAX_TIES, size))
    size = size[size <= MAX_TIES]
    starts = np.cumsum(size) - size
    per_row = np.repeat(size, size)
    r = np.repeat(np.arange(len(rows)), per_row)
    offset = np.arange(len(r)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    q = np.repeat(np.repeat(starts, size), per_row) + offset
    keep = r != q
    return rows[r[keep]], rows[q[keep]]


def contact_sets(
    ident: Frozen, contact: np.ndarray, template_of: np.ndarray, hubs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per shared non-hub key: how many contact sets its carriers fall into (see the module docstring).

    One connected-components pass (scipy) over (key, carrier) and (key, attribute) nodes for all keys at
    once, where an attribute is another shared non-hub key or the template of the carrier. Returns the
    (item, key) rows, which rows count (the carrier shows another contact), and per key id the count.
    """
    owner = np.repeat(np.arange(ident.n), np.diff(ident.item_start))
    key = ident.item_key
    live = ~hubs[key]
    others = np.bincount(owner[live & contact[key]], minlength=ident.n)  # non-hub contacts per item
    rows = live & (ident.count[key] >= 2)
    item, key = owner[rows], key[rows]  # sorted by item (Frozen keeps pairs in item order)
    r, q = _within_items(item)
    # Companions travel together (a screening e-mail always printed with its screening number, a poster's
    # two numbers): for each other they neither tie carriers nor count as a separate contact.
    n_keys = len(ident.keys)
    pair = key[r] * np.int64(n_keys) + key[q]
    distinct, inverse, together = np.unique(pair, return_inverse=True, return_counts=True)
    bigger = np.maximum(ident.count[key[r]], ident.count[key[q]])
    companion = together[inverse.reshape(-1)] >= COMPANION * bigger
    del distinct, inverse, pair
    beside = np.bincount(r[companion & contact[key[q]]], minlength=len(item))
    counted = others[item] - contact[key] - beside >= 1
    r, q = r[~companion], q[~companion]
    attr = [key[r] * np.int64(n_keys + 1) + key[q]]
    src = [r]
    tpl = template_of[item]
    has_tpl = np.flatnonzero(tpl >= 0)
    attr.append(key[has_tpl] * np.int64(n_keys + 1) + n_keys)  # one template per item: one node per key
    src.append(has_tpl)
    # (key, template) must name the template too: fold it in as a second code
    codes = np.concatenate(attr)
    tcodes = np.concatenate([np.full(len(r), -1, np.int64), tpl[has_tpl]])
    _, attr_id = np.unique(np.stack([codes, tcodes], axis=1), axis=0, return_inverse=True)
    edges = np.stack([np.concatenate(src), len(item) + attr_id.reshape(-1)], axis=1)
    labels = components(len(item) + int(attr_id.max(initial=-1)) + 1, edges)
    pairs = np.unique(key[counted] * np.int64(len(labels)) + labels[: len(item)][counted])
    per_key = np.bincount(pairs // np.int64(len(labels)), minlength=n_keys)
    return item, key, counted, per_key


def _outranked(item: np.ndarray, key: np.ndarray, candidate: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Candidates shown on one ad beside a stronger candidate (higher in `order`: more contact sets, then
    more items, then the key): decided in a later pass, once the stronger one is a hub, because their own
    contact sets may be nothing but that hub's."""
    rows = candidate[key]
    item, key = item[rows], key[rows]
    out = np.zeros(len(candidate), dtype=bool)
    if len(item) == 0:
        return out
    cuts = np.flatnonzero(np.r_[True, item[1:] != item[:-1]])
    best = np.maximum.reduceat(order[key], cuts)
    out[key[order[key] < np.repeat(best, np.diff(np.r_[cuts, len(item)]))]] = True
    return out


def detect_hubs(
    ident: Frozen, template_of: np.ndarray, cfg: LinkConfig
) -> tuple[dict[str, str], dict[str, int]]:
    """Hub keys with the reason each was judged a hub, and every shared key's contact-set count.

    `template_of`: per item, the index of its template or -1.
    """
    contact = contact_mask(ident, cfg)
    kid_of = {k: i for i, k in enumerate(ident.keys)}
    hubs: dict[str, str] = {k: "operator allow-list" for k in sorted(cfg.never_merge) if k in ident.shared}
    is_hub = np.zeros(len(ident.keys), dtype=bool)
    is_hub[[kid_of[k] for k in hubs]] = True
    never = np.zeros(len(ident.keys), dtype=bool)
    never[[kid_of[k] for k in cfg.always_merge if k in kid_of]] = True
    by_name = np.empty(len(ident.keys), dtype=np.int64)
    by_name[sorted(range(len(ident.keys)), key=ident.keys.__getitem__)] = np.arange(len(ident.keys))
    sets = np.zeros(len(ident.keys), dtype=np.int64)
    for _ in range(MAX_PASSES):
        item, key, _, per_key = contact_sets(ident, contact, template_of, is_hub)
        live = ident.count >= 2
        sets[live & ~is_hub] = per_key[live & ~is_hub]
        candidate = (per_key >= cfg.hub_contact_sets) & ~is_hub & ~never
        if not candidate.any():
            break
        order = np.empty(len(ident.keys), dtype=np.int64)
        order[np.lexsort((by_name, ident.count, per_key))] = np.arange(len(ident.keys))
        new = candidate & ~_outranked(item, key, candidate, order)
        for k in np.flatnonzero(new).tolist():
            hubs[ident.keys[k]] = (
                f"quoted beside {per_key[k]} separate posters' own contacts (strength 1/{per_key[k]}), "
                "who share nothing else"
            )
        is_hub |= new
    counts = {ident.keys[k]: int(sets[k]) for k in np.flatnonzero(ident.count >= 2).tolist()}
    return dict(sorted(hubs.items())), counts
