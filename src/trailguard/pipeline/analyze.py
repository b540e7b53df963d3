"""The analyze stage: one Item (and the hashes of its images) in, one Assessment out. Pure.

The Analyzer holds what is compiled once (catalogues, the image-match index) and is rebuilt in every worker
process from the same inputs, so the local process pool and a Spark executor produce identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from trailguard.chat.assess import assess_chat
from trailguard.extract import extract_entities
from trailguard.extract.regions import item_regions
from trailguard.indicators.catalogue import Catalogue, packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.indicators.scoring import score_hits
from trailguard.model import Assessment, Entity, Hit, ImageHash, Item

if TYPE_CHECKING:  # scikit-learn is imported only by a scan that uses a trained model
    from trailguard.learn.chat_scorer import ChatScorer

ImageMatcher = Callable[[Sequence[ImageHash]], list[Hit]]


class Analyzer:
    def __init__(
        self,
        catalogues: Sequence[Catalogue] | None = None,
        region: str = "US",
        image_matcher: ImageMatcher | None = None,
        chat_scorer: ChatScorer | None = None,
        max_entities: int = 1000,
    ) -> None:
        self.engine = Engine(packaged_catalogues() if catalogues is None else catalogues)
        self.region = region
        self.image_matcher = image_matcher
        self.chat_scorer = chat_scorer
        self.floors = {i.id: i.band_floor for i in self.engine.indicators.values() if i.band_floor}
        self.extract = partial(extract_entities, region=region)
        self.max_entities = max_entities

    def analyze(self, item: Item, images: Sequence[ImageHash] = ()) -> Assessment:
        truncated = 0
        if item.kind == "chat":
            assessment = assess_chat(item, self.engine, self.extract, self.chat_scorer)
            assessment.entities, truncated = cap_entities(assessment.entities, self.max_entities)
        else:
            text = item.document()
            regions = item_regions(item.location, item.platform)
            entities, truncated = cap_entities(self.extract(text, regions=regions), self.max_entities)
            hits = self.engine.evaluate(text, entities, item.kind)
            score, band = score_hits(hits, self.floors)
            assessment = Assessment(
                item_id=item.id,
                kind=item.kind,
                entities=entities,
                hits=hits,
                score=score,
                band=band,
                text=text,
            )
        assessment.entities_truncated = truncated
        assessment.posted_at = item.posted_at
        assessment.location = item.location
        assessment.platform = item.platform
        assessment.author = item.author
        if images:
            assessment.images = list(images)
            if self.image_matcher is not None:
                media_hits = self.image_matcher(images)
                if media_hits:
                    assessment.hits = sorted(
                        [*assessment.hits, *media_hits], key=lambda h: (-h.weight, h.indicator)
                    )
                    floors = {
                        **self.floors,
                        **{h.indicator: "critical" for h in media_hits if h.effect == "risk"},
                    }
                    assessment.score, assessment.band = score_hits(assessment.hits, floors)
        return assessment


def cap_entities(entities: list[Entity], limit: int) -> tuple[list[Entity], int]:
    """At most `limit` of `entities` (in their order), and how many were left out.

    A megabyte of "age 18 " repeated holds 141k entities: kept whole they cost a 13 MB assessment and as many
    store rows for nothing a reviewer could read. The first mention of each distinct identifier or fact is
    kept before any repeat, so padding text with repeats cannot push a phone number out of the assessment.
    """
    if len(entities) <= limit:
        return entities, 0
    seen: set[str] = set()
    first: list[int] = []
    for i, e in enumerate(entities):
        key = e.key()
        if key not in seen:
            seen.add(key)
            first.append(i)
    keep = set(first[:limit])
    for i in range(len(entities)):
        if len(keep) >= limit:
            break
        keep.add(i)
    return [e for i, e in enumerate(entities) if i in keep], len(entities) - len(keep)
