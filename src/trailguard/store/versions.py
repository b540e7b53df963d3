"""Item versions as the store keeps them, and what changed from one to the next.

For evidence, a re-read item that says something different is not an update that replaces the old one: both
are kept (Store.save_assessed) and a reviewer must be able to see what was added, removed or edited, and which
indicators appeared or disappeared with it (`trailguard versions ITEM_ID`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trailguard.model import Assessment, Item

# Item fields compared one by one (messages are compared per message id).
_FIELDS = ("kind", "platform", "url", "posted_at", "title", "text", "location", "author", "images", "extra")


@dataclass(frozen=True, slots=True)
class ItemVersion:
    """One stored version of an item: its content and the assessment of that content."""

    content_sha256: str
    first_scan_id: int
    last_scan_id: int
    item: Item
    assessment: Assessment

    def summary(self) -> dict[str, Any]:
        a = self.assessment
        return {
            "version": self.content_sha256,
            "first_scan": self.first_scan_id,
            "last_scan": self.last_scan_id,
            "band": a.band,
            "score": a.score,
            "indicators": sorted({h.indicator for h in a.hits if h.effect == "risk"}),
            "messages": len(self.item.messages),
        }


def compare(old: ItemVersion, new: ItemVersion) -> dict[str, Any]:
    """What changed from `old` to `new`: fields, messages (matched by id) and risk indicators."""
    was, now = old.item, new.item
    fields = {
        name: {"old": getattr(was, name), "new": getattr(now, name)}
        for name in _FIELDS
        if getattr(was, name) != getattr(now, name)
    }
    before = {m.id: m for m in was.messages}
    after = {m.id: m for m in now.messages}
    old_hits = {h.indicator for h in old.assessment.hits if h.effect == "risk"}
    new_hits = {h.indicator for h in new.assessment.hits if h.effect == "risk"}
    return {
        "from": old.content_sha256,
        "to": new.content_sha256,
        "band": {"old": old.assessment.band, "new": new.assessment.band},
        "score": {"old": old.assessment.score, "new": new.assessment.score},
        "indicators_lost": sorted(old_hits - new_hits),
        "indicators_gained": sorted(new_hits - old_hits),
        "fields": fields,
        "messages_removed": [m.to_dict() for i, m in before.items() if i not in after],
        "messages_added": [m.to_dict() for i, m in after.items() if i not in before],
        "messages_edited": [
            {"id": i, "old": m.to_dict(), "new": after[i].to_dict()}
            for i, m in before.items()
            if i in after and after[i] != m
        ],
    }
