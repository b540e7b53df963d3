"""Exports of networks for other tools: GraphML / GEXF (Gephi) and a CSV table of links (Maltego import).

The graph has one node per item, identifier and template, and one edge per link with its reason, so a
reviewer can see in Gephi or Maltego why two items are joined.

Item ids and identifiers are attacker-written: the CSV goes through `trailguard.csvsafe` so no cell runs as a
spreadsheet formula, and every graph string has the characters XML 1.0 forbids escaped, so the file stays
well-formed (networkx writes them verbatim otherwise).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from trailguard.csvsafe import safe_row
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


# Characters not allowed in an XML 1.0 document: C0 controls but tab/newline/return, lone surrogates,
# U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(value: str) -> str:
    """`value` with each XML-illegal character written as `\\xNN` / `\\uNNNN`, so it stays readable and
    distinct ids stay distinct in practice."""
    return _XML_ILLEGAL.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", value
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
            strength = f"strength {r.detail['strength']}" if "strength" in r.detail else "strength ?"
            if r.kind == "template" and r.merged:
                why = f"written from template {r.value} (saves {r.detail.get('saving_bits', '?')} bits, {strength})"
            elif r.kind == "template":
                why = f"copied script, recorded but not merged: {r.detail.get('copied_script', '')} ({strength})"
            elif r.merged:
                why = f"same {ttype} on {len(r.items)} items ({strength})"
            else:
                why = f"hub {ttype}, recorded but not merged: {r.detail.get('hub', '')}"
            link = r.kind if r.merged else ("copied_script" if r.kind == "template" else f"{r.kind}_hub")
            for item in r.items:
                yield (net.id, "item", item, ttype, tvalue, link, why)


def to_graph(networks: Iterable[Network]) -> nx.MultiGraph:
    g = nx.MultiGraph()
    for net in networks:
        net_id = _xml(net.id)
        g.add_node(net_id, type="network", score=net.score, band=net.band, items=len(net.items))
        for item in net.items:
            g.add_node(_xml(f"item:{item}"), type="item", label=_xml(item), network=net_id)
            g.add_edge(_xml(f"item:{item}"), net_id, kind="member", reason="member of network")
        for r in net.reasons:
            ttype, tvalue = _target(r.kind, r.value)
            node = _xml(f"{ttype}:{tvalue}")
            attrs = {"type": _xml(ttype), "label": _xml(tvalue)}
            if r.kind == "template":
                attrs["template"] = _xml(str(r.detail.get("template", "")))
            if not r.merged:
                attrs["hub"] = "true"
            g.add_node(node, **attrs)
            for item in r.items:
                g.add_edge(
                    _xml(f"item:{item}"),
                    node,
                    kind=_xml(r.kind),
                    merged=r.merged,
                    strength=float(r.detail.get("strength", 1.0)),
                )
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
            w.writerow(safe_row(row))
            n += 1
    return n
