"""Conversation-level rules: combinations of stages that make a conversation serious.

Single message-level signals are weak on purpose (see chats.yaml). These rules read who said what: the
stages each participant's messages carry (their first counted hit per stage) and whether another participant
disclosed a minor's age. Each rule that holds becomes a `Hit` like any indicator, with the evidence of the
hits it combines, so the score stays explained. Why each rule and its band floor: docs/chats.md.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from trailguard.chat.stages import AGE_DISCLOSURE, APPROACH_STAGES, EXCLUSIVITY_STAGES
from trailguard.indicators.computed import ComputedIndicator
from trailguard.model import Hit, Span

# A facet is a stage name or "category:<category>" (e.g. "category:sexual" for requests for intimate images);
# rules read, per sender, the first counted (risk) hit with each facet in that sender's messages.
SEXUAL = "category:sexual"
# the kinds of control signal (catalogue categories of the control stage, and debt for travel advanced)
_CONTROL = frozenset(
    {
        "category:debt",
        "category:seizure",
        "category:confinement",
        "category:monitoring",
        "category:money_control",
        "category:wages",
    }
)
# a job offer that may be a lure, and what turns it into deceptive recruitment (ILO 2012)
_JOB_LURE = frozenset({"category:job_lure", "category:exploitation", "category:fee"})
_LURE_COST = _CONTROL | frozenset(
    {"category:fee", "category:exploitation", "category:job_lure", "category:isolation"}
)
_BRING_OTHERS = "category:recruitment"
_LOVERBOY = "category:loverboy"
_SUPERVISION = "category:supervision"
# the grooming stages a check on supervision prepares for (O'Connell 2003, risk assessment)
_GROOMING_APPROACH = frozenset(
    {"rapport", "isolation", "meeting", "sexualisation", "image_request", "gifts_money", "platform_move"}
)

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
_ILO = (
    "ILO (2012). ILO indicators of forced labour. Special Action Programme to Combat Forced Labour "
    "(deception, debt bondage, retention of identity documents, withholding of wages)."
)
_ILO_SURVEY = (
    "ILO (2012). Hard to see, harder to count: Survey guidelines to estimate forced labour of adults and "
    "children (forced labour read across dimensions: unfree recruitment, work and life under duress, "
    "impossibility of leaving the employer; each shown by indicators of involuntariness and menace)."
)
# The ILO forced-labour indicators (ILO 2012) the trafficking categories stand for. A conversation whose
# counted signs cover MIN_ILO_DIMENSIONS of them, whoever wrote them (a recruiter's offer, a controller's
# rule, an exploited person telling a relative), reads as forced labour even when no sender's messages
# combine two: the risk shows across the conversation, not in one message.
ILO_DIMENSIONS: dict[str, str] = {
    "job_lure": "deception",
    "exploitation": "deception",
    "debt": "debt bondage",
    "fee": "debt bondage",
    "seizure": "retention of identity documents",
    "wages": "withholding of wages",
    "money_control": "withholding of wages",
    "confinement": "restriction of movement",
    "monitoring": "restriction of movement",
    "isolation": "isolation",
    "family_threat": "intimidation and threats",
    "denunciation": "intimidation and threats",
    "intimidation": "intimidation and threats",
}
MIN_ILO_DIMENSIONS = 3
FORCED_LABOUR_SIGNS = ComputedIndicator(
    id="chat.forced_labour_signs",
    applies_to="conversation",
    category="conversation",
    weight=0.45,
    grade="C",
    holds_when=f"The conversation's counted signs, from any participant, cover at least {MIN_ILO_DIMENSIONS} "
    "different ILO forced-labour indicators (deception, debt bondage, retention of identity documents, "
    "withholding of wages, restriction of movement, isolation, intimidation and threats).",
    source=_ILO_SURVEY,
    band_floor="high",
)
_LOVERBOY_SOURCE = (
    "Bovenkerk, F., & van San, M. (2011). Loverboys in the Amsterdam Red Light District: A realist approach. "
    "Crime, Law and Social Change, 56(2), 185-199."
)


@dataclass(frozen=True, slots=True)
class Rule:
    indicator: ComputedIndicator  # what the rule is, as every indicator is described (indicators.computed)
    # a sender's own facets -> the hits of theirs the rule combines, or None when they do not suffice
    own: Callable[[Mapping[str, Hit]], list[Hit] | None]
    # whether the rule also needs another participant to have disclosed a minor's age
    needs_minor: bool = False
    # whether the rule ignores a sender who disclosed a minor's age: a minor who asks an age back or agrees to
    # keep a secret is answering, not grooming
    not_by_minor: bool = False

    @property
    def id(self) -> str:
        return self.indicator.id


def _any_of(wanted: frozenset[str]) -> Callable[[Mapping[str, Hit]], list[Hit] | None]:
    """Holds when the sender's messages carry any facet in `wanted` (all of them are combined)."""

    def own(facets: Mapping[str, Hit]) -> list[Hit] | None:
        return [facets[s] for s in sorted(wanted) if s in facets] or None

    return own


def _same_sender(
    first: frozenset[str], second: frozenset[str]
) -> Callable[[Mapping[str, Hit]], list[Hit] | None]:
    """Holds when the sender's messages carry a facet from `first` and a different one from `second`, carried
    by two different hits (one hit has a stage and a category: it is never two signs on its own)."""

    def own(facets: Mapping[str, Hit]) -> list[Hit] | None:
        for a in sorted(first & facets.keys()):
            others = [b for b in sorted((second & facets.keys()) - {a}) if facets[b] is not facets[a]]
            if others:
                return [facets[a], facets[others[0]]]
        return None

    return own


RULES: tuple[Rule, ...] = (
    Rule(
        indicator=ComputedIndicator(
            id="chat.minor_plus_sexualisation",
            applies_to="conversation",
            category="conversation",
            weight=0.6,
            grade="B",
            holds_when="A participant disclosed an age under 18 and another participant sexualised the talk or asked "
            "for intimate images.",
            source=_WOLAK,
            band_floor="critical",
        ),
        own=_any_of(frozenset({"sexualisation", SEXUAL})),
        needs_minor=True,
    ),
    Rule(
        indicator=ComputedIndicator(
            id="chat.minor_plus_contact_request",
            applies_to="conversation",
            category="conversation",
            weight=0.45,
            grade="B",
            holds_when="A participant disclosed an age under 18 and another participant asked for pictures of them or "
            "proposed meeting in person.",
            source=_OCONNELL,
            band_floor="high",
        ),
        own=_any_of(frozenset({"image_request", "meeting"})),
        needs_minor=True,
    ),
    Rule(
        indicator=ComputedIndicator(
            id="chat.sextortion_threat",
            applies_to="conversation",
            category="conversation",
            weight=0.6,
            grade="B",
            holds_when="The same participant threatened the other and demanded payment or more images.",
            source=_WOLAK,
            band_floor="critical",
        ),
        own=_same_sender(frozenset({"threat"}), frozenset({"demand"})),
    ),
    Rule(
        indicator=ComputedIndicator(
            id="chat.exclusivity_plus_approach",
            applies_to="conversation",
            category="conversation",
            weight=0.4,
            grade="B",
            holds_when="The same participant asked for secrecy or set the other against family and friends, and "
            "also asked age, offered gifts, asked for images, moved platforms or proposed meeting.",
            source=_OCONNELL,
            band_floor=None,
        ),
        own=_same_sender(EXCLUSIVITY_STAGES, APPROACH_STAGES),
        not_by_minor=True,
    ),
    Rule(
        indicator=ComputedIndicator(
            id="chat.coercive_control",
            applies_to="conversation",
            category="conversation",
            weight=0.45,
            grade="C",
            holds_when="The same participant claimed a debt, held back pay or earnings, or controlled the other's "
            "phone, documents, location or movement, and also another of these, a threat, a demand, isolation from "
            "helpers or a push to recruit others.",
            source=_POLARIS,
            band_floor="high",
        ),
        own=_same_sender(
            _CONTROL, _CONTROL | frozenset({"threat", "demand", _BRING_OTHERS, "category:isolation"})
        ),
    ),
    Rule(
        indicator=ComputedIndicator(
            id="chat.recruitment_pressure",
            applies_to="conversation",
            category="conversation",
            weight=0.45,
            grade="C",
            holds_when="The same participant pushed the other to bring friends and offered money, claimed a debt, "
            "demanded payment, asked for secrecy or threatened them.",
            source=_POLARIS,
            band_floor="high",
        ),
        own=_same_sender(
            frozenset({_BRING_OTHERS}), frozenset({"gifts_money", "control", "demand", "secrecy", "threat"})
        ),
    ),
    Rule(
        indicator=ComputedIndicator(
            id="chat.deceptive_recruitment",
            applies_to="conversation",
            category="conversation",
            weight=0.45,
            grade="C",
            holds_when="The same participant offered a job (pay far above the work, no experience, work abroad, "
            '"be nice to clients") or asked a fee for it, and also a fee, a debt or travel to repay, held '
            "documents, held-back pay, control of the other's movement or money, or isolation from helpers.",
            source=_ILO,
            band_floor="high",
        ),
        own=_same_sender(_JOB_LURE, _LURE_COST),
    ),
    Rule(
        indicator=ComputedIndicator(
            id="chat.loverboy_runaway",
            applies_to="conversation",
            category="conversation",
            weight=0.4,
            grade="B",
            holds_when="The same participant planned running away together, bought the ticket or promised that "
            "friends would help with money or a place, and also showed affection, offered money or gifts, asked "
            "for secrecy, set the other against family or arranged the travel.",
            source=_LOVERBOY_SOURCE,
            band_floor="high",
        ),
        own=_same_sender(
            frozenset({_LOVERBOY}), frozenset({"rapport", "gifts_money", "secrecy", "isolation", "meeting"})
        ),
    ),
    Rule(
        indicator=ComputedIndicator(
            id="chat.supervision_plus_approach",
            applies_to="conversation",
            category="conversation",
            weight=0.35,
            grade="B",
            holds_when="The same participant (not one who discloses a minor's age) checked whether the other's "
            "parents or neighbours are around or check their phone, and also flattered, showed affection, probed "
            "exclusivity, planned a visit, sexualised the talk, asked for images, offered gifts or moved platforms.",
            source=_OCONNELL,
            band_floor=None,
        ),
        own=_same_sender(frozenset({_SUPERVISION}), _GROOMING_APPROACH),
        not_by_minor=True,
    ),
)

COMPUTED: tuple[ComputedIndicator, ...] = (*(r.indicator for r in RULES), FORCED_LABOUR_SIGNS)
FLOORS: dict[str, str] = {i.id: i.band_floor for i in COMPUTED if i.band_floor is not None}


class RuleTracker:
    """The conversation rules that hold so far, kept up to date as counted hits arrive in message order.

    A rule reads one sender's facets (plus, for the minor rules, whether anyone else disclosed a minor's age),
    and facets only ever accumulate, so once a rule holds it keeps holding. A new hit therefore re-reads the
    rules of its own sender only, and a new minor disclosure only pairs it with the senders already known to
    satisfy a minor rule: each update costs a few rule checks, never a pass over all participants, and a
    conversation is tracked in time linear in its messages. Each rule holds for the first sender (in message
    order) for whom it held; its hit combines the signals that made it hold at that moment.
    """

    def __init__(self, disclosers: Collection[str] = ()) -> None:
        """`disclosers`: the participants who disclose a minor's age anywhere in the conversation, judged on
        the whole of it (like benign context), so a `not_by_minor` rule ignores a minor's words from the first
        message on, and what holds still only grows message by message."""
        self.facets: dict[str, dict[str, Hit]] = {}
        self.held: dict[str, Hit] = {}  # rule id -> its hit
        self.sender: dict[str, str] = {}  # rule id -> the participant whose messages made it hold
        self._disclosed = frozenset(disclosers)
        # The first two senders who satisfy each minor rule's own part, and the first two who disclosed a
        # minor's age: two of each always contain a pair of different participants when any pair exists.
        self._ready: dict[str, list[str]] = {r.id: [] for r in RULES if r.needs_minor}
        self._minors: list[str] = []
        # ILO dimension -> (author, first counted hit of it), over the whole conversation
        self._dimensions: dict[str, tuple[str, Hit]] = {}

    def add(self, author: str, hits: Sequence[Hit]) -> bool:
        """Record the counted hits of one message of `author`; whether a rule holds now that did not before."""
        own = self.facets.setdefault(author, {})
        new: list[str] = []
        for hit in hits:
            for facet in (hit.stage, f"category:{hit.category}"):
                if facet is not None and facet not in own:
                    own[facet] = hit
                    new.append(facet)
        if not new:
            return False
        before = len(self.held)
        self._add_dimensions(author, hits)
        if AGE_DISCLOSURE in new and len(self._minors) < 2:
            self._minors.append(author)
        for rule in RULES:
            if rule.id in self.held or (rule.not_by_minor and author in self._disclosed):
                continue
            combined = rule.own(own)
            if not rule.needs_minor:
                if combined is not None:
                    self._hold(rule, author, combined)
                continue
            ready = self._ready[rule.id]
            if combined is not None and author not in ready and len(ready) < 2:
                ready.append(author)
            self._pair(rule, ready)
        return len(self.held) > before

    def hits(self) -> list[Hit]:
        """The rules that hold, in the order of RULES, then the conversation-wide forced-labour reading."""
        ids = [*(r.id for r in RULES), FORCED_LABOUR_SIGNS.id]
        return [self.held[i] for i in ids if i in self.held]

    def _add_dimensions(self, author: str, hits: Sequence[Hit]) -> None:
        """Record the ILO dimensions of `hits`; hold the forced-labour reading once enough are covered."""
        if FORCED_LABOUR_SIGNS.id in self.held:
            return
        for hit in hits:
            dimension = ILO_DIMENSIONS.get(hit.category)
            if dimension is not None and dimension not in self._dimensions:
                self._dimensions[dimension] = (author, hit)
        if len(self._dimensions) < MIN_ILO_DIMENSIONS:
            return
        signs = list(self._dimensions.items())
        parts = ", ".join(
            f"{dimension}: {h.indicator} by {who!r} (message {_number(h.evidence[0].message if h.evidence else None)})"
            for dimension, (who, h) in signs
        )
        evidence = [h.evidence[0] for _, (_, h) in signs if h.evidence]
        self.held[FORCED_LABOUR_SIGNS.id] = FORCED_LABOUR_SIGNS.hit(
            f"{FORCED_LABOUR_SIGNS.holds_when} Signs: {parts}.", evidence
        )
        self.sender[FORCED_LABOUR_SIGNS.id] = signs[-1][1][0]

    def _pair(self, rule: Rule, ready: list[str]) -> None:
        """Hold a minor rule once a sender who satisfies it and another participant's disclosure both exist."""
        for sender in ready:
            minor = next((m for m in self._minors if m != sender), None)
            if minor is not None:
                combined = (
                    rule.own(self.facets[sender]) or []
                )  # held when `sender` joined `ready`: still holds
                self._hold(rule, sender, [self.facets[minor][AGE_DISCLOSURE], *combined])
                return

    def _hold(self, rule: Rule, sender: str, combined: list[Hit]) -> None:
        self.held[rule.id] = _hit(rule, sender, combined)
        self.sender[rule.id] = sender


def _hit(rule: Rule, sender: str, combined: list[Hit]) -> Hit:
    evidence: list[Span] = [h.evidence[0] for h in combined if h.evidence]
    # messages are numbered from 1 in text a person reads (the `message` fields count from 0)
    parts = ", ".join(
        f"{h.indicator} (message {_number(h.evidence[0].message)})" for h in combined if h.evidence
    )
    return rule.indicator.hit(f"{rule.indicator.holds_when} Sender: {sender!r}. Combines: {parts}.", evidence)


def _number(index: int | None) -> str:
    return "?" if index is None else str(index + 1)
