"""Issue 9: shared evidence is weighed by how many posters carry it; hubs and copied scripts never merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from trailguard.link import LinkConfig, link
from trailguard.link.config import load_overrides
from trailguard.model import Assessment, Entity

SCRIPT = (
    "Hotel in Dubai needs waitresses, flights and visa paid by our agency. We keep your passport safe during "
    "the contract, salary repaid after arrival, housing shared with other girls near the marina quietly."
)


def make(item_id: str, text: str, ids: list[tuple[str, str]], place: str = "Boston, MA") -> Assessment:
    ents = [Entity(t, v, v, 0, 0) for t, v in ids]
    return Assessment(item_id, "job", ents, [], 0.0, "low", "2024-05-01T10:00:00Z", place, "jobs.example", None,
                      text, [])  # fmt: skip


def words(seed: int, n: int = 16) -> str:
    """Unrelated wording per item (letters only)."""
    out = []
    x = seed * 7919 + 17
    for _ in range(n):
        w = ""
        for _ in range(5):
            x, r = divmod(x * 31 + 7, 26)
            w += chr(97 + r)
        out.append(w)
    return " ".join(out)


def test_a_copied_script_is_a_fact_not_a_group() -> None:
    # Six recruiters copy one job-lure text word for word, each posting twice with their own number.
    items = [
        make(f"r{r}-{k}", f"{SCRIPT} Ref {words(r * 10 + k, 3)}.", [("phone", f"+1617555{100 + r:04d}")])
        for r in range(6)
        for k in range(2)
    ]
    result = link(items)
    assert sorted(n.items for n in result.networks) == [[f"r{r}-0", f"r{r}-1"] for r in range(6)]
    [script] = [h for h in result.hubs if h.type == "template"]
    assert script.items == 12 and "copied script" in script.reason and "6 posters" in script.reason
    for net in result.networks:
        [tpl] = [r for r in net.reasons if r.kind == "template"]
        assert (
            tpl.merged is False
            and tpl.detail["posters"] == 6
            and tpl.detail["strength"] == pytest.approx(0.167)
        )
        assert net.templates[0]["copied_script"] is True


def test_a_groups_own_number_across_cities_and_wordings_links() -> None:
    # One number on all of a group's ads: four cities, two unrelated wordings plus fresh text. Before issue 9
    # it was judged a hub ("bridges ... otherwise separate groups") and the group fell apart.
    phone = ("phone", "+13125550142")
    cities = ["Reno, NV", "Boise, ID", "Omaha, NE", "Tucson, AZ"]
    a = "Sweet Jade here visiting your city, private suite near the airport, velvet lantern orchard mint tonight"
    b = "New girl Lily arrived this week, quiet harbour apartment, amber meadow copper violet specials daily"
    items = [make(f"a{i}", f"{a} {words(i, 2)}", [phone], cities[i % 4]) for i in range(8)]
    items += [make(f"b{i}", f"{b} {words(50 + i, 2)}", [phone], cities[(i + 1) % 4]) for i in range(8)]
    items += [make(f"f{i}", words(100 + i), [phone], cities[i % 4]) for i in range(6)]
    result = link(items)
    [net] = result.networks
    assert len(net.items) == 22 and result.hubs == []
    [reason] = [r for r in net.reasons if r.kind == "shared_phone"]
    assert reason.merged and reason.detail == {"posters": 0, "strength": 1.0}


def test_an_identifier_quoted_by_posters_with_their_own_contacts_is_a_hub() -> None:
    hotline = ("email", "verify@screening.example")
    items = []
    for p in range(5):  # five posters, each two ads under their own number, all quoting the screening line
        own = ("phone", f"+1212555{110 + p:04d}")
        items += [make(f"p{p}-{k}", words(p * 10 + k), [own, hotline]) for k in range(2)]
    result = link(items)
    assert sorted(n.items for n in result.networks) == [[f"p{p}-0", f"p{p}-1"] for p in range(5)]
    [hub] = result.hubs
    assert (hub.type, hub.value, hub.items) == ("email", "verify@screening.example", 10)
    assert "5 posters who each bring their own contacts" in hub.reason
    # The operator can say otherwise: then it links, with its strength shown.
    [merged] = link(items, LinkConfig(always_merge=frozenset({"email:verify@screening.example"}))).networks
    assert len(merged.items) == 10
    [reason] = [r for r in merged.reasons if r.kind == "shared_email"]
    assert reason.merged and reason.detail["posters"] == 5 and reason.detail["strength"] == 0.2


def test_a_template_can_be_forced_to_a_script_or_back(tmp_path: Path) -> None:
    items = [
        make(f"r{r}-{k}", f"{SCRIPT} Ref {words(r * 10 + k, 3)}.", [("phone", f"+1617555{100 + r:04d}")])
        for r in range(6)
        for k in range(2)
    ]
    [script] = [h for h in link(items).hubs if h.type == "template"]
    overrides = tmp_path / "overrides.txt"
    overrides.write_text(f"# the operator knows this is one agency\nlink template:{script.value}\n")
    cfg = load_overrides(overrides, LinkConfig())
    [net] = link(items, cfg).networks
    assert len(net.items) == 12
    overrides.write_text("hub email:help@site.example\nlink phone:+16175550100\n")
    cfg = load_overrides(overrides, cfg)
    assert "email:help@site.example" in cfg.never_merge and "phone:+16175550100" in cfg.always_merge
    overrides.write_text("merge phone:+16175550100\n")
    with pytest.raises(ValueError, match=r"overrides.txt:1: expected"):
        load_overrides(overrides, cfg)


def test_exports_and_report_show_each_links_strength(tmp_path: Path) -> None:
    from trailguard.link.export import link_rows, to_graph

    items = [
        make(f"r{r}-{k}", f"{SCRIPT} Ref {words(r * 10 + k, 3)}.", [("phone", f"+1617555{100 + r:04d}")])
        for r in range(6)
        for k in range(2)
    ]
    nets = link(items).networks
    rows = list(link_rows(nets))
    assert any(r[5] == "template_hub" and "copied script" in r[6] and "6 posters" in r[6] for r in rows)
    assert any(r[5] == "shared_phone" and "strength 1.0" in r[6] for r in rows)
    edges = [d for _, _, d in to_graph(nets).edges(data=True) if d["kind"] == "template"]
    assert edges and all(d["strength"] == pytest.approx(0.167) and d["merged"] is False for d in edges)
