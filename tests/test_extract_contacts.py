"""Emails, URLs, social handles and payment handles: forms, decoys, offsets, labelled sets, properties."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.extract.emails import find_emails
from trailguard.extract.handles import _NOT_NAMES, find_handles
from trailguard.extract.urls import find_urls, normalize_url
from trailguard.model import Entity

LABELLED = Path(__file__).parent / "data" / "labelled"


def values(entities: list[Entity], etype: str | None = None) -> list[object]:
    return [e.value for e in entities if etype is None or e.type == etype]


def assert_offsets(text: str, entities: list[Entity]) -> None:
    for e in entities:
        assert e.raw == text[e.start : e.end], e


# --- emails -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "raw", "obfuscated"),
    [
        ("mail Jane.Doe@Example.COM.", "jane.doe@example.com", "Jane.Doe@Example.COM", False),
        ("jane at gmail dot com", "jane@gmail.com", "jane at gmail dot com", True),
        ("x: jane (at) example [dot] com!", "jane@example.com", "jane (at) example [dot] com", True),
        ("jane@example . com", "jane@example.com", "jane@example . com", True),
        ("write jane @ example.org", "jane@example.org", "jane @ example.org", True),
        ("email me at jade at example dot com", "jade@example.com", "jade at example dot com", True),
        ("mail me...sasha99@example.com!!!", "sasha99@example.com", "sasha99@example.com", False),
    ],
)
def test_email_forms(text: str, value: str, raw: str, obfuscated: bool) -> None:
    found = find_emails(text)
    assert [(e.value, e.raw, e.obfuscated) for e in found] == [(value, raw, obfuscated)]
    assert_offsets(text, found)


@pytest.mark.parametrize(
    "text",
    [
        "meet me at home dot",
        "text me at home dot com",
        "I'm at the hotel. com",
        "a@b.c",
        "follow @jade",
        "at at @",
    ],
)
def test_email_decoys(text: str) -> None:
    assert find_emails(text) == []


def test_adjacent_addresses_do_not_overlap() -> None:
    found = find_emails("a@b.com@c.com")
    assert values(found) == ["a@b.com"]


# --- urls ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "raw"),
    [
        ("see https://Board.EXAMPLE.com:443/ad/1?x=2. thanks", "https://board.example.com/ad/1?x=2", None),
        ("www.example.com/x, ok", "http://www.example.com/x", "www.example.com/x"),
        ("go to example.org/jobs.", "http://example.org/jobs", "example.org/jobs"),
        ("http://bücher.example/a", "http://xn--bcher-kva.example/a", None),
        ("(see http://en.example.org/wiki/A_(b))", "http://en.example.org/wiki/A_(b)", None),
        ("http://example.com:8080/", "http://example.com:8080", None),
    ],
)
def test_url_forms(text: str, value: str, raw: str | None) -> None:
    found = find_urls(text)
    assert values(found) == [value]
    if raw is not None:
        assert found[0].raw == raw
    assert not found[0].obfuscated
    assert_offsets(text, found)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my site is jade dot example dot com", "http://jade.example.com"),
        ("example [dot] org", "http://example.org"),
        ("gallery(dot)example(dot)net", "http://gallery.example.net"),
    ],
)
def test_spelled_urls_are_obfuscated(text: str, value: str) -> None:
    found = find_urls(text)
    assert [(e.value, e.obfuscated) for e in found] == [(value, True)]
    assert_offsets(text, found)


@pytest.mark.parametrize(
    "text", ["e.g. fine", "photo.jpg", "jade@example.com", "meet at home dot", "version 2.0", "U.S. based"]
)
def test_url_decoys(text: str) -> None:
    assert find_urls(text) == []


def test_normalize_url_rejects_garbage() -> None:
    assert normalize_url("http://[::1") is None
    assert normalize_url("http://nohost") is None
    assert normalize_url("http://example.com:99999/") is None


def test_url_length_is_bounded() -> None:
    text = "https://example.com/" + "a" * 10_000
    (found,) = find_urls(text)
    assert len(found.raw) <= 2048 + len("https://")


# --- handles and payments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sc: jane_doe", ["snapchat:jane_doe"]),
        ("snap me jane.doe.", ["snapchat:jane.doe"]),
        ("add me on kik: janed", ["kik:janed"]),
        ("IG @Jane", ["instagram:jane"]),
        ("t.me/jane_x", ["telegram:jane_x"]),
        ("onlyfans.com/jane", ["onlyfans:jane"]),
        ("x.com/jane", ["twitter:jane"]),
        ("wechat id: jane123", ["wechat:jane123"]),
        ("find me on telegram @jane", ["telegram:jane"]),
        ("OF: janey", ["onlyfans:janey"]),
        ("discord: jane#1234", ["discord:jane#1234"]),
        ("snap/ig: jane_d", ["instagram:jane_d", "snapchat:jane_d"]),
    ],
)
def test_handle_forms(text: str, expected: list[str]) -> None:
    found = [e for e in find_handles(text) if e.type == "handle"]
    assert sorted(values(found)) == expected
    assert_offsets(text, found)


@pytest.mark.parametrize(
    "text",
    [
        "no signal here",
        "snap a photo",
        "snap me now",
        "hi @jane",  # a bare mention names no platform: not recorded
        "of course",
        "instagram.com/p/abc123",
        "whatsapp +1 617 555 0123",  # a number: the phone extractor's job
        "mysnap: jane",
    ],
)
def test_handle_decoys(text: str) -> None:
    assert find_handles(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cashapp $JaneDoe55", ["cashapp:$janedoe55"]),
        ("pay $JaneDoe55 first", ["cashapp:$janedoe55"]),
        ("cash.app/$janed", ["cashapp:$janed"]),
        ("cash app: janed", ["cashapp:$janed"]),
        ("venmo @Jane-D", ["venmo:@jane-d"]),
        ("venmo.com/u/janed", ["venmo:@janed"]),
        ("paypal.me/JaneD", ["paypal:janed"]),
        ("$BTC? no: cashapp $ETH", ["cashapp:$eth"]),
    ],
)
def test_payment_forms(text: str, expected: list[str]) -> None:
    found = find_handles(text)
    assert [e.type for e in found] == ["payment"] * len(expected)
    assert values(found) == expected
    assert_offsets(text, found)


@pytest.mark.parametrize(
    "text",
    [
        "$150/hr",
        "$150 and $1,200",
        "$80hh",
        "$BTC $AAPL",
        "US$200",
        "cash app $150",
        "paypal: jane@example.com",
    ],
)
def test_payment_decoys(text: str) -> None:
    assert find_handles(text) == []


# --- labelled sets ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extract", "min_precision", "min_recall"),
    [
        ("emails", find_emails, 0.95, 0.95),
        ("urls", find_urls, 0.95, 0.95),
        ("handles", find_handles, 0.95, 0.95),
        ("payments", find_handles, 0.95, 0.95),
    ],
)
def test_labelled_set(name: str, extract: object, min_precision: float, min_recall: float) -> None:
    tp = fp = fn = 0
    lines = (LABELLED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 40
    for line in lines:
        case = json.loads(line)
        expected = Counter((e["type"], e["value"]) for e in case["expected"])
        got = Counter((e.type, e.value) for e in extract(case["text"]) if e.type in case["types"])  # type: ignore[operator]
        hit = sum((expected & got).values())
        tp, fp, fn = tp + hit, fp + sum(got.values()) - hit, fn + sum(expected.values()) - hit
    assert tp / (tp + fp) >= min_precision
    assert tp / (tp + fn) >= min_recall


# --- properties -----------------------------------------------------------------------------------------

LABEL = st.from_regex(r"[a-z][a-z0-9]{1,10}", fullmatch=True)
FILLER = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
SEP = st.sampled_from([" ", "\n", " - ", ", "])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_and_offsets_hold(text: str) -> None:
    for extract in (find_emails, find_urls, find_handles):
        found = extract(text)
        assert_offsets(text, found)


@settings(max_examples=100, deadline=None)
@given(FILLER, LABEL, LABEL, st.sampled_from(["com", "org", "net"]), FILLER, SEP)
def test_embedded_email_is_found(
    before: str, local: str, domain: str, tld: str, after: str, sep: str
) -> None:
    address = f"{local.upper()}@{domain}.example.{tld}"
    text = f"{before}{sep}{address}{sep}{after}"
    assert f"{local}@{domain}.example.{tld}" in values(find_emails(text))


@settings(max_examples=100, deadline=None)
@given(
    FILLER,
    st.from_regex(r"[a-z][a-z0-9_]{3,14}", fullmatch=True).filter(lambda n: n not in _NOT_NAMES),
    FILLER,
    SEP,
)
def test_embedded_handle_is_found(before: str, name: str, after: str, sep: str) -> None:
    text = f"{before}{sep}kik: {name}{sep}{after}"
    assert f"kik:{name}" in values(find_handles(text), "handle")
