"""The `trailguard` Typer application; command modules attach their commands to it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="trailguard",
    help="Find signs of trafficking and exploitation, link them into networks, match known images by hash.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals can hold hostile item text; never dump them
)
