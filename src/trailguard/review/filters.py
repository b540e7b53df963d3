"""Queue filters: which of a queue's jobs a reviewer lists or is handed (score, age, band, kind, indicator,
place, platform).

Every condition is on a column of `review_jobs` itself, copied from the item when the job was made (kind,
platform, lower-cased place) and indexed with the queue id, except the indicator, which is an `EXISTS` on the
store's `hits` table through its (item_id, indicator) primary key: one index probe per candidate job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists

from trailguard.model import BANDS, KINDS
from trailguard.review import tables as rt
from trailguard.store import tables as st

MAX_TEXT = 200


def no_nul(what: str, value: str | None) -> None:
    """ValueError for text PostgreSQL cannot store or compare (it refuses NUL characters outright)."""
    if value is not None and "\x00" in value:
        raise ValueError(f"{what} must not contain NUL characters")


def like_prefix(value: str) -> str:
    """A LIKE pattern matching `value` literally at the start (escape character `\\`)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True, slots=True)
class JobFilter:
    score_min: float | None = None
    score_max: float | None = None
    bands: tuple[str, ...] = ()
    kind: str | None = None
    indicator: str | None = None  # an indicator id, exactly
    place: str | None = None  # a prefix of the item's location, any case
    platform: str | None = None  # the item's platform, exactly
    min_age_hours: float | None = None  # jobs made at least this long ago
    max_age_hours: float | None = None  # jobs made at most this long ago

    def __post_init__(self) -> None:
        bad = [b for b in self.bands if b not in BANDS]
        if bad:
            raise ValueError(f"band must be one of {', '.join(BANDS)}, got {bad[0][:32]!r}")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind[:32]!r}")
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ValueError("score_min is above score_max")
        for name in ("indicator", "place", "platform"):
            value = getattr(self, name)
            if value is not None and not 1 <= len(value) <= MAX_TEXT:
                raise ValueError(f"{name} must have 1 to {MAX_TEXT} characters")
            no_nul(name, value)

    def clauses(self, now: datetime) -> list[ColumnElement[Any]]:
        j = rt.jobs
        out: list[ColumnElement[Any]] = []
        if self.score_min is not None:
            out.append(j.c.score >= self.score_min)
        if self.score_max is not None:
            out.append(j.c.score <= self.score_max)
        if self.bands:
            out.append(j.c.band.in_(self.bands))
        if self.kind:
            out.append(j.c.kind == self.kind)
        if self.platform:
            out.append(j.c.platform == self.platform)
        if self.place:
            out.append(j.c.place.like(like_prefix(self.place.strip().lower()), escape="\\"))
        if self.indicator:
            h = st.hits
            out.append(exists().where(h.c.item_id == j.c.item_id, h.c.indicator == self.indicator))
        if self.min_age_hours is not None:
            out.append(j.c.created_at <= now - timedelta(hours=self.min_age_hours))
        if self.max_age_hours is not None:
            out.append(j.c.created_at >= now - timedelta(hours=self.max_age_hours))
        return out


EVERY_JOB = JobFilter()
