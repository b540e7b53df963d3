"""CSV reading: column mapping, images, quoted newlines, per-row rejection of bad bytes and sizes."""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailguard.ingest import ReadStats, read_sources
from trailguard.model import Item, Reject
from trailguard.settings import Settings

DATA = Path(__file__).parent / "data" / "ingest"
SETTINGS = Settings(database_url="sqlite://")
MAPPING = {
    "ad_id": "id",
    "posted": "posted_at",
    "site": "platform",
    "body": "text",
    "city": "location",
    "photos": "images",
}


def read(
    paths: list[str], mapping: dict[str, str] | None = None, settings: Settings = SETTINGS
) -> tuple[list[Item], list[Reject]]:
    stats = ReadStats()
    results = list(read_sources(paths, settings, mapping, stats=stats))
    items = [r for r in results if isinstance(r, Item)]
    rejects = [r for r in results if isinstance(r, Reject)]
    assert stats.read == len(items) + len(rejects) == len(results)
    return items, rejects


def test_mapped_export_fixture() -> None:
    path = str(DATA / "ads_export.csv")
    items, rejects = read([path], MAPPING)
    assert [(i.id, i.source.line if i.source else 0) for i in items] == [("A-100", 2), ("A-101", 3)]
    first, second = items
    assert first.platform == "board.example" and first.location == "Boston"
    assert first.posted_at == "2024-06-01T09:00:00Z"
    assert first.images == ["img/a100-0.jpg", "img/a100-1.jpg"]
    assert first.extra == {"price": "80"}
    assert second.text == "Two lines:\nfirst and second"
    assert second.images == ["img/a101.jpg", "img/a101b.jpg"]
    assert second.extra == {}
    assert [(r.source.line, r.record_id, r.reason.split(":")[0]) for r in rejects] == [
        (5, "A-102", "field 'posted_at' is not an ISO-8601 date or time"),
        (6, None, "missing required field 'id'"),
        (7, None, "row has 9 fields, the header has 7"),
    ]
    assert rejects[1].raw == ",2024-06-02,board.example,row without an id,Lowell,,"


def test_columns_named_like_fields_need_no_mapping(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(
        "id,kind,title,text,posted_at\n7,job,Drivers wanted,Visa arranged,2024-01-02T03:04:05-01:00\n"
    )
    items, rejects = read([str(path)])
    assert rejects == []
    assert [(i.id, i.kind, i.title, i.posted_at) for i in items] == [
        ("7", "job", "Drivers wanted", "2024-01-02T04:04:05Z")
    ]


def test_first_column_claiming_a_field_wins_and_the_other_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "dupes.csv"
    path.write_text("id,text,body\na1,from text,from body\n")
    items, _ = read([str(path)], {"body": "text"})
    assert items[0].text == "from text" and items[0].extra == {"body": "from body"}


def test_messages_column_holds_a_json_array(tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    rows = [
        ["id", "kind", "messages"],
        ["c1", "chat", '[{"id": "m1", "text": "hi"}]'],
        ["c2", "chat", "[[[[" * 20],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue())
    items, rejects = read([str(path)])
    assert [m.text for m in items[0].messages] == ["hi"]
    assert [r.reason for r in rejects] == ["column for 'messages': nesting deeper than 32 levels"]


def test_invalid_utf8_rejects_only_its_row_even_inside_a_quoted_newline(tmp_path: Path) -> None:
    path = tmp_path / "bytes.csv"
    path.write_bytes(
        b'id,text\r\na,fine\r\nb,"first line\r\nsecond \xff line"\r\nc,bad \xe2\x82 cut\r\nd,also fine\r\n'
    )
    items, rejects = read([str(path)])
    assert [i.id for i in items] == ["a", "d"]
    assert [(r.source.line, r.reason) for r in rejects] == [
        (3, "invalid UTF-8 at byte 8"),  # reported on the row's first line; the byte is on its second
        (5, "invalid UTF-8 at byte 7"),
    ]


def test_oversize_field_and_oversize_line_are_row_rejections(tmp_path: Path) -> None:
    small = Settings(database_url="sqlite://", max_record_bytes=300)
    path = tmp_path / "sizes.csv"
    quoted = '"' + "line\n" * 200 + '"'  # short physical lines, one huge quoted field
    path.write_text(f"id,text\na,ok\nb,{'x' * 1000}\nc,{quoted}\nd,ok\n")
    items, rejects = read([str(path)], settings=small)
    assert [i.id for i in items] == ["a", "d"]
    assert [(r.source.line, r.reason) for r in rejects] == [
        (3, "record larger than 300 bytes"),
        (4, "record larger than 300 bytes"),
    ]
    assert rejects[0].raw is not None and rejects[0].raw.startswith("b,xxx")


def test_unreadable_header_rejects_the_file(tmp_path: Path) -> None:
    path = tmp_path / "badhead.csv"
    path.write_bytes(b"id,te\xffxt\na,b\n")
    items, rejects = read([str(path)])
    assert items == []
    assert [(r.source.line, r.reason) for r in rejects] == [
        (1, "unreadable CSV header (invalid UTF-8 at byte 6)")
    ]


def test_gzip_csv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress("\ufeffad_id,body\nZ-1,hello\n".encode()))
    items, _ = read([str(path)], MAPPING)
    assert [(i.id, i.text) for i in items] == [("Z-1", "hello")]


def test_mapping_to_an_unknown_field_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="'txet' are not Item fields"):
        list(read_sources([str(DATA / "ads_export.csv")], SETTINGS, {"body": "txet"}))


CELL = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), CELL, CELL), max_size=30))
def test_csv_counts_add_up_and_ids_round_trip(rows: list[tuple[bool, str, str]]) -> None:
    """Any text survives CSV quoting; rows without content or with bad bytes are rejected, the rest kept."""
    buffer = io.BytesIO()
    buffer.write(b"id,text,note\r\n")
    expected_ids = []
    for n, (corrupt, text, note) in enumerate(rows):
        line = io.StringIO()
        csv.writer(line).writerow([f"r{n}", text, note])
        encoded = line.getvalue().encode()
        if corrupt:
            encoded = encoded.replace(
                b",", b"\xff,", 1
            )  # in the unquoted id: the row's structure is unchanged
        elif text.strip():
            expected_ids.append(f"r{n}")
        buffer.write(encoded)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "rows.csv"
        path.write_bytes(buffer.getvalue())
        items, rejects = read([str(path)])
    assert [i.id for i in items] == expected_ids
    assert len(items) + len(rejects) == len(rows)
    for item in items:
        n = int(item.id[1:])
        assert item.text == rows[n][1].replace("\x00", "\ufffd")  # NUL in free text: U+FFFD, same length
        assert item.extra == ({"note": rows[n][2]} if rows[n][2] else {})


def test_malformed_quoting_rejects_the_row_and_an_unclosed_quote_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text('id,text\na,"ok"x\nb,5" screen\nc,"never closed\nd,swallowed\n')
    items, rejects = read([str(path)])
    assert [(i.id, i.text) for i in items] == [("b", '5" screen')]
    assert [(r.source.line, r.reason) for r in rejects] == [
        (2, "invalid CSV: ',' expected after '\"'"),
        (4, "invalid CSV: unexpected end of data"),
    ]
