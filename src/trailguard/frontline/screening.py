"""The screening aid: a checklist of observable signs, and the summary of what was ticked with next steps.

The summary lists concerns and suggests what to do next; it never scores a person, never concludes that
anyone is a victim or an offender, and nothing of it is stored (the page renders it once, under no-store).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from trailguard.frontline.data import load
from trailguard.frontline.directory import LANGUAGES


@dataclass(frozen=True, slots=True)
class Sign:
    id: str
    group: str
    source: str
    text: dict[str, str]
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    short: str
    text: dict[str, str]
    url: str | None


@dataclass(frozen=True, slots=True)
class Checklist:
    groups: tuple[tuple[str, tuple[Sign, ...]], ...]
    sources: dict[str, Source]
    next_steps_source: str

    @property
    def signs(self) -> dict[str, Sign]:
        return {s.id: s for _, signs in self.groups for s in signs}


@dataclass(frozen=True, slots=True)
class Summary:
    """What was noticed, grouped as on the checklist, and the message keys of the next steps, in order."""

    concerns: tuple[tuple[str, tuple[Sign, ...]], ...]
    minor: bool
    urgent: bool
    next_steps: tuple[str, ...]

    @property
    def count(self) -> int:
        return sum(len(signs) for _, signs in self.concerns)

    @property
    def sign_ids(self) -> tuple[str, ...]:
        """The ticked signs that are on the checklist, in checklist order: all a saved summary keeps."""
        return tuple(s.id for _, signs in self.concerns for s in signs)


def parse_checklist(doc: Any) -> Checklist:
    """A Checklist from the YAML document; ValueError naming the item for a missing text or source."""
    sources = {}
    for sid, raw in (doc.get("sources") or {}).items():
        if not isinstance(raw.get("short"), str) or any(
            not isinstance(raw.get(lang), str) for lang in LANGUAGES
        ):
            raise ValueError(f"source {sid}: needs `short` and a text in each of {', '.join(LANGUAGES)}")
        sources[sid] = Source(sid, raw["short"], {lang: raw[lang] for lang in LANGUAGES}, raw.get("url"))
    groups = []
    seen: set[str] = set()
    for group in doc.get("groups") or []:
        signs = []
        for raw in group.get("items") or []:
            sid = raw.get("id")
            if not isinstance(sid, str) or sid in seen:
                raise ValueError(f"group {group.get('id')}: item id {sid!r} missing or used twice")
            if raw.get("source") not in sources:
                raise ValueError(f"item {sid}: source {raw.get('source')!r} is not in `sources`")
            if any(not isinstance(raw.get(lang), str) for lang in LANGUAGES):
                raise ValueError(f"item {sid}: needs a text in each of {', '.join(LANGUAGES)}")
            seen.add(sid)
            signs.append(
                Sign(
                    sid,
                    group["id"],
                    raw["source"],
                    {lang: raw[lang] for lang in LANGUAGES},
                    bool(raw.get("urgent")),
                )
            )
        groups.append((str(group["id"]), tuple(signs)))
    steps_source = doc.get("next_steps_source")
    if steps_source not in sources:
        raise ValueError(f"next_steps_source {steps_source!r} is not in `sources`")
    return Checklist(tuple(groups), sources, steps_source)


@cache
def load_checklist() -> Checklist:
    return parse_checklist(load("screening_checklist.yaml"))


def summarise(checklist: Checklist, ticked: Iterable[str], minor: bool) -> Summary:
    """The concerns among `ticked` (ids not on the checklist are ignored: a form field is attacker-written)
    and the next steps that fit them. Steps are message keys (the page's language gives the words)."""
    chosen = set(ticked)
    concerns = tuple(
        (group, found)
        for group, signs in checklist.groups
        if (found := tuple(s for s in signs if s.id in chosen))
    )
    urgent = any(s.urgent for _, signs in concerns for s in signs)
    steps: list[str] = []
    if urgent:
        steps.append("step.emergency")
    if not concerns:
        steps.append("step.none_ticked")
    else:
        steps += ["step.private", "step.listen", "step.no_confront"]
        steps.append("step.safeguarding" if minor else "step.consent")
        steps += ["step.hotline", "step.record"]
    return Summary(concerns=concerns, minor=minor, urgent=urgent, next_steps=tuple(steps))
