"""Where a deployment keeps its evidence (captures, operators' keys): one rule for the CLI and the console."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from trailguard.settings import Settings


def evidence_dir(settings: Settings) -> Path:
    """TRAILGUARD_EVIDENCE_DIR, else `evidence/` beside a SQLite database, else the user's data directory."""
    explicit = os.environ.get("TRAILGUARD_EVIDENCE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return Path(url.removeprefix("sqlite:///")).expanduser().parent / "evidence"
    return Path(user_data_dir("trailguard", appauthor=False)) / "evidence"
