"""Conversation-level rules: combinations of stages that make a conversation serious.

Single message-level signals are weak on purpose (see chats.yaml). These rules read who said what: the
stages each participant's messages carry (their first counted hit per stage) and whether another participant
disclosed a minor's age. Each rule that holds becomes a `Hit` like any indicator, with the evidence of the
hits it combines, so the score stays explained. Why each rule and its band floor: docs/chats.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from trailguard.chat.stages import AGE_DISCLOSURE, APPROACH_STAGES, EXCLUSIVITY_STAGES
from trailguard.model import Hit, Span

# author -> facet -> the first counted (risk) hit with that facet in the author's messages, where a facet is a
# stage name or "category:<category>" (e.g. "category:sexual" for requests for intimate images)
StageMap = Mapping[str, Mapping[str, Hit]]
SEXUAL = "category:sexual"
# the three kinds of control signal (catalogue categories of the control stage)
_CONTROL = frozenset({"category:debt", "category:seizure", "category:confinement"})

_OCONNELL = (
    "O'Connell, R. (2003). A typology of child cybersexploitation and online grooming practices. "
    "Cyberspace Research Unit, University of Central Lancashire."
)
_WOLAK = (
    "Wolak, J., Finkelhor, D., Walsh, W., & Treitman, L. (2018). Sextortion of minors: Characteristics and "
    "dynamics. Journal of Adolescent Health, 62(1), 72-79."
)
_POLARIS = (
    "Polaris (2017). The typology of modern slavery: Defining sex and labor trafficking in the United States."
)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    weight: float
    band_floor: str | None
    grade: str
    source: str
    explanation: str
    # (stages, sender) -> the hits the rule combines, or None when it does not hold
    match: Callable[[StageMap, str], list[Hit] | None]


def _minors(stages: StageMap) -> list[str]:
    return [a for a, by_stage in stages.items() if AGE_DISCLOSURE in by_stage]


def _minor_plus(wanted: frozenset[str]) -> Callable[[StageMap, str], list[Hit] | None]:
    def match(stages: StageMap, sender: str) -> list[Hit] | None:
        mine = [stages[sender][s] for s in sorted(wanted) if s in stages[sender]]
        if not mine:
            return None
        minors = [m for m in _minors(stages) if m != sender]
        return [stages[minors[0]][AGE_DISCLOSURE], *mine] if minors else None

    return match


def _same_sender(
    first: frozenset[str], second: frozenset[str]
) -> Callable[[StageMap, str], list[Hit] | None]:
    """Holds when the sender's messages carry a stage from `first` and a different one from `second`."""

    def match(stages: StageMap, sender: str) -> list[Hit] | None:
        own = stages[sender]
        for a in sorted(first & own.keys()):
            others = sorted((second & own.keys()) - {a})
            if others:
                return [own[a], own[others[0]]]
        return None

    return match


RULES: tuple[Rule, ...] = (
    Rule(
        id="chat.minor_plus_sexualisation",
        weight=0.6,
        band_floor="critical",
        grade="B",
        source=_WOLAK,
        explanation="A participant disclosed an age under 18 and another participant sexualised the talk or asked "
        "for intimate images.",
        match=_minor_plus(frozenset({"sexualisation", SEXUAL})),
    ),
    Rule(
        id="chat.minor_plus_contact_request",
        weight=0.45,
        band_floor="high",
        grade="B",
        source=_OCONNELL,
        explanation="A participant disclosed an age under 18 and another participant asked for pictures of them or "
        "proposed meeting in person.",
        match=_minor_plus(frozenset({"image_request", "meeting"})),
    ),
    Rule(
        id="chat.sextortion_threat",
        weight=0.6,
        band_floor="critical",
        grade="B",
        source=_WOLAK,
        explanation="The same participant threatened the other and demanded payment or more images.",
        match=_same_sender(frozenset({"threat"}), frozenset({"demand"})),
    ),
    Rule(
        id="chat.exclusivity_plus_approach",
        weight=0.4,
        band_floor=None,
        grade="B",
        source=_OCONNELL,
        explanation="The same participant asked for secrecy or set the other against family and friends, and "
        "also asked age, offered gifts, asked for images, moved platforms or proposed meeting.",
        match=_same_sender(EXCLUSIVITY_STAGES, APPROACH_STAGES),
    ),
    Rule(
        id="chat.coercive_control",
        weight=0.45,
        band_floor="high",
        grade="C",
        source=_POLARIS,
        explanation="The same participant claimed a debt or control over the other's phone, documents or "
        "movement, and also another of these, a threat, a demand or a push to recruit others.",
        match=_same_sender(_CONTROL, _CONTROL | frozenset({"threat", "demand", "recruitment"})),
    ),
    Rule(
        id="chat.recruitment_pressure",
        weight=0.45,
        band_floor="high",
        grade="C",
        source=_POLARIS,
        explanation="The same participant pushed the other to bring friends and offered money, claimed a debt, "
        "demanded payment or asked for secrecy.",
        match=_same_sender(
            frozenset({"recruitment"}), frozenset({"gifts_money", "control", "demand", "secrecy"})
        ),
    ),
)

FLOORS: dict[str, str] = {r.id: r.band_floor for r in RULES if r.band_floor is not None}


def conversation_hits(stages: StageMap) -> list[Hit]:
    """The rules that hold, each once (for the first sender, in a stable order, for whom it holds)."""
    hits = []
    for rule in RULES:
        for sender in sorted(stages):
            combined = rule.match(stages, sender)
            if combined is not None:
                hits.append(_hit(rule, sender, combined))
                break
    return hits


def _hit(rule: Rule, sender: str, combined: list[Hit]) -> Hit:
    evidence: list[Span] = [h.evidence[0] for h in combined if h.evidence]
    parts = ", ".join(f"{h.indicator} (message {h.evidence[0].message})" for h in combined if h.evidence)
    return Hit(
        indicator=rule.id,
        category="conversation",
        weight=rule.weight,
        grade=rule.grade,
        evidence=evidence,
        explanation=f"{rule.explanation} Sender: {sender!r}. Combines: {parts}.",
        source=rule.source,
    )
