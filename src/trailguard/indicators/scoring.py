"""From hits to a score in [0, 1] and a band: a triage priority for human review, not a probability.

The score is a noisy-OR over the distinct risk indicators that fired: score = 1 - prod(1 - w_i). Why this:
- each indicator is read as independent evidence that the item deserves a look, so two weak signs together
  rank above one, but no pile of weak signs ever reaches 1;
- it is monotone: adding a hit never lowers a score, and a hit counts once however often its words repeat
  (an attacker cannot inflate or deflate a score by repetition);
- it decomposes: `contributions` attributes the score to hits in proportion to -log(1 - w_i), which adds up
  exactly to the score, so every point of it is explained.
"context" hits (weight 0) are shown to reviewers but never raise the score. Some indicators carry a
`band_floor`: seen alone they are serious enough (a stated age under 18, a known-image match, a threat to
share images) that the item is placed at least in that band, and its score is lifted to the band's lower
bound so ordering by score and by band agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from trailguard.model import BANDS, Hit

BAND_THRESHOLDS: Mapping[str, float] = {"medium": 0.30, "high": 0.55, "critical": 0.80}


def band_for(score: float) -> str:
    band = "low"
    for name in BANDS[1:]:
        if score >= BAND_THRESHOLDS[name]:
            band = name
    return band


def score_hits(hits: Sequence[Hit], floors: Mapping[str, str] | None = None) -> tuple[float, str]:
    """Score and band for an item's hits; `floors` maps indicator ids to their band floor."""
    keep = 1.0
    seen: set[str] = set()
    floor_band = "low"
    for h in hits:
        if h.indicator in seen:
            continue
        seen.add(h.indicator)
        if h.effect != "risk":
            continue  # context is shown to the reviewer, never scored: no weight and no band floor
        keep *= 1.0 - min(max(h.weight, 0.0), 1.0)
        floor = (floors or {}).get(h.indicator)
        if floor is not None and BANDS.index(floor) > BANDS.index(floor_band):
            floor_band = floor
    # Round before banding, so the band always agrees with the score that is shown.
    score = round(1.0 - keep, 4)
    if floor_band != "low":
        score = max(score, BAND_THRESHOLDS[floor_band])
    return score, band_for(score)


def contributions(hits: Sequence[Hit], score: float) -> dict[str, float]:
    """How much of `score` each risk indicator accounts for; the values add up to the score."""
    logs: dict[str, float] = {}
    for h in hits:
        if h.effect == "risk" and h.indicator not in logs:
            logs[h.indicator] = -math.log(max(1e-9, 1.0 - min(h.weight, 0.999999)))
    total = sum(logs.values())
    if total <= 0:
        return dict.fromkeys(logs, 0.0)
    return {k: round(score * v / total, 4) for k, v in logs.items()}
