"""Commands for networks: `generate` (demo corpus), `link` (assessments to networks) and `export`.

Linking (scipy, datasketch) and graph export (networkx) are imported inside the commands that use them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trailguard.cli.app import app
from trailguard.cli.terminal import echo
from trailguard.settings import Settings

if TYPE_CHECKING:
    from trailguard.model import Assessment


class ExportFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    csv = "csv"


@app.command("link")
def link_command(
    assessments: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="assessments.jsonl")],
    out: Annotated[
        Path,
        typer.Option("--out", help="directory for networks.json, hubs.json, networks.graphml, links.csv"),
    ],
) -> None:
    """Group assessed items into networks (shared identifiers, templates, images) with every link's reason."""
    from trailguard.link import link
    from trailguard.link.export import write_csv, write_graph
    from trailguard.pipeline.sinks import write_link_outputs
    from trailguard.pipeline.stages import link_config, read_assessments

    rejected: list[str] = []
    accepted = 0

    def counted() -> Iterator[Assessment]:  # streamed: linking keeps compact columns, not every Assessment
        nonlocal accepted
        for a in read_assessments(assessments, rejected):
            accepted += 1
            yield a

    linked = link(counted(), link_config(Settings.from_env()))
    networks = linked.networks
    for r in rejected:
        echo(f"rejected {r}", err=True)
    if not accepted and rejected:
        raise typer.Exit(1)
    out.mkdir(parents=True, exist_ok=True)
    write_link_outputs(out, networks, linked.hubs)
    write_graph(networks, out / "networks.graphml", "graphml")
    rows = write_csv(networks, out / "links.csv")
    echo(
        f"read {accepted + len(rejected)} lines: {accepted} accepted, {len(rejected)} rejected; "
        f"{len(networks)} networks, {len(linked.hubs)} hubs and copied scripts, {rows} link rows -> {out}"
    )


@app.command("export")
def export_command(
    fmt: Annotated[ExportFormat, typer.Argument(help="graphml, gexf or csv")],
    networks: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="networks.json")],
    out: Annotated[Path, typer.Option("--out", help="output file")],
) -> None:
    """Export networks for Gephi (GraphML/GEXF) or Maltego (CSV table of links)."""
    from trailguard.link.export import write_csv, write_graph
    from trailguard.model import Network

    try:
        nets = [Network.from_dict(d) for d in json.loads(networks.read_text(encoding="utf-8"))]
    except (ValueError, KeyError, TypeError) as exc:
        echo(f"{networks}: not a networks.json file: {exc}", err=True)
        raise typer.Exit(1) from exc
    if fmt is ExportFormat.csv:
        write_csv(nets, out)
    else:
        write_graph(nets, out, fmt.value)
    echo(f"{len(nets)} networks -> {out}")


@app.command("generate")
def generate_command(
    out: Annotated[Path, typer.Option("--out", help="items as JSON Lines")],
    n: Annotated[int, typer.Option("--n", min=0, help="number of items")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="random seed (same seed, same corpus)")] = 0,
    truth: Annotated[
        Path | None, typer.Option("--truth", help="also write item id -> planted group id")
    ] = None,
) -> None:
    """Write a synthetic demo corpus (fictional identifiers only) with planted groups."""
    from trailguard.demo.corpus import write_corpus

    groups = write_corpus(out, n, seed)
    if truth is not None:
        truth.write_text(json.dumps(groups, indent=0, sort_keys=True), encoding="utf-8")
    echo(f"{n} items ({len(groups)} in planted groups) -> {out}")
