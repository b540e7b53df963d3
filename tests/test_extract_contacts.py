"""Emails, URLs, social handles and payment handles: forms, decoys, offsets, labelled sets, properties."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.extract import extract_entities
from trailguard.extract.emails import find_emails
from trailguard.extract.handles import _NOT_NAMES, find_handles
from trailguard.extract.textnorm import is_number_spelling
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


@pytest.mark.parametrize(
    ("text", "value", "raw"),
    [
        ("mail jane\u200bdoe@example.com", "janedoe@example.com", "jane\u200bdoe@example.com"),
        ("mail john\u200bdoe@example.com", "johndoe@example.com", "john\u200bdoe@example.com"),
        ("mail jane\u00addoe@example.com", "janedoe@example.com", "jane\u00addoe@example.com"),
        ("ＪＡＮＥ@example.com", "jane@example.com", "ＪＡＮＥ@example.com"),
        ("jane\u200b at example dot com", "jane@example.com", "jane\u200b at example dot com"),
    ],
)
def test_hidden_characters_do_not_cut_emails(text: str, value: str, raw: str) -> None:
    found = find_emails(text)
    assert [(e.value, e.raw, e.obfuscated) for e in found] == [(value, raw, True)]
    assert_offsets(text, found)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("andré.dupont@example.com", "andré.dupont@example.com"),
        ("renée_b@example.com", "renée_b@example.com"),
        ("rene\u0301e_b@example.com", "renée_b@example.com"),  # decomposed accent: same address
        ("ÉLODIE@example.org", "élodie@example.org"),
        ("邮箱jane@example.com", "jane@example.com"),  # scripts written without spaces end a local part
    ],
)
def test_unicode_local_parts_are_whole(text: str, value: str) -> None:
    assert values(find_emails(text)) == [value]


def test_email_with_non_ascii_domain_is_refused_not_cut() -> None:
    assert find_emails("jane@exämple.com") == []


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


def test_fragment_is_dropped_www_and_scheme_kept() -> None:
    assert normalize_url("https://example.com/ad#photos") == "https://example.com/ad"
    assert normalize_url("example.com/ad#") == "http://example.com/ad"
    assert normalize_url("http://example.com/#top") == "http://example.com"
    assert normalize_url("www.example.com/ad") == "http://www.example.com/ad"
    assert normalize_url("http://example.com/a?b=1#c") == "http://example.com/a?b=1"


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
    ("text", "value", "raw"),
    [
        ("sc: jane\u200bdoe", "snapchat:janedoe", "sc: jane\u200bdoe"),
        ("sc: jane\u200bsmith", "snapchat:janesmith", "sc: jane\u200bsmith"),
        ("sc: jane\u00addoe", "snapchat:janedoe", "sc: jane\u00addoe"),
        ("sc: ｊａｎｅ＿ｄｏｅ", "snapchat:jane_doe", "sc: ｊａｎｅ＿ｄｏｅ"),
        ("ｓｃ: jane_d", "snapchat:jane_d", "ｓｃ: jane_d"),
        ("t.me/jane\u200bx", "telegram:janex", "t.me/jane\u200bx"),
        ("pay $Jane\u200bDoe", "cashapp:$janedoe", "$Jane\u200bDoe"),
        ("venmo @jane\u00ad-d", "venmo:@jane-d", "venmo @jane\u00ad-d"),
    ],
)
def test_hidden_characters_do_not_cut_handles(text: str, value: str, raw: str) -> None:
    found = find_handles(text)
    assert [(e.value, e.raw, e.obfuscated) for e in found] == [(value, raw, True)]
    assert_offsets(text, found)


@pytest.mark.parametrize(
    "text", ["sc: renée", "sc: rene\u0301e", "kik: jane\u0301", "IG @zoë_x", "pay $Zoë", "t.me/renée"]
)
def test_accented_handles_are_refused_not_cut(text: str) -> None:
    assert find_handles(text) == []


def test_plain_handle_is_not_obfuscated() -> None:
    (found,) = find_handles("sc: jane_doe")
    assert not found.obfuscated


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
    st.from_regex(r"[a-z][a-z0-9_]{3,14}", fullmatch=True).filter(
        lambda n: n not in _NOT_NAMES and not is_number_spelling(n.replace("_", ""))
    ),
    FILLER,
    SEP,
)
def test_embedded_handle_is_found(before: str, name: str, after: str, sep: str) -> None:
    text = f"{before}{sep}kik: {name}{sep}{after}"
    assert f"kik:{name}" in values(find_handles(text), "handle")


HIDDEN = st.sampled_from(["\u200b", "\u00ad", "\u200c", "\u2060", "\ufeff"])


def _insert(word: str, positions: list[int], marks: list[str]) -> str:
    """`word` with an invisible mark before each given inner position (1..len-1)."""
    cut = sorted({min(max(p, 1), len(word) - 1) for p in positions})
    out, last = [], 0
    for p, mark in zip(cut, marks, strict=False):
        out += [word[last:p], mark]
        last = p
    return "".join(out) + word[last:]


@settings(max_examples=100, deadline=None)
@given(
    FILLER,
    LABEL,
    LABEL,
    st.lists(st.integers(0, 12), min_size=1, max_size=3),
    st.lists(HIDDEN, min_size=3, max_size=3),
    SEP,
)
def test_hidden_marks_never_change_an_email(
    before: str, local: str, domain: str, positions: list[int], marks: list[str], sep: str
) -> None:
    clean = f"{local}@{domain}.example.com"
    text = f"{before}{sep}{_insert(local, positions, marks)}@{domain}.example.com{sep}"
    found = values(find_emails(text))
    assert clean in found
    assert not any(isinstance(v, str) and v != clean and clean.endswith(v) for v in found)


@settings(max_examples=100, deadline=None)
@given(
    FILLER,
    st.from_regex(r"[a-z][a-z0-9_]{3,14}", fullmatch=True).filter(
        lambda n: n not in _NOT_NAMES and not is_number_spelling(n.replace("_", ""))
    ),
    st.lists(st.integers(0, 15), min_size=1, max_size=3),
    st.lists(HIDDEN, min_size=3, max_size=3),
    SEP,
)
def test_hidden_marks_never_change_a_handle(
    before: str, name: str, positions: list[int], marks: list[str], sep: str
) -> None:
    # "ok." closes whatever the filler said: a filler ending in another platform's name ("WEIXIN kik: ...")
    # would otherwise, fairly, be read as a handle on that platform.
    text = f"{before} ok.{sep}kik: {_insert(name, positions, marks)}{sep}"
    assert f"kik:{name}" in values(find_handles(text), "handle")


ACCENTED = st.text(alphabet="éèüöñçåøßàí", min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(LABEL, ACCENTED, LABEL, st.sampled_from([True, False]))
def test_no_value_is_a_cut_identifier(head: str, accents: str, tail: str, decompose: bool) -> None:
    """An accented letter inside a name yields the whole name (emails) or nothing (handles), never its tail
    or its head."""
    word = head + accents + tail
    written = unicodedata.normalize("NFD", word) if decompose else word
    emails = values(find_emails(f"mail {written}@example.com now"))
    assert emails == [f"{word}@example.com"]
    handles = values(find_handles(f"sc: {written} and kik: {written}"))
    assert handles == []


@pytest.mark.parametrize(
    "text",
    [
        "WhatsApp https://wa.me/12025550154",
        "whatsapp: wa.me/15035550135",
        "Telegram http://t.example/jade",
    ],
)
def test_a_messaging_cue_followed_by_a_link_makes_no_handle_of_the_link(text: str) -> None:
    # `whatsapp:https` / `whatsapp:wa.me` would join every ad that links its number the same way.
    entities = extract_entities(text)
    assert [e for e in entities if e.type == "handle"] == []
    assert any(e.type == "url" for e in entities)


def test_a_handle_before_a_link_is_kept() -> None:
    values = [e.value for e in extract_entities("whatsapp: jade_rose then https://x.example/a")]
    assert "whatsapp:jade_rose" in values
