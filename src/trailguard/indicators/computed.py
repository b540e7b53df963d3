"""The one shape of an indicator whose rule is code: a conversation rule, a network sign, an image-bank match,
an answer read in context or a trained model's score.

Catalogue indicators are data (`indicators.catalogue`); these cannot be, because their rule reads more than one
text (a whole conversation or network) or something other than text (a hash-bank match, a model). They are
described with the same fields all the same (id, category, weight, grade, source, what a reviewer is told,
effect, band floor, stage), they make their hits through `hit()`, and `indicators.reference` lists every one of
them with the catalogues in docs/indicators.md, from the objects the code runs, so the reference cannot say
other than what is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trailguard.model import Hit, Span


@dataclass(frozen=True, slots=True)
class ComputedIndicator:
    id: str
    applies_to: str  # what the rule reads: conversation, network, image, message in context, model
    category: str
    weight: float
    grade: str
    holds_when: str  # the rule in words, for the reference and the reviewer
    source: str
    effect: str = "risk"
    band_floor: str | None = None
    stage: str | None = None

    def hit(
        self,
        explanation: str,
        evidence: Sequence[Span] = (),
        *,
        weight: float | None = None,
        source: str | None = None,
        effect: str | None = None,
    ) -> Hit:
        """This indicator's hit; `weight`, `source` and `effect` only where one instance differs (a bank's name
        as the source of a match, a model's probability as its weight)."""
        return Hit(
            indicator=self.id,
            category=self.category,
            weight=self.weight if weight is None else weight,
            grade=self.grade,
            evidence=list(evidence),
            explanation=explanation,
            source=self.source if source is None else source,
            effect=self.effect if effect is None else effect,
            stage=self.stage,
        )
