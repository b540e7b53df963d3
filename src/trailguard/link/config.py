"""Knobs of the link stage, with defaults measured on the generated corpora (docs/networks.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# Given PDQ hex strings, yield (i, j, distance) for pairs within the caller's threshold (trailguard.media.index).
ImageNeighbours = Callable[[list[str]], Iterable[tuple[int, int, int]]]

IDENTIFIER_TYPES: frozenset[str] = frozenset({"phone", "email", "handle", "payment", "crypto"})


@dataclass(frozen=True, slots=True)
class LinkConfig:
    identifier_types: frozenset[str] = IDENTIFIER_TYPES
    # Operator overrides, keys `type:value` ("email:help@site.example") or `template:<key>` (a template's key
    # as networks.json shows it): never_merge forces a hub / copied script, always_merge never makes one.
    never_merge: frozenset[str] = frozenset()
    always_merge: frozenset[str] = frozenset()
    # Evidence strength: an identifier whose carriers fall into this many separate contact sets is a hub
    # (trailguard.link.hubs). A template written by script_posters_always or more separate posters is a
    # copied script (trailguard.link.scripts), and so is one of script_posters or more posters with fewer
    # than script_ads_per_poster ads (that show a contact) per poster: a group posting from two or three
    # numbers in turn has many ads per number, posters copying a text a few each. Neither merges.
    hub_contact_sets: int = 2
    script_posters: int = 2
    script_posters_always: int = 4
    script_ads_per_poster: float = 4.0
    # Telling posters apart for stock phrases leaves out identifiers on more than this many items that are
    # widespread (widespread_partners, below).
    hub_min_items: int = 60
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
    # Telling posters apart leaves out identifiers on more than hub_min_items items whose items carry at least
    # this many distinct other identifiers per item (a hotline quoted by posters who each add their own).
    widespread_partners: float = 0.5
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


def read_overrides(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(never_merge, always_merge) from an operator's file: one decision a line, `hub <key>` (always a hub /
    copied script) or `not-hub <key>` (never one), keys as networks.json and hubs.json show them
    (`phone:+16175550123`, `template:<key>`); blank lines and `#` comments are skipped."""
    hub: set[str] = set()
    not_hub: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            verb, _, key = line.partition(" ")
            key = key.strip()
            if verb not in ("hub", "not-hub") or ":" not in key:
                raise ValueError(f"{path}: line {number}: expected 'hub TYPE:VALUE' or 'not-hub TYPE:VALUE'")
            (hub if verb == "hub" else not_hub).add(key)
    return frozenset(hub), frozenset(not_hub)
