"""Assess one conversation: message-level signals, then who carries the risk, the stage timeline, the
conversation-level combinations, a score and band, and the early-warning point.

Pure: the engine and the entity extractor are passed in, nothing is read from the store or the network.
The early-warning point is the first message at which the conversation, read up to that message, reaches the
high band. It is computed on the same counted signals as the final score (benign context is judged on the
whole conversation), so it is set exactly when the final band is high or critical: the score is monotone in
its signals, and a prefix holds a subset of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from trailguard.chat.answers import age_answers, document_answers
from trailguard.chat.combinations import FLOORS, RuleTracker
from trailguard.chat.context import apply_context
from trailguard.chat.openers import discount_openers
from trailguard.chat.participants import author_of, likely_source, minor_age_disclosers, participants_summary
from trailguard.chat.stages import AGE_DISCLOSURE, STAGES
from trailguard.indicators.engine import MAX_EVIDENCE_SPANS, Engine, make_hit
from trailguard.indicators.scoring import score_hits
from trailguard.model import Assessment, Entity, Hit, Item, Message, Span

if TYPE_CHECKING:  # scikit-learn is imported only by a scan that uses a trained model
    from trailguard.learn.chat_scorer import ChatScorer

HIGH_BANDS = ("high", "critical")
MAX_TIMELINE = 500  # evidence messages listed in the conversation summary; the counts cover all of them
MAX_NOT_COUNTED_PER_INDICATOR = MAX_EVIDENCE_SPANS
MAX_SPANS_PER_MESSAGE = 32  # evidence spans kept per evidence message, to place and highlight its excerpt
LOW_CAP = 0.29  # the score of separate signs of fewer than MIN_STAGES_UNCAPPED stages (see chat_score)
MIN_STAGES_UNCAPPED = 3
UNCAPPING_CATEGORIES = frozenset({"conversation", "model"})  # conversation rules and the trained model


def assess_chat(
    item: Item,
    engine: Engine,
    extract: Callable[[str], list[Entity]],
    scorer: ChatScorer | None = None,
) -> Assessment:
    """The Assessment of a chat item; `extract` returns one message's entities with offsets into its text.

    With a trained `scorer` (learn.chat_scorer), its explained hit joins the rule hits. It reads the whole
    conversation, so when it is what lifts the conversation to high the early warning is the last message.
    """
    messages = item.conversation()
    entities: list[Entity] = []
    raw: list[list[Hit]] = []
    for i, msg in enumerate(messages):
        found = extract(msg.text) if msg.text else []
        for e in found:
            e.message = i
        entities.extend(found)
        raw.append(engine.evaluate(msg.text, found, "chat", message=i))
    per_message = age_answers(messages, apply_context(document_answers(messages, raw)))
    disclosers = minor_age_disclosers(messages, per_message)
    per_message = discount_openers(messages, per_message, disclosers)
    risk_ids = frozenset(i for i, ind in engine.indicators.items() if ind.effect == "risk")
    floors = {ind.id: ind.band_floor for ind in engine.indicators.values() if ind.band_floor} | FLOORS

    progress = _Progress(floors, disclosers)
    for msg, hits in zip(messages, per_message, strict=True):
        progress.add(author_of(msg), hits)
    combos = progress.rules.hits()
    hits = [*_merge_counted(engine, per_message, risk_ids), *combos, *_not_counted(per_message, risk_ids)]
    if scorer is not None and messages:
        hits.append(scorer.hit(item))
    # Band floors apply to counted signals only, never to a signal that benign context explained away.
    counted = {h.indicator for h in hits if h.effect == "risk"}
    score, band, capped = chat_score(hits, {k: v for k, v in floors.items() if k in counted})

    if band in HIGH_BANDS and progress.early_warning is None:
        progress.early_warning = len(messages) - 1  # only the model's whole-conversation hit lifted it
    rules = {rule: (progress.rules.sender[rule], hit) for rule, hit in progress.rules.held.items()}
    participants = participants_summary(messages, per_message, rules, disclosers)
    conversation: dict[str, Any] = {
        "stages": _stage_timeline(per_message),
        "source_participant": likely_source(participants),
        "participants": participants,
        "early_warning_message": progress.early_warning,
        "capped_low": capped,
        "messages_total": len(messages),
        "evidence_messages": _evidence_messages(messages, per_message, risk_ids),
    }
    return Assessment(
        item_id=item.id,
        kind="chat",
        entities=entities,
        hits=hits,
        score=score,
        band=band,
        posted_at=item.posted_at or (messages[0].sent_at if messages else None),
        location=item.location,
        platform=item.platform,
        author=item.author,
        text="\n".join(m.text for m in messages),
        conversation=conversation,
    )


def chat_score(hits: Sequence[Hit], floors: Mapping[str, str]) -> tuple[float, str, bool]:
    """Score, band, and whether the score was capped in the low band.

    Signs of one or two stages that no conversation rule combined are ordinary talk (a landlord's deposit,
    a date arranged after "add me on insta", a parent's "gimme ur phone"): the noisy-OR of such signs is
    capped at `LOW_CAP`, so only a conversation rule, a band floor, the trained model's hit or signs of
    `MIN_STAGES_UNCAPPED` stages (a stated age aside) reach medium. Capping never lowers a score that one
    more signal would lift, so the score stays monotone in its signals and the early warning stays exact.
    """
    score, band = score_hits(hits, floors)
    if band == "low" or _uncapped(hits, floors):
        return score, band, False
    return min(score, LOW_CAP), "low", True


def _uncapped(hits: Sequence[Hit], floors: Mapping[str, str]) -> bool:
    counted = [h for h in hits if h.effect == "risk"]
    if any(h.category in UNCAPPING_CATEGORIES or h.indicator in floors for h in counted):
        return True
    stages = {h.stage for h in counted if h.stage is not None and h.stage != AGE_DISCLOSURE}
    return len(stages) >= MIN_STAGES_UNCAPPED


class _Progress:
    """The counted signals read so far, message by message, and where they first reach the high band.

    The score of a prefix depends only on which indicators and which conversation rules it holds, and both
    sets only grow, so the score is recomputed only when one of them grows: at most once per indicator and per
    rule, however long the chat and however many participants. Each message costs its own hits' updates.
    """

    def __init__(self, floors: dict[str, str], disclosers: set[str]) -> None:
        self.floors = floors
        self.first_by_indicator: dict[str, Hit] = {}
        self.rules = RuleTracker(disclosers)
        self.early_warning: int | None = None
        self._index = -1

    def add(self, author: str, hits: Sequence[Hit]) -> None:
        self._index += 1
        counted = [h for h in hits if h.effect == "risk"]
        changed = self.rules.add(author, counted)
        for h in counted:
            if h.indicator not in self.first_by_indicator:
                self.first_by_indicator[h.indicator] = h
                changed = True
        if changed and self.early_warning is None:
            so_far = [*self.first_by_indicator.values(), *self.rules.held.values()]
            if chat_score(so_far, self.floors)[1] in HIGH_BANDS:
                self.early_warning = self._index


def _merge_counted(
    engine: Engine, per_message: Sequence[Sequence[Hit]], risk_ids: frozenset[str]
) -> list[Hit]:
    """One hit per counted indicator (and per benign cue), its evidence from the first messages carrying it.

    Every indicator a message hit names is in the engine, except the ones the chat layer adds itself (the age
    answer): those keep their first hit, with the merged evidence.
    """
    merged: dict[str, Hit] = {}
    spans: dict[str, list[Span]] = {}
    for hits in per_message:
        for h in hits:
            if not _discounted(h, risk_ids):
                merged.setdefault(h.indicator, h)
                found = spans.setdefault(h.indicator, [])
                found.extend(h.evidence[: MAX_EVIDENCE_SPANS - len(found)])
    out = [
        make_hit(engine.indicators[i], spans[i]) if i in engine.indicators else replace(h, evidence=spans[i])
        for i, h in merged.items()
    ]
    out.sort(key=lambda h: (-h.weight, h.indicator))
    return out


def _discounted(h: Hit, risk_ids: frozenset[str]) -> bool:
    """A risk indicator's hit that `apply_context` turned into context."""
    return h.effect == "context" and h.indicator in risk_ids


def _not_counted(per_message: Sequence[Sequence[Hit]], risk_ids: frozenset[str]) -> list[Hit]:
    """Risk signals a benign context explained: kept per message (their explanation names the cue), bounded."""
    kept: list[Hit] = []
    per_indicator: dict[str, int] = {}
    for hits in per_message:
        for h in hits:
            if _discounted(h, risk_ids):
                n = per_indicator.get(h.indicator, 0)
                if n < MAX_NOT_COUNTED_PER_INDICATOR:
                    kept.append(h)
                    per_indicator[h.indicator] = n + 1
    return kept


def _stage_timeline(per_message: Sequence[Sequence[Hit]]) -> list[dict[str, Any]]:
    """Stages in order of first appearance, with the index of that message and how many messages carry it."""
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for i, hits in enumerate(per_message):
        for stage in {h.stage for h in hits if h.effect == "risk" and h.stage is not None}:
            first.setdefault(stage, i)
            count[stage] = count.get(stage, 0) + 1
    rank = {s: n for n, s in enumerate(STAGES)}
    order = sorted(first, key=lambda s: (first[s], rank.get(s, len(rank)), s))
    return [{"stage": s, "first_message": first[s], "count": count[s]} for s in order]


def _evidence_messages(
    messages: Sequence[Message], per_message: Sequence[Sequence[Hit]], risk_ids: frozenset[str]
) -> list[dict[str, Any]]:
    """The messages that carry a signal (counted or explained away): all a summary may show."""
    out: list[dict[str, Any]] = []
    for i, (msg, hits) in enumerate(zip(messages, per_message, strict=True)):
        counted = sorted({h.stage for h in hits if h.effect == "risk" and h.stage})
        discounted = sorted({h.stage for h in hits if _discounted(h, risk_ids) and h.stage})
        signals = [h for h in hits if h.effect == "risk" or _discounted(h, risk_ids)]
        if not signals:
            continue
        if len(out) == MAX_TIMELINE:
            break
        # Counted signals first, so a summary's window is placed on them rather than on a benign cue.
        spans = sorted(
            (h.effect != "risk", s.start, s.end, h.indicator)
            for h in signals
            for s in h.evidence
            if s.message == i
        )[:MAX_SPANS_PER_MESSAGE]
        out.append(
            {
                "message": i,
                "author": author_of(msg),
                "sent_at": msg.sent_at,
                "stages": counted,
                "not_counted": sorted(set(discounted) - set(counted)),
                "indicators": sorted({h.indicator for h in signals}),
                "spans": [[start, end, ind] for _, start, end, ind in spans],
            }
        )
    return out
