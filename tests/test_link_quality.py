"""Pairwise precision and recall of networks against the planted groups, beside the phone-only baseline."""

from __future__ import annotations

import pytest

from trailguard.demo.corpus import iter_records, to_assessment
from trailguard.link import link_assessments
from trailguard.link.evaluate import pairwise_scores, phone_only_baseline


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_networks_recover_planted_groups_better_than_phone_only(seed: int) -> None:
    records = list(iter_records(3000, seed))
    truth = {r.item["id"]: r.group for r in records if r.group is not None}
    assessments = [to_assessment(r) for r in records]
    precision, recall = pairwise_scores(link_assessments(assessments), truth)
    base_p, base_r = pairwise_scores(phone_only_baseline(assessments), truth)
    print(f"seed {seed}: link {precision:.3f}/{recall:.3f}; phone-only: {base_p:.3f} / {base_r:.3f}")
    assert precision >= 0.95
    assert recall >= 0.90
    assert recall > base_r + 0.3  # templates and other identifiers find what equal phones miss
    assert precision > base_p  # and hubs do not merge unrelated groups as the baseline does


def test_every_planted_member_carries_a_link_signal() -> None:
    """The plant is fair: a member shows an identifier another member also shows, or its group's wording."""
    records = list(iter_records(3000, 2))
    shown: dict[tuple[str, str], set[str]] = {}
    for r in records:
        for e in r.entities:
            if r.group is not None and e["type"] != "age":
                shown.setdefault((e["type"], str(e["value"])), set()).add(r.item["id"])
    for r in records:
        if r.group is None:
            continue
        own = [(e["type"], str(e["value"])) for e in r.entities if e["type"] != "age"]
        shares_id = any(len(shown[k]) >= 2 for k in own if k in shown)
        if own and not shares_id:  # an identifier no other member shows: it must write the group template
            assert "Contact" not in r.item["text"], r.item["id"]


def test_pairwise_scores_counts_pairs() -> None:
    truth = {"a": "g1", "b": "g1", "c": "g1", "d": "g2", "e": "g2"}
    # one network with a, b and an unplanted item x: 3 predicted pairs, 1 correct; 4 true pairs in all
    precision, recall = pairwise_scores([["a", "b", "x"], ["d", "e"]], truth)
    assert (precision, recall) == (2 / 4, 2 / 4)
    assert pairwise_scores([], truth) == (1.0, 0.0)
