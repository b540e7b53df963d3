"""`trailguard versions`: the stored versions of an item and what changed between them."""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated

import typer

from trailguard.cli.app import app
from trailguard.cli.terminal import emit_json
from trailguard.settings import Settings


@app.command()
def versions(
    item_id: Annotated[
        str | None, typer.Argument(help="An item id; without one, list the items with several versions.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Items listed without an ITEM_ID.")] = 100,
) -> None:
    """Every stored version of an item (each distinct content read under its id) and what changed from one
    to the next: fields, messages removed, added or edited, indicators lost or gained. JSON on stdout."""
    from trailguard.store.versions import compare
    from trailguard.store.writer import Store

    store = Store(Settings.from_env().database_url)
    if item_id is None:
        listed = [{"item_id": i, "versions": n} for i, n in store.changed_items(limit)]
        emit_json({"changed_items": listed}, indent=True)
        return
    found = store.versions(item_id)
    if not found:
        typer.echo("No stored item has this id.", err=True)
        raise typer.Exit(1)
    emit_json(
        {
            "item_id": item_id,
            "versions": [v.summary() for v in found],
            "changes": [compare(old, new) for old, new in pairwise(found)],
        },
        indent=True,
    )
