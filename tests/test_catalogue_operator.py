"""Operators' own catalogues: loaded by `scan --catalogue` or TRAILGUARD_CATALOGUES, a typo fails with its line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trailguard.cli import app
from trailguard.indicators.catalogue import CatalogueError, catalogue_paths, load_catalogues, parse_catalogue

OWN = """\
# A partner's catalogue of wording seen in fictional test ads.
domain: partner
title: Partner wording
kinds: [ad]
indicators:
  - id: partner.cash_only_rooms
    category: control
    description: Rooms paid in cash only, by the hour.
    lexicon: [cash only rooms by the hour]
    weight: 0.25
    grade: D
    source: Partner expert heuristic (fictional, for tests).
  - id: partner.young_ages
    category: youth
    description: An age under 18.
    entities: {type: age, max: 17}
    weight: 0.9
    grade: B
    source: Fictional source.
  - id: partner.pattern
    category: control
    description: A pattern.
    pattern: 'no\\s+questions'
    weight: 0.1
    grade: D
    source: Fictional source.
"""

# (what is wrong, the text that replaces a piece of OWN, the marker on the line to be named, the reason)
TYPOS = [
    ("unknown entity type", ("{type: age,", "{type: aeg,"), "type: aeg", "unknown entity type 'aeg'"),
    ("unknown field", ("    weight: 0.9\n", "    weight: 0.9\n    wieght: 0.9\n"), "wieght:", "unknown key 'wieght'"),
    ("unknown condition key", ("max: 17}", "maximum: 17}"), "maximum: 17", "unknown entity condition key"),
    ("bad regex", ("pattern: 'no", "pattern: 'no("), "pattern: 'no(", "invalid pattern"),
    ("unknown stage", ("    grade: D\n    source: Fictional source.\n",
                       "    grade: D\n    stage: grooming_typo\n    source: Fictional source.\n"),
     "stage: grooming_typo", "unknown conversation stage"),
    ("unknown kind", ("kinds: [ad]", "kinds: [ad, advert]"), "kinds: [ad, advert]", "unknown kinds ['advert']"),
    ("unknown top-level key", ("title: Partner wording\n", "title: Partner wording\ntitel: x\n"), "titel:",
     "unknown catalogue key 'titel'"),
    ("broken YAML", ("    lexicon: [cash only rooms by the hour]\n", "    lexicon: [cash only rooms\n"),
     "weight: 0.25", "started on line 9"),  # the parser notices at the next line, and says where it began
    ("weight not a number", ("weight: 0.25", "weight: high"), "weight: high", "weight must be a number"),
]  # fmt: skip


def _line_of(text: str, marker: str) -> int:
    [number] = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    return number


def _scan(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    src = tmp_path / "in.jsonl"
    ads = [
        {"id": "ad-1", "kind": "ad", "text": "cash only rooms by the hour, call 555-0142"},
        {"id": "ad-2", "kind": "ad", "text": "fresh towels and a quiet room, call 555-0199"},
    ]
    src.write_text("".join(json.dumps(a) + "\n" for a in ads), encoding="utf-8")
    full_env = {
        "TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'tg.db'}",
        "TRAILGUARD_WORKERS": "1",
        **env,
    }
    outcome = CliRunner().invoke(
        app, ["scan", str(src), "--out", str(tmp_path / "o"), "--no-store", "--no-link", *args], env=full_env
    )
    return outcome.exit_code, outcome.output


def _hits(tmp_path: Path) -> dict[str, set[str]]:
    lines = (tmp_path / "o" / "assessments.jsonl").read_text(encoding="utf-8").splitlines()
    return {a["item_id"]: {h["indicator"] for h in a["hits"]} for a in map(json.loads, lines)}


@pytest.mark.parametrize(("what", "edit", "marker", "reason"), TYPOS, ids=[t[0] for t in TYPOS])
def test_a_typo_fails_the_scan_with_its_file_and_line(
    tmp_path: Path, what: str, edit: tuple[str, str], marker: str, reason: str
) -> None:
    assert edit[0] in OWN, what
    text = OWN.replace(edit[0], edit[1], 1)
    path = tmp_path / "partner.yaml"
    path.write_text(text, encoding="utf-8")
    code, output = _scan(tmp_path, "--catalogue", str(path))
    assert code == 2, output
    assert f"{path}:{_line_of(text, marker)}:" in output and reason in output, output
    assert "Traceback" not in output
    assert not (tmp_path / "o" / "assessments.jsonl").exists()  # refused before any input was read


def test_an_operator_catalogue_adds_its_indicators_to_the_packaged_ones(tmp_path: Path) -> None:
    own = tmp_path / "partner.yaml"
    own.write_text(OWN, encoding="utf-8")
    code, output = _scan(tmp_path, "--catalogue", str(own))
    assert code == 0, output
    hits = _hits(tmp_path)
    assert "partner.cash_only_rooms" in hits["ad-1"] and not any(
        h.startswith("partner.") for h in hits["ad-2"]
    )
    # Without it the same scan knows nothing of the partner's wording.
    code, output = _scan(tmp_path)
    assert code == 0 and not any(h.startswith("partner.") for h in _hits(tmp_path)["ad-1"]), output


def test_the_setting_loads_catalogues_and_the_option_replaces_it(tmp_path: Path) -> None:
    own = tmp_path / "partner.yaml"
    own.write_text(OWN, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(OWN.replace("{type: age,", "{type: aeg,"), encoding="utf-8")
    code, output = _scan(tmp_path, TRAILGUARD_CATALOGUES=str(own))
    assert code == 0 and "partner.cash_only_rooms" in _hits(tmp_path)["ad-1"], output
    code, output = _scan(tmp_path, TRAILGUARD_CATALOGUES=f"{own}{os.pathsep}{broken}")
    assert code == 2 and f"{broken}:" in output, output
    code, output = _scan(tmp_path, "--catalogue", str(own), TRAILGUARD_CATALOGUES=str(broken))
    assert code == 0, output


def test_an_id_already_packaged_or_repeated_is_refused_naming_both_files(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow.yaml"
    shadow.write_text(OWN.replace("partner.cash_only_rooms", "ads.trust_language"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"shadow\.yaml: indicator 'ads.trust_language' is already defined in catalogues/ads\.yaml"):  # fmt: skip
        load_catalogues([shadow])
    missing = tmp_path / "missing.yaml"
    code, output = _scan(tmp_path, "--catalogue", str(missing))
    assert code == 2 and "missing.yaml: cannot read" in output


def test_catalogue_paths_split_on_the_path_separator() -> None:
    assert catalogue_paths(f"a.yaml{os.pathsep}{os.pathsep} b/c.yaml") == [Path("a.yaml"), Path(" b/c.yaml")]
    assert catalogue_paths("") == []


_YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_FIELDS = st.sampled_from(["id", "category", "description", "weight", "grade", "source", "kinds", "effect",
                           "band_floor", "stage", "lexicon", "pattern", "entities", "explanation", "type"])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    indicators=st.lists(st.dictionaries(_FIELDS, _YAML_VALUES, max_size=8), max_size=3),
    top=st.dictionaries(st.sampled_from(["domain", "title", "kinds", "x"]), _YAML_VALUES, max_size=3),
)
def test_any_catalogue_shape_is_accepted_or_refused_with_a_line(
    indicators: list[dict[str, object]], top: dict[str, object]
) -> None:
    """Hostile catalogues: every malformed shape is a CatalogueError naming the file and a line, never a crash."""
    text = yaml.safe_dump({"domain": "x", **top, "indicators": indicators})
    try:
        parse_catalogue(text, "op.yaml")
    except CatalogueError as exc:
        line = str(exc).removeprefix("op.yaml:").split(":", 1)[0]
        assert line.isdigit() and 1 <= int(line) <= len(text.splitlines()) + 1, str(exc)


@given(text=st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_any_text_is_accepted_or_refused_cleanly(text: str) -> None:
    try:
        parse_catalogue(text, "op.yaml")
    except CatalogueError as exc:
        assert str(exc).startswith("op.yaml:")
