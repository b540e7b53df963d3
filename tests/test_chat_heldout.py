"""The held-out conversation set (tests/data/chat_heldout): well-formed, synthetic, and measured.

The set was written without reading the chats catalogue, the conversation rules or the tuned set
(tests/data/chat_eval), so its figures say how far the rules generalise. It is for measuring, never for
tuning: the floors below are deliberately loose (a collapse, not a target), and a failure here means the
rules got worse or the set drifted, not that the set should be edited until it passes.

Labelling convention: `age_disclosure` marks a message whose author states their own age, in risky and
benign chats alike (a fact, not a risk); every other stage is labelled on risky chats only, on the message
that carries it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trailguard.chat.evaluation import EvalReport, evaluate_labelled
from trailguard.chat.stages import AGE_DISCLOSURE, STAGES
from trailguard.extract import extract_entities
from trailguard.indicators.catalogue import packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.ingest import jsonl
from trailguard.model import Item, Reject
from trailguard.settings import Settings

DATA = Path(__file__).parent / "data" / "chat_heldout"
FILES = {"risky": DATA / "risky.jsonl", "benign": DATA / "benign.jsonl"}
SCENARIOS = {"grooming", "sextortion", "control", "recruitment", "fake_job"}
SETTINGS = Settings(database_url="sqlite:///:memory:")

PHONE_LIKE = re.compile(r"(?<!\d)\d{3}[-. ]\d{4}(?!\d)")
FICTIONAL_PHONE = re.compile(r"555[-. ]01\d\d")
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
SYNTHETIC_DOMAIN = re.compile(r"(?:[\w-]+\.)*(?:example\.(?:com|org|net)|[\w-]+\.example)", re.IGNORECASE)
CASHTAG = re.compile(r"\$[A-Za-z_]\w*")


def load(label: str) -> list[Item]:
    """Read by the JSON Lines reader a scan uses: a reject (bad JSON, a broken contract) fails the load."""
    path = FILES[label]
    with path.open("rb") as stream:
        read = list(jsonl.read(stream, path.name, SETTINGS))
    rejects = [f"{r.source.file}:{r.source.line}: {r.reason}" for r in read if isinstance(r, Reject)]
    assert not rejects, rejects
    return [r for r in read if isinstance(r, Item)]


@pytest.fixture(scope="module")
def risky() -> list[Item]:
    return load("risky")


@pytest.fixture(scope="module")
def benign() -> list[Item]:
    return load("benign")


@pytest.fixture(scope="module")
def report(risky: list[Item], benign: list[Item]) -> EvalReport:
    return evaluate_labelled(risky + benign, Engine(packaged_catalogues()), extract_entities)


def test_items_follow_the_contract(risky: list[Item], benign: list[Item]) -> None:
    items = risky + benign
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids))
    for label, group in (("risky", risky), ("benign", benign)):
        for n, item in enumerate(group, 1):
            assert item.id == f"heldout-{label}-{n:02d}"
            assert item.kind == "chat" and item.platform and not item.text and not item.title
            assert item.extra["label"] == label and item.extra["scenario"]
            assert 4 <= len(item.messages) <= 25, item.id
            assert 2 <= len({m.author for m in item.messages}) <= 4, item.id
            message_ids = [m.id for m in item.messages]
            assert len(message_ids) == len(set(message_ids)), item.id
            times = [m.sent_at or "" for m in item.messages]
            assert all(t.endswith("Z") for t in times) and times == sorted(times), item.id
            assert all(m.text.strip() for m in item.messages), item.id
            for stage, indexes in item.extra["stages"].items():
                assert stage in STAGES, (item.id, stage)
                assert indexes and indexes == sorted(set(indexes)), (item.id, stage)
                assert all(0 <= k < len(item.messages) for k in indexes), (item.id, stage)


def test_labels_mean_what_they_say(risky: list[Item], benign: list[Item]) -> None:
    assert len(risky) >= 40 and len(benign) >= 40
    assert {i.extra["scenario"] for i in risky} == SCENARIOS
    for item in risky:
        assert set(item.extra["stages"]) - {AGE_DISCLOSURE}, f"{item.id} labels no risk stage"
    for item in benign:
        assert set(item.extra["stages"]) <= {AGE_DISCLOSURE}, item.id
    # Every stage is represented, so the per-stage figures measure something.
    assert {s for i in risky for s in i.extra["stages"]} == set(STAGES)
    assert any(AGE_DISCLOSURE in i.extra["stages"] for i in benign)


def test_set_is_synthetic(risky: list[Item], benign: list[Item]) -> None:
    for item in risky + benign:
        for m in item.messages:
            for where in (m.text, m.author or ""):
                for number in PHONE_LIKE.findall(where):
                    assert FICTIONAL_PHONE.fullmatch(number), (item.id, m.id, number)
                for domain in EMAIL.findall(where):
                    assert SYNTHETIC_DOMAIN.fullmatch(domain), (item.id, m.id, domain)
                for tag in CASHTAG.findall(where):
                    assert tag.startswith("$fake_tag_"), (item.id, m.id, tag)
            # What the real extractor sees as a phone number must be in the fictional range too.
            for entity in extract_entities(m.text):
                if entity.type == "phone":
                    assert re.fullmatch(r"\+1\d{3}55501\d\d", entity.value), (item.id, m.id, entity.raw)


def test_benign_false_positive_rate_is_under_the_loose_ceiling(report: EvalReport) -> None:
    """The measurement the team reports; the ceiling only catches a collapse (see the module docstring)."""
    assert report.benign >= 40
    assert report.false_positive_rate <= 0.3, report.false_alarms


def test_risky_recall_is_over_the_loose_floor(report: EvalReport) -> None:
    # When the set was written the rules reached high on 13 of 45 (0.29); after the catalogue learnt chat
    # spellings (written without looking at this set) 26 of 45 (0.58). The floor guards against a collapse.
    assert report.risky >= 40
    assert report.risky_recall >= 0.5, report.missed
