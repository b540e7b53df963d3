"""link_assessments: from assessments to networks, as a pure function (no database, no globals).

Order of work: stream the assessments once into compact columns (ids, times, places, identifier lists,
token ids); find templates (MinHash LSH + InfoShield); find hubs; merge items through non-hub identifiers,
shared images and templates; weigh each (hubs.py: contact sets per identifier; scripts.py: posters per
template); merge through the strong ones only (connected components over evidence above the thresholds),
keep hubs and copied scripts as facts; describe each group of two or more items as a Network.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import orjson

from trailguard.indicators.scoring import score_hits
from trailguard.link import minhash, shingles
from trailguard.link.columns import Coded, Frozen, Identifiers, Strings
from trailguard.link.config import LinkConfig
from trailguard.link.hubs import contact_mask, detect_hubs, star_edges
from trailguard.link.images import image_keys, near_image_groups
from trailguard.link.names import stated_names
from trailguard.link.scripts import posters
from trailguard.link.signals import MEMBER_BAND_SIGN, item_indicator_hits, network_hits, place_key
from trailguard.link.templates import SLOT, Template, TemplateFinder, components, top_phrase_pairs
from trailguard.model import BANDS, Assessment, Hit, Hub, LinkReason, Network


@dataclass(slots=True)
class _Columns:
    """What linking keeps of each assessment, in compact columns (trailguard.link.columns)."""

    ids: Strings = field(default_factory=Strings)
    posted: Strings = field(default_factory=Strings)
    place: Coded[str | None] = field(default_factory=Coded)
    names: Coded[tuple[str, ...]] = field(default_factory=Coded)
    ages: Coded[tuple[int, ...]] = field(default_factory=Coded)
    indicators: Coded[tuple[str, ...]] = field(default_factory=Coded)
    band: Coded[str] = field(default_factory=Coded)
    chat: bytearray = field(default_factory=bytearray)  # 1 for a conversation
    catalogue: dict[str, Hit] = field(default_factory=dict)
    identifiers: Identifiers = field(default_factory=Identifiers)


def _read(assessments: Iterable[Assessment], cfg: LinkConfig, store: shingles.TokenStore) -> _Columns:
    """Columns of the assessments; a repeated item id is read once (the first), so no network lists an item
    twice."""
    cols = _Columns()
    pdq: list[tuple[str, int]] = []
    seen: set[str] = set()
    idx = -1
    for a in assessments:
        if a.item_id in seen:
            continue
        seen.add(a.item_id)
        idx += 1
        cols.ids.append(a.item_id)
        cols.band.append(a.band)
        cols.chat.append(a.kind == "chat")
        cols.posted.append(a.posted_at or "")  # "" for unknown, as the circuit reads it
        cols.place.append(a.location)
        cols.names.append(tuple(stated_names(a.text)))
        ages: set[int] = set()
        keys: set[str] = set()
        for e in a.entities:
            if e.type in cfg.identifier_types:
                keys.add(f"{e.type}:{e.value}")
            elif e.type == "age" and isinstance(e.value, int):
                ages.add(e.value)
        keys.update(image_keys(a.images, cfg.pdq_min_quality, pdq if cfg.image_neighbours else None, idx))
        for k in sorted(keys):
            cols.identifiers.add(idx, k)
        cols.ages.append(tuple(sorted(ages)))
        inds = []
        for h in a.hits:
            if h.effect == "risk" and h.weight > 0:
                cols.catalogue.setdefault(h.indicator, h)
                inds.append(h.indicator)
        cols.indicators.append(tuple(sorted(set(inds))))
        store.add(a.text)
    if cfg.image_neighbours is not None and pdq:
        for key, items in near_image_groups(pdq, cfg.image_neighbours).items():
            for i in items:
                cols.identifiers.add(i, key)
    return cols


def _widespread(ident: Frozen, cfg: LinkConfig) -> set[str]:
    """Identifiers left out when telling posters apart: the operator's list, and any on more than
    `hub_min_items` items that carry many different other identifiers (`widespread_partners` per item).

    A site address or hotline is quoted by posters who each add their own contact; a group's number, however
    many ads it is on, comes with the same few other numbers and handles. Size alone cannot tell them apart
    (a busy group posts more ads than a small site's hotline is quoted on).
    """
    out = set(cfg.never_merge) & set(ident.shared)
    for key, items in ident.shared.items():
        if len(items) > cfg.hub_min_items and ident.distinct_partners(items) >= cfg.widespread_partners * len(
            items
        ):
            out.add(key)
    return out


def _owners(n: int, ident: Frozen, leave_out: set[str]) -> np.ndarray:
    """Poster components from identifiers alone (widespread ones left out): who uses a phrase."""
    return components(n, star_edges([v for k, v in ident.shared.items() if k not in leave_out]))


def find_here(finder: TemplateFinder, parts: Sequence[list[int]]) -> Iterable[list[Template]]:
    """The fine step of each part, in part order, in this process."""
    return map(finder.find, parts)


@dataclass(frozen=True, slots=True)
class LinkRunner:
    """Where link's two separable steps run: the template fine step (each coarse cluster on its own, the
    costliest step) and the final clustering. Here by default; the Spark engine runs them on executors
    (trailguard.pipeline.spark_link). Either must give what these give: the templates of each part in part
    order, and labels that put the same items together (their numbering does not matter)."""

    find_templates: Callable[[TemplateFinder, Sequence[list[int]]], Iterable[list[Template]]] = find_here
    components: Callable[[int, np.ndarray], np.ndarray] = components


HERE = LinkRunner()


def _templates(
    store: shingles.TokenStore,
    rank: np.ndarray,
    owners: np.ndarray,
    identified: np.ndarray,
    cfg: LinkConfig,
    runner: LinkRunner,
) -> tuple[list[Template], list[str]]:
    words = store.canonical_words()
    sh = shingles.build(store, cfg.shingle_size)
    n = sh.n_docs
    stock = max(cfg.stock_min_df, int(cfg.stock_fraction * n))
    users, spread = shingles.spread(sh, owners, identified)
    # A phrase on very many items is stock only if many posters use it: one big group's own template is on
    # hundreds of its ads, and its template-only ads have nothing else to be linked by.
    keep = ((sh.df <= stock) | (spread < cfg.stock_spread_min_posters)) & ~(
        (users >= cfg.stock_spread_min_df)
        & (spread >= cfg.stock_spread_min_posters)
        & (spread >= cfg.stock_spread * users)
    )
    del users, spread
    sig, has = minhash.signatures(sh, keep, cfg.lsh_bands * cfg.lsh_rows)
    pairs = minhash.candidate_pairs(sig, has, rank, cfg.lsh_bands, cfg.lsh_rows, cfg.max_bucket)
    near = minhash.similar(sig, pairs, cfg.near_duplicate)
    del sig, pairs
    coarse = components(
        n,
        np.concatenate(
            [near, top_phrase_pairs(sh, keep, cfg.top_phrases, cfg.min_shared_phrases, cfg.max_cluster)]
        ),
    )
    near_labels = components(n, near)
    stock_hashes = sh.hashes[~keep]
    del sh, keep
    finder = TemplateFinder(
        store,
        words,
        rank,
        stock_hashes,
        cfg.shingle_size,
        cfg.template_sample,
        cfg.min_template_tokens,
        cfg.template_coverage,
    )
    parts: list[list[int]] = []
    for cluster in _clusters(coarse):
        parts.extend([cluster] if len(cluster) <= cfg.max_cluster else _clusters(near_labels, cluster))
    found = [t for part_templates in runner.find_templates(finder, parts) for t in part_templates]
    return found, words


def _rank(ids: Strings) -> np.ndarray:
    """Each item's position in item-id order: the canonical order wherever a position decides."""
    order = sorted(range(len(ids)), key=ids.__getitem__)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids), dtype=np.int64)
    return rank


def _clusters(labels: np.ndarray, subset: list[int] | None = None) -> list[list[int]]:
    """Members of each label with two or more members, in index order (deterministic)."""
    idx = np.arange(len(labels)) if subset is None else np.asarray(subset, dtype=np.int64)
    lab = labels[idx]
    order = np.lexsort((idx, lab))
    idx, lab = idx[order], lab[order]
    cuts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1], True])
    return [idx[a:b].tolist() for a, b in itertools.pairwise(cuts) if b - a >= 2]


MAX_HUB_EXAMPLES = 10


@dataclass(slots=True)
class LinkResult:
    networks: list[Network]
    hubs: list[Hub]  # most widely shared first


def link_assessments(
    assessments: Iterable[Assessment], config: LinkConfig | None = None, runner: LinkRunner = HERE
) -> list[Network]:
    """Group assessments into networks (two or more items), each link with its reason."""
    return link(assessments, config, runner).networks


def link(
    assessments: Iterable[Assessment], config: LinkConfig | None = None, runner: LinkRunner = HERE
) -> LinkResult:
    """The networks, and every identifier judged a hub (with why), whether or not its items are in one."""
    cfg = config or LinkConfig()
    store = shingles.TokenStore(cfg.max_text_chars)
    cols = _read(assessments, cfg, store)
    n = len(cols.ids)
    if n < 2:
        return LinkResult([], [])
    ident = cols.identifiers.freeze(n)
    leave_out = _widespread(ident, cfg)
    rank = _rank(cols.ids)
    templates, words = _templates(
        store, rank, _owners(n, ident, leave_out), ident.identified(leave_out), cfg, runner
    )
    del store
    template_of = np.full(n, -1, dtype=np.int64)  # an item is in at most one template
    for t_index, t in enumerate(templates):
        template_of[t.members] = t_index
    hubs, sets = detect_hubs(ident, template_of, cfg)
    merging = [v for k, v in ident.shared.items() if k not in hubs]
    evidence = _Evidence(hubs, sets, _scripts(cols, ident, hubs, merging, templates, words, cfg))
    groups = [t.members for t in templates if evidence.script_posters(t, words) is None]
    labels = runner.components(n, star_edges(groups + merging))
    return LinkResult(
        _describe(cols, labels, templates, words, ident, evidence),
        _hubs(cols, ident, evidence, templates, words),
    )


@dataclass(slots=True)
class _Evidence:
    """How strong each link is: contact sets per identifier, posters per template, and the facts (hubs and
    copied scripts) that are kept but never merge."""

    hubs: dict[str, str]  # identifier key -> why it is a hub
    sets: dict[str, int]  # identifier key -> contact sets its carriers fall into
    posters: dict[str, tuple[int, bool]]  # template key -> (posters writing it, copied script?)

    def script_posters(self, t: Template, words: list[str]) -> int | None:
        """Posters of a copied script; None for a template that links its members."""
        count, copied = self.posters[t.key(words)]
        return count if copied else None

    def identifier_strength(self, key: str) -> float:
        return round(1 / max(1, self.sets.get(key, 1)), 3)


def _scripts(
    cols: _Columns,
    ident: Frozen,
    hubs: dict[str, str],
    merging: list[list[int]],
    templates: list[Template],
    words: list[str],
    cfg: LinkConfig,
) -> dict[str, tuple[int, bool]]:
    """Per template key: how many posters write it and whether that makes it a copied script
    (trailguard.link.scripts), with the operator's overrides (`template:<key>` in never_merge/always_merge)."""
    label = components(ident.n, star_edges(merging))
    usable = contact_mask(ident, cfg)
    usable[[kid for kid, k in enumerate(ident.keys) if k in hubs]] = False
    has_contact = np.zeros(ident.n, dtype=bool)
    owners = np.repeat(np.arange(ident.n), np.diff(ident.item_start))
    has_contact[owners[usable[ident.item_key]]] = True
    out: dict[str, tuple[int, bool]] = {}
    for t in templates:
        key = t.key(words)
        count = posters(t.members, label, has_contact, cols.names.__getitem__)
        override = f"template:{key}"
        per_poster = int(has_contact[t.members].sum()) / max(1, count)
        weak = count >= cfg.script_posters_always or (
            count >= cfg.script_posters and per_poster < cfg.script_ads_per_poster
        )
        copied = override in cfg.never_merge or (weak and override not in cfg.always_merge)
        out[key] = (count, copied)
    return out


def _hubs(
    cols: _Columns, ident: Frozen, evidence: _Evidence, templates: list[Template], words: list[str]
) -> list[Hub]:
    """Hub identifiers and copied scripts (type "template", value the template's key, its text in the
    reason unless it spans conversations): the facts that never merge."""
    out = []
    for key, reason in evidence.hubs.items():
        typ, value = key.split(":", 1)
        items = sorted(cols.ids[i] for i in ident.shared[key])
        out.append(Hub(typ, value, len(items), items[:MAX_HUB_EXAMPLES], reason))
    for t in templates:
        count = evidence.script_posters(t, words)
        if count is not None:
            items = sorted(cols.ids[i] for i in t.members)
            text, _ = _shown_template(t, words, any(cols.chat[i] for i in t.members))
            why = f"copied script: written by {count} posters with their own contacts (strength 1/{count}): {text}"
            out.append(Hub("template", t.key(words), len(items), items[:MAX_HUB_EXAMPLES], why))
    out.sort(key=lambda h: (-h.items, h.type, h.value))
    return out


def _network_id(items: list[str]) -> str:
    """Hash of the member ids as JSON, so no choice of characters in ids makes two member lists collide."""
    return "net-" + hashlib.sha1(orjson.dumps(items)).hexdigest()[:16]


def _describe(
    cols: _Columns,
    labels: np.ndarray,
    templates: list[Template],
    words: list[str],
    ident: Frozen,
    evidence: _Evidence,
) -> list[Network]:
    groups = {int(labels[g[0]]): g for g in _clusters(labels)}
    per_net_ident: dict[int, list[tuple[str, list[int]]]] = {}
    for lab, members in groups.items():
        by_key: dict[str, list[int]] = defaultdict(list)
        for i in members:
            for kid in ident.of_item(i).tolist():
                by_key[ident.keys[kid]].append(i)
        per_net_ident[lab] = sorted(by_key.items())
    per_net_tpl: dict[int, list[tuple[Template, list[int]]]] = defaultdict(list)
    for t in templates:
        if evidence.script_posters(t, words) is None:
            per_net_tpl[int(labels[t.members[0]])].append((t, t.members))
            continue
        by_net: dict[int, list[int]] = defaultdict(list)  # a copied script, shown where its members are
        for m in t.members:
            by_net[int(labels[m])].append(m)
        for lab, ms in by_net.items():
            if lab in groups:
                per_net_tpl[lab].append((t, ms))
    networks = [
        _network(cols, members, per_net_ident[lab], per_net_tpl[lab], words, evidence)
        for lab, members in groups.items()
    ]
    networks.sort(key=lambda net: (-net.score, -len(net.items), net.id))
    return networks


def _network(
    cols: _Columns,
    members: list[int],
    idents: list[tuple[str, list[int]]],
    tpls: list[tuple[Template, list[int]]],
    words: list[str],
    evidence: _Evidence,
) -> Network:
    ids = cols.ids
    items = sorted(ids[i] for i in members)
    reasons: list[LinkReason] = []
    identifiers: list[dict[str, object]] = []
    names: dict[str, set[str]] = {}
    ages: dict[str, set[int]] = {}
    for key, its in idents:
        typ, value = key.split(":", 1)
        hub = key in evidence.hubs
        item_ids = sorted(ids[i] for i in its)
        identifiers.append({"type": typ, "value": value, "items": item_ids, "hub": hub})
        if len(its) >= 2:
            detail: dict[str, object] = {
                "strength": evidence.identifier_strength(key),
                "contact_sets": evidence.sets.get(key, 0),
            }
            if hub:
                detail["hub"] = evidence.hubs[key]
            reasons.append(LinkReason(f"shared_{typ}", value, item_ids, detail, merged=not hub))
        if typ == "phone" and not hub:
            names[value] = {nm for i in its for nm in cols.names[i]}
            ages[value] = {a for i in its for a in cols.ages[i]}
    tpl_out = []
    merged_sizes = []
    for t, ms in sorted(tpls, key=lambda e: min(ids[i] for i in e[1])):  # not in input order
        text, slots = _shown_template(t, words, any(cols.chat[i] for i in t.members))
        t_items = sorted(ids[i] for i in ms)
        script = evidence.script_posters(t, words)
        count, _ = evidence.posters[t.key(words)]
        tpl_out.append(
            {"template": text, "slots": slots, "items": t_items, "description_length_saving": t.saving_bits}
        )
        tdetail: dict[str, object] = {
            "template": text,
            "saving_bits": t.saving_bits,
            "strength": round(1 / max(1, count), 3),
            "posters": count,
        }
        if script is not None:
            tdetail["copied_script"] = f"written by {script} posters with their own contacts"
        else:
            merged_sizes.append(len(ms))
        reasons.append(LinkReason("template", t.key(words), t_items, tdetail, merged=script is None))
    places = _circuit(cols, members)
    counts: dict[str, int] = defaultdict(int)
    for i in members:
        for ind in cols.indicators[i]:
            counts[ind] += 1
    hits = item_indicator_hits(counts, cols.catalogue, len(members)) + network_hits(
        names, ages, [str(p["place"]) for p in places], merged_sizes
    )
    floors = _member_band(cols, members, hits)
    score, band = score_hits(hits, floors)
    return Network(_network_id(items), items, reasons, places, score, band, hits, tpl_out, identifiers)


def _shown_template(t: Template, words: list[str], has_chat: bool) -> tuple[str, list[dict[str, object]]]:
    """The template text and slot examples a network may show.

    A template over conversations is the whole shared wording of several chats, which can include what a
    potential victim wrote about themselves; summaries show no more of a chat than its evidence, so its text
    and slot fills are withheld (the key still identifies it, and the items are listed for review).
    """
    if has_chat:
        n = sum(1 for tok in t.tokens if tok != SLOT)
        return (
            f"(wording of {len(t.members)} conversations, {n} words in common: withheld, open the items)",
            [],
        )
    return t.text(words), [{"slot": k + 1, "examples": f} for k, f in enumerate(t.slot_fills)]


def _member_band(cols: _Columns, members: list[int], hits: list[Hit]) -> dict[str, str]:
    """Add a hit naming the member with the highest band, and return it as a band floor for score_hits."""
    worst = max(
        members, key=lambda i: (BANDS.index(cols.band[i]) if cols.band[i] in BANDS else 0, cols.ids[i])
    )
    band = cols.band[worst]
    if band not in BANDS or band == "low":
        return {}
    hits.append(
        MEMBER_BAND_SIGN.hit(
            f"item {cols.ids[worst]} is in band {band}: the network is placed at least in that band"
        )
    )
    return {MEMBER_BAND_SIGN.id: band}


def _circuit(cols: _Columns, members: list[int]) -> list[dict[str, object]]:
    """Places of the dated posts in time order, consecutive posts from one place merged into one stop.

    Spellings of one place share a key (signals.place_key) and show the first spelling seen. Undated posts
    are left out: where they fall in the order is unknown.
    """
    dated = sorted(
        (cols.posted[i], cols.place[i] or "", cols.ids[i])
        for i in members
        if cols.place[i] and cols.posted[i]
    )
    shown: dict[str, str] = {}
    stops: list[dict[str, object]] = []
    for when, place, _ in dated:
        key = place_key(place)
        if not key:
            continue
        name = shown.setdefault(key, place.strip())
        if stops and stops[-1]["place"] == name:
            stops[-1]["last_seen"] = when
            stops[-1]["items"] = int(str(stops[-1]["items"])) + 1
        else:
            stops.append({"place": name, "first_seen": when, "last_seen": when, "items": 1})
    return stops
