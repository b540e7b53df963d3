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
from trailguard.model import Assessment, Hit, ImageHash, Item

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
    ) -> None:
        self.engine = Engine(packaged_catalogues() if catalogues is None else catalogues)
        self.region = region
        self.image_matcher = image_matcher
        self.chat_scorer = chat_scorer
        self.floors = {i.id: i.band_floor for i in self.engine.indicators.values() if i.band_floor}
        self.extract = partial(extract_entities, region=region)

    def analyze(self, item: Item, images: Sequence[ImageHash] = ()) -> Assessment:
        if item.kind == "chat":
            assessment = assess_chat(item, self.engine, self.extract, self.chat_scorer)
        else:
            text = item.document()
            entities = self.extract(text, regions=item_regions(item.location, item.platform))
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
