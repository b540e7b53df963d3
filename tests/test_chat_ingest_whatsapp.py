"""WhatsApp .txt exports: the locales' date formats, continuations, media placeholders, system lines, and
malformed exports rejected with a reason."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.ingest import whatsapp
from trailguard.ingest.lines import PREFIX_CHARS
from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

DATA = Path(__file__).parent / "data" / "chats"
SETTINGS = Settings(database_url="sqlite://")


def read(name: str, data: bytes | None = None, cfg: Settings = SETTINGS) -> tuple[list[Item], list[Reject]]:
    raw = (DATA / name).read_bytes() if data is None else data
    out = list(whatsapp.read(io.BytesIO(raw), name, cfg))
    return [o for o in out if isinstance(o, Item)], [o for o in out if isinstance(o, Reject)]


def test_android_us_12h_with_continuation_media_and_system_line() -> None:
    items, rejects = read("whatsapp_android_us.txt")
    assert not rejects and len(items) == 1
    item = items[0]
    assert item.kind == "chat" and item.platform == "whatsapp" and item.id.startswith("whatsapp:")
    assert item.extra["system_lines"] == 1 and item.extra["date_order"] == "mdy"
    texts = [m.text for m in item.messages]
    assert texts[4] == "add me on snap\nmy name there is rook_555"
    assert texts[5] == "[attachment: Media omitted]"
    assert [m.author for m in item.messages[:2]] == ["Rook Gamer", "Pixel Fox"]
    # 9:16 PM with a narrow no-break space before PM
    assert item.messages[1].sent_at == "2024-12-31T21:16:00Z"
    assert item.messages[5].sent_at == "2025-01-02T10:01:00Z"


def test_android_eu_24h_day_first() -> None:
    (item,), rejects = read("whatsapp_android_eu.txt")
    assert not rejects
    assert item.extra["date_order"] == "dmy" and item.extra["system_lines"] == 1
    assert item.messages[1].text == "send me a pic of the kitchen\nit has to be clean\nreally clean"
    assert item.messages[2].text == "[attachment: IMG-20250101-WA0001.jpg]"
    assert item.messages[2].sent_at == "2025-01-01T09:00:00Z"


def test_ios_bracket_format_with_seconds_and_marks() -> None:
    (item,), rejects = read("whatsapp_ios_de.txt")
    assert not rejects
    assert item.extra["system_lines"] == 1
    assert [m.author for m in item.messages] == ["Mara", "Jo", "Jo", "Mara"]
    assert item.messages[1].text == "me! [attachment: 00000012-PHOTO-2024-12-31-21-16-45.jpg]"
    assert item.messages[2].text == "[attachment: image omitted]"
    assert item.messages[3].text == "happy new year: finally"
    assert item.messages[0].sent_at == "2024-12-31T21:15:09Z"
    (us,), _ = read("whatsapp_ios_us.txt")
    assert [m.sent_at for m in us.messages] == ["2024-12-31T21:15:03Z", "2024-12-31T23:59:59Z"]


def test_malformed_lines_are_rejected_and_the_rest_is_read() -> None:
    items, rejects = read("whatsapp_malformed.txt")
    assert [r.source.line for r in rejects] == [1, 3]
    assert "before the first dated line" in rejects[0].reason
    assert "45/13/2024" in rejects[1].reason
    assert [m.text for m in items[0].messages] == [
        "ok",
        "fine",
    ]  # the broken message's continuation went with it


def test_not_an_export_and_oversized_messages() -> None:
    items, rejects = read("notes.txt", b"just some notes\nno dates here\n")
    assert not items and "no dated message lines" in rejects[0].reason
    small = Settings(database_url="sqlite://", max_record_bytes=10)
    items, rejects = read(
        "x.txt", b"31/12/2024, 21:15 - A: short\n31/12/2024, 21:16 - B: " + b"x" * 50 + b"\n", small
    )
    assert [m.text for m in items[0].messages] == ["short"]
    assert rejects[0].source.line == 2 and "longer than 10 bytes" in rejects[0].reason


def test_sniff() -> None:
    assert whatsapp.sniff("WhatsApp Chat with Kai.txt", (DATA / "whatsapp_ios_de.txt").read_bytes()[:512])
    assert not whatsapp.sniff("notes.txt", b"hello\nworld")
    assert not whatsapp.sniff("chat.json", (DATA / "whatsapp_android_us.txt").read_bytes())


def test_item_id_is_stable() -> None:
    (a,), _ = read("whatsapp_android_eu.txt")
    (b,), _ = read("whatsapp_android_eu.txt")
    assert a.id == b.id


FORMATS = {
    "android_us": ("{d.month}/{d.day}/{yy}, {h12}:{d.minute:02d} {ampm} - {author}: {text}", True),
    "android_eu": (
        "{d.day:02d}/{d.month:02d}/{d.year}, {d.hour:02d}:{d.minute:02d} - {author}: {text}",
        False,
    ),
    "android_de": ("{d.day:02d}.{d.month:02d}.{yy}, {d.hour:02d}:{d.minute:02d} - {author}: {text}", False),
    "ios_de": (
        "[{d.day:02d}.{d.month:02d}.{yy}, {d.hour:02d}:{d.minute:02d}:{d.second:02d}] {author}: {text}",
        False,
    ),
    "ios_us": ("[{d.month}/{d.day}/{yy}, {h12}:{d.minute:02d}:{d.second:02d} {ampm}] {author}: {text}", True),
}
authors = st.text(st.characters(whitelist_categories=("L",)), min_size=1, max_size=12)
texts = st.lists(
    # Any character but the line feed, NUL and the carriage return that ends a Windows line: U+2028, U+0085,
    # form feed and the other separators str.splitlines honours stay inside a message.
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"), min_size=1, max_size=40
    ).filter(lambda t: t.strip() == t and not t.startswith(("<", "\u200e"))),
    min_size=1,
    max_size=3,
)


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(sorted(FORMATS)),
    st.lists(st.tuples(authors, texts), min_size=1, max_size=8),
    st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 1, 1)),
)
def test_written_exports_read_back(fmt: str, msgs: list[tuple[str, list[str]]], start: datetime) -> None:
    template, twelve = FORMATS[fmt]
    lines, expected = [], []
    for n, (author, parts) in enumerate(msgs):
        d = (start + timedelta(minutes=7 * n)).replace(microsecond=0)
        if not twelve and fmt.startswith("android"):
            d = d.replace(second=0)
        if twelve and fmt == "android_us":
            d = d.replace(second=0)
        h12 = d.hour % 12 or 12
        ampm = "PM" if d.hour >= 12 else "AM"
        first = template.format(
            d=d, yy=f"{d.year % 100:02d}", h12=h12, ampm=ampm, author=author, text=parts[0]
        )
        lines += [first, *parts[1:]]
        expected.append((author, "\n".join(parts), d.strftime("%Y-%m-%dT%H:%M:%SZ")))
    items, rejects = read("gen.txt", ("\n".join(lines) + "\n").encode())
    # Continuation lines that look like a dated line would start a new message: skip such draws.
    if any(whatsapp._HEADER.match(p) for _, ps in msgs for p in ps[1:]):
        return
    assert not rejects
    got = [(m.author, m.text, m.sent_at) for m in items[0].messages]
    if items[0].extra["date_order_guessed"] and got != expected:
        # Day and month both <= 12 everywhere: the order is a guess, so only authors and texts must survive.
        assert [g[:2] for g in got] == [e[:2] for e in expected]
    else:
        assert got == expected


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    out = list(whatsapp.read(io.BytesIO(data), "fuzz.txt", SETTINGS))
    assert out and all(isinstance(o, Item | Reject) for o in out)


@pytest.mark.parametrize(
    "line",
    [
        "12/31/24, 9:15\u202fPM - Kai: hi",
        "31/12/2024, 21:15 - Kai: hi",
        "[31.12.24, 21:15:03] Kai: hi",
        "2024-12-31, 21:15 - Kai: hi",
        "\u200e[12/31/24, 9:15:03 PM] Kai: hi",
    ],
)
def test_each_locale_line(line: str) -> None:
    (item,), rejects = read("one.txt", (line + "\n").encode())
    assert not rejects
    assert item.messages[0].author == "Kai" and item.messages[0].text == "hi"
    assert (
        item.messages[0].sent_at == "2024-12-31T21:15:00Z"
        or item.messages[0].sent_at == "2024-12-31T21:15:03Z"
    )


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1e"])
def test_a_line_separator_inside_a_message_cannot_forge_another_author(separator: str) -> None:
    forged = f"31/12/2024, 21:15 - Ana: see you{separator}31/12/2024, 21:16 - Ben: i owe Ana $500\n"
    (item,), rejects = read("chat.txt", forged.encode())
    assert not rejects
    assert [(m.author, m.text) for m in item.messages] == [
        ("Ana", f"see you{separator}31/12/2024, 21:16 - Ben: i owe Ana $500")
    ]


def test_windows_line_endings_and_the_item_source_line() -> None:
    data = b"Chat export\r\n31/12/2024, 21:15 - Ana: ok\r\nsecond line\r\n31/12/2024, 21:17 - Ben: fine\r\n"
    (item,), rejects = read("chat.txt", data)
    assert [m.text for m in item.messages] == ["ok\nsecond line", "fine"]
    assert item.source == SourceRef("chat.txt", 2)  # the first dated line; line 1 was rejected
    assert [r.source.line for r in rejects] == [1]


def test_message_rejects_keep_the_shared_raw_prefix() -> None:
    small = Settings(database_url="sqlite://", max_record_bytes=10)
    line = "31/12/2024, 21:16 - B: " + "x" * 1000
    _, (r,) = read("x.txt", f"31/12/2024, 21:15 - A: hi\n{line}\n".encode(), small)
    assert r.raw == line[:PREFIX_CHARS] and r.source.line == 2


def test_a_left_to_right_mark_cannot_hide_a_message() -> None:
    # iOS marks its system lines with U+200E, but anyone can type the mark: only a marked line that is also a
    # known system phrasing is a system line; every other marked message is kept, the mark removed.
    (item,), rejects = read("whatsapp_ios_marked_messages.txt")
    assert not rejects
    assert [(m.author, m.text) for m in item.messages] == [
        ("Rook", "how old are you"),
        ("Pixel", "13"),
        ("Rook", "dont tell anyone about our chats"),
        ("Rook", "I will send your pics to your friends unless you pay me $300"),
        ("Rook", "[attachment: image omitted]"),
        ("Pixel", "Rook left\nand then he came back"),  # a system line is one line: this is a message
    ]
    # encryption notice, created group, added, changed the subject: counted, not lost
    assert item.extra["system_lines"] == 4
    android = "12/31/24, 9:17 PM - Rob: \u200esend me a photo and dont tell anyone\n"
    (a,), _ = read("a.txt", android.encode())
    assert [m.text for m in a.messages] == ["send me a photo and dont tell anyone"]


def test_one_pasted_line_in_another_locale_does_not_flip_the_date_order() -> None:
    (item,), rejects = read("whatsapp_android_pasted_date.txt")
    assert item.extra["date_order"] == "mdy" and not item.extra["date_order_guessed"]
    assert [(m.author, m.sent_at) for m in item.messages] == [
        ("Rook Gamer", "2025-01-05T21:15:00Z"),
        ("Pixel Fox", "2025-01-13T21:16:00Z"),
        ("Rook Gamer", "2025-01-14T21:17:00Z"),
        ("Rook Gamer", "2025-01-20T21:18:00Z"),
    ]
    # The pasted line is the one rejected, and the reason says how the file was read.
    assert [r.source.line for r in rejects] == [3]
    assert "25/12/24" in rejects[0].reason and "month-first" in rejects[0].reason


def test_android_group_events_with_a_colon_are_system_lines() -> None:
    (item,), rejects = read("whatsapp_android_group_events.txt")
    assert not rejects
    assert [(m.author, m.text) for m in item.messages] == [
        ("Pixel Fox", "I added my sister too"),
        ("Pixel Fox", 'Rook changed the subject to "Trip: plans" lol'),
    ]
    assert item.extra["system_lines"] == 5


def test_a_re_export_of_one_chat_is_the_same_item_in_another_version() -> None:
    # The same chat exported again after a message was deleted and another added: one item id (so the store
    # keeps both as versions and `trailguard versions` compares them), other content, and the messages that
    # stayed keep their ids although their lines moved.
    may1 = b"31/12/2024, 21:15 - Ana: hi\n31/12/2024, 21:16 - Ben: send it\n31/12/2024, 21:17 - Ana: ok\n"
    may8 = b"31/12/2024, 21:15 - Ana: hi\n31/12/2024, 21:17 - Ana: ok\n31/12/2024, 21:18 - Ben: new\n"
    (a,), _ = read("WhatsApp Chat with Ana.txt", may1)
    (b,), _ = read("WhatsApp Chat with Ana (1).txt", may8)  # a browser's second download
    (again,), _ = read("copy/WhatsApp Chat with Ana.txt", may1)
    assert a.id == b.id == again.id and a.id.startswith("whatsapp:")
    assert a.content_hash() != b.content_hash() and a.content_hash() == again.content_hash()
    ids_a = {m.text: m.id for m in a.messages}
    ids_b = {m.text: m.id for m in b.messages}
    assert ids_a["hi"] == ids_b["hi"] and ids_a["ok"] == ids_b["ok"]
    assert ids_a["send it"] not in ids_b.values() and ids_b["new"] not in ids_a.values()


def test_item_ids_tell_chats_apart() -> None:
    first = b"31/12/2024, 21:15 - Ana: hi\n"
    (a,), _ = read("WhatsApp Chat with Ana.txt", first)
    (other_title,), _ = read("WhatsApp Chat with Bea.txt", first)
    (other_start,), _ = read("WhatsApp Chat with Ana.txt", b"31/12/2024, 21:14 - Ana: hi\n")
    (other_author,), _ = read("WhatsApp Chat with Ana.txt", b"31/12/2024, 21:15 - Ben: hi\n")
    assert len({a.id, other_title.id, other_start.id, other_author.id}) == 4


def test_repeated_messages_in_one_minute_get_distinct_ids() -> None:
    (item,), _ = read("_chat.txt", b"31/12/2024, 21:15 - Ana: hi\n" * 3 + b"31/12/2024, 21:15 - Ben: hi\n")
    assert len({m.id for m in item.messages}) == 4


us_dates = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2029, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(us_dates, min_size=1, max_size=10), st.integers(min_value=13, max_value=28))
def test_a_pasted_day_first_line_never_overrides_the_files_own_dates(
    dates: list[datetime], pasted_day: int
) -> None:
    lines = [
        f"{d.month}/{d.day}/{d.year % 100}, {d.hour % 12 or 12}:{d.minute:02d} "
        f"{'PM' if d.hour >= 12 else 'AM'} - Kai: message {n}"
        for n, d in enumerate(dates)
    ]
    lines.insert(1, f"{pasted_day}/12/24, 10:00 AM - Shop: order shipped")
    items, rejects = read("gen.txt", ("\n".join(lines) + "\n").encode())
    decisive = sum(d.day > 12 for d in dates)
    if decisive >= 1:  # the file's own dates show month-first at least as often as the pasted line
        assert items[0].extra["date_order"] == "mdy"
        assert [m.sent_at for m in items[0].messages] == [d.strftime("%Y-%m-%dT%H:%M:%SZ") for d in dates]
        assert [r.source.line for r in rejects] == [2]
    # Nothing lost, whichever order won: every dated line is a message or a reject.
    read_messages = len(items[0].messages) if items else 0
    assert read_messages + len(rejects) - (0 if items else 1) == len(lines)


system_phrasings = st.sampled_from(
    [
        "{a} added {b}",
        "{a} left",
        '{a} created group "{g}"',
        '{a} changed the subject from "{g}" to "{g}"',
        "{a} removed {b}",
        "{a} joined using this group's invite link",
    ]
)
names = st.text(st.characters(whitelist_categories=("L",)), min_size=1, max_size=12)
group_names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\u2028\u2029\x85'), max_size=20
)


@settings(max_examples=80, deadline=None)
@given(system_phrasings, names, names, group_names, st.booleans(), st.text(max_size=30))
def test_system_lines_and_marked_messages(
    phrasing: str, a: str, b: str, group: str, ios: bool, said: str
) -> None:
    """A system phrasing is counted, never read as a message from a made-up participant, whatever colons the
    group name holds; a marked message that is no system phrasing is kept. Dated lines = messages + system
    lines + rejects."""
    event = phrasing.format(a=a, b=b, g=group)
    said = said.replace("\n", " ").replace("\r", " ").replace("\x00", " ")
    if ios:
        head = "[31.12.24, 21:15:03] "
        lines = [f"\u200e{head}Chat: \u200e{event}", f"{head}{a}: \u200emsg {said}"]
    else:
        head = "31/12/2024, 21:15 - "
        lines = [f"{head}{event}", f"{head}{a}: \u200emsg {said}"]
    (item,), rejects = read("gen.txt", ("\n".join(lines) + "\n").encode())
    assert not rejects and item.extra["system_lines"] == 1
    assert [(m.author, m.text) for m in item.messages] == [(a, f"msg {said}")]


def test_a_system_phrasing_cannot_carry_a_message_or_hide_a_person() -> None:
    ios = (
        "[12/30/24, 9:15:03 PM] Stranger: hi\n"
        "[12/30/24, 9:16:03 PM] Stranger: \u200eI added you to my list. pay me $500 or ill send your pics\n"
    )
    (item,), _ = read("ios.txt", ios.encode())
    assert item.messages[1].text == "I added you to my list. pay me $500 or ill send your pics"
    assert item.extra["system_lines"] == 0
    android = (
        "12/30/24, 21:15 - Mia: hey\n"
        "12/30/24, 21:16 - Coach added Bo: send me a pic, dont tell your mom\n"
        "12/30/24, 21:17 - Alex added Bo and Cy\n"
    )
    (item,), _ = read("android.txt", android.encode())
    assert [(m.author, m.text) for m in item.messages] == [
        ("Mia", "hey"),
        ("Coach added Bo", "send me a pic, dont tell your mom"),  # a display name, not a group event
    ]
    assert item.extra["system_lines"] == 1
