"""The `near` rule form: two concepts' terms within some words of each other, checked as the engine runs it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trailguard.indicators.catalogue import CatalogueError, parse_catalogue
from trailguard.indicators.engine import Engine
from trailguard.indicators.near import NearError, clause_regex, term_regex

CATALOGUE = """\
domain: test
title: near test
kinds: [chat]
indicators:
  - id: t.documents_held
    category: seizure
    stage: control
    description: a document and holding it
    weight: 0.4
    grade: C
    source: test
    near:
      - within: 4
        terms:
          - [passport*, id card]
          - [keep*, stays with]
"""


def _matches(rx: str, text: str) -> bool:
    return re.search(rx, text.lower()) is not None


def test_terms_take_endings_optional_apostrophes_and_whole_words() -> None:
    assert _matches(term_regex("keep*"), "the agency keeping it")
    assert _matches(term_regex("can't leave"), "you cant   leave now")
    assert _matches(term_regex("can't leave"), "you can't leave")
    assert not _matches(term_regex("id"), "i paid")
    assert not _matches(term_regex("keep"), "keeper")


def test_either_order_within_the_words_and_not_beyond() -> None:
    rx = clause_regex([["passport"], ["driver"]], 3)
    assert _matches(rx, "your passport is with the driver")
    assert _matches(rx, "the driver keeps your passport")
    assert not _matches(rx, "the passport one two three four driver")


@given(st.integers(0, 12), st.integers(0, 8), st.sampled_from(["ab", "ba"]))
def test_a_gap_matches_exactly_up_to_within(gap: int, within: int, order: str) -> None:
    rx = clause_regex([["passport"], ["driver"]], within)
    words = ["passport", *(["word"] * gap), "driver"]
    if order == "ba":
        words.reverse()
    assert _matches(rx, "so " + " ".join(words) + " ok") == (gap <= within)


def test_the_engine_fires_with_evidence_across_both_terms() -> None:
    engine = Engine([parse_catalogue(CATALOGUE, "near.yaml")])
    [hit] = engine.evaluate("Your ID card stays with the manager.", [], "chat", message=3)
    assert hit.indicator == "t.documents_held" and hit.stage == "control"
    [span] = hit.evidence
    assert span.text == "ID card stays with" and span.message == 3
    assert engine.evaluate("bring your id card on monday", [], "chat") == []


@pytest.mark.parametrize(
    ("clause", "message"),
    [
        (
            "      - within: 4\n        terms:\n          - [no, nope]\n          - [leave]\n",
            "is not text (quote it",
        ),
        (
            "      - within: 40\n        terms:\n          - [a1]\n          - [b1]\n",
            "'within' must be 0..20",
        ),
        ("      - terms:\n          - [a1]\n", "exactly two lists"),
        ("      - within: 2\n        terms:\n          - [keep**]\n          - [b1]\n", "'*' may only end"),
        ("      - within: 2\n        words: [a]\n", "must be a mapping of 'terms'"),
    ],
)
def test_a_malformed_clause_fails_with_its_line(clause: str, message: str) -> None:
    text = CATALOGUE.split("    near:\n")[0] + "    near:\n" + clause
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(text, "ops.yaml")
    assert str(err.value).startswith("ops.yaml:12: indicator 't.documents_held'"), str(err.value)
    assert message in str(err.value)


def test_a_term_must_be_short_and_non_empty() -> None:
    with pytest.raises(NearError):
        term_regex("   ")
    with pytest.raises(NearError):
        term_regex("x" * 61)
