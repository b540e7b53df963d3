"""Well-formedness of the third held-out conversation set (tests/data/chat_heldout3).

Like the second set, it measures how far the chat rules generalise, so only its shape is tested here; how the
code scores on it is measured by benchmarks/chat_heldout_bands.py --set tests/data/chat_heldout3, never
asserted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from heldout_checks import assert_synthetic
from trailguard.ingest.jsonl import read
from trailguard.model import Item, Reject
from trailguard.settings import Settings

DATA = Path(__file__).parent / "data" / "chat_heldout3"
FAMILIES = {"risky": {"trafficking": 30, "grooming": 18, "sextortion": 12}, "benign": {"benign": 60}}


def _read(label: str) -> list[Item | Reject]:
    with open(DATA / f"{label}.jsonl", "rb") as fh:
        return list(read(fh, f"{label}.jsonl", Settings()))


@pytest.mark.parametrize("label", sorted(FAMILIES))
def test_the_set_reads_cleanly_with_its_labels_families_and_synthetic_data(label: str) -> None:
    records = _read(label)
    assert [r.to_dict() for r in records if isinstance(r, Reject)] == []
    items = [r for r in records if isinstance(r, Item)]
    assert Counter(i.extra["family"] for i in items) == FAMILIES[label]
    assert len({i.id for i in items}) == len(items)
    for item in items:
        assert item.kind == "chat" and item.id.startswith(f"h3-{label}-"), item.id
        assert item.extra["label"] == label and item.extra["scenario"].strip(), item.id
        assert 4 <= len(item.messages) <= 30, item.id
        assert all(m.author and m.text.strip() and m.sent_at for m in item.messages), item.id
        assert_synthetic(item)
