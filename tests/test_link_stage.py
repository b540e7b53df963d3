"""The link stage on hand-built assessments: what merges, what must not, and what each network tells."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import orjson
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import trailguard.cli.network  # noqa: F401  (registers the commands on the app)
from trailguard.cli.app import app
from trailguard.demo.corpus import HUBS, iter_records, to_assessment
from trailguard.link import LinkConfig, link, link_assessments
from trailguard.link.export import CSV_COLUMNS, write_csv, write_graph
from trailguard.link.names import stated_names
from trailguard.model import Assessment, Entity, Hit, ImageHash


def make(
    item_id: str,
    text: str,
    ids: list[tuple[str, object]] | None = None,
    *,
    place: str = "Boston, MA",
    when: str = "2024-05-01T10:00:00Z",
    images: list[ImageHash] | None = None,
    hits: list[Hit] | None = None,
    kind: str = "ad",
) -> Assessment:
    ents = [Entity(t, v, str(v), 0, 0) for t, v in ids or []]
    return Assessment(
        item_id, kind, ents, hits or [], 0.0, "low", when, place, "board.example", None, text, images or []
    )


def filler(i: int) -> str:
    """Unique, unrelated wording for background items (letters only: digits are folded when linking)."""

    def word(x: int) -> str:
        out = ""
        for _ in range(4):
            x, r = divmod(x, 26)
            out += chr(97 + r)
        return out

    return " ".join(word(i * 7919 + k * 104729 + 12345) for k in range(14))


def test_shared_phone_links_and_says_why() -> None:
    items = [make(f"a{i}", filler(i), [("phone", "+16175550123")]) for i in range(3)] + [
        make("b0", filler(50), [("phone", "+16175550199")])
    ]
    nets = link_assessments(items)
    assert [n.items for n in nets] == [["a0", "a1", "a2"]]
    reason = nets[0].reasons[0]
    assert (reason.kind, reason.value, reason.items, reason.merged) == (
        "shared_phone",
        "+16175550123",
        ["a0", "a1", "a2"],
        True,
    )
    assert nets[0].id.startswith("net-") and nets[0].id == link_assessments(reversed(items))[0].id


def test_an_identifier_beside_posters_own_numbers_is_a_hub_and_the_operator_overrides_either_way() -> None:
    """A help address (or a booker's number) quoted beside two posters' own numbers is a hub by default;
    the operator can say it is one poster's (always_merge) or force any identifier to be a hub."""
    site = "email:help@board.example"
    items = [
        make("g1a", filler(1), [("phone", "+12015550100"), ("email", "help@board.example")]),
        make("g1b", filler(2), [("phone", "+12015550100")]),
        make("g2a", filler(3), [("phone", "+12025550100"), ("email", "help@board.example")]),
        make("g2b", filler(4), [("phone", "+12025550100")]),
    ]
    result = link(items)
    assert sorted(n.items for n in result.networks) == [["g1a", "g1b"], ["g2a", "g2b"]]
    for n in result.networks:
        hub = [i for i in n.identifiers if i["value"] == "help@board.example"]
        assert hub and hub[0]["hub"] is True
    [hub] = result.hubs
    assert (hub.type, hub.value, hub.items) == ("email", "help@board.example", 2)
    assert "beside 2 separate posters" in hub.reason
    merged = link_assessments(items, LinkConfig(always_merge=frozenset({site})))
    assert len(merged) == 1 and len(merged[0].items) == 4
    forced = link(items, LinkConfig(never_merge=frozenset({"phone:+12015550100"})))
    # g1's number no longer merges; the address is then beside one poster's number only, and links g1a.
    assert sorted(n.items for n in forced.networks) == [["g1a", "g2a", "g2b"]]
    assert [(h.value, h.reason) for h in forced.hubs] == [("+12015550100", "operator allow-list")]


def test_hub_identifiers_in_the_generated_corpus_are_detected_from_the_data() -> None:
    assessments = [to_assessment(r) for r in iter_records(3000, 5)]
    result = link(assessments)
    nets = result.networks
    hub_values = {v for _, v, _ in HUBS}
    seen = {r.value: r for n in nets for r in n.reasons if r.value in hub_values}
    assert seen and all(not r.merged and "hub" in r.detail for r in seen.values())
    biggest = max(len(n.items) for n in nets)
    assert biggest < 120  # nothing like the hundreds of items that quote the hubs
    # Every planted hub is listed on its own, with its reach and why, most widely shared first.
    listed = {h.value: h for h in result.hubs}
    assert hub_values <= set(listed)
    assert all(
        h.items >= 60 and h.reason and len(h.examples) == 10 for v, h in listed.items() if v in hub_values
    )
    assert [h.items for h in result.hubs] == sorted((h.items for h in result.hubs), reverse=True)


def test_a_hub_quoted_only_by_unlinked_posts_is_still_listed() -> None:
    # Four strangers each quote the board's help address and nothing links them: no network, one hub.
    items = [make(f"p{i}", filler(i), [("email", "help@board.example")]) for i in range(4)]
    result = link(items, LinkConfig(never_merge=frozenset({"email:help@board.example"})))
    assert result.networks == []
    [hub] = result.hubs
    assert (hub.type, hub.value, hub.items, hub.examples) == (
        "email",
        "help@board.example",
        4,
        ["p0", "p1", "p2", "p3"],
    )
    assert hub.reason == "operator allow-list"


def test_stock_phrases_do_not_link_unrelated_posters() -> None:
    stock = "New in town. Available 24/7. 100% real pics. No rush service. Satisfaction guaranteed."
    items = [
        make(f"s{i}", f"{stock} {filler(i)}", [("phone", f"+1{200 + i % 90}55501{i // 90:02d}")])
        for i in range(400)
    ]
    assert link_assessments(items) == []


def templated(kind: str) -> list[Assessment]:
    names = ["Jade", "Lily", "Rose", "Mia", "Nina", "Ruby"]
    cities = ["Reno", "Tucson", "Denver", "Omaha", "Austin", "Boise"]
    tpl = (
        "{n} here, {a} years young, just arrived in {c}, cozy lantern violet. Special {d} rate ${p} for new "
        "friends, quiet orchard amber. Private suite near downtown, easy parking, velvet harbor mint."
    )
    days = ["Monday", "Friday", "Sunday"]
    items = [
        make(
            f"t{i}",
            tpl.format(n=names[i], a=19 + i % 3, c=cities[i], d=days[i % 3], p=100 + 20 * i),
            kind=kind,
        )
        for i in range(6)
    ]
    return items + [make(f"x{i}", filler(i)) for i in range(200)]


def test_template_links_items_without_identifiers_and_shows_slots() -> None:
    nets = link_assessments(templated("ad"))
    assert [n.items for n in nets] == [[f"t{i}" for i in range(6)]]
    (template,) = nets[0].templates
    assert "<SLOT>" in template["template"] and "just arrived in" in template["template"]
    assert template["description_length_saving"] > 0
    assert any("jade" in ex for s in template["slots"] for ex in s["examples"])
    assert nets[0].reasons[0].kind == "template"


def test_a_template_over_conversations_links_them_but_withholds_their_wording() -> None:
    # A summary shows no more of a chat than its evidence: the shared wording of several chats may hold what
    # a potential victim wrote about themselves, so the network names the template but does not print it.
    [net] = link_assessments(templated("chat"))
    assert net.items == [f"t{i}" for i in range(6)]
    (template,) = net.templates
    assert "withheld" in template["template"] and "arrived" not in template["template"]
    assert template["slots"] == [] and template["items"] == net.items
    assert net.reasons[0].kind == "template" and "arrived" not in str(net.reasons[0].detail)


def test_names_ages_and_circuit_raise_the_network_score_with_sources() -> None:
    phone = [("phone", "+13125550142")]
    risky = Hit("ads.third_person", "control", 0.4, "B", [], "third person", "source text")
    items = [
        make(
            "n1",
            f"Hi I'm Jade, {filler(1)}",
            [*phone, ("age", 19)],
            place="Reno, NV",
            when="2024-03-01T10:00:00Z",
            hits=[risky],
        ),
        make(
            "n2",
            f"Ask for Lily. {filler(2)}",
            [*phone, ("age", 22)],
            place="Reno, NV",
            when="2024-03-02T10:00:00Z",
        ),
        make(
            "n3",
            f"My name is Rose. {filler(3)}",
            [*phone, ("age", 24)],
            place="Boise, ID",
            when="2024-03-09T10:00:00Z",
        ),
        make("n4", filler(4), phone, place="Omaha, NE", when="2024-03-20T10:00:00Z"),
    ]
    (net,) = link_assessments(items)
    fired = {h.indicator: h for h in net.hits}
    assert {
        "link.multiple_names_per_number",
        "link.multiple_ages_per_number",
        "link.multi_city_circuit",
        "ads.third_person",
    } <= set(fired)
    assert "Jade" in fired["link.multiple_names_per_number"].explanation
    assert all(h.source for h in net.hits)
    assert [p["place"] for p in net.places] == ["Reno, NV", "Boise, ID", "Omaha, NE"]
    assert net.places[0]["first_seen"] == "2024-03-01T10:00:00Z" and net.places[0]["items"] == 2
    alone = link_assessments([make("m1", filler(8), phone), make("m2", filler(9), phone)])[0]
    assert net.score > alone.score and net.band != "low"


def test_images_link_by_exact_hash_and_pdq_neighbours_but_not_low_quality() -> None:
    same = ImageHash("a.jpg", pdq="f" * 64, quality=90, md5="1" * 32, sha256="a" * 64)
    low = ImageHash("b.jpg", pdq="0" * 64, quality=10, md5=None, sha256=None)
    items = [
        make("i1", filler(1), images=[same]),
        make("i2", filler(2), images=[same]),
        make("i3", filler(3), images=[low]),
        make("i4", filler(4), images=[low]),
    ]
    nets = link_assessments(items)
    assert [n.items for n in nets] == [["i1", "i2"]]
    assert {r.kind for r in nets[0].reasons} == {"shared_image"}
    near = [
        make("p1", filler(5), images=[ImageHash("c", pdq="e" * 64, quality=80)]),
        make("p2", filler(6), images=[ImageHash("d", pdq="d" * 64, quality=80)]),
    ]
    assert link_assessments(near) == []
    cfg = LinkConfig(image_neighbours=lambda hexes: [(0, 1, 12)] if len(hexes) == 2 else [])
    assert [n.items for n in link_assessments(near, cfg)] == [["p1", "p2"]]


def test_exports_open_as_graphs_and_a_link_table(tmp_path: Path) -> None:
    nets = link_assessments([to_assessment(r) for r in iter_records(1500, 2)])
    assert nets
    for fmt in ("graphml", "gexf"):
        path = tmp_path / f"n.{fmt}"
        write_graph(nets, path, fmt)
        g = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
        assert g.number_of_nodes() > sum(len(n.items) for n in nets)
    rows = write_csv(nets, tmp_path / "links.csv")
    with (tmp_path / "links.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert tuple(table[0]) == CSV_COLUMNS and len(table) == rows
    assert {r["link_kind"] for r in table} >= {"shared_phone", "template"}


def test_cli_generate_link_export(tmp_path: Path) -> None:
    runner = CliRunner()
    items, truth = tmp_path / "items.jsonl", tmp_path / "truth.json"
    res = runner.invoke(
        app, ["generate", "--n", "800", "--seed", "3", "--out", str(items), "--truth", str(truth)]
    )
    assert res.exit_code == 0, res.output
    assert len(items.read_text().splitlines()) == 800 and json.loads(truth.read_text())
    lines = [orjson.dumps(to_assessment(r).to_dict()).decode() for r in iter_records(800, 3)]
    lines.insert(5, '{"item_id": "broken"')  # a bad record: rejected by line, the rest goes on
    (tmp_path / "assessments.jsonl").write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["link", str(tmp_path / "assessments.jsonl"), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "801 lines: 800 accepted, 1 rejected" in res.output and ":6:" in res.output
    nets = json.loads((tmp_path / "out" / "networks.json").read_text())
    assert nets and all(len(n["items"]) >= 2 for n in nets)
    hubs = json.loads((tmp_path / "out" / "hubs.json").read_text())  # 800 items: too few to judge the hubs
    assert isinstance(hubs, list) and f"{len(hubs)} hubs" in res.output
    res = runner.invoke(
        app, ["export", "gexf", str(tmp_path / "out" / "networks.json"), "--out", str(tmp_path / "n.gexf")]
    )
    assert res.exit_code == 0 and nx.read_gexf(tmp_path / "n.gexf").number_of_nodes() > 0


def test_stated_names() -> None:
    assert stated_names("Hi, I'm Jade and my friend? Ask for Lily. Meet Rose tonight. Nora here") == [
        "Jade",
        "Lily",
        "Rose",
        "Nora",
    ]
    assert stated_names("I'm New in town, Available now") == []


@given(st.text(max_size=3000))
def test_stated_names_never_crash_and_stay_bounded(text: str) -> None:
    names = stated_names(text)
    assert len(names) <= 10 and all(n in text for n in names)


@given(st.lists(st.text(max_size=200), min_size=0, max_size=12))
def test_link_survives_hostile_text(texts: list[str]) -> None:
    items = [make(f"h{i}", t, [("phone", "+16175550100")] if i % 2 else []) for i, t in enumerate(texts)]
    nets = link_assessments(items)
    members = [i for n in nets for i in n.items]
    assert len(members) == len(set(members))
