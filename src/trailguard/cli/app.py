"""The `trailguard` Typer application; command modules attach their commands to it."""

from __future__ import annotations

import typer

from trailguard.cli.boundary import FaultBoundary

app = typer.Typer(
    name="trailguard",
    cls=FaultBoundary,  # every environment fault of every command: one line, exit 2
    help="Find signs of trafficking and exploitation, link them into networks, match known images by hash.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals can hold hostile item text; never dump them
)
