"""The link stage on entities found by the real extractors, not the generator's ground truth."""

from __future__ import annotations

from trailguard.demo.corpus import iter_records, to_assessment
from trailguard.extract import extract_entities
from trailguard.link import link_assessments
from trailguard.link.evaluate import pairwise_scores, phone_only_baseline
from trailguard.model import Assessment


def test_networks_from_real_extraction() -> None:
    records = list(iter_records(2500, 9))
    truth = {r.item["id"]: r.group for r in records if r.group is not None}
    assessments: list[Assessment] = []
    decoded = 0
    for r in records:
        a = to_assessment(r)
        a.entities = extract_entities(a.text)
        assessments.append(a)
        hidden = {e["value"] for e in r.entities if e["type"] == "phone" and e["obfuscated"]}
        decoded += len(hidden & {e.value for e in a.entities if e.type == "phone"})
    assert decoded > 0  # obfuscated numbers ("six1seven 555 o1two3") come back as E.164
    precision, recall = pairwise_scores(link_assessments(assessments), truth)
    base_p, base_r = pairwise_scores(phone_only_baseline(assessments), truth)
    print(f"real extraction: link {precision:.3f}/{recall:.3f}, phone-only {base_p:.3f}/{base_r:.3f}")
    assert precision >= 0.9 and recall >= 0.8 and recall > base_r
