"""The scan's stages as functions every runner calls: ingest, analyze (per batch), link.

Each runner decides only where the stages run (this process, a process pool, Spark executors); what each stage
computes lives here once, so every engine produces the same records from the same inputs.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from trailguard.indicators.catalogue import catalogue_paths, load_catalogues
from trailguard.ingest import ReadStats, read_sources
from trailguard.ingest.identity import first_of_each_id
from trailguard.link import LinkConfig, link, link_assessments
from trailguard.link.config import read_overrides
from trailguard.link.linker import HERE, LinkRunner
from trailguard.media.index import MatchIndex
from trailguard.media.scan import ImageCache, hash_item_images, match_item_images, pdq_neighbours
from trailguard.model import Assessment, Hub, Item, Network, Reject
from trailguard.pipeline.analyze import Analyzer
from trailguard.settings import Settings, SettingsError

if TYPE_CHECKING:
    from trailguard.learn.chat_scorer import ChatScorer
    from trailguard.store.writer import Store

log = logging.getLogger(__name__)

# Why linking `items` items whose assessments file holds `size` bytes would not fit (None: it fits).
Shortfall = Callable[[int, int], str | None]


# --- ingest ------------------------------------------------------------------------------------------------


def ingest(
    inputs: Sequence[str], settings: Settings, csv_mapping: Mapping[str, str] | None, stats: ReadStats
) -> Iterator[Item | Reject]:
    """Items and rejects of every input in input order, a repeated id rejected (ingest.identity)."""
    return first_of_each_id(read_sources(list(inputs), settings, csv_mapping=csv_mapping, stats=stats))


# --- analyze -----------------------------------------------------------------------------------------------


def chat_scorer(settings: Settings) -> ChatScorer | None:
    """The trained chat scorer the settings name, if any (scikit-learn is imported only then)."""
    if not settings.chat_model:
        return None
    from trailguard.learn.modelfile import load

    return load(Path(settings.chat_model))


@dataclass(slots=True)
class BatchAnalyzer:
    """The analyze stage as one worker holds it: the compiled Analyzer, the settings, and the image cache (a file
    named by many items is hashed once per scan)."""

    analyzer: Analyzer
    settings: Settings
    images: ImageCache

    @classmethod
    def build(cls, settings: Settings, index: MatchIndex | None, images: Path | None = None) -> BatchAnalyzer:
        """Compiled from the settings, as in every worker of every engine (catalogues checked by the CLI);
        `images`, a directory of this scan, lets the workers share image results (media.scan.ImageCache)."""
        matcher = None
        if index is not None:
            matcher = lambda hashes: match_item_images(list(hashes), index)  # noqa: E731
        analyzer = Analyzer(
            load_catalogues(catalogue_paths(settings.catalogues)),
            region=settings.default_region,
            image_matcher=matcher,
            chat_scorer=chat_scorer(settings),
            max_entities=settings.max_entities,
        )
        return cls(analyzer, settings, ImageCache(shared_dir=images))

    def __call__(self, items: Sequence[Item]) -> list[Assessment]:
        out = []
        for item in items:
            images = (
                hash_item_images(_image_base(item), item.images, self.settings, self.images)
                if item.images
                else []
            )
            out.append(self.analyzer.analyze(item, images))
        return out


def _image_base(item: Item) -> Path:
    """Image paths in an item are relative to the file the item was read from (or the working directory)."""
    if item.source is not None and item.source.file not in ("-", "<stdin>"):
        return Path(item.source.file).resolve().parent
    return Path.cwd()


# --- link --------------------------------------------------------------------------------------------------


def link_config(settings: Settings) -> LinkConfig:
    """The link stage as the scan runs it: image links through the same PDQ index and bounds as the banks,
    and the operator's hub decisions (settings.link_overrides)."""
    never: frozenset[str] = frozenset()
    always: frozenset[str] = frozenset()
    if settings.link_overrides:
        try:
            never, always = read_overrides(Path(settings.link_overrides))
        except (OSError, ValueError) as exc:
            raise SettingsError("link_overrides", f"names a file that cannot be used: {exc}") from None
    return LinkConfig(
        never_merge=never,
        always_merge=always,
        pdq_min_quality=settings.pdq_min_quality,
        image_neighbours=partial(pdq_neighbours, max_distance=settings.pdq_max_distance),
    )


@dataclass(slots=True)
class LinkStage:
    """Linking a scan's assessments (streamed back from its assessments.jsonl), bounded by free memory.

    `shortfall` says why a link of so many items would not fit (pipeline.memory.link_shortfall); a runner whose
    linking has other bounds passes its own. `runner` says where link's fine step and clustering run (the
    Spark engine's executors: pipeline.spark_link).
    """

    settings: Settings
    shortfall: Shortfall
    runner: LinkRunner = HERE

    def run(self, assessed_path: Path, items: int) -> tuple[list[Network], list[Hub], str | None]:
        """The networks and hubs of the scan, or none and why linking was skipped."""
        skipped = self.shortfall(items, assessed_path.stat().st_size)
        if skipped is not None:
            return [], [], skipped
        linked = link(read_assessments(assessed_path), link_config(self.settings), self.runner)
        return linked.networks, linked.hubs, None

    def store_networks(
        self, store: Store, scan_id: int, networks: list[Network], assessed_path: Path, scanned: int
    ) -> None:
        """Save the scan's networks so that each stored item stays in one network, whatever was scanned before.

        A stored network that reaches items this scan did not read cannot be kept beside the new ones (an item
        would be in both) nor dropped (its links would be lost); and a stored item that shares an identifier
        with an item of this scan belongs with it. So the scan is linked again together with those stored
        items and their whole networks (Store.outside_members), from their stored assessments, and the result
        replaces the networks it touched. networks.json keeps the networks of the scan's own items.
        """
        cfg = link_config(self.settings)
        reach = store.outside_members(scan_id, cfg.identifier_types)
        outside = reach.items
        if outside and self.shortfall(scanned + len(outside), assessed_path.stat().st_size) is not None:
            # Too many stored items to link again in this memory: a new network that would overlap a kept one
            # is then not stored (Store.save_networks), so no item ends up in two.
            log.warning("%d stored items too many to link again with this scan in free memory", len(outside))
            outside = []
        if outside or reach.hubs:
            store.heartbeat(scan_id)
            # An identifier on thousands of stored items is a hub even when this scan alone holds it a few times.
            cfg = dataclasses.replace(cfg, never_merge=cfg.never_merge | frozenset(reach.hubs))
            assessments = chain(read_assessments(assessed_path), store.load_assessments(outside))
            networks = link_assessments(assessments, cfg, self.runner)
        store.save_networks(scan_id, networks, relinked=outside)


def read_assessments(path: Path, rejected: list[str] | None = None) -> Iterator[Assessment]:
    """Assessments from a JSON Lines file, one at a time.

    With `rejected`, a malformed line is recorded there (file, line number, reason) and reading goes on, for
    files from elsewhere; without it, the error is raised (the scan's own output must be well formed).
    """
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield Assessment.from_dict(orjson.loads(line))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
                if rejected is None:
                    raise
                rejected.append(f"{path}:{number}: {type(exc).__name__}: {exc}"[:300])
