"""The `trailguard` command. Each module below adds its commands to the shared Typer app."""

from __future__ import annotations

from trailguard.cli import (  # noqa: F401  (register their commands)
    console,
    evidence,
    indicators,
    media,
    model,
    network,
    reports,
    scan,
    versions,
)
from trailguard.cli.app import app


def main() -> None:
    app()
