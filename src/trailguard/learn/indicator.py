"""The trained chat scorer as an indicator, described without loading scikit-learn (the reference lists it)."""

from __future__ import annotations

from trailguard.indicators.computed import ComputedIndicator
from trailguard.indicators.scoring import BAND_THRESHOLDS

THRESHOLD = 0.5  # the lowest probability at which the model's hit counts, whatever its calibration says
MAX_WEIGHT = 0.79  # the model alone can put a conversation in high, never in critical (rules decide that)
HIGH_WEIGHT = BAND_THRESHOLDS["high"]  # a counted hit weighs at least this: it puts the conversation in high
BENIGN_ALERT_RATE = (
    0.02  # the share of the operator's benign conversations, out of fold, a counted hit allows
)

MODEL_SCORE = ComputedIndicator(
    id="chat.model_score",
    applies_to="model",
    category="model",
    weight=MAX_WEIGHT,
    grade="D",
    holds_when=f"a model the operator trained (`trailguard model train`) scores the conversation at its alert "
    f"threshold or more: the lowest probability (never below {THRESHOLD}) that at most {BENIGN_ALERT_RATE:.0%} of "
    f"the operator's benign conversations reach when each is scored by a model trained without it; the weight "
    f"is the probability, at least {HIGH_WEIGHT} (high) and at most {MAX_WEIGHT}; below the threshold, a "
    "context hit",
    source="A logistic regression trained by its operator on their own labelled conversations (each hit names "
    "the file, its size and date); not validated by Trailguard. Trailguard ships no trained model.",
)
