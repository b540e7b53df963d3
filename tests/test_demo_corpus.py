"""The synthetic corpus: deterministic, fictional identifiers only, and it plants what linking must face."""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.demo.corpus import HUBS, generate, iter_items, iter_records, to_assessment
from trailguard.model import Item

FICTIONAL_PHONE = re.compile(r"^\+1\d{3}55501\d\d$")
EXAMPLE_EMAIL = re.compile(r"@([a-z0-9-]+\.)*(example\.(com|org)|[a-z0-9-]+\.example)$")


def test_same_seed_same_corpus_and_streaming_matches() -> None:
    a = generate(600, 3)
    b = generate(600, 3)
    assert a.items == b.items and a.truth == b.truth
    assert list(iter_items(600, 3)) == a.items
    assert generate(600, 4).items != a.items


@given(st.integers(min_value=0, max_value=2**31), st.integers(min_value=1, max_value=400))
@settings(max_examples=15, deadline=None)
def test_identifiers_are_fictional_and_written_in_the_text(seed: int, n: int) -> None:
    corpus = generate(n, seed)
    for item in corpus.items:
        parsed = Item.from_dict(item)
        assert parsed.kind in ("ad", "job", "profile", "post")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["posted_at"])
        assert re.fullmatch(r"[A-Za-z. ]+, [A-Z]{2}", item["location"])
        doc = parsed.document()
        for e in corpus.entities[item["id"]]:
            assert e["raw"] in doc
            if e["type"] == "phone":
                assert FICTIONAL_PHONE.match(e["value"]) or e["value"] == "+18885550199"
            elif e["type"] == "email":
                assert EXAMPLE_EMAIL.search(e["value"])
            elif e["type"] in ("handle", "payment"):
                assert ":demo" in e["value"] or ":$demo" in e["value"]


def test_plant_has_the_hard_cases() -> None:
    corpus = generate(4000, 7)
    members = [i for i in corpus.items if i["id"] in corpus.truth]
    ident = {"phone", "email", "handle", "payment"}
    no_id = [i for i in members if not {e["type"] for e in corpus.entities[i["id"]]} & ident]
    assert len(no_id) >= 0.08 * len(members)  # template-only members
    obfuscated = [e for es in corpus.entities.values() for e in es if e.get("obfuscated")]
    assert any(re.search(r"[a-z]", e["raw"]) for e in obfuscated)  # digits written in words/look-alikes
    hub_values = {v for _, v, _ in HUBS}
    hub_counts = Counter(
        e["value"] for es in corpus.entities.values() for e in es if e["value"] in hub_values
    )
    assert all(c > 60 for c in hub_counts.values()) and len(hub_counts) == 3
    sizes = Counter(corpus.truth.values())
    assert len(sizes) > 50 and max(sizes.values()) >= 30
    benign = len(corpus.items) - len(members)
    assert benign > 0.7 * len(corpus.items)
    # groups move: most sizeable groups post from several cities
    places: dict[str, set[str]] = {}
    for item in members:
        places.setdefault(corpus.truth[item["id"]], set()).add(item["location"])
    movers = [g for g, s in sizes.items() if s >= 10 and len(places[g]) >= 2]
    assert len(movers) >= 0.7 * sum(1 for s in sizes.values() if s >= 10)


def test_stream_of_a_million_starts_without_materialising() -> None:
    first = list(islice(iter_records(1_000_000, 1), 50))
    assert len(first) == 50 and first[0].item["id"] == "demo-1-0000000"
    a = to_assessment(first[0])
    assert a.item_id == first[0].item["id"] and a.text.startswith(first[0].item["title"])
    for e in a.entities:
        assert a.text[e.start : e.end] == e.raw
