"""Ages, prices and places: stated forms, the decoys that look like them, labelled sets, properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.extract import extract_entities
from trailguard.extract.ages import find_ages
from trailguard.extract.places import find_places
from trailguard.extract.prices import find_prices
from trailguard.model import Entity

LABELLED = Path(__file__).parent / "data" / "labelled"


def assert_offsets(text: str, entities: list[Entity]) -> None:
    for e in entities:
        assert e.raw == text[e.start : e.end], e


# --- ages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "age", "raw", "obfuscated"),
    [
        ("sweet 22 yrs", 22, "22 yrs", False),
        ("I'm 19 and new", 19, "I'm 19", False),
        ("age: 21", 21, "age: 21", False),
        ("19yo", 19, "19yo", False),
        ("Twenty-Two years old", 22, "Twenty-Two years old", True),
        ("22 years young", 22, "22 years young", False),
        ("a 22-year-old", 22, "22-year-old", False),
        ("just turned 21!", 21, "turned 21", False),
        ("Im 23.", 23, "Im 23", False),
    ],
)
def test_age_forms(text: str, age: int, raw: str, obfuscated: bool) -> None:
    found = find_ages(text)
    assert [(e.value, e.raw, e.obfuscated) for e in found] == [(age, raw, obfuscated)]
    assert_offsets(text, found)


@pytest.mark.parametrize(
    "text",
    [
        "new 18+",  # an age gate, not a stated age
        "must be 18 to reply",
        "10 years experience",
        "for 20 years",
        "5'6 120 lbs",
        "$150/hr",
        "I'm 25 min away",
        "I'm 100% real",
        "age 9",  # outside 10..99
        "call 617-555-0123",
        # a measure after the cue: each would have been a minor's age, and a critical flag
        "I'm 12 miles away",
        "I am 15 km from the airport",
        "I'm 17 stops from the station",
        "I'm 14 weeks along",
        "Just turned 16 weeks pregnant",
        "Age 12 months warranty",
        "I'm 10 years into this business",
        "Our agency turned 15 this year",
    ],
)
def test_age_decoys(text: str) -> None:
    assert find_ages(text) == []


# --- prices -------------------------------------------------------------------------------------------


def price_view(e: Entity) -> tuple[Any, ...]:
    return (e.value, e.attrs.get("currency"), e.attrs.get("unit"), bool(e.attrs.get("coded")))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$150/hr", [(150.0, "USD", "hour", False)]),
        ("150 roses", [(150.0, None, None, True)]),
        ("200 for an hour", [(200.0, None, "hour", False)]),
        ("€80", [(80.0, "EUR", None, False)]),
        ("80hh", [(80.0, None, "half hour", False)]),
        ("$1,200.50 weekend", [(1200.5, "USD", None, False)]),
        ("300 overnight", [(300.0, None, "overnight", False)]),
        ("150$ hh", [(150.0, "USD", "half hour", False)]),
        ("80 qv 120 hh", [(80.0, None, "visit", False), (120.0, None, "half hour", False)]),
        # separators: one or two digits after the last one are decimals, groups of three are thousands
        ("$1.5", [(1.5, "USD", None, False)]),
        ("$1.50 extra", [(1.5, "USD", None, False)]),
        ("€1,50", [(1.5, "EUR", None, False)]),
        ("€1.000", [(1000.0, "EUR", None, False)]),
        ("1.000€ overnight", [(1000.0, "EUR", "overnight", False)]),
        ("€1.000,50", [(1000.5, "EUR", None, False)]),
        ("$1.000", [(1000.0, "USD", None, False)]),
        ("$2.500.000", [(2500000.0, "USD", None, False)]),
        ("$150, 200 roses", [(150.0, "USD", None, False), (200.0, None, None, True)]),
        (
            "Rates 150 per hour, just 250 per night",
            [(150.0, None, "hour", False), (250.0, None, "overnight", False)],
        ),
    ],
)
def test_price_forms(text: str, expected: list[tuple[Any, ...]]) -> None:
    found = find_prices(text)
    assert [price_view(e) for e in found] == expected
    assert_offsets(text, found)


def test_coded_price_is_obfuscated() -> None:
    (roses,) = find_prices("150 roses")
    (dollars,) = find_prices("$150")
    assert roses.obfuscated and not dollars.obfuscated


@pytest.mark.parametrize(
    "text",
    [
        "available 24 hours",
        "24hr service",
        "10 hours",
        "call 617 555 0123",
        "22 yrs",
        "34-24-36",
        "2 hr min",
        "$JaneDoe55",
        "$1.2.3",  # never cut short to $1.2
        # a label makes the number something other than money
        "Route 66 overnight",
        "Flight 1549 overnight",
        "Posted 2024 per night",
        "Speed 60 per hour",
        "Room #212 per night",
        # the tail of a phone number: no rate starts with 0
        "Call 617 555 0123 for an hour",
    ],
)
def test_price_decoys(text: str) -> None:
    assert find_prices(text) == []


def test_price_that_starts_inside_a_phone_is_dropped() -> None:
    text = "Call +61 491 570 156 for an hour"
    assert [e.value for e in find_prices(text)] == [156.0]  # alone, the tail reads as a rate
    assert [(e.type, e.value) for e in extract_entities(text)] == [("phone", "+61491570156")]
    text = "Call +61 491 570 156, 200 for an hour"
    assert [(e.type, e.value) for e in extract_entities(text)] == [
        ("phone", "+61491570156"),
        ("price", 200.0),
    ]


@settings(max_examples=200, deadline=None)
@given(st.integers(1000, 10**9), st.integers(0, 99), st.sampled_from(["us", "eu"]), st.sampled_from("$€"))
def test_grouped_amounts_read_whole(whole: int, cents: int, style: str, sym: str) -> None:
    us = f"{whole:,}.{cents:02d}"
    amount = us if style == "us" else us.replace(",", " ").replace(".", ",").replace(" ", ".")
    text = f"only {sym}{amount} tonight" if sym == "$" else f"only {amount}{sym} tonight"
    (price,) = find_prices(text)
    assert price.value == pytest.approx(whole + cents / 100)
    assert price.raw == (f"{sym}{amount}" if sym == "$" else f"{amount}{sym}")


# --- places -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "raw"),
    [
        ("New in Boston, MA this week", ["Boston, MA"], "Boston, MA"),
        ("visiting Houston", ["Houston, TX"], "Houston"),
        ("NYC and LA", ["New York City, NY", "Los Angeles, CA"], "NYC"),
        ("Portland, Maine", ["Portland, ME"], "Portland, Maine"),
        ("Mobile, AL", ["Mobile, AL"], "Mobile, AL"),
        ("near Reading", ["Reading, GB"], "Reading"),
        ("St. Louis outcall", ["St. Louis, MO"], "St. Louis"),
        ("in Madrid, Spain", ["Madrid, ES"], "Madrid, Spain"),
        ("São Paulo", ["São Paulo, BR"], "São Paulo"),
        ("Washington DC", ["Washington, DC"], "Washington DC"),
        ("touring texas", ["Texas, US"], "texas"),
    ],
)
def test_place_forms(text: str, expected: list[str], raw: str) -> None:
    found = find_places(text)
    assert [e.value for e in found] == expected
    assert found[0].raw == raw
    assert_offsets(text, found)


def test_place_attrs() -> None:
    (boston,) = find_places("in Boston")
    assert boston.attrs["country"] == "US" and boston.attrs["admin1"] == "MA"
    assert abs(boston.attrs["lat"] - 42.36) < 0.1 and abs(boston.attrs["lon"] + 71.06) < 0.1
    assert isinstance(boston.attrs["geonameid"], int)


@pytest.mark.parametrize(
    "text",
    [
        "Nice to meet you",
        "Reading is my hobby",
        "March 3rd",
        "Independence Day",
        "Mobile number below",
        "NICE GIRL",
        "Ask for Austin",
        "boston cream pie",
        "la la land",
    ],
)
def test_place_decoys(text: str) -> None:
    assert find_places(text) == []


# --- labelled sets --------------------------------------------------------------------------------------


def entity_key(d: dict[str, Any]) -> tuple[Any, ...]:
    if d["type"] == "price":
        a = d.get("attrs") or {}
        return (d["value"], a.get("currency"), a.get("unit"), bool(a.get("coded")))
    return (d["value"],)


@pytest.mark.parametrize(
    ("name", "extract", "min_precision", "min_recall"),
    [("ages", find_ages, 0.95, 0.95), ("prices", find_prices, 0.9, 0.9), ("places", find_places, 0.95, 0.9)],
)
def test_labelled_set(name: str, extract: Any, min_precision: float, min_recall: float) -> None:
    lines = (LABELLED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 40
    tp = fp = fn = 0
    for line in lines:
        case = json.loads(line)
        expected = [entity_key(e) for e in case["expected"]]
        got = [entity_key(e.to_dict()) for e in extract(case["text"])]
        hit = sum(min(expected.count(k), got.count(k)) for k in set(expected))
        tp, fp, fn = tp + hit, fp + len(got) - hit, fn + len(expected) - hit
    assert tp / (tp + fp) >= min_precision
    assert tp / (tp + fn) >= min_recall


# --- properties -----------------------------------------------------------------------------------------

FILLER = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_and_offsets_hold(text: str) -> None:
    for extract in (find_ages, find_prices, find_places):
        assert_offsets(text, extract(text))


@settings(max_examples=100, deadline=None)
@given(FILLER, st.integers(10, 99), FILLER)
def test_embedded_age_is_found(before: str, age: int, after: str) -> None:
    text = f"{before} . I'm {age} years old . {after}"
    assert age in [e.value for e in find_ages(text)]


@settings(max_examples=100, deadline=None)
@given(FILLER, st.integers(20, 99_999), FILLER)
def test_embedded_price_is_found(before: str, amount: int, after: str) -> None:
    text = f"{before} ${amount}/hr {after}"
    assert (float(amount), "USD", "hour", False) in [price_view(e) for e in find_prices(text)]
