"""Exports of networks for other tools: GraphML / GEXF (Gephi) and a CSV table of links (Maltego import).

The graph has one node per item, identifier and template, and one edge per link with its reason, so a
reviewer can see in Gephi or Maltego why two items are joined.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from trailguard.model import Network

CSV_COLUMNS = (
    "network_id",
    "source_type",
    "source_value",
    "target_type",
    "target_value",
    "link_kind",
    "reason",
)


def _target(kind: str, value: str) -> tuple[str, str]:
    if kind == "template":
        return "template", value
    return kind.removeprefix("shared_"), value


def link_rows(networks: Iterable[Network]) -> Iterable[tuple[str, str, str, str, str, str, str]]:
    """One row per (item, identifier or template) link, with the reason in words."""
    for net in networks:
        for r in net.reasons:
            ttype, tvalue = _target(r.kind, r.value)
            if r.kind == "template":
                why = f"written from template {r.value} (saves {r.detail.get('saving_bits', '?')} bits)"
            elif r.merged:
                why = f"same {ttype} on {len(r.items)} items"
            else:
                why = f"hub {ttype}, recorded but not merged: {r.detail.get('hub', '')}"
            link = r.kind if r.merged else f"{r.kind}_hub"
            for item in r.items:
                yield (net.id, "item", item, ttype, tvalue, link, why)


def to_graph(networks: Iterable[Network]) -> nx.MultiGraph:
    g = nx.MultiGraph()
    for net in networks:
        g.add_node(net.id, type="network", score=net.score, band=net.band, items=len(net.items))
        for item in net.items:
            g.add_node(f"item:{item}", type="item", label=item, network=net.id)
            g.add_edge(f"item:{item}", net.id, kind="member", reason="member of network")
        for r in net.reasons:
            ttype, tvalue = _target(r.kind, r.value)
            node = f"{ttype}:{tvalue}"
            attrs = {"type": ttype, "label": tvalue}
            if r.kind == "template":
                attrs["template"] = str(r.detail.get("template", ""))
            if not r.merged:
                attrs["hub"] = "true"
            g.add_node(node, **attrs)
            for item in r.items:
                g.add_edge(f"item:{item}", node, kind=r.kind, merged=r.merged)
    return g


def write_graph(networks: Iterable[Network], path: Path, fmt: str) -> None:
    graph = to_graph(networks)
    if fmt == "graphml":
        nx.write_graphml(graph, path)
    elif fmt == "gexf":
        nx.write_gexf(graph, path)
    else:
        raise ValueError(f"unknown graph format {fmt!r}: use graphml or gexf")


def write_csv(networks: Iterable[Network], path: Path) -> int:
    """Write the link table; returns the number of rows written."""
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for row in link_rows(networks):
            w.writerow(row)
            n += 1
    return n
