"""Well-formedness of the second held-out conversation set (tests/data/chat_heldout2).

The set measures how far the chat rules generalise, so these tests check only that it reads cleanly and is
labelled consistently; how well the code scores on it is measured by benchmarks/chat_heldout_bands.py, never
asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from heldout_checks import FICTIONAL_PHONE, HOST, PHONE_LIKE, ROUND_RANGE, assert_synthetic
from trailguard.chat.stages import STAGES as CONVERSATION_STAGES
from trailguard.ingest.jsonl import read
from trailguard.model import Item, Reject
from trailguard.settings import Settings

DATA = Path(__file__).parent / "data" / "chat_heldout2"
LABELS = ("risky", "benign")
STAGES = set(CONVERSATION_STAGES)  # the stage names are the contract the set is labelled with


def _read(label: str) -> list[Item | Reject]:
    with open(DATA / f"{label}.jsonl", "rb") as fh:
        return list(read(fh, f"{label}.jsonl", Settings()))


def _items(label: str) -> list[Item]:
    return [r for r in _read(label) if isinstance(r, Item)]


@pytest.mark.parametrize("label", LABELS)
def test_every_line_reads_without_rejects(label: str) -> None:
    records = _read(label)
    rejects = [r.to_dict() for r in records if isinstance(r, Reject)]
    assert rejects == []
    lines = [line for line in (DATA / f"{label}.jsonl").read_text().splitlines() if line.strip()]
    assert len(records) == len(lines) >= 60


@pytest.mark.parametrize("label", LABELS)
def test_items_are_chats_with_the_set_label_and_5_to_40_messages(label: str) -> None:
    for item in _items(label):
        assert item.kind == "chat", item.id
        assert item.id.startswith(f"h2-{label}-"), item.id
        assert item.extra["label"] == label, item.id
        assert item.extra["scenario"].strip(), item.id
        assert item.platform, item.id
        assert 5 <= len(item.messages) <= 40, item.id
        for message in item.messages:
            assert message.author and message.text.strip() and message.sent_at, (item.id, message.id)


def test_at_least_25_risky_conversations_are_trafficking_recruitment_or_control() -> None:
    scenarios = [item.extra["scenario"] for item in _items("risky")]
    assert sum(s.startswith("trafficking:") for s in scenarios) >= 25


@pytest.mark.parametrize("label", LABELS)
def test_stage_labels_name_real_messages_and_known_stages(label: str) -> None:
    for item in _items(label):
        stages = item.extra["stages"]
        message_ids = {m.id for m in item.messages}
        assert set(stages) <= message_ids, item.id
        for message_id, names in stages.items():
            assert names and set(names) <= STAGES, (item.id, message_id, names)
            assert len(names) == len(set(names)), (item.id, message_id)
            if label == "benign":
                # On benign chats only a participant stating their own age is labelled.
                assert names == ["age_disclosure"], (item.id, message_id)
        if label == "risky":
            risk = {name for names in stages.values() for name in names} - {"age_disclosure"}
            assert risk, item.id


def test_ids_are_unique_across_both_files() -> None:
    ids = [item.id for label in LABELS for item in _items(label)]
    assert len(ids) == len(set(ids))
    for item in (item for label in LABELS for item in _items(label)):
        message_ids = [m.id for m in item.messages]
        assert len(message_ids) == len(set(message_ids)), item.id


@pytest.mark.parametrize("label", LABELS)
def test_only_fictional_phone_numbers_and_example_domains(label: str) -> None:
    for item in _items(label):
        assert_synthetic(item)


def test_the_checks_catch_a_real_looking_number_and_domain() -> None:
    """The patterns above must see what they guard against, else the data tests could not fail."""
    assert PHONE_LIKE.findall("call me on 07700 900123") and not FICTIONAL_PHONE.match("07700 900123")
    assert FICTIONAL_PHONE.match("555-0142") and FICTIONAL_PHONE.match("+1 555-0173")
    assert HOST.findall("see jobs.realsite.com now") == ["jobs.realsite.com"]
    assert HOST.findall("see privchat.example/get") == ["privchat.example"]
    assert ROUND_RANGE.match("5000-8000") and not ROUND_RANGE.match("867-5309")
