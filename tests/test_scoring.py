"""Scoring: bounded, monotone, explained, and immune to repetition."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from trailguard.indicators.scoring import BAND_THRESHOLDS, band_for, contributions, score_hits
from trailguard.model import Hit, Span


def hit(ind: str, weight: float, effect: str = "risk") -> Hit:
    return Hit(ind, "test", weight, "D", [Span(0, 1, "x")], "why", "source", effect=effect)


weights = st.lists(st.floats(min_value=0.0, max_value=1.0), max_size=12)


@given(weights)
def test_score_is_bounded_and_contributions_add_up(ws: list[float]) -> None:
    hits = [hit(f"i{k}", w) for k, w in enumerate(ws)]
    score, band = score_hits(hits)
    assert 0.0 <= score <= 1.0
    assert band == band_for(score)
    parts = contributions(hits, score)
    assert math.isclose(sum(parts.values()), score, abs_tol=1e-3)


@given(weights, st.floats(min_value=0.0, max_value=1.0))
def test_adding_a_hit_never_lowers_the_score(ws: list[float], extra: float) -> None:
    hits = [hit(f"i{k}", w) for k, w in enumerate(ws)]
    before, _ = score_hits(hits)
    after, _ = score_hits([*hits, hit("extra", extra)])
    assert after >= before - 1e-9


def test_repetition_counts_once_and_context_never_raises() -> None:
    once, _ = score_hits([hit("a", 0.3)])
    assert once == 0.3
    assert score_hits([hit("a", 0.3)] * 50)[0] == once
    assert score_hits([hit("a", 0.3), hit("ctx", 0.0, effect="context")])[0] == once
    assert score_hits([hit("ctx", 0.0, effect="context")]) == (0.0, "low")


def test_noisy_or_combination_and_bands() -> None:
    score, band = score_hits([hit("a", 0.3), hit("b", 0.35)])
    assert math.isclose(score, 1 - 0.7 * 0.65, abs_tol=1e-4)
    assert band == "medium"
    assert band_for(BAND_THRESHOLDS["critical"]) == "critical"
    assert band_for(0.29) == "low"


def test_band_floor_lifts_score_to_the_band() -> None:
    score, band = score_hits([hit("ads.minor_age", 0.1)], floors={"ads.minor_age": "critical"})
    assert band == "critical"
    assert score == BAND_THRESHOLDS["critical"]


def test_band_agrees_with_the_rounded_score() -> None:
    # 1 - 0.8 * 0.75 * 0.75 is 0.5499999... in floating point: shown as 0.55, it must be banded as 0.55.
    score, band = score_hits([hit("a", 0.20), hit("b", 0.25), hit("c", 0.25)])
    assert (score, band) == (0.55, "high")


def test_context_hits_never_apply_a_band_floor() -> None:
    assert score_hits([hit("ctx", 0.0, effect="context")], floors={"ctx": "critical"}) == (0.0, "low")
