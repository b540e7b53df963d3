"""Measures the conversation analysis against a labelled set (tests/data/chat_eval).

Each labelled item carries `extra.label` ("risky" or "benign") and `extra.stages` ({stage: [message
indexes]}). Shared by benchmarks/chat_eval.py (which prints the figures) and the tests (which hold the
targets), so both measure the same thing.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from trailguard.chat.assess import HIGH_BANDS, assess_chat
from trailguard.chat.stages import STAGES
from trailguard.indicators.engine import Engine
from trailguard.model import Assessment, Entity, Item


@dataclass(slots=True)
class StageCounts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass(slots=True)
class EvalReport:
    stages: dict[str, StageCounts]
    risky: int
    benign: int
    risky_alerted: int
    benign_alerted: int
    early_warning: list[int] = field(default_factory=list)  # index of the alert message, risky alerted only
    missed: list[str] = field(default_factory=list)  # risky items that never reached high
    false_alarms: list[str] = field(default_factory=list)  # benign items that reached high
    benign_medium: list[str] = field(default_factory=list)  # benign items that reached medium or above

    @property
    def risky_recall(self) -> float:
        return self.risky_alerted / self.risky if self.risky else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.benign_alerted / self.benign if self.benign else 0.0

    @property
    def benign_medium_rate(self) -> float:
        """Benign conversations reaching medium or above: the issue's target is at most 5%."""
        return len(self.benign_medium) / self.benign if self.benign else 0.0

    @property
    def median_messages_to_alert(self) -> float | None:
        """Messages read before the alert (early-warning index + 1), median over alerted risky items."""
        return statistics.median(i + 1 for i in self.early_warning) if self.early_warning else None


def detected_stages(assessment: Assessment) -> set[tuple[int, str]]:
    """(message index, stage) for every counted stage signal."""
    conversation = assessment.conversation or {}
    return {(e["message"], s) for e in conversation.get("evidence_messages", []) for s in e["stages"]}


def evaluate_labelled(
    items: Iterable[Item], engine: Engine, extract: Callable[[str], list[Entity]]
) -> EvalReport:
    report = EvalReport(
        stages={s: StageCounts() for s in STAGES}, risky=0, benign=0, risky_alerted=0, benign_alerted=0
    )
    for item in items:
        label = item.extra.get("label")
        if label not in ("risky", "benign"):
            raise ValueError(f"{item.id}: extra.label must be 'risky' or 'benign', got {label!r}")
        assessment = assess_chat(item, engine, extract)
        expected = {(i, s) for s, idxs in (item.extra.get("stages") or {}).items() for i in idxs}
        found = detected_stages(assessment)
        for _, s in found | expected:
            report.stages.setdefault(s, StageCounts())
        for i, s in found:
            counts = report.stages[s]
            if (i, s) in expected:
                counts.tp += 1
            else:
                counts.fp += 1
        for _, s in expected - found:
            report.stages[s].fn += 1
        alerted = assessment.band in HIGH_BANDS
        if label == "risky":
            report.risky += 1
            if alerted:
                report.risky_alerted += 1
                warning = (assessment.conversation or {}).get("early_warning_message")
                if warning is not None:
                    report.early_warning.append(warning)
            else:
                report.missed.append(item.id)
        else:
            report.benign += 1
            if assessment.band != "low":
                report.benign_medium.append(item.id)
            if alerted:
                report.benign_alerted += 1
                report.false_alarms.append(item.id)
    return report
