"""Indicator catalogues: indicators are data, not code.

A catalogue is a YAML file with a list of indicators. Each names its rule in one of three forms:

- ``lexicon``: phrases matched case-insensitively on word boundaries;
- ``pattern``: a regular expression (case-insensitive), for wording a phrase list cannot express;
- ``entities``: a condition on the extracted entities (``type``, and optionally ``obfuscated``, ``min``/``max``
  on the value, ``distinct_at_least``, ``count_at_least``, ``attr`` equality).

Adding an indicator needs no Python. Loading validates every field and names the indicator and the file on
error, so a typo in a catalogue fails loudly at start-up instead of silently never firing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from trailguard.model import KINDS

GRADES = ("A", "B", "C", "D")
EFFECTS = ("risk", "context")
GRADE_MEANING = {
    "A": "validated against case outcomes",
    "B": "peer-reviewed study",
    "C": "practitioner guidance (e.g. Polaris, UNODC, DHS Blue Campaign)",
    "D": "expert heuristic",
}


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file and the indicator."""


@dataclass(frozen=True, slots=True)
class EntityCondition:
    type: str
    obfuscated: bool | None = None
    min: float | None = None
    max: float | None = None
    distinct_at_least: int | None = None
    count_at_least: int = 1
    attr: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    category: str
    description: str
    weight: float
    grade: str
    source: str
    kinds: tuple[str, ...]
    effect: str = "risk"
    band_floor: str | None = None  # a hit on this indicator alone puts the item at least in this band
    stage: str | None = None  # conversation stage (chat catalogues)
    lexicon: tuple[str, ...] = ()
    pattern: str | None = None
    entities: EntityCondition | None = None
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Catalogue:
    domain: str
    title: str
    path: str
    indicators: tuple[Indicator, ...]


_ALLOWED_KEYS = {
    "id",
    "category",
    "description",
    "weight",
    "grade",
    "source",
    "kinds",
    "effect",
    "band_floor",
    "stage",
    "lexicon",
    "pattern",
    "entities",
    "explanation",
}


def _fail(path: str, ident: str, message: str) -> CatalogueError:
    return CatalogueError(f"{path}: indicator {ident!r}: {message}")


def _parse_entities(path: str, ident: str, raw: Any) -> EntityCondition:
    if not isinstance(raw, dict) or "type" not in raw:
        raise _fail(path, ident, "'entities' must be a mapping with at least 'type'")
    allowed = set(EntityCondition.__dataclass_fields__)
    unknown = set(raw) - allowed
    if unknown:
        raise _fail(path, ident, f"unknown entity condition keys {sorted(unknown)}")
    return EntityCondition(**raw)


def _parse_indicator(path: str, raw: Any, default_kinds: tuple[str, ...]) -> Indicator:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path}: every indicator must be a mapping, got {type(raw).__name__}")
    ident = str(raw.get("id", "<no id>"))
    unknown = set(raw) - _ALLOWED_KEYS
    if unknown:
        raise _fail(path, ident, f"unknown keys {sorted(unknown)}")
    for key in ("id", "category", "description", "weight", "grade", "source"):
        if key not in raw:
            raise _fail(path, ident, f"missing '{key}'")
    weight = raw["weight"]
    if not isinstance(weight, int | float) or not 0.0 <= float(weight) <= 1.0:
        raise _fail(path, ident, f"weight must be a number in [0, 1], got {weight!r}")
    if raw["grade"] not in GRADES:
        raise _fail(path, ident, f"grade must be one of {GRADES}, got {raw['grade']!r}")
    effect = raw.get("effect", "risk")
    if effect not in EFFECTS:
        raise _fail(path, ident, f"effect must be one of {EFFECTS}, got {effect!r}")
    if effect == "context" and float(weight) != 0.0:
        raise _fail(path, ident, "a context indicator never raises the score: its weight must be 0")
    kinds = tuple(raw.get("kinds") or default_kinds)
    bad_kinds = [k for k in kinds if k not in KINDS]
    if bad_kinds:
        raise _fail(path, ident, f"unknown kinds {bad_kinds}; allowed {KINDS}")
    rules = [k for k in ("lexicon", "pattern", "entities") if raw.get(k)]
    if len(rules) != 1:
        raise _fail(path, ident, f"exactly one of lexicon, pattern, entities is required, got {rules}")
    lexicon: tuple[str, ...] = ()
    if raw.get("lexicon"):
        if not all(isinstance(p, str) and p.strip() for p in raw["lexicon"]):
            raise _fail(path, ident, "lexicon entries must be non-empty strings")
        lexicon = tuple(p.strip() for p in raw["lexicon"])
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(path, ident, f"invalid pattern: {exc}") from exc
    band_floor = raw.get("band_floor")
    if band_floor is not None and band_floor not in ("medium", "high", "critical"):
        raise _fail(path, ident, f"band_floor must be medium, high or critical, got {band_floor!r}")
    if band_floor is not None and effect == "context":
        raise _fail(path, ident, "a context indicator never raises the score: it cannot have a band_floor")
    return Indicator(
        id=ident,
        category=str(raw["category"]),
        description=str(raw["description"]).strip(),
        weight=float(weight),
        grade=raw["grade"],
        source=str(raw["source"]).strip(),
        kinds=kinds,
        effect=effect,
        band_floor=band_floor,
        stage=raw.get("stage"),
        lexicon=lexicon,
        pattern=pattern,
        entities=_parse_entities(path, ident, raw["entities"]) if raw.get("entities") else None,
        explanation=str(raw.get("explanation") or raw["description"]).strip(),
    )


def parse_catalogue(text: str, path: str) -> Catalogue:
    """Parse and validate one catalogue's YAML text (safe_load: catalogues may come from operators)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict) or "indicators" not in data or "domain" not in data:
        raise CatalogueError(f"{path}: a catalogue is a mapping with 'domain' and 'indicators'")
    default_kinds = tuple(data.get("kinds") or KINDS)
    indicators = tuple(_parse_indicator(path, raw, default_kinds) for raw in data["indicators"])
    seen: set[str] = set()
    for ind in indicators:
        if ind.id in seen:
            raise _fail(path, ind.id, "duplicate id")
        seen.add(ind.id)
    return Catalogue(
        domain=str(data["domain"]),
        title=str(data.get("title", data["domain"])),
        path=path,
        indicators=indicators,
    )


def load_catalogue(path: Path) -> Catalogue:
    return parse_catalogue(path.read_text(encoding="utf-8"), str(path))


def packaged_catalogues() -> list[Catalogue]:
    """The catalogues shipped with Trailguard, in a stable order."""
    folder = resources.files("trailguard.indicators") / "catalogues"
    found = sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    return [parse_catalogue(p.read_text(encoding="utf-8"), f"catalogues/{p.name}") for p in found]
