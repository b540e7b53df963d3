"""Link exports with attacker-written item ids: no spreadsheet formulas in the CSV, well-formed GraphML."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import networkx as nx
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.csvsafe import safe_cell
from trailguard.demo.corpus import iter_records, to_assessment
from trailguard.link import link, link_assessments
from trailguard.link.export import to_graph, write_csv, write_graph
from trailguard.model import Assessment, Entity
from trailguard.pipeline.sinks import write_link_outputs

PHONE = Entity("phone", "+16175550123", "", 0, 1)
HUB = Entity("phone", "+16175550199", "", 0, 1)  # a screening line beside several posters' own numbers


def _ad(item_id: str) -> Assessment:
    return Assessment(item_id=item_id, kind="ad", entities=[PHONE], hits=[], score=0.0, band="low", text="ad")


def test_links_csv_neutralises_formula_cells_but_keeps_phone_numbers(tmp_path: Path) -> None:
    ids = ['=HYPERLINK("http://evil.example","x")', "@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3", "ad-7"]
    nets = link_assessments([_ad(i) for i in ids])
    out = tmp_path / "links.csv"
    assert write_csv(nets, out) == len(ids)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["source_value"] for r in rows) == sorted(["'" + i for i in ids[:4]] + ["ad-7"])
    assert {r["target_value"] for r in rows} == {"+16175550123"}  # an E.164 number is a value, not a formula


def test_graphml_with_control_characters_reads_back(tmp_path: Path) -> None:
    nets = link_assessments([_ad("ad\x01-2"), _ad("ad\x0b\ufffe-3"), _ad("ad-4")])
    out = tmp_path / "n.graphml"
    write_graph(nets, out, "graphml")
    graph = nx.read_graphml(out)
    labels = {d["label"] for _, d in graph.nodes(data=True) if d.get("type") == "item"}
    assert labels == {"ad\\x01-2", "ad\\x0b\\ufffe-3", "ad-4"}
    gexf = tmp_path / "n.gexf"
    write_graph(nets, gexf, "gexf")
    assert nx.read_gexf(gexf).number_of_nodes() == graph.number_of_nodes()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_safe_cell_never_leaves_a_formula_trigger(text: str) -> None:
    cell = safe_cell(text)
    assert isinstance(cell, str)
    assert cell == text or cell == "'" + text
    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        float(cell)  # only a plain number may keep its sign


def test_safe_cell_leaves_numbers_and_hashes_alone() -> None:
    assert [safe_cell(v) for v in ("+16175550123", "-12.5", "1e3", "ab" * 32, 7, None)] == [
        "+16175550123", "-12.5", "1e3", "ab" * 32, 7, None]  # fmt: skip
    assert [safe_cell(v) for v in ("=1+1", "\tx", "\r=1", "-", "+")] == ["'=1+1", "'\tx", "'\r=1", "'-", "'+"]


def _edge_multiset(graph: nx.MultiGraph) -> Counter[tuple[object, ...]]:
    return Counter((*sorted((u, v)), tuple(sorted(d.items()))) for u, v, d in graph.edges(data=True))


def test_streamed_graphml_is_the_networkx_graph(tmp_path: Path) -> None:
    """write_graphml writes the nodes, attributes and edges networkx would (hub nodes named by several
    networks once, with `hub` set; ids with quotes, ampersands and newlines intact)."""
    ads = [_ad(i) for i in ('ad"1', "ad&2", "ad<3>\n")]
    ads += [
        Assessment(
            f"h{k}-{j}", "ad", [HUB, Entity("phone", f"+1617555015{k}", "", 0, 1)], [], 0.0, "low", "ad"
        )
        for k in range(4)
        for j in range(2)
    ]
    nets = link_assessments(ads + [to_assessment(r) for r in iter_records(600, 3)])
    assert sum(1 for n in nets for r in n.reasons if r.value == HUB.value) >= 2  # one hub node, many networks
    out = tmp_path / "n.graphml"
    write_graph(nets, out, "graphml")
    read, expected = nx.read_graphml(out, force_multigraph=True), to_graph(nets)
    assert dict(read.nodes(data=True)) == dict(expected.nodes(data=True))
    assert _edge_multiset(read) == _edge_multiset(expected)


def test_link_outputs_are_the_bytes_of_one_orjson_dump(tmp_path: Path) -> None:
    """networks.json and hubs.json are written a record at a time, byte for byte as one indented dump."""
    ads = [_ad("a\n1"), _ad('a"2')] + [
        Assessment(
            f"h{k}-{j}", "ad", [HUB, Entity("phone", f"+1617555015{k}", "", 0, 1)], [], 0.0, "low", "ad"
        )
        for k in range(4)
        for j in range(2)
    ]
    linked = link(ads)
    assert len(linked.networks) >= 2 and linked.hubs
    for nets, hubs in ((linked.networks, linked.hubs), ([], [])):
        write_link_outputs(tmp_path, nets, hubs)
        for name, records in (("networks.json", nets), ("hubs.json", hubs)):
            expected = orjson.dumps([r.to_dict() for r in records], option=orjson.OPT_INDENT_2)
            assert (tmp_path / name).read_bytes() == expected
