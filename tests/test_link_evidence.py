"""Linking as weighted evidence (issue 9): copied scripts and hubs are facts, a poster's own number links."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from test_link_stage import filler, make
from trailguard.link import LinkConfig, link

SCRIPT = (
    "Overseas hostess work in a luxury hotel abroad, salary paid weekly in cash. We buy your ticket and you "
    "repay it from your first wages. Bring your passport, our agent keeps it safe for you. Young ladies only, "
    "no experience, places are few so apply today."
)


def recruiters(n: int) -> list:
    """n unrelated recruiters copying one job script word for word, two posts each, each their own number.

    (From 8 posters on, the script's phrases are stock wording, trailguard.link.linker._templates, and it is
    no template at all; below that it is found as a template and must be judged a copied script.)"""
    return [
        make(f"r{r:02d}{k}", f"{SCRIPT} {filler(r * 10 + k)}", [("phone", f"+1{201 + r}5550100")])
        for r in range(n)
        for k in range(2)
    ] + [make(f"x{i}", filler(500 + i)) for i in range(100)]


def test_a_copied_script_over_many_posters_is_a_fact_not_a_network() -> None:
    result = link(recruiters(6))
    # Each recruiter's two posts stay linked by their own number; the script merges nobody.
    assert sorted(n.items for n in result.networks) == [[f"r{r:02d}0", f"r{r:02d}1"] for r in range(6)]
    [script] = [h for h in result.hubs if h.type == "template"]
    assert script.items == 12 and "copied script: written by 6 posters" in script.reason
    assert "passport" in script.reason  # the text is shown for review
    for net in result.networks:
        [reason] = [r for r in net.reasons if r.kind == "template"]
        assert not reason.merged and reason.detail["posters"] == 6 and reason.detail["strength"] == 0.167
    # The operator can say the script is one operation's after all.
    merged = link(recruiters(6), LinkConfig(always_merge=frozenset({f"template:{script.value}"})))
    assert [len(n.items) for n in merged.networks] == [12]


def test_one_number_across_cities_and_wordings_stays_one_network() -> None:
    cities = ["Reno, NV", "Tucson, AZ", "Denver, CO", "Omaha, NE", "Austin, TX", "Boise, ID"]
    items = [
        make(
            f"p{i}", filler(i), [("phone", "+17025550123")], place=cities[i % 6], when=f"2024-05-{i + 1:02d}"
        )
        for i in range(18)
    ]
    # a screening line quoted beside some of them and beside strangers' own numbers
    for i in range(0, 18, 3):
        items[i].entities.append(make("", "", [("email", "verify@screening.example")]).entities[0])
    items += [
        make(
            f"s{i}",
            filler(100 + i),
            [("phone", f"+1{301 + i}5550100"), ("email", "verify@screening.example")],
        )
        for i in range(6)
    ]
    result = link(items)
    [net] = result.networks
    assert net.items == sorted(f"p{i}" for i in range(18))
    assert [h.value for h in result.hubs] == ["verify@screening.example"]
    assert any(h.indicator == "link.multi_city_circuit" for h in net.hits)


def test_a_booker_shared_by_agencies_with_their_own_numbers_is_a_hub() -> None:
    booker = "+16175550199"
    items = []
    for a in range(3):
        for k in range(4):
            ids = [("phone", f"+1{404 + a}5550100")] + ([("phone", booker)] if k % 2 == 0 else [])
            items.append(make(f"a{a}{k}", filler(a * 10 + k), ids))
    result = link(items)
    assert sorted(n.items for n in result.networks) == [[f"a{a}{k}" for k in range(4)] for a in range(3)]
    [hub] = result.hubs
    assert (hub.value, hub.items) == (booker, 6) and "beside 3 separate posters" in hub.reason
    for net in result.networks:
        [r] = [r for r in net.reasons if r.value == booker]
        assert not r.merged and r.detail["contact_sets"] == 3 and r.detail["strength"] == 0.333


def test_overrides_file_sets_both_lists(tmp_path: Path) -> None:
    from trailguard.link.config import read_overrides

    path = tmp_path / "overrides.txt"
    path.write_text("# operator decisions\nhub phone:+16175550199\n\nnot-hub email:desk@agency.example\n")
    assert read_overrides(path) == (
        frozenset({"phone:+16175550199"}),
        frozenset({"email:desk@agency.example"}),
    )
    path.write_text("maybe phone:+16175550199\n")
    try:
        read_overrides(path)
    except ValueError as exc:
        assert "line 1" in str(exc) and "hub" in str(exc)
    else:
        raise AssertionError("a bad line must be refused")


def test_second_generator_plants_what_it_says(tmp_path: Path) -> None:
    root = Path(__file__).parents[1]
    items, truth = tmp_path / "items.jsonl", tmp_path / "truth.jsonl"
    subprocess.run(
        [sys.executable, str(root / "benchmarks/link_adversarial2.py"), "--n", "2000", "--seed", "3",
         "--items", str(items), "--truth", str(truth)],
        check=True,
    )  # fmt: skip
    text = items.read_text()
    assert text.count("\n") == 2000 and "Central booking" in text and "@verify_desk" in text
    kinds = {line.split('"group":"')[1][:3] for line in truth.read_text().splitlines()}
    assert kinds == {"grp", "cop", "rec", "one", "agy"}


def test_exports_carry_each_links_strength(tmp_path: Path) -> None:
    import csv

    import networkx as nx

    from trailguard.link.export import write_csv, write_graph

    nets = link(recruiters(6)).networks
    write_csv(nets, tmp_path / "links.csv")
    rows = list(csv.DictReader((tmp_path / "links.csv").open()))
    assert {r["link_kind"] for r in rows} == {"shared_phone", "copied_script"}
    assert all("(strength 1.0)" in r["reason"] for r in rows if r["link_kind"] == "shared_phone")
    assert all("6 posters" in r["reason"] for r in rows if r["link_kind"] == "copied_script")
    write_graph(nets, tmp_path / "g.graphml", "graphml")
    strengths = {
        d["kind"]: d["strength"]
        for _, _, d in nx.read_graphml(tmp_path / "g.graphml").edges(data=True)
        if "strength" in d
    }
    assert strengths == {"shared_phone": 1.0, "template": 0.167}


def test_a_screening_pair_printed_together_beside_posters_own_numbers_is_two_hubs() -> None:
    """A screening e-mail always printed with its screening number: each is on every carrier of the other,
    so neither may tie the posters who quote them (the held-out failure of an earlier attempt: 111 groups
    merged through such a pair)."""
    items = []
    for p in range(8):
        own = ("phone", f"+1{301 + p}5550100")
        items.append(
            make(f"p{p}a", filler(p * 3), [own, ("email", "screen@safe.example"), ("phone", "+18005550100")])
        )
        items.append(make(f"p{p}b", filler(p * 3 + 1), [own]))
    result = link(items)
    assert sorted(n.items for n in result.networks) == [[f"p{p}a", f"p{p}b"] for p in range(8)]
    assert {h.value for h in result.hubs} == {"screen@safe.example", "+18005550100"}


def test_a_posters_two_numbers_printed_together_are_not_hubs() -> None:
    items = [
        make(f"q{i}", filler(i), [("phone", "+17025550111"), ("phone", "+17025550112")]) for i in range(10)
    ]
    result = link(items)
    assert [len(n.items) for n in result.networks] == [10] and result.hubs == []


def test_trailguard_link_reads_the_overrides_file_and_refuses_a_bad_one(tmp_path: Path, monkeypatch) -> None:
    import orjson
    from typer.testing import CliRunner

    import trailguard.cli.network  # noqa: F401  (registers the commands on the app)
    from trailguard.cli.app import app

    booker = "+16175550199"
    items = [
        make(
            f"a{a}{k}",
            filler(a * 10 + k),
            [("phone", f"+1{404 + a}5550100")] + [("phone", booker)] * (k == 0),
        )
        for a in range(3)
        for k in range(3)
    ]
    path = tmp_path / "assessments.jsonl"
    path.write_bytes(b"".join(orjson.dumps(a.to_dict()) + b"\n" for a in items))
    overrides = tmp_path / "overrides.txt"
    overrides.write_text(f"not-hub phone:{booker}\n")
    monkeypatch.setenv("TRAILGUARD_LINK_OVERRIDES", str(overrides))
    runner = CliRunner()
    res = runner.invoke(app, ["link", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert [len(n["items"]) for n in orjson.loads((tmp_path / "out" / "networks.json").read_bytes())] == [9]
    overrides.write_text("merge everything\n")
    res = runner.invoke(app, ["link", str(path), "--out", str(tmp_path / "out2")])
    assert res.exit_code == 2 and "TRAILGUARD_LINK_OVERRIDES" in res.output and "line 1" in res.output


def test_items_with_a_thousand_shared_identifiers_stay_fast() -> None:
    """Hostile input: every item carries the same 1,000 handles; hub detection must not build a million
    pairs per item."""
    import time

    ids = [("handle", f"x:h{k}") for k in range(1000)]
    items = [make(f"h{i}", filler(i), ids) for i in range(40)]
    start = time.perf_counter()
    nets = link(items).networks
    assert time.perf_counter() - start < 20
    assert [len(n.items) for n in nets] == [40]


def test_report_shows_each_links_strength_and_the_copied_script(tmp_path: Path) -> None:
    from trailguard.pipeline.local import ScanResult
    from trailguard.report.html import render_report

    res = link(recruiters(6))
    render_report(ScanResult(out_dir=tmp_path, networks=res.networks, hubs=res.hubs), tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "<th>Strength</th>" in html and "<td>0.167</td><td>no (copied script: kept as a fact)</td>" in html
    assert "copied script: written by 6 posters" in html
