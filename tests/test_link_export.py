"""Link exports with attacker-written item ids: no spreadsheet formulas in the CSV, well-formed GraphML."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.csvsafe import safe_cell
from trailguard.link import link_assessments
from trailguard.link.export import write_csv, write_graph
from trailguard.model import Assessment, Entity

PHONE = Entity("phone", "+16175550123", "", 0, 1)


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
