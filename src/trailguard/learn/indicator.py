"""The trained chat scorer as an indicator, described without loading scikit-learn (the reference lists it)."""

from __future__ import annotations

from trailguard.indicators.computed import ComputedIndicator

THRESHOLD = 0.5  # probability at which the model's hit counts (precision/recall are reported there too)
MAX_WEIGHT = 0.79  # the model alone can put a conversation in high, never in critical (rules decide that)

MODEL_SCORE = ComputedIndicator(
    id="chat.model_score",
    applies_to="model",
    category="model",
    weight=MAX_WEIGHT,
    grade="D",
    holds_when=f"a model the operator trained (`trailguard model train`) scores the conversation at {THRESHOLD} "
    f"or more; the weight is its probability, capped at {MAX_WEIGHT}; below, a context hit",
    source="A logistic regression trained by its operator on their own labelled conversations (each hit names "
    "the file, its size and date); not validated by Trailguard. Trailguard ships no trained model.",
)
