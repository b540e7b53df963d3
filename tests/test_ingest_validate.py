"""Validation shared by every reader: the Item contract and the reasons given for breaking it."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trailguard.ingest import InvalidRecord, decode_json, item_from_record, normalise_timestamp
from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

SETTINGS = Settings(database_url="sqlite://")
SOURCE = SourceRef("ads.jsonl", 7)


def check(record: object) -> Item | Reject:
    return item_from_record(record, SOURCE, SETTINGS)


def reason(record: object) -> str:
    result = check(record)
    assert isinstance(result, Reject), result
    assert result.source == SOURCE
    return result.reason


def test_full_record_becomes_item_with_unknown_fields_in_extra() -> None:
    item = check(
        {
            "id": "ad-1",
            "kind": "AD",
            "platform": "board.example",
            "url": "https://board.example/ad/1",
            "posted_at": "2024-05-01T12:00:00+02:00",
            "title": "Hostess wanted",
            "text": "call +1 617 555 0123",
            "location": "Boston, MA",
            "author": "user123",
            "images": ["img/a.jpg", " "],
            "price": "80",
            "extra": {"scraped_by": "crawler-2"},
        }
    )
    assert isinstance(item, Item)
    assert (item.id, item.kind, item.posted_at) == ("ad-1", "ad", "2024-05-01T10:00:00Z")
    assert item.images == ["img/a.jpg"]
    assert item.extra == {"price": "80", "scraped_by": "crawler-2"}
    assert item.source == SOURCE


def test_integer_id_is_kept_as_decimal_string() -> None:
    item = check({"id": 1234567890123, "text": "x"})
    assert isinstance(item, Item) and item.id == "1234567890123"


def test_chat_messages_are_validated_and_numbered() -> None:
    item = check(
        {
            "id": "c1",
            "kind": "chat",
            "messages": [
                {"id": 5, "author": "u1", "sent_at": "2024-05-01T10:00:00", "text": "hello"},
                {"author": "u2", "text": "hi", "reaction": "+1"},
            ],
        }
    )
    assert isinstance(item, Item)
    assert [(m.id, m.author, m.sent_at, m.text) for m in item.messages] == [
        ("5", "u1", "2024-05-01T10:00:00Z", "hello"),
        ("2", "u2", None, "hi"),
    ]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ([1, 2], "not a JSON object (got list)"),
        ("text", "not a JSON object (got string)"),
        ({"text": "x"}, "missing required field 'id'"),
        ({"id": None, "text": "x"}, "missing required field 'id'"),
        ({"id": True, "text": "x"}, "field 'id' must be a string, got boolean"),
        ({"id": "  ", "text": "x"}, "field 'id' must not be empty"),
        ({"id": "x" * 513, "text": "x"}, "field 'id' is longer than 512 characters"),
        ({"id": "a", "images": 3}, "field 'images' must be a list of strings, got int"),
        ({"id": "a", "images": ["ok", 3]}, "field 'images[1]' must be a string, got int"),
        ({"id": "a", "text": 3}, "field 'text' must be a string, got int"),
        ({"id": "a", "text": "x", "url": ["u"]}, "field 'url' must be a string, got list"),
        ({"id": "a", "text": "x", "platform": "p" * 257}, "field 'platform' is longer than 256 characters"),
        ({"id": "a", "messages": {"id": "m"}}, "field 'messages' must be a list of objects, got object"),
        ({"id": "a", "messages": ["hi"]}, "field 'messages[0]' must be an object, got string"),
        ({"id": "a", "messages": [{"text": 1}]}, "field 'messages[0].text' must be a string, got int"),
        ({"id": "a"}, "no content: one of text, title, messages, images is required"),
        (
            {"id": "a", "text": " \n", "images": []},
            "no content: one of text, title, messages, images is required",
        ),
        (
            {"id": "a", "text": "x", "kind": "listing"},
            "field 'kind' must be one of ad, job, post, profile, chat",
        ),
        (
            {"id": "a", "text": "x", "kind": 3},
            "field 'kind' must be one of ad, job, post, profile, chat, got int",
        ),
        (
            {"id": "a", "text": "x", "posted_at": "yesterday"},
            "field 'posted_at' is not an ISO-8601 date or time",
        ),
        ({"id": "a", "text": "x", "posted_at": 1714557600}, "field 'posted_at' must be an ISO-8601 string"),
        (
            {"id": "a", "messages": [{"text": "x", "sent_at": "2024-13-01"}]},
            "field 'messages[0].sent_at' is not an ISO-8601",
        ),
    ],
)
def test_rejection_reasons(record: object, expected: str) -> None:
    assert reason(record).startswith(expected)


def test_reject_keeps_the_id_and_a_bounded_raw_prefix() -> None:
    raw = b'{"id": "ad-9", "images": 3, "text": "' + "é".encode() * 2000 + b'"}\n'
    result = item_from_record(orjson.loads(raw), SOURCE, SETTINGS, raw=raw)
    assert isinstance(result, Reject)
    assert result.record_id == "ad-9"
    assert result.raw is not None and len(result.raw) == 500 and result.raw.startswith('{"id": "ad-9"')
    assert result.to_dict() == {
        "source": "ads.jsonl",
        "line": 7,
        "id": "ad-9",
        "reason": "field 'images' must be a list of strings, got int",
        "raw": result.raw,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"),
        ("2024-05-01T10:00:00.123456+00:00", "2024-05-01T10:00:00Z"),
        ("2024-05-01 06:00:00-04:00", "2024-05-01T10:00:00Z"),
        ("2024-05-01T10:00", "2024-05-01T10:00:00Z"),
        ("2024-05-01", "2024-05-01T00:00:00Z"),
        ("20240501T100000Z", "2024-05-01T10:00:00Z"),
        ("2024-W18-3T10:00:00Z", "2024-05-01T10:00:00Z"),
        ("", None),
        (None, None),
    ],
)
def test_timestamps_normalise_to_utc(value: str | None, expected: str | None) -> None:
    assert normalise_timestamp(value, "posted_at") == expected


def test_timestamp_that_overflows_on_conversion_is_rejected_not_raised() -> None:
    with pytest.raises(InvalidRecord, match="not an ISO-8601"):
        normalise_timestamp("0001-01-01T00:00:00+05:00", "posted_at")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"id": "a",', "invalid JSON: unexpected end of data at column 12"),
        (b'{"id": "a" "x"}', "invalid JSON: "),
        (b'{"id": "\xff\xfe"}', "invalid UTF-8 at byte 9"),
        (b"[" * 100_000, "nesting deeper than 32 levels"),
        (b'{"a":' * 33 + b"1" + b"}" * 33, "nesting deeper than 32 levels"),
    ],
)
def test_decode_json_reasons(data: bytes, expected: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        decode_json(data, 32)
    assert str(caught.value).startswith(expected)


def test_nesting_exactly_at_the_limit_and_brackets_inside_strings_are_fine() -> None:
    assert decode_json(b'{"a":' * 31 + b"[1]" + b"}" * 31, 32) is not None
    brackets = '{"id": "a", "text": "' + "[{" * 5000 + '"}'
    assert decode_json(brackets.encode(), 32)["text"].startswith("[{[{")


def test_nesting_above_orjsons_own_limit_is_still_a_nesting_reason() -> None:
    with pytest.raises(InvalidRecord, match="nesting deeper than 5000 levels"):
        decode_json(b"[" * 2000 + b"]" * 2000, 5000)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
field_values = st.sampled_from(["id", "kind", "text", "title", "images", "messages", "posted_at", "url", "x"])
records = st.dictionaries(field_values, json_values | st.text(max_size=30), max_size=8) | json_values


@given(records)
def test_any_json_value_gives_an_item_or_a_reject_never_an_exception(record: object) -> None:
    result = check(record)
    assert isinstance(result, Item | Reject)
    if isinstance(result, Item):
        assert isinstance(record, dict)
        assert result.id == str(record["id"]).strip()
        assert result.kind in ("ad", "job", "post", "profile", "chat")
        assert result.text or result.title or result.images or result.messages
    else:
        assert result.reason


@given(st.binary(max_size=200))
def test_decode_json_never_raises_anything_but_invalid_record(data: bytes) -> None:
    try:
        decode_json(data, 32)
    except InvalidRecord as exc:
        assert str(exc)
