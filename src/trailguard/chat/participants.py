"""Who carries the risk in a conversation: per-participant stages and weighted signal mass.

The likely source of risk is the participant whose own messages carry the most weighted signal in the
risk-bearing stages, counting the conversation rules that held on their messages (chat.combinations) like
indicators. Signal mass is the noisy-OR's own decomposition (-log(1 - w) per distinct indicator or rule, as
in `scoring.contributions`), so a participant who repeats one phrase does not outweigh one who shows several
distinct signs. A stated minor age is not risk mass: it is said by the person at risk, and a participant who
disclosed one is never named as the source.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from trailguard.chat.stages import AGE_DISCLOSURE
from trailguard.model import Hit, Message

UNKNOWN_AUTHOR = "(unknown)"


def author_of(message: Message) -> str:
    return message.author or UNKNOWN_AUTHOR


def minor_age_disclosers(messages: Sequence[Message], per_message: Sequence[Sequence[Hit]]) -> set[str]:
    """The participants whose messages disclose a minor's age (a counted age-disclosure signal)."""
    return {
        author_of(msg)
        for msg, hits in zip(messages, per_message, strict=True)
        if any(h.effect == "risk" and h.stage == AGE_DISCLOSURE for h in hits)
    }


def participants_summary(
    messages: Sequence[Message],
    per_message: Sequence[Sequence[Hit]],
    rules: Mapping[str, tuple[str, Hit]],
    disclosers: Collection[str],
) -> dict[str, Any]:
    """{author: {messages, stages (first-appearance order), risk_mass, minor_age_disclosed}}; `rules` maps
    each conversation rule that held to its sender and hit; `disclosers` are from `minor_age_disclosers`."""
    out: dict[str, dict[str, Any]] = {}
    seen: dict[str, set[str]] = {}
    for msg, hits in zip(messages, per_message, strict=True):
        author = author_of(msg)
        entry = out.setdefault(
            author,
            {"messages": 0, "stages": [], "risk_mass": 0.0, "minor_age_disclosed": author in disclosers},
        )
        entry["messages"] += 1
        for h in hits:
            if h.effect != "risk" or h.stage is None:
                continue
            if h.stage not in entry["stages"]:
                entry["stages"].append(h.stage)
            if h.stage == AGE_DISCLOSURE:
                continue  # a stated age is said by the person at risk: not mass
            if h.indicator not in seen.setdefault(author, set()):
                seen[author].add(h.indicator)
                entry["risk_mass"] += _mass(h)
    for sender, hit in rules.values():
        if sender in out:
            out[sender]["risk_mass"] += _mass(hit)
    for entry in out.values():
        entry["risk_mass"] = round(entry["risk_mass"], 4)
    return out


def _mass(h: Hit) -> float:
    return -math.log(max(1e-9, 1.0 - min(h.weight, 0.999999)))


def likely_source(participants: dict[str, Any]) -> str | None:
    """The participant with the highest risk mass among those who disclosed no minor's age; None when none
    of them carries any. A minor who reports a threat ("he said he'll post my pics") carries its signals, but
    is the person at risk, never the source."""
    best = max(
        ((name, p) for name, p in participants.items() if not p["minor_age_disclosed"]),
        key=lambda kv: (kv[1]["risk_mass"], kv[0]),
        default=None,
    )
    if best is None or best[1]["risk_mass"] <= 0:
        return None
    return best[0]
