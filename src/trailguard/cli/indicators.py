"""`trailguard indicators`: what Trailguard looks for, and why, straight from the catalogues.

Lists the indicators as a table, prints the Markdown reference (`--markdown`, the source of
docs/indicators.md), and validates an operator's own catalogue files (`--catalogue FILE`) before they are
deployed, so a typo fails here rather than silently never firing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trailguard.cli.app import app
from trailguard.cli.terminal import console, echo
from trailguard.model import KINDS

if TYPE_CHECKING:
    from trailguard.indicators.catalogue import Catalogue, Indicator


def _load(paths: list[Path] | None) -> list[Catalogue]:
    """The catalogues to show: the files named, validated together, or the packaged ones."""
    from trailguard.indicators.catalogue import CatalogueError, load_catalogues
    from trailguard.indicators.engine import Engine

    cats = load_catalogues(paths or [], packaged=not paths)
    try:
        Engine(cats)  # compiles every rule, as a scan would
    except ValueError as exc:
        raise CatalogueError(str(exc)) from exc
    return cats


def _rule_kind(ind: Indicator) -> str:
    return "lexicon" if ind.lexicon else "pattern" if ind.pattern or ind.near else "entities"


@app.command("indicators")
def indicators(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the full indicator reference as Markdown.")
    ] = False,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=f"Only indicators that apply to this item kind ({', '.join(KINDS)})."),
    ] = None,
    catalogue: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalogue", help="Validate and show this catalogue file instead of the packaged ones."
        ),
    ] = None,
) -> None:
    """List the indicators Trailguard scores, with weight, evidence grade and rule."""
    from rich import box
    from rich.table import Table

    from trailguard.indicators.catalogue import Catalogue, CatalogueError
    from trailguard.indicators.reference import render_reference

    if kind is not None and kind not in KINDS:
        echo(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}", err=True)
        raise typer.Exit(2)
    try:
        cats = _load(catalogue)
    except CatalogueError as exc:
        echo(f"invalid catalogue: {exc}", err=True)
        raise typer.Exit(2) from exc
    if kind is not None:
        cats = [
            Catalogue(c.domain, c.title, c.path, tuple(i for i in c.indicators if kind in i.kinds))
            for c in cats
        ]
    if markdown:
        sys.stdout.write(render_reference(cats, computed=not catalogue and kind is None))
        return
    table = Table(title="Trailguard indicators", box=box.SIMPLE_HEAD)
    for name in ("Indicator", "Weight", "Grade", "Effect", "Rule", "Category", "Kinds"):
        table.add_column(name, no_wrap=name != "Kinds", overflow="fold" if name == "Kinds" else "ellipsis")
    count = 0
    for cat in cats:
        for ind in cat.indicators:
            count += 1
            table.add_row(
                ind.id,
                f"{ind.weight:.2f}",
                ind.grade,
                ind.effect if not ind.band_floor else f"floor {ind.band_floor}",
                _rule_kind(ind),
                ind.category,
                ",".join(ind.kinds),
            )
    # Catalogue text may come from an operator's file: printed as plain, safe text (cli/terminal.py).
    out = console()
    out.print(table)
    out.print(
        f"{count} indicators in {len(cats)} catalogues. Full reference: trailguard indicators --markdown"
    )
