"""The HTML report escapes attacker-written text wherever it appears, including inside highlights, shows
invisible format characters, and shows of a chat only what the evidence needs."""

from __future__ import annotations

from pathlib import Path

import orjson
from hypothesis import given
from hypothesis import strategies as st

from trailguard.pipeline.local import ScanOptions, run_scan
from trailguard.report.highlight import highlight, reveal, untrusted
from trailguard.settings import Settings

ATTACK = '<script>alert(1)</script><img src=x onerror=alert(2)> "quoted" &amp;'


def test_highlight_escapes_text_and_labels() -> None:
    html = str(highlight(ATTACK, [(0, 8, '<b onmouseover="x">')]))
    assert "<script>" not in html and "<img" not in html and "<b " not in html
    assert "&lt;script&gt;" in html
    assert html.startswith('<mark title="&lt;b onmouseover=&#34;x&#34;&gt;">&lt;script&gt;</mark>')


def test_overlapping_spans_merge_and_limit_cuts() -> None:
    html = str(highlight("abcdefghij", [(0, 4, "a"), (2, 6, "b"), (8, 9, "c")], limit=9))
    assert (
        html == '<mark title="a, b">abcdef</mark>gh<mark title="c">i</mark> <span class="cut">[… cut]</span>'
    )


@given(
    st.text(alphabet=st.sampled_from(list("<>&\"'ab /=")), max_size=60),
    st.lists(st.tuples(st.integers(-5, 70), st.integers(-5, 70)), max_size=6),
)
def test_no_markup_survives_from_the_text(text: str, raw_spans: list[tuple[int, int]]) -> None:
    html = str(highlight(text, [(s, e, "label") for s, e in raw_spans]))
    stripped = html.replace('<mark title="label">', "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped and '"' not in stripped


def test_format_characters_are_shown_and_fields_isolated() -> None:
    html = str(untrusted("R\u200bob \u202eevil\u202c <b>"))
    assert "\u200b" not in html and "\u202e" not in html and "\u202c" not in html
    assert "⟨U+200B⟩" in html and "⟨U+202E⟩" in html and "&lt;b&gt;" in html
    assert html.startswith("<bdi>") and html.endswith("</bdi>")
    # joiners are spelling and emoji, not tricks: kept as they are
    assert str(reveal("\U0001f468\u200d\U0001f469")) == "\U0001f468\u200d\U0001f469"
    assert "⟨U+202E⟩" in str(highlight("ab\u202ecd", [(1, 3, "x")]))


def test_chat_report_numbers_messages_from_one_and_lists_only_evidence_identifiers(tmp_path: Path) -> None:
    chat = {
        "id": "chat-\u202e1",
        "kind": "chat",
        "messages": [
            {"id": "m0", "author": "mia", "text": "my email is mia.home@example.org, dont lose it"},
            {
                "id": "m1",
                "author": "R\u200bob",
                "text": "i have your pics. i will send them to all your friends",
            },
            {"id": "m2", "author": "R\u200bob", "text": "pay me $300 now on cash app $SlyFox22"},
        ],
    }
    src = tmp_path / "in.jsonl"
    src.write_bytes(orjson.dumps(chat) + b"\n")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'tg.db'}", workers=1)
    run_scan([str(src)], settings, ScanOptions(out_dir=tmp_path / "o", store=False, link=False))
    html = (tmp_path / "o" / "report.html").read_text()
    assert "\u202e" not in html and "\u200b" not in html and "⟨U+202E⟩" in html
    assert "Early-warning point:</strong> message 2 of 3" in html  # the threat alone is high
    assert "#3 <bdi>R<span" in html and "#1 " not in html  # message 1 holds no evidence: not shown
    assert "cashapp:$slyfox22" in html and "mia.home@example.org" not in html
    assert "1 more in messages without evidence" in html


def test_hub_identifiers_are_listed_escaped(tmp_path: Path) -> None:
    from trailguard.model import Hub
    from trailguard.pipeline.local import ScanResult
    from trailguard.report.html import render_report

    why = "quoted beside 4 separate posters' own contacts"
    hub = Hub("email", "help@board.example<script>", 140, ["p1", "p\u202e2"], why)
    script = Hub("template", "0123456789ab", 12, ["p3"], "copied script: written by 6 posters <b>x</b>")
    render_report(ScanResult(out_dir=tmp_path, hubs=[hub, script]), tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text()
    assert "<h2>Hub identifiers and copied scripts</h2>" in html and "beside 4 separate posters" in html
    assert "copied script: written by 6 posters &lt;b&gt;x&lt;/b&gt;" in html
    assert "help@board.example&lt;script&gt;" in html and "\u202e" not in html
    assert "(and 2 hub identifiers or copied scripts, not used to link)" in html


def test_subdivision_flags_stay_flags_but_stray_tag_characters_are_revealed() -> None:
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert str(reveal(f"go {england}!")) == f"go {england}!"
    assert str(reveal("pay\U000e0041me")) == 'pay<span class="cf">⟨U+E0041⟩</span>me'
