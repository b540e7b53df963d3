"""Exports of networks for other tools: GraphML / GEXF (Gephi) and a CSV table of links (Maltego import).

The graph has one node per item, identifier and template, and one edge per link with its reason, so a
reviewer can see in Gephi or Maltego why two items are joined.

Item ids and identifiers are attacker-written: the CSV goes through `trailguard.csvsafe` so no cell runs as a
spreadsheet formula, and every graph string has the characters XML 1.0 forbids escaped, so the file stays
well-formed (networkx writes them verbatim otherwise).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

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


Attrs = dict[str, object]


def _own_nodes(net: Network) -> Iterator[tuple[str, Attrs]]:
    """The network's node and its items' nodes: each in this network only (an item is in one network)."""
    net_id = _xml(net.id)
    yield net_id, {"type": "network", "score": net.score, "band": net.band, "items": len(net.items)}
    for item in net.items:
        yield _xml(f"item:{item}"), {"type": "item", "label": _xml(item), "network": net_id}


def _reason_nodes(net: Network) -> Iterator[tuple[str, Attrs]]:
    """A node per identifier and template the network's links name: one hub or copied script may be named by
    several networks, and its node then carries the attributes of all of them (`hub` from any)."""
    for r in net.reasons:
        ttype, tvalue = _target(r.kind, r.value)
        attrs: Attrs = {"type": _xml(ttype), "label": _xml(tvalue)}
        if r.kind == "template":
            attrs["template"] = _xml(str(r.detail.get("template", "")))
        if not r.merged:
            attrs["hub"] = "true"
        yield _xml(f"{ttype}:{tvalue}"), attrs


def _edges(net: Network) -> Iterator[tuple[str, str, Attrs]]:
    net_id = _xml(net.id)
    for item in net.items:
        yield _xml(f"item:{item}"), net_id, {"kind": "member", "reason": "member of network"}
    for r in net.reasons:
        ttype, tvalue = _target(r.kind, r.value)
        node = _xml(f"{ttype}:{tvalue}")
        attrs: Attrs = {
            "kind": _xml(r.kind),
            "merged": r.merged,
            "strength": float(r.detail.get("strength", 1.0)),
        }
        for item in r.items:
            yield _xml(f"item:{item}"), node, attrs


def to_graph(networks: Iterable[Network]) -> nx.MultiGraph:
    g = nx.MultiGraph()
    for net in networks:
        for node, attrs in itertools.chain(_own_nodes(net), _reason_nodes(net)):
            g.add_node(node, **attrs)
        for u, v, attrs in _edges(net):
            g.add_edge(u, v, **attrs)
    return g


# (key id, element, attribute, GraphML type) of every attribute the graph's nodes and edges carry
_GRAPHML_KEYS = (
    ("d0", "node", "type", "string"),
    ("d1", "node", "score", "double"),
    ("d2", "node", "band", "string"),
    ("d3", "node", "items", "long"),
    ("d4", "node", "label", "string"),
    ("d5", "node", "network", "string"),
    ("d6", "node", "hub", "string"),
    ("d7", "node", "template", "string"),
    ("d8", "edge", "kind", "string"),
    ("d9", "edge", "reason", "string"),
    ("d10", "edge", "merged", "boolean"),
    ("d11", "edge", "strength", "double"),
)
_KEY_OF = {(element, name): key for key, element, name, _ in _GRAPHML_KEYS}
_TEXT_ESCAPES = {"\r": "&#13;"}
_ATTR_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _data(element: str, attrs: Attrs) -> str:
    out = []
    for name, value in attrs.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out.append(f'      <data key="{_KEY_OF[element, name]}">{escape(text, _TEXT_ESCAPES)}</data>\n')
    return "".join(out)


def _node(node: str, attrs: Attrs) -> str:
    return f"    <node id={quoteattr(node, _ATTR_ESCAPES)}>\n{_data('node', attrs)}    </node>\n"


def write_graphml(networks: Sequence[Network], path: Path) -> None:
    """The graph of `to_graph` as GraphML, written node by node and edge by edge.

    networkx holds every node and edge as Python dicts before writing: several GiB for the networks of a
    million ads. Here only the identifier and template nodes are held (few, and one may be named by several
    networks); the networks are read three times (those nodes, then all nodes, then all edges).
    """
    shared: dict[str, Attrs] = {}
    for net in networks:
        for node, attrs in _reason_nodes(net):
            shared.setdefault(node, {}).update(attrs)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            "<?xml version='1.0' encoding='utf-8'?>\n"
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        )
        for key, element, name, typ in _GRAPHML_KEYS:
            fh.write(f'  <key id="{key}" for="{element}" attr.name="{name}" attr.type="{typ}" />\n')
        fh.write('  <graph edgedefault="undirected">\n')
        for net in networks:
            for node, attrs in _own_nodes(net):
                fh.write(_node(node, attrs))
            for node, _ in _reason_nodes(net):
                merged = shared.pop(node, None)  # written once, where first named
                if merged is not None:
                    fh.write(_node(node, merged))
        n = 0
        for net in networks:
            for u, v, attrs in _edges(net):
                fh.write(
                    f"    <edge source={quoteattr(u, _ATTR_ESCAPES)} target={quoteattr(v, _ATTR_ESCAPES)} "
                    f'id="e{n}">\n{_data("edge", attrs)}    </edge>\n'
                )
                n += 1
        fh.write("  </graph>\n</graphml>\n")


def write_graph(networks: Sequence[Network], path: Path, fmt: str) -> None:
    if fmt == "graphml":
        write_graphml(networks, path)
    elif fmt == "gexf":
        nx.write_gexf(to_graph(networks), path)
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
