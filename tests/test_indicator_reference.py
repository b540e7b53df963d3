"""The generated indicator reference and the `trailguard indicators` command.

docs/indicators.md must equal a fresh rendering of the packaged catalogues, so the documentation cannot drift
from what the engine actually evaluates. Regenerate it with `trailguard indicators --markdown > docs/indicators.md`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import trailguard.cli.indicators  # noqa: F401  (registers the command on the shared app)
from trailguard.cli.app import app
from trailguard.indicators.catalogue import GRADE_MEANING, packaged_catalogues, parse_catalogue
from trailguard.indicators.reference import render_reference, rule_summary

DOC = Path(__file__).resolve().parent.parent / "docs" / "indicators.md"
runner = CliRunner()

SMALL = """
domain: demo
title: Demo
kinds: [ad]
indicators:
  - id: demo.phrases
    category: trust
    description: A phrase list.
    lexicon: [real pics, "no `games`"]
    weight: 0.2
    grade: B
    source: A peer-reviewed study.
  - id: demo.pattern
    category: control
    description: A pattern with | and a backtick.
    pattern: 'a|`b`'
    weight: 0.1
    grade: D
    source: Heuristic.
  - id: demo.ages
    category: multiple_people
    description: Several ages.
    entities: {type: age, min: 18, max: 19, distinct_at_least: 2}
    weight: 0.3
    grade: C
    band_floor: medium
    source: Guidance.
  - id: demo.context
    category: movement
    description: Context only.
    lexicon: [new in town]
    effect: context
    weight: 0
    grade: A
    source: Case outcomes.
"""


def test_docs_indicators_md_is_the_fresh_rendering() -> None:
    assert DOC.is_file(), (
        "docs/indicators.md is missing: run `trailguard indicators --markdown > docs/indicators.md`"
    )
    assert DOC.read_text(encoding="utf-8") == render_reference(), (
        "docs/indicators.md is stale: run `trailguard indicators --markdown > docs/indicators.md`"
    )


def test_reference_lists_every_packaged_indicator_with_grade_meaning_and_source() -> None:
    text = render_reference()
    for cat in packaged_catalogues():
        for ind in cat.indicators:
            section = text.split(f"### {ind.id}\n", 1)[1].split("\n### ", 1)[0]
            assert f"**Evidence grade:** {ind.grade} ({GRADE_MEANING[ind.grade]})" in section
            assert " ".join(ind.source.split()) in section
            assert f"**Weight:** {ind.weight:.2f}" in section
    assert "0.30" in text and "0.55" in text and "0.80" in text  # band thresholds from scoring, not retyped


def test_rule_summaries_for_each_rule_form() -> None:
    cat = parse_catalogue(SMALL, "demo.yaml")
    by_id = {i.id: i for i in cat.indicators}
    assert rule_summary(by_id["demo.phrases"]) == (
        "phrases (case-insensitive, whole words): `real pics`, `` no `games` ``"
    )
    assert (
        rule_summary(by_id["demo.pattern"]) == "pattern (regular expression, case-insensitive): `` a|`b` ``"
    )
    assert rule_summary(by_id["demo.ages"]) == (
        "condition on extracted entities, at least 2 distinct values: `age` entities, with a value from 18 to 19"
    )
    text = render_reference([cat])
    assert "| [`demo.pattern`](#demopattern) | ad | control | 0.10 | risk | - | D |" in text
    assert "**Band floor:** medium: a hit alone puts the item in the medium band at least" in text
    assert "**Effect:** context: shown to the reviewer, never raises the score" in text


def test_cli_lists_indicators() -> None:
    result = runner.invoke(app, ["indicators"])
    assert result.exit_code == 0, result.output
    assert "ads.youth_language" in result.output and "jobs.document_retention" in result.output


def test_cli_markdown_is_the_reference() -> None:
    result = runner.invoke(app, ["indicators", "--markdown"])
    assert result.exit_code == 0
    assert result.stdout == render_reference()


def test_cli_kind_filter() -> None:
    result = runner.invoke(app, ["indicators", "--kind", "job", "--markdown"])
    assert result.exit_code == 0
    assert "### jobs.urgency" in result.stdout and "### ads.youth_language" not in result.stdout
    bad = runner.invoke(app, ["indicators", "--kind", "fax"])
    assert bad.exit_code == 2 and "unknown kind" in bad.output


def test_cli_validates_operator_catalogues(tmp_path: Path) -> None:
    good = tmp_path / "demo.yaml"
    good.write_text(SMALL, encoding="utf-8")
    ok = runner.invoke(app, ["indicators", "--catalogue", str(good)])
    assert ok.exit_code == 0 and "demo.ages" in ok.output and "ads.trust_language" not in ok.output

    broken = tmp_path / "broken.yaml"
    broken.write_text(SMALL.replace("weight: 0\n", "weight: 0.4\n"), encoding="utf-8")
    bad = runner.invoke(app, ["indicators", "--catalogue", str(broken)])
    assert bad.exit_code == 2
    assert "broken.yaml" in bad.output and "demo.context" in bad.output


@pytest.mark.parametrize("content", [b"\xff\xfe not utf-8", None], ids=["not-utf8", "missing"])
def test_cli_reports_unreadable_catalogue(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "x.yaml"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["indicators", "--catalogue", str(path)])
    assert result.exit_code == 2 and "x.yaml" in result.output


def test_cli_refuses_an_id_in_two_catalogues(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(SMALL, encoding="utf-8")
    second.write_text(SMALL.replace("domain: demo", "domain: other"), encoding="utf-8")
    result = runner.invoke(app, ["indicators", "--catalogue", str(first), "--catalogue", str(second)])
    assert result.exit_code == 2 and "demo.phrases" in result.output


def test_every_computed_indicator_is_in_the_reference_with_its_source() -> None:
    # Conversation rules, network signs, image-bank matches, age answers and the model score: one shape.
    from trailguard.chat.combinations import RULES
    from trailguard.indicators.reference import computed_indicators
    from trailguard.link.signals import SIGNS
    from trailguard.media.scan import MEDIA_INDICATORS

    listed = computed_indicators()
    ids = {i.id for i in listed}
    assert {r.id for r in RULES} | {s.id for s in SIGNS} | {m.id for m in MEDIA_INDICATORS} <= ids
    assert {"chat.age_answer", "chat.model_score", "media.known_image_match", "link.member_band"} <= ids
    assert len(ids) == len(listed)  # one id, one indicator
    text = render_reference()
    for ind in listed:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{ind.id}` |"))
        assert " ".join(ind.source.split()).replace("|", "\\|") in row
        assert f"| {ind.applies_to} |" in row


def test_computed_hits_carry_their_indicators_fields() -> None:
    from trailguard.media.scan import KNOWN_MATCH
    from trailguard.model import Span

    hit = KNOWN_MATCH.hit("matched", [Span(0, 0, "image a.png")], source="hash bank 'b'")
    assert (hit.indicator, hit.category, hit.weight, hit.grade, hit.effect) == (
        "media.known_image_match",
        "media",
        1.0,
        "A",
        "risk",
    )
    assert hit.source == "hash bank 'b'" and hit.evidence[0].text == "image a.png"
