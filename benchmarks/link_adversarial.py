"""An adversarial planted-network corpus: the phenomena of issue 9 that the demo generator lacked.

Written for the link stage's own measurement (its knobs were set on it, so it is a *tuned* corpus, not a
held-out one). Writes items as JSON Lines (the input contract) and the plant as JSON Lines
`{"id": ..., "group": ...}`; items not in the plant are singletons. What it plants, per share of items:

- groups posting from their own template with 1-3 numbers in changing obfuscations, moving between cities;
  some ads template-only (no number), some number-only (fresh wording), some freshly worded and never
  sharing text at all (number-only groups);
- copied job-lure scripts: many recruiters copy one text word for word, each with their own number
  (each recruiter is its own group of 1-3 posts);
- a popular ad copied by several posters, each with their own number and names (each poster its own group);
- one poster with many single-use numbers but the same names and template (one group);
- agencies sharing a booker's number: 2-3 agencies with their own numbers and wording, many ads also giving
  the booker's (each agency its own group: the booker is a hub, quoted beside several agencies' own
  numbers; issue 9 asks that it be listed as a fact, not merged through. Until then the plant made the
  agencies one group);
- everywhere: the genre's stock phrases; a screening line and a site e-mail quoted across groups and singles.

Numbers are fictional: +1 NPA 555-01xx, each handed out once (then e-mail on example.com).

    python benchmarks/link_adversarial.py --n 5000 --seed 1 --items items.jsonl --truth truth.jsonl
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from trailguard.demo.corpus import pools

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
LOOK = {"0": "O", "1": "l", "5": "S", "8": "B", "9": "g", "2": "Z"}
STOCK = (
    "New in town",
    "100% real pics",
    "No rush",
    "Available 24/7",
    "Satisfaction guaranteed",
    "Serious inquiries only",
    "Outcall and incall",
    "Discreet and clean",
    "Apply today",
    "No experience needed",
)
SCREENING = "Screening required, verify first at verify@screening.example"
SITE = "Questions about this board: support@board.example"
AD_LINES = (
    "{name} here, {age}, visiting {city} for a few days",
    "sweet and {adj}, the {adj2} {noun} you were looking for",
    "private {noun} near the {place}, quiet and clean",
    "ask about my {adj} {noun} special tonight",
    "only {age} and new to {city}, real and {adj}",
    "come see me by the {place}, {adj2} and relaxed",
    "I'm {name}, {adj} and {adj2}, no games",
    "my {noun} is {adj}, just like me",
)
JOB_LINES = (
    "{employer} needs girls for {title} work in {abroad}",
    "salary {pay} dollars a week, housing and {noun} provided",
    "we pay your ticket to {abroad}, you repay from salary",
    "bring your passport, our agent keeps it safe",
    "young ladies {age} to 25 only, no experience",
    "contact our {adj} recruiter today, places are few",
)
FRESH = (
    "{adj} company wanted in {city} this weekend",
    "I'm {name} and I love my {noun}",
    "looking for a {adj2} gentleman near the {place}",
    "just {age} and easy going",
    "{city} visit, short notice, {adj} fun",
    "treat yourself, {adj} and {adj2}",
)
PLACES = ("airport", "station", "river", "mall", "stadium", "harbour", "park", "university")


class Plan:
    def __init__(self, n: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.p = pools()
        self.n = n
        self.next_phone = 0
        self.seed = seed

    def phone(self) -> str | None:
        codes = self.p["area_codes"]
        k = self.next_phone
        self.next_phone += 1
        if k >= len(codes) * 100:
            return None
        return f"{codes[k % len(codes)]}55501{k // len(codes):02d}"

    def contact(self, tag: str) -> str:
        """A new poster contact: a fictional number while the pool lasts, else an e-mail."""
        return self.phone() or f"demo.{tag}@example.com"

    def vocab(self) -> dict[str, Any]:
        rng, p = self.rng, self.p
        return {
            "adj": rng.choice(p["adjectives"]),
            "adj2": rng.choice(p["adjectives"]),
            "noun": rng.choice(p["nouns"]),
            "place": rng.choice(PLACES),
            "employer": rng.choice(p["employers_abroad"]),
            "title": rng.choice(p["titles_abroad"]),
            "abroad": rng.choice(p["abroad"]),
            "pay": rng.randrange(600, 2000, 100),
        }


def render(rng: random.Random, contact: str) -> str:
    """A contact as posters write it: plain, spaced, spelled, with look-alike letters glued on."""
    if "@" in contact:
        return contact
    a, b, c = contact[:3], contact[3:6], contact[6:]
    style = rng.randrange(8)
    if style == 0:
        return f"({a}) {b}-{c}"
    if style == 1:
        return f"{a}.{b}.{c}"
    if style == 2:
        return f"{a} {b} {c}"
    if style == 3:
        return " ".join(contact)
    if style == 4:
        return " ".join(WORDS[int(d)] for d in contact)
    if style == 5:  # words and digits glued: "six1seven 555 o1two3"
        return " ".join("".join(WORDS[int(d)] if rng.random() < 0.4 else d for d in g) for g in (a, b, c))
    if style == 6:  # look-alike letters in the digits
        return "-".join("".join(LOOK.get(d, d) if rng.random() < 0.4 else d for d in g) for g in (a, b, c))
    return f"{a}-{b}-{c}"


class _Slots(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return key  # a pool line's slot this generator does not fill reads as its name


def fill(rng: random.Random, lines: list[str], slots: dict[str, Any]) -> str:
    text = ". ".join(line.format_map(_Slots(slots)) for line in lines)
    return text[:1].upper() + text[1:] + "."


def extras(rng: random.Random) -> str:
    out = [s + "." for s in rng.sample(STOCK, rng.randint(1, 3))]
    if rng.random() < 0.08:
        out.append(SCREENING + ".")
    if rng.random() < 0.05:
        out.append(SITE + ".")
    return " ".join(out)


def item(plan: Plan, idx: int, kind: str, city: str, body: str) -> dict[str, Any]:
    day = plan.rng.randrange(300)
    return {
        "id": f"adv-{plan.seed}-{idx:07d}",
        "kind": kind,
        "platform": "board.example" if kind == "ad" else "jobs.example",
        "posted_at": f"2024-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T12:00:00Z",
        "title": body.split(".")[0][:60],
        "text": body,
        "location": city,
    }


def _template(rng: random.Random, kind: str) -> list[str]:
    pool = AD_LINES if kind == "ad" else JOB_LINES
    lines = rng.sample(pool, 3)
    # a group-specific flourish per line: groups share genre lines, not whole templates
    return [f"{line} {rng.choice(pools()['adjectives'])} {rng.choice(pools()['nouns'])}" for line in lines]


def _posts(plan: Plan, size: int) -> Iterator[tuple[str, str, str | None]]:
    """(kind, body, group) for a batch of planted posts; singles fill the rest of the corpus."""
    rng, p = plan.rng, plan.p
    r = rng.random()
    if r < 0.30:  # an ordinary group: own template, own numbers, a circuit
        kind = "ad" if rng.random() < 0.8 else "job"
        numbers = [plan.contact(f"g{rng.getrandbits(32):x}") for _ in range(rng.randint(1, 3))]
        names = rng.sample(p["names"], rng.randint(1, 3))
        ages = rng.sample(range(19, 30), rng.randint(1, 2))
        circuit = rng.sample(p["cities"], rng.randint(1, 4))
        tpl = _template(rng, kind)
        never_text = rng.random() < 0.15
        gid = f"grp-{rng.getrandbits(40):010x}"
        for _ in range(size):
            city = rng.choice(circuit)
            slots = {**plan.vocab(), "name": rng.choice(names), "age": rng.choice(ages), "city": city}
            role = rng.random()
            if never_text or 0.15 <= role < 0.35:  # number-only: fresh wording
                body = fill(rng, rng.sample(FRESH, 3), slots) + f" Call {render(rng, numbers[0])}."
            elif role < 0.15:  # template-only
                body = fill(rng, tpl, slots)
            else:
                body = fill(rng, tpl, slots) + f" Text {render(rng, rng.choice(numbers))}."
            yield kind, body + " " + extras(rng), gid
    elif r < 0.45:  # a copied job-lure script: each recruiter is their own group
        script = _template(rng, "job")
        fixed = plan.vocab()
        for _ in range(max(4, size)):
            own = plan.contact(f"r{rng.getrandbits(32):x}")
            gid = f"rec-{rng.getrandbits(40):010x}"
            for _ in range(rng.randint(1, 3)):
                slots = {**fixed, "name": rng.choice(p["names"]), "age": 18, "city": rng.choice(p["cities"])}
                yield "job", fill(rng, script, slots) + f" WhatsApp {render(rng, own)}. " + extras(rng), gid
    elif r < 0.55:  # a popular ad copied by several posters, each with own number and names
        ad = _template(rng, "ad")
        fixed = plan.vocab()
        for _ in range(rng.randint(3, 6)):
            own = plan.contact(f"c{rng.getrandbits(32):x}")
            name = rng.choice(p["names"])
            gid = f"cop-{rng.getrandbits(40):010x}"
            for _ in range(rng.randint(1, 4)):
                slots = {**fixed, "name": name, "age": rng.randint(20, 30), "city": rng.choice(p["cities"])}
                yield "ad", fill(rng, ad, slots) + f" Call {render(rng, own)}. " + extras(rng), gid
    elif r < 0.65:  # one poster, single-use numbers, same names and template
        tpl = _template(rng, "ad")
        names = rng.sample(p["names"], rng.randint(1, 2))
        gid = f"one-{rng.getrandbits(40):010x}"
        for _ in range(max(3, size)):
            slots = {**plan.vocab(), "name": rng.choice(names), "age": 22, "city": rng.choice(p["cities"])}
            num = plan.contact(f"s{rng.getrandbits(32):x}")
            yield "ad", fill(rng, tpl, slots) + f" New number {render(rng, num)}. " + extras(rng), gid
    else:  # agencies sharing a booker's number: each agency its own group, the booker a hub
        booker = plan.contact(f"b{rng.getrandbits(32):x}")
        for _ in range(rng.randint(2, 3)):
            gid = f"agy-{rng.getrandbits(40):010x}"
            own = plan.contact(f"a{rng.getrandbits(32):x}")
            tpl = _template(rng, "ad")
            for _ in range(rng.randint(3, 6)):
                slots = {
                    **plan.vocab(),
                    "name": rng.choice(p["names"]),
                    "age": 24,
                    "city": rng.choice(p["cities"]),
                }
                body = fill(rng, tpl, slots) + f" Agency line {render(rng, own)}."
                if rng.random() < 0.6:
                    body += f" Bookings {render(rng, booker)}."
                yield "ad", body + " " + extras(rng), gid


def _single(plan: Plan) -> tuple[str, str]:
    rng, p = plan.rng, plan.p
    kind = "ad" if rng.random() < 0.6 else "job"
    slots = {
        **plan.vocab(),
        "name": rng.choice(p["names"]),
        "age": rng.randint(21, 50),
        "city": rng.choice(p["cities"]),
    }
    pool = FRESH if kind == "ad" else p["jobs"]
    defaults = {"employer": rng.choice(p["employers"]), "title": rng.choice(p["job_titles"])}
    body = fill(rng, rng.sample(list(pool), 3), {**slots, **defaults})
    return kind, f"{body} Reach me {render(rng, plan.contact(f'x{rng.getrandbits(32):x}'))}. {extras(rng)}"


def generate(n: int, seed: int) -> Iterator[tuple[dict[str, Any], str | None]]:
    """(item, group or None), n of them: planted batches spread at random through singles."""
    plan = Plan(n, seed)
    rng = plan.rng
    planted: list[tuple[str, str, str | None]] = []
    while len(planted) < n * 0.35:
        planted.extend(_posts(plan, max(2, int(rng.paretovariate(1.6) * 4))))
    planted = planted[: int(n * 0.35)]
    n_single = n - len(planted)
    rows: list[tuple[str, str, str | None]] = planted + [(*_single(plan), None) for _ in range(n_single)]
    rng.shuffle(rows)
    cities = plan.p["cities"]
    for idx, (kind, body, group) in enumerate(rows):
        yield item(plan, idx, kind, rng.choice(cities), body), group


def write(n: int, seed: int, items: Path, truth: Path) -> None:
    with items.open("wb") as fi, truth.open("wb") as ft:
        for it, group in generate(n, seed):
            fi.write(orjson.dumps(it) + b"\n")
            if group is not None:
                ft.write(orjson.dumps({"id": it["id"], "group": group}) + b"\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--items", type=Path, required=True)
    ap.add_argument("--truth", type=Path, required=True)
    a = ap.parse_args()
    write(a.n, a.seed, a.items, a.truth)


if __name__ == "__main__":
    main()
