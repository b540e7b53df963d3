"""The frontline data files: the help directory (every entry sourced and dated), the cited screening
checklist and its summary logic, and the en/es message catalogues (same keys, every key a template uses)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from trailguard.frontline.data import load
from trailguard.frontline.directory import LANGUAGES, load_directory, parse_directory
from trailguard.frontline.i18n import catalogue
from trailguard.frontline.screening import load_checklist, parse_checklist, summarise

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "src" / "trailguard" / "api" / "templates" / "public"


def test_every_help_entry_has_an_https_source_and_a_verified_date() -> None:
    raw = load("help_directory.yaml")
    entries = list(raw["international"]) + [e for es in raw["countries"].values() for e in es]
    assert len(entries) >= 30
    for e in entries:
        assert str(e["source"]).startswith("https://"), e["id"]
        assert isinstance(e["verified"], date) and e["verified"] <= date.today(), e["id"]
        assert isinstance(e["cross_checked"], bool), e["id"]
        assert all(e["about"][lang].strip() for lang in LANGUAGES), e["id"]


def test_the_directory_covers_twenty_countries_and_the_five_named_services() -> None:
    d = load_directory()
    assert len(d.countries) >= 20
    names = [e.name for e in d.international] + [e.name for es in d.countries.values() for e in es]
    for wanted in ("National Human Trafficking Hotline", "NCMEC CyberTipline", "Take It Down", "StopNCII",
                   "Modern Slavery & Exploitation Helpline"):  # fmt: skip
        assert any(wanted in n for n in names), wanted
    us = {e.id: e for e in d.for_country("us")}
    assert us["us-nhth"].phone == "1-888-373-7888"
    assert {e.id for e in d.for_country("GB")} >= {"gb-mses"}
    assert d.for_country("ZZ") == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("source"), "`source` must be an https URL"),
        (lambda e: e.update(source="http://example.org/"), "`source` must be an https URL"),
        (lambda e: e.pop("verified"), "`verified` must be a date"),
        (lambda e: e.update(verified="last week"), "`verified` must be a date"),
        (lambda e: e.update(phone="call <script>"), "`phone` must be digits"),
        (lambda e: e.pop("cross_checked"), "`cross_checked` must be true or false"),
        (lambda e: e["about"].pop("es"), "`about` needs a text"),
    ],
)
def test_an_entry_without_its_source_or_date_is_refused_by_name(change: object, message: str) -> None:
    doc = yaml.safe_load(
        "countries:\n  US:\n    - {id: x-1, name: X, kind: hotline, about: {en: a, es: b},"
        " web: 'https://example.org/', source: 'https://example.org/s', verified: 2026-01-02,"
        " cross_checked: true}\n"
    )
    change(doc["countries"]["US"][0])  # type: ignore[operator]
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        parse_directory(doc)
    assert "US x-1" in str(err.value)


def test_every_screening_item_is_cited_and_the_seed_signs_are_there() -> None:
    checklist = load_checklist()
    signs = checklist.signs
    assert {"phone_anxiety", "changing_numbers", "several_phones"} <= set(signs)
    assert {s.source for s in signs.values()} >= {"trailguard", "polaris", "greenbaum", "acf"}
    for s in signs.values():
        assert s.source in checklist.sources and all(s.text[lang] for lang in LANGUAGES)
    assert checklist.sources["greenbaum"].text["en"].startswith("Greenbaum J")
    doc = load("screening_checklist.yaml")
    doc["groups"][0]["items"][0]["source"] = "nobody"
    with pytest.raises(ValueError, match="item phone_anxiety: source 'nobody'"):
        parse_checklist(doc)


def test_the_summary_lists_what_was_ticked_and_steps_that_fit_never_a_verdict() -> None:
    checklist = load_checklist()
    none = summarise(checklist, [], minor=False)
    assert none.count == 0 and none.next_steps == ("step.none_ticked",) and not none.urgent

    adult = summarise(checklist, ["several_phones", "debt", "not-an-item"], minor=False)
    assert adult.count == 2 and [g for g, _ in adult.concerns] == ["phone", "control"]
    assert "step.consent" in adult.next_steps and "step.safeguarding" not in adult.next_steps
    assert "step.emergency" not in adult.next_steps

    child = summarise(checklist, ["runaway", "threats"], minor=True)
    assert child.urgent and child.next_steps[0] == "step.emergency"
    assert "step.safeguarding" in child.next_steps and "step.consent" not in child.next_steps
    # Victim-centred, never a verdict: no step or item text labels the person.
    for lang in LANGUAGES:
        t = catalogue(lang)
        words = " ".join([t(k) for k in child.next_steps] + [s.text[lang] for s in checklist.signs.values()])
        assert not re.search(r"prostitut|sex worker|trabajador[a]? sexual|criminal|is a victim", words, re.I)


def test_the_catalogues_have_the_same_keys_and_every_key_the_templates_use() -> None:
    en, es = catalogue("en").messages, catalogue("es").messages
    assert set(en) == set(es)
    for key in en:  # the same placeholders in both languages
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", es[key])), key
    used = {m for p in TEMPLATES.glob("*.j2") for m in re.findall(r't\("([a-z_.]+[a-z_])"', p.read_text())}
    assert used and used <= set(en), sorted(used - set(en))
    for code in load_directory().countries:
        assert f"country.{code}" in en
    for group, _ in load_checklist().groups:
        assert f"screening.group.{group}" in en
    steps = {k for k in en if k.startswith("step.")}
    assert steps == {"step.emergency", "step.none_ticked", "step.private", "step.listen", "step.no_confront",
                     "step.safeguarding", "step.consent", "step.hotline", "step.record"}  # fmt: skip
    with pytest.raises(ValueError):
        catalogue("fr")
