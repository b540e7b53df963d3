"""The pattern prefilter may only skip patterns that cannot match: the engine's hits equal running every
pattern with IGNORECASE on the original text, for every packaged pattern, on real set messages and on text
built from the patterns' own literals."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.indicators.catalogue import packaged_catalogues, parse_catalogue
from trailguard.indicators.engine import Engine
from trailguard.indicators.prefilter import required_literals
from trailguard.model import KINDS

ENGINE = Engine(packaged_catalogues())
PATTERNS = [(i, re.compile(i.regex, re.IGNORECASE)) for i in ENGINE.indicators.values() if i.regex]
VOCABULARY = sorted(
    {w for i, _ in PATTERNS for w in (required_literals(i.regex or "") or ())}
    | {"u", "ur", "you", "i", "me", "my", "'", "’", "?", "!", "\n", "2", "18", "13", "$50"}
)


def reference(text: str, kind: str) -> dict[str, list[tuple[int, int]]]:
    """Every pattern indicator of `kind`, run the slow way."""
    out: dict[str, list[tuple[int, int]]] = {}
    for ind, rx in PATTERNS:
        if kind in ind.kinds:
            spans = [(m.start(), m.end()) for m in rx.finditer(text) if m.end() > m.start()][:8]
            if spans:
                out[ind.id] = spans
    return out


def engine_patterns(text: str, kind: str) -> dict[str, list[tuple[int, int]]]:
    ids = {i.id for i, _ in PATTERNS}
    return {
        h.indicator: [(s.start, s.end) for s in h.evidence]
        for h in ENGINE.evaluate(text, [], kind)
        if h.indicator in ids
    }


def set_messages() -> list[str]:
    folder = Path(__file__).parent / "data" / "chat_eval"
    return [
        m["text"]
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_bytes().splitlines()
        for m in orjson.loads(line)["messages"]
    ]


def test_engine_equals_running_every_pattern_on_the_tuned_set() -> None:
    for text in set_messages():
        assert engine_patterns(text, "chat") == reference(text, "chat"), text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=14).map(" ".join),
    st.sampled_from(KINDS),
    st.booleans(),
)
def test_engine_equals_running_every_pattern_on_literal_soup(text: str, kind: str, upper: bool) -> None:
    text = text.upper() if upper else text
    assert engine_patterns(text, kind) == reference(text, kind)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bsend (?:me )?(?:your|ur) passport\b", {" passport"}),
        (r"abc|defg", {"abc", "defg"}),
        (r"(?:x)?(?:hello|world)s?", {"hello", "world"}),
        (r"ab|c", None),  # a literal too short to be worth filtering on
        (r"(?=secret)\w+", None),  # a look-ahead guarantees nothing about the match itself
        (r"[a-z]+ owe me", {" owe me"}),
        (r"(?:pay|send){1,3} now", {" now"}),
        # words most messages hold gate nothing: the rarer part is chosen though its words are shorter
        (r"(?:really|about) \w+ (?:kiss|hug)", {"kiss", "hug"}),
    ],
)
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    found = required_literals(pattern)
    assert (None if found is None else set(found)) == expected


def test_a_pattern_naming_upper_case_keeps_ignorecase_and_is_never_filtered() -> None:
    cat = parse_catalogue(
        """
domain: demo
kinds: [chat]
indicators:
  - id: demo.place
    category: demo
    description: A capitalised word after "from".
    pattern: 'from (?-i:[A-Z][a-z]+)'
    weight: 0.1
    grade: D
    source: test
""",
        "demo.yaml",
    )
    engine = Engine([cat])
    assert [h.evidence[0].text for h in engine.evaluate("pics FROM Lisbon", [], "chat")] == ["FROM Lisbon"]
    assert engine.evaluate("pics from lisbon", [], "chat") == []
