"""Link-stage edge cases found in review: prolific posters, input order, hostile text, duplicates, bands."""

from __future__ import annotations

import random
import time

from trailguard.demo.corpus import iter_records, to_assessment
from trailguard.link import link_assessments
from trailguard.link.linker import _network_id
from trailguard.link.names import stated_names
from trailguard.link.signals import network_hits
from trailguard.model import Assessment, Entity, Hit, Network

PHONE = "+16175550123"


def make(
    item_id: str,
    text: str,
    ids: list[tuple[str, object]] | None = None,
    *,
    place: str | None = "Boston, MA",
    when: str | None = "2024-05-01T10:00:00Z",
    hits: list[Hit] | None = None,
    kind: str = "ad",
    band: str = "low",
    score: float = 0.0,
) -> Assessment:
    ents = [Entity(t, v, str(v), 0, 0) for t, v in ids or []]
    return Assessment(
        item_id, kind, ents, hits or [], score, band, when, place, "board.example", None, text, []
    )


def random_words(rng: random.Random, n: int) -> str:
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(n))


def test_prolific_posters_own_number_is_not_a_hub() -> None:
    """150 ads under one number and nothing else in common: one network, the phone merged, not a hub."""
    rng = random.Random(3)
    items = [make(f"p{i:03d}", random_words(rng, 30), [("phone", PHONE)]) for i in range(150)]
    nets = link_assessments(items)
    assert len(nets) == 1 and len(nets[0].items) == 150
    (reason,) = [r for r in nets[0].reasons if r.kind == "shared_phone"]
    assert reason.merged and "hub" not in reason.detail


def _signature(nets: list[Network]) -> list[tuple[object, ...]]:
    return sorted(
        (
            n.id,
            tuple(n.items),
            n.score,
            n.band,
            tuple((r.kind, r.value, tuple(r.items), r.merged) for r in n.reasons),
            tuple(str(t["template"]) for t in n.templates),
            tuple(h.explanation for h in n.hits),
        )
        for n in nets
    )


def test_input_order_does_not_change_networks() -> None:
    records = list(iter_records(1500, 7))
    assessments = [to_assessment(r) for r in records]
    shuffled = assessments[:]
    random.Random(1).shuffle(shuffled)
    first = _signature(link_assessments(assessments))
    assert first and first == _signature(link_assessments(shuffled))
    assert first == _signature(link_assessments(list(reversed(assessments))))


def test_hostile_long_repetitive_texts_stay_fast() -> None:
    """Ten 4,000-token texts from a three-word alphabet (difflib's worst case): alignment is bounded."""
    items = []
    for d in range(10):
        rng = random.Random(d)
        words = [rng.choice(["alpha", "beta", "gamma"]) for _ in range(4000)]
        items.append(make(f"h{d}", " ".join(words) + f" unique{d}"))
    start = time.perf_counter()
    nets = link_assessments(items)
    elapsed = time.perf_counter() - start
    assert elapsed < 4.0, elapsed  # 13.9 s before alignment was capped
    assert len({i for n in nets for i in n.items}) == sum(len(n.items) for n in nets)


def test_duplicate_item_ids_are_read_once() -> None:
    items = [make("a", "one", [("phone", PHONE)]), make("a", "two", [("phone", PHONE)])]
    items.append(make("b", "three", [("phone", PHONE)]))
    (net,) = link_assessments(items)
    assert net.items == ["a", "b"]
    assert all(len(r.items) == len(set(r.items)) for r in net.reasons)


def test_network_ids_do_not_collide_on_separators() -> None:
    assert _network_id(["a\nb", "c"]) != _network_id(["a", "b\nc"])


def test_network_band_is_at_least_its_worst_item() -> None:
    floor = Hit("chat.minor_age", "age", 0.1, "B", [], "stated age under 18", "src")
    items = [
        make("c1", "hi there", [("phone", PHONE)], kind="chat", hits=[floor], band="high", score=0.55),
        make("c2", "hello again", [("phone", PHONE)]),
    ]
    (net,) = link_assessments(items)
    assert net.band == "high" and net.score >= 0.55
    lifted = [h for h in net.hits if h.indicator == "link.member_band"]
    assert lifted and "c1" in lifted[0].explanation


def test_stated_names_ignore_ordinary_capitalised_words() -> None:
    text = "Call me Tonight. Ask for Details. This is Friday special. Meet Rose, I'm Jade."
    assert stated_names(text) == ["Rose", "Jade"]
    assert stated_names("Ask for Specials. Call me Anytime. Meet Monday") == []


def test_circuit_normalises_place_spellings_and_skips_undated() -> None:
    same_city = ["Boston, MA", "boston", "Boston MA "]
    items = [
        make(f"m{i}", "hello", [("phone", PHONE)], place=p, when=f"2024-05-0{i + 1}T10:00:00Z")
        for i, p in enumerate(same_city)
    ]
    items.append(make("u", "hello", [("phone", PHONE)], place="Denver, CO", when=None))
    (net,) = link_assessments(items)
    assert not any(h.indicator == "link.multi_city_circuit" for h in net.hits)
    assert len(net.places) == 1 and net.places[0]["items"] == 3
    assert not network_hits({}, {}, ["Boston", "Boston"], [])
