"""The labelled evaluation set: its shape (size, coverage of every stage, synthetic identifiers) and the
targets the conversation analysis must hold on it (fix the rules, not the data, when these fail)."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from trailguard.chat.evaluation import EvalReport, evaluate_labelled
from trailguard.chat.stages import STAGES
from trailguard.extract import extract_entities
from trailguard.indicators.catalogue import packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.model import Item

DATA = Path(__file__).parent / "data" / "chat_eval"


def load() -> list[Item]:
    items = []
    for path in sorted(DATA.glob("*.jsonl")):
        items += [
            Item.from_dict(orjson.loads(line)) for line in path.read_bytes().splitlines() if line.strip()
        ]
    return items


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return load()


@pytest.fixture(scope="module")
def report(items: list[Item]) -> EvalReport:
    return evaluate_labelled(items, Engine(packaged_catalogues()), extract_entities)


def test_set_has_sixty_of_each_and_labels_every_stage(items: list[Item]) -> None:
    risky = [i for i in items if i.extra["label"] == "risky"]
    benign = [i for i in items if i.extra["label"] == "benign"]
    assert len(risky) >= 60 and len(benign) >= 60
    labelled = {s for i in risky for s in i.extra["stages"]}
    assert labelled == set(STAGES)
    scenarios = {i.extra["scenario"] for i in risky}
    assert {"grooming", "sextortion", "recruitment", "control"} <= scenarios
    # Benign conversations carry no risk stage; only the fact of a stated minor age is labelled there.
    assert all(set(i.extra["stages"]) <= {"age_disclosure"} for i in benign)
    for i in items:
        assert i.kind == "chat" and i.messages
        for stage, indexes in i.extra["stages"].items():
            assert stage in STAGES and all(0 <= n < len(i.messages) for n in indexes)


def test_set_is_synthetic(items: list[Item]) -> None:
    for i in items:
        for m in i.messages:
            for number in re.findall(r"\b\d{3}-\d{4}\b", m.text):
                assert re.fullmatch(r"555-01\d\d", number), (i.id, number)


def test_conversation_level_targets(report: EvalReport) -> None:
    assert report.false_positive_rate <= 0.05, report.false_alarms
    assert report.benign_medium_rate <= 0.05, report.benign_medium
    assert report.risky_recall >= 0.9, report.missed
    # issue 10: generalising the rules must not cost the tuned set more than two risky or one benign
    assert report.risky_alerted >= 115 and len(report.benign_medium) <= 3, (
        report.missed,
        report.benign_medium,
    )
    median = report.median_messages_to_alert
    assert median is not None and median <= 6


def test_every_stage_is_found_more_often_than_not(report: EvalReport) -> None:
    for stage, counts in report.stages.items():
        assert counts.recall is not None and counts.recall >= 0.5, (stage, counts)
        assert counts.precision is not None and counts.precision >= 0.4, (stage, counts)
