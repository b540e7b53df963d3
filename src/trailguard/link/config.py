"""Knobs of the link stage, with defaults measured on the generated corpora (docs/networks.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

# Given PDQ hex strings, yield (i, j, distance) for pairs within the caller's threshold (trailguard.media.index).
ImageNeighbours = Callable[[list[str]], Iterable[tuple[int, int, int]]]

IDENTIFIER_TYPES: frozenset[str] = frozenset({"phone", "email", "handle", "payment", "crypto"})


@dataclass(frozen=True, slots=True)
class LinkConfig:
    identifier_types: frozenset[str] = IDENTIFIER_TYPES
    # Operator overrides, keyed "type:value" for identifiers and "template:KEY" for templates: never_merge
    # is always a hub / copied script (a fact, never merged through), always_merge never is (load_overrides).
    never_merge: frozenset[str] = frozenset()
    always_merge: frozenset[str] = frozenset()
    # Shared evidence carried by this many posters, each with a contact of their own, is a hub (identifiers)
    # or a copied script (templates); trailguard.link.evidence. Measured on benchmarks/link_adversarial.py.
    hub_min_posters: int = 4
    script_min_posters: int = 3
    # Text: word 3-gram shingles; a shingle on more than max(stock_min_df, stock_fraction x N) items is stock.
    shingle_size: int = 3
    stock_min_df: int = 100
    stock_fraction: float = 0.002
    # ...or on at least stock_spread_min_df items whose posters (joined by identifiers) are mostly different:
    # distinct posters >= stock_spread x items. A group's own template is many items but few posters.
    # (A small group posting under 3-4 numbers is at most a handful of posters: stock_spread_min_posters.)
    stock_spread_min_df: int = 8
    stock_spread_min_posters: int = 8
    stock_spread: float = 0.5
    max_text_chars: int = 20_000  # hostile input: longer texts are cut before tokenising
    # MinHash LSH: num_perm = bands x rows; candidate pairs verified at estimated Jaccard >= near_duplicate.
    lsh_bands: int = 16
    lsh_rows: int = 4
    near_duplicate: float = 0.5
    max_bucket: int = 2_000  # an LSH bucket larger than this links its members as a chain, not all pairs
    # InfoShield: top-k TF-IDF phrases per document for coarse clusters; clusters above max_cluster are split
    # along their near-duplicate components before template fitting.
    top_phrases: int = 8
    min_shared_phrases: int = 2
    max_cluster: int = 1_000
    template_sample: int = 40
    min_template_tokens: int = 6  # informative constant words a template needs
    template_coverage: float = 0.6  # share of those words a member must follow, and of its own it must share
    # Images: PDQ below this quality is never matched (upstream convention, as in settings.pdq_min_quality).
    pdq_min_quality: int = 50
    image_neighbours: ImageNeighbours | None = None


def load_overrides(path: Path, config: LinkConfig) -> LinkConfig:
    """`config` with the operator's overrides from a file: one key per line, `hub KEY` (never merged through)
    or `link KEY` (always merged through, never judged a hub or script); `#` starts a comment.

    KEY is `type:value` for an identifier (`email:help@site.example`, `phone:+16175550123`) or `template:KEY`
    for a template (the key in the network's reasons and in hubs.json). An unknown verb is an error naming the
    line, so a typo never silently merges or splits networks.
    """
    never, always = set(config.never_merge), set(config.always_merge)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        verb, _, key = text.partition(" ")
        key = key.strip()
        if verb not in ("hub", "link") or ":" not in key:
            raise ValueError(f"{path}:{number}: expected 'hub TYPE:VALUE' or 'link TYPE:VALUE', got {text!r}")
        (never if verb == "hub" else always).add(key)
        (always if verb == "hub" else never).discard(key)
    return replace(config, never_merge=frozenset(never), always_merge=frozenset(always))
