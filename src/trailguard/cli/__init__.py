"""The `trailguard` command. Each module below adds its commands to the shared Typer app."""

from __future__ import annotations

from trailguard.cli import evidence, indicators, media, network, scan  # noqa: F401  (register their commands)
from trailguard.cli.app import app


def main() -> None:
    app()
