"""Network-level signs and the network score: built like item scores, each sign with weight, grade, source.

The score reuses the item scoring rule (noisy-OR over distinct risk indicators, trailguard.indicators.scoring)
over the indicators the network's items fired plus the signs below, so a network score is explained the same
way an item score is. Grades follow the project's scale: C = reported in peer-reviewed or practitioner
studies, D = analyst heuristic, not validated on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from trailguard.indicators.computed import ComputedIndicator
from trailguard.model import Hit

MANY_NAMES = 3
MANY_AGES = 3
MIN_CIRCUIT = 3

NAMES_SOURCE = (
    "Analyst heuristic used in escort-ad linking research: one contact number advertising several different "
    "people suggests a third party controls the contact (e.g. Dubrawski et al., 'Leveraging Publicly "
    "Available Data to Discern Patterns of Human-Trafficking Activity', Journal of Human Trafficking 1(1), "
    "2015). Not validated as a standalone predictor."
)


NAMES_SIGN = ComputedIndicator(
    "link.multiple_names_per_number",
    "network",
    "control",
    0.25,
    "D",
    f"one (non-hub) phone number advertises {MANY_NAMES} or more different stated names",
    NAMES_SOURCE,
)
AGES_SIGN = ComputedIndicator(
    "link.multiple_ages_per_number",
    "network",
    "control",
    0.15,
    "D",
    f"one (non-hub) phone number advertises {MANY_AGES} or more different stated ages",
    NAMES_SOURCE,
)
CIRCUIT_SIGN = ComputedIndicator(
    "link.multi_city_circuit",
    "network",
    "movement",
    0.2,
    "C",
    f"the network's dated posts come from {MIN_CIRCUIT} or more places (one key per spelling of a place)",
    "Ibanez & Suthers, 'Detection of Domestic Human Trafficking Indicators and Movement Trends Using Content "
    "Available on Open Internet Sources', HICSS 2014: tracking the same phone numbers across cities over time "
    "to reveal circuits; Polaris Project, 'The Typology of Modern Slavery' (2017) describes victims moved on "
    "circuits between cities.",
)
TEMPLATE_SIGN = ComputedIndicator(
    "link.template_reuse",
    "network",
    "organisation",
    0.0,
    "C",
    "items of the network were written from one text template (InfoShield)",
    "Lee et al., 'InfoShield: Generalizable Information-Theoretic Human-Trafficking Detection', ICDE 2021: "
    "organised posters reuse templates. Templated posting is also common in legitimate advertising, so it is "
    "context only and never raises the score.",
    effect="context",
)
MEMBER_BAND_SIGN = ComputedIndicator(
    "link.member_band",
    "network",
    "network",
    0.0,
    "D",
    "a member item is in band medium or above: the network is placed at least in that band",
    "Trailguard triage rule: a network is reviewed at least as urgently as its most urgent item (that item's "
    "own band floors, e.g. a stated age under 18, are not weakened by grouping).",
)
SIGNS: tuple[ComputedIndicator, ...] = (NAMES_SIGN, AGES_SIGN, CIRCUIT_SIGN, TEMPLATE_SIGN, MEMBER_BAND_SIGN)


_WORD = re.compile(r"[^\W\d_]+")


def place_key(place: str) -> str:
    """One key per spelling of a place: 'Boston, MA', 'boston' and 'Boston MA ' are one city.

    Case-folded letters of the part before the first comma, without a trailing two-letter region code. Two
    towns of one name in different regions become one key: the circuit sign then fires less, never more.
    """
    words = _WORD.findall(place.casefold().split(",", 1)[0])
    if len(words) > 1 and len(words[-1]) == 2:
        words.pop()
    return " ".join(words)


def network_hits(
    per_number_names: Mapping[str, set[str]],
    per_number_ages: Mapping[str, set[int]],
    circuit: Sequence[str],
    template_sizes: Sequence[int],
) -> list[Hit]:
    hits: list[Hit] = []
    many = {k: v for k, v in per_number_names.items() if len(v) >= MANY_NAMES}
    if many:
        detail = "; ".join(f"{k}: {', '.join(sorted(v))}" for k, v in sorted(many.items())[:5])
        hits.append(
            NAMES_SIGN.hit(f"{len(many)} number(s) advertise {MANY_NAMES}+ different stated names ({detail})")
        )
    ages = {k: v for k, v in per_number_ages.items() if len(v) >= MANY_AGES}
    if ages:
        detail = "; ".join(f"{k}: {', '.join(map(str, sorted(v)))}" for k, v in sorted(ages.items())[:5])
        hits.append(
            AGES_SIGN.hit(f"{len(ages)} number(s) advertise {MANY_AGES}+ different stated ages ({detail})")
        )
    places = {place_key(p) for p in circuit} - {""}
    if len(places) >= MIN_CIRCUIT:
        hits.append(CIRCUIT_SIGN.hit(f"posted from {len(places)} places in turn: {' → '.join(circuit[:8])}"))
    if template_sizes:
        hits.append(
            TEMPLATE_SIGN.hit(f"{len(template_sizes)} template(s) reused by {sum(template_sizes)} items")
        )
    return hits


def item_indicator_hits(counts: Mapping[str, int], catalogue: Mapping[str, Hit], n_items: int) -> list[Hit]:
    """One network hit per distinct item indicator, saying on how many items it fired."""
    out = []
    for ind in sorted(counts):
        h = catalogue[ind]
        out.append(
            Hit(
                ind,
                h.category,
                h.weight,
                h.grade,
                [],
                f"fired on {counts[ind]} of {n_items} items",
                h.source,
                effect=h.effect,
            )
        )
    return out
