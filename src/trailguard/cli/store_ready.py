"""The one check every command that opens the store makes first: is its schema at the newest migration?

`serve`, the user, queue and audit commands, `scan`, `demo` and the bank commands all go through
`store_at_head`, so a store that is behind is refused the same way everywhere: exit 1 with the command that
fixes it (`trailguard db upgrade`). A scan or a bank is how a store begins, so for those an empty store is
migrated to the newest revision instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from trailguard.cli import terminal

if TYPE_CHECKING:
    from sqlalchemy import Engine


def store_at_head(url: str, *, create_empty: bool = False) -> Engine:
    """The engine of the store at `url`; exit 1 naming `trailguard db upgrade` if it is behind the migrations.

    With `create_empty`, a store without any table is migrated to the newest revision first.
    """
    from trailguard.review.schema import StoreBehind, require_current
    from trailguard.store.db import make_engine

    engine = make_engine(url)
    try:
        require_current(engine, engine.url.render_as_string(hide_password=True), create_empty=create_empty)
    except StoreBehind as exc:
        engine.dispose()
        terminal.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    return engine
