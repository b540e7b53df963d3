"""Reading the package's own YAML data files (help directory, screening checklist, message catalogues)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def load(name: str) -> Any:
    """A YAML file shipped in this package, parsed with the safe loader (no object construction)."""
    text = resources.files("trailguard.frontline").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)
