"""Indicator catalogues: indicators are data, not code.

A catalogue is a YAML file with a list of indicators. Each names its rule in one of these forms:

- ``lexicon``: phrases matched case-insensitively on word boundaries;
- ``pattern``: a regular expression (case-insensitive), for wording a phrase list cannot express;
- ``near``: two lists of terms that must occur within some words of each other (indicators.near), alone or
  beside a ``pattern``;
- ``entities``: a condition on the extracted entities (``type``, and optionally ``obfuscated``, ``min``/``max``
  on the value, ``distinct_at_least``, ``count_at_least``, ``attr`` equality).

Adding an indicator needs no Python. Loading validates every field (unknown keys, entity types, kinds,
conversation stages, regular expressions) and names the file, the line and the indicator on error, so a typo
in a catalogue fails loudly at start-up instead of silently never firing. Operators add their own catalogue
files to a scan (`trailguard scan --catalogue FILE`, or `TRAILGUARD_CATALOGUES`), checked the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from trailguard.chat.stages import STAGES
from trailguard.indicators.near import NearError, clause_regex
from trailguard.model import ENTITY_TYPES, KINDS

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
    near: tuple[tuple[int, tuple[tuple[str, ...], tuple[str, ...]]], ...] = ()  # (within, (terms, terms))

    @property
    def regex(self) -> str | None:
        """What the engine runs: the written `pattern` and each `near` clause compiled, as one expression."""
        parts = ([f"(?:{self.pattern})"] if self.pattern else []) + [
            clause_regex(terms, within) for within, terms in self.near
        ]
        return "|".join(parts) or None


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
    "near",
}


_TOP_KEYS = {"domain", "title", "kinds", "indicators"}
_ENTITY_NUMBERS = ("min", "max")
_ENTITY_COUNTS = ("distinct_at_least", "count_at_least")


class _Where:
    """Where a YAML value sits in its file, from the composed node tree (PyYAML's marks), for error messages.

    Construction (safe_load) throws the marks away; composing first and constructing from the same nodes
    keeps both, so every error can name the line an operator must fix.
    """

    def __init__(self, node: yaml.Node | None, fallback: int = 1) -> None:
        self.node = node
        self.line = node.start_mark.line + 1 if node is not None else fallback

    def key(self, name: str) -> int:
        """The line of `name`'s key in this mapping (of the mapping itself when absent)."""
        pair = self._pair(name)
        return pair[0].start_mark.line + 1 if pair else self.line

    def child(self, name: str) -> _Where:
        pair = self._pair(name)
        return _Where(pair[1] if pair else None, self.line)

    def item(self, index: int) -> _Where:
        node = self.node
        if isinstance(node, yaml.SequenceNode) and index < len(node.value):
            return _Where(node.value[index], self.line)
        return _Where(None, self.line)

    def _pair(self, name: str) -> tuple[yaml.Node, yaml.Node] | None:
        if isinstance(self.node, yaml.MappingNode):
            for key, value in self.node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == name:
                    return key, value
        return None


def _fail(path: str, line: int, ident: str, message: str) -> CatalogueError:
    return CatalogueError(f"{path}:{line}: indicator {ident!r}: {message}")


def _kinds(value: Any, default: tuple[str, ...]) -> tuple[str, ...] | str:
    """The item kinds a `kinds` value lists (`default` when absent), or the reason it is invalid."""
    if value is None or value == []:
        return default
    if not isinstance(value, list):
        return f"kinds must be a list of item kinds, got {value!r}"
    bad = [k for k in value if k not in KINDS]
    if bad:
        return f"unknown kinds {bad}; allowed {KINDS}"
    return tuple(value)


def _parse_entities(path: str, ident: str, raw: Any, where: _Where) -> EntityCondition:
    if not isinstance(raw, dict) or "type" not in raw:
        raise _fail(path, where.line, ident, "'entities' must be a mapping with at least 'type'")
    allowed = set(EntityCondition.__dataclass_fields__)
    for key in raw:
        if key not in allowed:
            raise _fail(path, where.key(str(key)), ident,
                        f"unknown entity condition key {key!r}; allowed {sorted(allowed)}")  # fmt: skip
    if raw["type"] not in ENTITY_TYPES:
        raise _fail(path, where.key("type"), ident,
                    f"unknown entity type {raw['type']!r}; allowed {ENTITY_TYPES}")  # fmt: skip
    checks: list[tuple[tuple[str, ...], type | tuple[type, ...], str]] = [
        (_ENTITY_NUMBERS, (int, float), "a number"),
        (_ENTITY_COUNTS, int, "a whole number"),
        (("obfuscated",), bool, "true or false"),
        (("attr",), dict, "a mapping"),
    ]
    for keys, kind, what in checks:
        for key in keys:
            value = raw.get(key)
            if value is not None and (
                not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool)
            ):
                raise _fail(path, where.key(key), ident, f"{key!r} must be {what}, got {value!r}")
    return EntityCondition(**raw)


def _parse_indicator(path: str, raw: Any, default_kinds: tuple[str, ...], where: _Where) -> Indicator:
    if not isinstance(raw, dict):
        raise CatalogueError(
            f"{path}:{where.line}: every indicator must be a mapping, got {type(raw).__name__}"
        )
    ident = str(raw.get("id", "<no id>"))

    def fail(key: str | None, message: str) -> CatalogueError:
        return _fail(path, where.key(key) if key else where.line, ident, message)

    for key in raw:
        if key not in _ALLOWED_KEYS:
            raise fail(str(key), f"unknown key {key!r}; allowed {sorted(_ALLOWED_KEYS)}")
    for key in ("id", "category", "description", "weight", "grade", "source"):
        if key not in raw:
            raise fail(None, f"missing '{key}'")
    weight = raw["weight"]
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0.0 <= float(weight) <= 1.0:
        raise fail("weight", f"weight must be a number in [0, 1], got {weight!r}")
    if raw["grade"] not in GRADES:
        raise fail("grade", f"grade must be one of {GRADES}, got {raw['grade']!r}")
    effect = raw.get("effect", "risk")
    if effect not in EFFECTS:
        raise fail("effect", f"effect must be one of {EFFECTS}, got {effect!r}")
    if effect == "context" and float(weight) != 0.0:
        raise fail("weight", "a context indicator never raises the score: its weight must be 0")
    kinds = _kinds(raw.get("kinds"), default_kinds)
    if isinstance(kinds, str):
        raise fail("kinds", kinds)
    rules = [k for k in ("lexicon", "pattern", "entities") if raw.get(k)]
    if raw.get("near") and "pattern" not in rules:
        rules.append("near")  # `near` clauses are run with the pattern, beside a written one
    if len(rules) != 1:
        raise fail(rules[1] if len(rules) > 1 else None,
                   f"exactly one of lexicon, pattern (and/or near), entities is required, got {rules}")  # fmt: skip
    lexicon: tuple[str, ...] = ()
    if raw.get("lexicon"):
        phrases = raw["lexicon"]
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise fail("lexicon", "lexicon entries must be non-empty strings")
        lexicon = tuple(p.strip() for p in phrases)
    pattern = raw.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise fail("pattern", f"pattern must be a string, got {pattern!r}")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise fail("pattern", f"invalid pattern: {exc}") from exc
    near = _parse_near(raw.get("near"), fail)
    band_floor = raw.get("band_floor")
    if band_floor is not None and band_floor not in ("medium", "high", "critical"):
        raise fail("band_floor", f"band_floor must be medium, high or critical, got {band_floor!r}")
    if band_floor is not None and effect == "context":
        raise fail("band_floor", "a context indicator never raises the score: it cannot have a band_floor")
    stage = raw.get("stage")
    if stage is not None and stage not in STAGES:
        raise fail("stage", f"unknown conversation stage {stage!r}; allowed {STAGES}")
    entities = raw.get("entities")
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
        stage=stage,
        lexicon=lexicon,
        pattern=pattern,
        entities=_parse_entities(path, ident, entities, where.child("entities")) if entities else None,
        explanation=str(raw.get("explanation") or raw["description"]).strip(),
        near=near,
    )


def _parse_near(
    raw: Any, fail: Callable[[str | None, str], CatalogueError]
) -> tuple[tuple[int, tuple[tuple[str, ...], tuple[str, ...]]], ...]:
    """The `near` clauses, each checked by compiling it (see indicators.near)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise fail("near", "near must be a non-empty list of clauses (each with 'terms' and 'within')")
    clauses = []
    for n, clause in enumerate(raw, start=1):
        if not isinstance(clause, dict) or set(clause) - {"terms", "within"} or "terms" not in clause:
            raise fail("near", f"near clause {n} must be a mapping of 'terms' (two lists) and 'within'")
        terms = clause["terms"]
        within = clause.get("within", 6)
        if not isinstance(terms, list) or not all(isinstance(ts, list) for ts in terms):
            raise fail("near", f"near clause {n}: 'terms' must be two lists of terms")
        odd = [t for ts in terms for t in ts if not isinstance(t, str)]
        if odd:  # YAML reads a bare no, yes, on, off as true/false: such a term must be quoted
            raise fail("near", f"near clause {n}: term {odd[0]!r} is not text (quote it: 'no')")
        if isinstance(within, bool) or not isinstance(within, int):
            raise fail("near", f"near clause {n}: 'within' must be a whole number of words, got {within!r}")
        try:
            clause_regex(terms, within)
        except NearError as exc:
            raise fail("near", f"near clause {n}: {exc}") from exc
        first, second = (tuple(t.strip() for t in ts) for ts in terms)
        clauses.append((within, (first, second)))
    return tuple(clauses)


def _compose(text: str, path: str) -> tuple[Any, _Where]:
    """The document (as safe_load builds it) and where each of its values is, or a CatalogueError."""
    try:
        loader = yaml.SafeLoader(text)  # reads (and checks the characters of) the whole text
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise CatalogueError(
            f"{path}:{line}: invalid YAML: control character {exc.character} is not allowed"
        ) from exc
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        context = ""
        if exc.context and exc.context_mark is not None:  # where the construct the parser was in began
            context = f" ({exc.context} started on line {exc.context_mark.line + 1})"
        raise CatalogueError(f"{path}:{line}: invalid YAML: {exc.problem or exc}{context}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    return data, _Where(node)


def parse_catalogue(text: str, path: str) -> Catalogue:
    """Parse and validate one catalogue's YAML text (the safe loader: catalogues may come from operators).

    Every error names the file and line: `path:line: indicator 'id': reason`.
    """
    data, where = _compose(text, path)
    if not isinstance(data, dict) or "indicators" not in data or "domain" not in data:
        raise CatalogueError(f"{path}:{where.line}: a catalogue is a mapping with 'domain' and 'indicators'")
    for key in data:
        if key not in _TOP_KEYS:
            raise CatalogueError(
                f"{path}:{where.key(str(key))}: unknown catalogue key {key!r}; allowed {sorted(_TOP_KEYS)}"
            )
    if not isinstance(data["domain"], str) or not data["domain"].strip():
        raise CatalogueError(f"{path}:{where.key('domain')}: 'domain' must be a name, got {data['domain']!r}")
    default_kinds = _kinds(data.get("kinds"), KINDS)
    if isinstance(default_kinds, str):
        raise CatalogueError(f"{path}:{where.key('kinds')}: {default_kinds}")
    raws = data["indicators"]
    if not isinstance(raws, list):
        raise CatalogueError(f"{path}:{where.key('indicators')}: 'indicators' must be a list")
    listed = where.child("indicators")
    indicators = tuple(
        _parse_indicator(path, raw, default_kinds, listed.item(i)) for i, raw in enumerate(raws)
    )
    seen: set[str] = set()
    for i, ind in enumerate(indicators):
        if ind.id in seen:
            raise _fail(path, listed.item(i).key("id"), ind.id, "duplicate id")
        seen.add(ind.id)
    return Catalogue(
        domain=str(data["domain"]),
        title=str(data.get("title", data["domain"])),
        path=path,
        indicators=indicators,
    )


def load_catalogue(path: Path) -> Catalogue:
    """One catalogue file; a CatalogueError naming the file when it cannot be read or is invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path}: not UTF-8 text: {exc.reason}") from exc
    return parse_catalogue(text, str(path))


def load_catalogues(paths: Sequence[Path], *, packaged: bool = True) -> list[Catalogue]:
    """The packaged catalogues (unless `packaged` is false) and the operator's files, validated together.

    One indicator id in two catalogues is refused, naming both files: the second would silently shadow the
    first in the engine.
    """
    cats = packaged_catalogues() if packaged else []
    cats.extend(load_catalogue(Path(p)) for p in paths)
    owner: dict[str, str] = {}
    for cat in cats:
        for ind in cat.indicators:
            if ind.id in owner:
                raise CatalogueError(
                    f"{cat.path}: indicator {ind.id!r} is already defined in {owner[ind.id]}"
                )
            owner[ind.id] = cat.path
    return cats


def catalogue_paths(setting: str) -> list[Path]:
    """The files a `TRAILGUARD_CATALOGUES` value names: paths separated by the OS path separator."""
    return [Path(p) for p in setting.split(os.pathsep) if p.strip()]


def packaged_catalogues() -> list[Catalogue]:
    """The catalogues shipped with Trailguard, in a stable order."""
    folder = resources.files("trailguard.indicators") / "catalogues"
    found = sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    return [parse_catalogue(p.read_text(encoding="utf-8"), f"catalogues/{p.name}") for p in found]
