"""The HTML report escapes attacker-written text wherever it appears, including inside highlights."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from trailguard.report.highlight import highlight

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
