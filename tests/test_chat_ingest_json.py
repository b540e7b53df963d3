"""Discord (DiscordChatExporter) and Telegram Desktop JSON exports: fixtures in each format, malformed
exports rejected with a reason, and arbitrary JSON never crashing a reader."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.ingest import discord, telegram
from trailguard.ingest.lines import PREFIX_CHARS
from trailguard.model import Item, Reject, SourceRef
from trailguard.settings import Settings

DATA = Path(__file__).parent / "data" / "chats"
SETTINGS = Settings(database_url="sqlite://")


def run(module: Any, name: str, data: bytes | None = None) -> tuple[list[Item], list[Reject]]:
    raw = (DATA / name).read_bytes() if data is None else data
    out = list(module.read(io.BytesIO(raw), name, SETTINGS))
    return [o for o in out if isinstance(o, Item)], [o for o in out if isinstance(o, Reject)]


def test_discord_channel_export() -> None:
    (item,), rejects = run(discord, "discord_channel.json")
    # channel id, then the export's first and last message ids: parts of one channel never share an id
    assert item.id == "discord:900000000000000042:910000000000000001-910000000000000004"
    assert item.kind == "chat" and item.platform == "discord"
    assert item.title == "Pixel Arena (fictional) / general"
    assert [m.author for m in item.messages] == ["Ryder", "pixelfox", "Ryder"]  # nickname when set
    assert item.messages[0].sent_at == "2024-05-01T16:00:00Z"  # +02:00 converted to UTC
    assert item.messages[1].text == "im 13 lol\n[attachment: screenshot.png]"
    assert item.extra["authors"]["Ryder"] == "920000000000000001"
    assert len(rejects) == 1 and "message #4" in rejects[0].reason and "timestamp" in rejects[0].reason


def test_discord_malformed_exports_are_rejected() -> None:
    items, rejects = run(discord, "discord_truncated.json")
    assert not items and "invalid JSON" in rejects[0].reason
    items, rejects = run(discord, "x.json", b'{"guild": {}, "channel": {"name": "x"}, "messages": []}')
    assert not items and "'channel' with an 'id'" in rejects[0].reason
    items, rejects = run(discord, "x.json", b'{"channel": {"id": "1"}, "messages": "nope"}')
    assert not items and "'messages' list" in rejects[0].reason


def test_telegram_single_chat_export() -> None:
    (item,), rejects = run(telegram, "telegram_result.json")
    assert item.id == "telegram:4400000001:101-105" and item.platform == "telegram"
    assert item.extra["service_messages"] == 1
    assert [m.id for m in item.messages] == ["102", "103", "104"]
    assert item.messages[1].text == "please don't do this"  # entity list joined
    assert item.messages[2].text.endswith("[attachment: photos/photo_1@01-05-2024_20-03-00.jpg]")
    assert item.messages[0].sent_at == "2024-05-01T20:01:00Z"  # from date_unixtime
    assert len(rejects) == 1 and "message 105" in rejects[0].reason


def test_telegram_full_export_yields_one_item_per_chat() -> None:
    items, rejects = run(telegram, "telegram_full_export.json")
    assert [i.id for i in items] == ["telegram:4400000100:1-2", "telegram:4400000101:1-1"]
    assert items[0].messages[1].author == "Ben"
    assert len(rejects) == 1 and "chat #3" in rejects[0].reason


def test_telegram_malformed_exports_are_rejected() -> None:
    items, rejects = run(telegram, "telegram_bad_messages.json")
    assert not items and "no 'messages' list" in rejects[0].reason
    items, rejects = run(telegram, "x.json", b"[1, 2")
    assert not items and "invalid JSON" in rejects[0].reason
    items, rejects = run(telegram, "x.json", b'{"messages": ' + b"[" * 100 + b"]" * 100 + b"}")
    assert not items and "nesting deeper than 32 levels" in rejects[0].reason


def test_sniffers_tell_the_formats_apart() -> None:
    d = (DATA / "discord_channel.json").read_bytes()[:2048]
    t = (DATA / "telegram_result.json").read_bytes()[:2048]
    full = (DATA / "telegram_full_export.json").read_bytes()[:2048]
    assert discord.sniff("c.json", d) and not telegram.sniff("c.json", d)
    assert telegram.sniff("result.json", t) and not discord.sniff("result.json", t)
    assert telegram.sniff("result.json", full)
    assert not discord.sniff("c.txt", d)


def test_exports_feed_the_chat_analysis() -> None:
    from trailguard.chat.assess import assess_chat
    from trailguard.extract import extract_entities
    from trailguard.indicators.catalogue import packaged_catalogues
    from trailguard.indicators.engine import Engine

    engine = Engine(packaged_catalogues())
    (d,), _ = run(discord, "discord_channel.json")
    (t,), _ = run(telegram, "telegram_result.json")
    assert assess_chat(d, engine, extract_entities).band == "critical"  # minor age + intimate image request
    assert assess_chat(t, engine, extract_entities).band == "critical"  # threat to share images unless paid


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
message_like = st.fixed_dictionaries(
    {"id": json_values, "type": st.sampled_from(["message", "service", "Default"]) | json_values},
    optional={
        "timestamp": json_values,
        "content": json_values,
        "author": json_values,
        "attachments": json_values,
        "date_unixtime": json_values,
        "date": json_values,
        "text": json_values,
        "from": json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(st.lists(message_like, max_size=5), json_values)
def test_arbitrary_json_never_crashes(messages: list[Any], extra: Any) -> None:
    for doc in (
        {"guild": {}, "channel": {"id": "1"}, "messages": messages},
        {"name": "x", "id": 1, "messages": messages},
        {"chats": {"list": [{"id": 2, "messages": messages}, extra]}},
        extra,
    ):
        data = json.dumps(doc).encode()
        for module in (discord, telegram):
            out = list(module.read(io.BytesIO(data), "fuzz.json", SETTINGS))
            assert out and all(isinstance(o, Item | Reject) for o in out)
            items = [o for o in out if isinstance(o, Item)]
            rejected = len(out) - len(items)
            # Nothing lost: every message is either read or rejected (service messages are counted).
            if module is discord and items:
                assert len(items[0].messages) + rejected == len(messages)


def discord_export(channel_id: str, messages: list[dict[str, Any]], name: str | None = "general") -> bytes:
    return json.dumps(
        {"guild": {}, "channel": {"id": channel_id, "name": name}, "messages": messages}
    ).encode()


def discord_message(
    ident: str, text: str, stamp: str = "2024-05-01T16:00:00Z", author: str = "kai", user: str = "7"
) -> Any:
    return {"id": ident, "timestamp": stamp, "content": text, "author": {"id": user, "name": author}}


def test_long_or_odd_chat_ids_are_hashed_and_stay_stable() -> None:
    # A 600-character channel id would overflow items.id (512) and abort a PostgreSQL scan.
    long_id = "9" * 600
    (item,), rejects = run(discord, "c.json", discord_export(long_id, [discord_message("1", "hi")]))
    assert not rejects and item.id.startswith("discord:") and len(item.id) <= 200
    (again,), _ = run(discord, "c.json", discord_export(long_id, [discord_message("1", "hi")]))
    assert again.id == item.id
    (odd,), _ = run(discord, "c.json", discord_export("42\x00;drop", [discord_message("1", "hi")]))
    assert "\x00" not in odd.id and odd.id != "discord:42"
    chat = {
        "id": "x" * 600,
        "name": "n",
        "messages": [{"id": 1, "date_unixtime": "1714593660", "text": "hi"}],
    }
    (tg,), _ = run(telegram, "result.json", json.dumps(chat).encode())
    assert len(tg.id) <= 200 and tg.id.startswith("telegram:")


def test_chat_items_go_through_the_item_contract() -> None:
    messages = [
        discord_message("1", "hello"),
        discord_message("2", "hi", author="bad\x00name", user="8"),  # NUL in a name: that message only
        discord_message("3" * 600, "long id"),  # over the id limit: that message only
        discord_message("4", "nul \x00 in text"),  # NUL in free text becomes U+FFFD
    ]
    (item,), rejects = run(discord, "c.json", discord_export("5", messages, name="gen\x00eral"))
    assert [m.id for m in item.messages] == ["1", "4"]
    assert item.messages[1].text == "nul \ufffd in text" and item.title == "gen\ufffderal"
    assert [r.reason.split(":")[0] for r in rejects] == ["message #2", "message #3"]
    assert "field 'author' contains a NUL character" in rejects[0].reason
    assert "field 'id' is longer than 512 characters" in rejects[1].reason
    # The chat record itself is validated: a channel with no name and no readable message has no content.
    items, rejects = run(
        discord, "c.json", discord_export("6", [discord_message("1", "x", stamp="no")], None)
    )
    assert not items and [r.reason for r in rejects][-1].startswith("no content")
    assert rejects[-1].record_id == "discord:6:1-1" and rejects[-1].source.file == "c.json"


def test_one_bad_timestamp_rejects_that_message_only() -> None:
    # astimezone overflows on the first day of year 1 with a positive offset: it used to escape the reader.
    bad = discord_message("2", "y" * 1000, stamp="0001-01-01T00:00:00+01:00")
    (item,), rejects = run(discord, "c.json", discord_export("5", [discord_message("1", "hi"), bad]))
    assert [m.id for m in item.messages] == ["1"]
    (r,) = rejects
    assert "message #2" in r.reason and "field 'timestamp' is not an ISO-8601" in r.reason
    assert r.raw is not None and len(r.raw) == PREFIX_CHARS  # the shared bounded prefix, not a shorter slice
    chat = {
        "id": 1,
        "messages": [
            {"id": 1, "date": "0001-01-01T00:00:00+01:00", "text": "a"},
            {"id": 2, "date_unixtime": "99999999999999999", "text": "b"},
            {"id": 3, "date": "2024-05-01T20:01:00+02:00", "text": "c"},
        ],
    }
    (tg,), rejects = run(telegram, "result.json", json.dumps(chat).encode())
    assert [(m.id, m.sent_at) for m in tg.messages] == [("3", "2024-05-01T18:01:00Z")]
    assert "message 1: field 'date' is not an ISO-8601" in rejects[0].reason
    assert "message 2: field 'date_unixtime' is out of range" in rejects[1].reason


def test_chat_items_name_their_source() -> None:
    (d,), _ = run(discord, "discord_channel.json")
    (t,), _ = run(telegram, "telegram_result.json")
    assert d.source == SourceRef("discord_channel.json", 1) and t.source == SourceRef(
        "telegram_result.json", 1
    )


def telegram_full_export(contacts: int) -> bytes:
    """A full-account export shaped like Telegram Desktop's: account data first, then the chat lists."""

    def chat(ident: int, name: str, text: str) -> dict[str, Any]:
        message = {
            "id": 1,
            "type": "message",
            "date_unixtime": "1704103200",
            "from": "Rob",
            "from_id": "user1",
        }
        return {"id": ident, "name": name, "type": "private_group", "messages": [{**message, "text": text}]}

    doc = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Ada"},
        "contacts": {
            "about": "contacts",
            "list": [
                {"user_id": 1000 + n, "first_name": f"Contact{n}", "phone_number": f"+161755501{n % 100:02d}"}
                for n in range(contacts)
            ],
        },
        "frequent_contacts": {"about": "frequent", "list": []},
        "chats": {"about": "chats", "list": [chat(42, "Team chat", "see you at practice")]},
        "left_chats": {"about": "left", "list": [chat(43, "Old group", "pay me $300 or else")]},
    }
    return json.dumps(doc, indent=1).encode()


def test_telegram_full_export_is_recognised_after_a_long_contact_list_and_left_chats_are_read() -> None:
    from trailguard.ingest.formats import HEAD_BYTES, detect

    data = telegram_full_export(contacts=2000)
    assert data.index(b'"chats"') > HEAD_BYTES  # the sniffer sees none of the chats
    fmt = detect("result.json", data[:HEAD_BYTES])
    assert fmt is not None and fmt.name == "telegram"
    items, rejects = run(telegram, "result.json", data)
    assert not rejects
    assert [(i.title, i.extra["export_list"]) for i in items] == [
        ("Team chat", "chats"),
        ("Old group", "left_chats"),
    ]
    assert items[1].messages[0].text == "pay me $300 or else"
    # A full export made without chats says so instead of yielding nothing.
    items, rejects = run(telegram, "result.json", b'{"about": "x", "personal_information": {"user_id": 1}}')
    assert not items and "holds no 'chats' or 'left_chats'" in rejects[0].reason


def test_telegram_sniffer_reads_top_level_keys_only() -> None:
    nested = b'{"id": "ad-1", "text": "\\"chats\\": {", "extra": {"contacts": {"list": []}}}'
    assert not telegram.sniff("ad.json", nested)
    json_lines = b'{"id": "a", "contacts": {"x": 1}}\n{"id": "b", "text": "hi"}\n'
    assert not telegram.sniff("ads.json", json_lines)
    assert telegram.sniff("result.json", b'{\n "about": "x",\n "left_chats": {\n  "list": [')


def test_parts_of_one_channel_get_distinct_stable_ids() -> None:
    # DiscordChatExporter --partition writes one channel as several files: they must not overwrite each other.
    part1 = discord_export("777", [discord_message("1001", "hi"), discord_message("1002", "how was school")])
    part2 = discord_export("777", [discord_message("1003", "ok"), discord_message("1004", "bye")])
    (a,), _ = run(discord, "general [part 1].json", part1)
    (b,), _ = run(discord, "general [part 2].json", part2)
    (again,), _ = run(discord, "general [part 1].json", part1)
    assert (a.id, b.id) == ("discord:777:1001-1002", "discord:777:1003-1004") and again.id == a.id
    # The same holds for a Telegram chat exported over two date ranges.
    chat = {"id": 5, "name": "n", "messages": [{"id": 1, "date_unixtime": "1714593660", "text": "hi"}]}
    later = {**chat, "messages": [{"id": 9, "date_unixtime": "1714593960", "text": "later"}]}
    (t1,), _ = run(telegram, "result.json", json.dumps(chat).encode())
    (t2,), _ = run(telegram, "result.json", json.dumps(later).encode())
    assert (t1.id, t2.id) == ("telegram:5:1-1", "telegram:5:9-9")
    # Odd message ids are hashed like odd chat ids, so the id stays short and plain.
    (odd,), _ = run(discord, "c.json", discord_export("777", [discord_message("x:" + "9" * 300, "hi")]))
    assert odd.id.startswith("discord:777:") and len(odd.id) < 50


def test_people_sharing_a_display_name_stay_apart() -> None:
    messages = [
        discord_message("1", "how old are you", author="Mia", user="111"),
        discord_message("2", "im 13", author="Mia", user="222"),
        discord_message("3", "dont tell your parents", author="Mia", user="111"),
        discord_message("4", "ok", author="Mia B", user="222"),  # 222 renamed: still one person
        discord_message("5", "hey", author="Sam", user="333"),
    ]
    (item,), rejects = run(discord, "c.json", discord_export("9", messages))
    assert not rejects
    assert [m.author for m in item.messages] == ["Mia (111)", "Mia (222)", "Mia (111)", "Mia (222)", "Sam"]
    assert item.extra["authors"] == {"Mia (111)": "111", "Mia (222)": "222", "Sam": "333"}
    assert item.extra["other_names"] == {"Mia (222)": ["Mia B"]}
    # Someone cannot pass as another by calling themselves "Mia (222)".
    impostor = [*messages[:2], discord_message("6", "its me", author="Mia (222)", user="444")]
    (item,), _ = run(discord, "c.json", discord_export("9", impostor))
    assert len({m.author for m in item.messages}) == 3
    tg_messages = [
        {"id": n, "date_unixtime": "1714593660", "text": t, "from": "Mia", "from_id": user}
        for n, (t, user) in enumerate([("how old are you", "user111"), ("im 13", "user222")], start=1)
    ]
    (tg,), _ = run(telegram, "result.json", json.dumps({"id": 5, "messages": tg_messages}).encode())
    assert [m.author for m in tg.messages] == ["Mia (user111)", "Mia (user222)"]
    assert tg.extra["authors"] == {"Mia (user111)": "user111", "Mia (user222)": "user222"}


def test_sniffing_a_head_cut_inside_an_escaped_string_is_linear() -> None:
    import time

    from trailguard.ingest import telegram

    head = (b'{"a": "' + b'\\"' * 40_000)[: 64 * 1024]
    started = time.perf_counter()
    assert telegram.sniff("x.json", head) is False
    assert time.perf_counter() - started < 1.0  # was 16 s: every quote restarted a scan to the end
