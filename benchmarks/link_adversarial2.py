"""A second planted-network corpus for tuning the link stage, with issue 9's phenomena in other forms.

The link stage is tuned on this, on benchmarks/link_adversarial.py and on the demo corpus together, never on
one alone. What differs from the first generator: other stock phrases and hub lines, other obfuscations
(digits between dots, "ph:", spelled digits in capitals, a leading +1), groups of uniform size 2-40 whose
ads give two of their numbers at once or a group handle beside a number, hubs of every kind (a screening
handle, a booking e-mail, an escrow phone line and a rules URL, each quoted beside many posters' own
contacts), agencies with a shared booker phone (each agency its own group: the booker is a hub), popular
ads copied by 4-9 posters who give handles rather than numbers, copied job scripts whose recruiters give
e-mails, one poster with single-use numbers who always states the same name, and number-only groups.
Writes items and the plant as JSON Lines like the first generator.

    python benchmarks/link_adversarial2.py --n 5000 --seed 1 --items items.jsonl --truth truth.jsonl
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from link_adversarial import Plan, fill, item
from trailguard.demo.corpus import pools

STOCK = (
    "Fresh face",
    "Upscale and classy",
    "Call or text anytime",
    "Hygiene a must",
    "Ask about specials",
    "Weekends too",
    "Start this week",
    "Cash paid weekly",
    "Friendly staff",
)
HUB_LINES = (
    "Verify with @verify_desk before booking",
    "Bookings handled by reservations@bookings.example.org",
    "Deposits through our escrow line {escrow}",
    "Read the rules at https://rules.board.example/faq first",
)
AD_LINES = (
    "hello gentlemen, {name} is back in {city} for you",
    "{adj} vibes only, {age} and ready near the {place}",
    "my {noun} is the best in {city}, {adj2} and sweet",
    "I'm {name}, your {adj} treat this week",
    "{name} here, visiting {city}, {adj} and {adj2}",
    "relax by the {place} with a {adj2} {noun}",
    "no games, just {adj} company, {age} years young",
)
JOB_LINES = (
    "overseas {title} jobs with {employer} in {abroad}",
    "earn {pay} monthly, flights and {noun} covered",
    "ladies {age} and over, no papers needed, we arrange visa",
    "hand your documents to our coordinator on arrival",
    "limited places, apply with our {adj} office",
)
FRESH = (
    "{adj} evening plans in {city}",
    "just arrived near the {place}",
    "{age}, {adj2}, and easy to talk to",
    "message me for a {adj} {noun}",
    "short stay in {city}, {adj2} company",
)
SPELL = ("ZERO", "one", "TWO", "three", "FOUR", "five", "SIX", "seven", "EIGHT", "nine")


def render2(rng: random.Random, number: str) -> str:
    """A number as this generator's posters hide it: other styles than the first generator's."""
    a, b, c = number[:3], number[3:6], number[6:]
    style = rng.randrange(6)
    if style == 0:
        return ".".join(number)
    if style == 1:
        return f"ph: {a} {b} {c}"
    if style == 2:
        return " ".join(SPELL[int(d)] for d in number)
    if style == 3:
        return f"+1 {a} {b} {c}"
    if style == 4:
        return f"{a}/{b}/{c}"
    return f"({a}){b}-{c}"


def extras(rng: random.Random, escrow: str) -> str:
    out = [s + "." for s in rng.sample(STOCK, rng.randint(1, 3))]
    for line in HUB_LINES:
        if rng.random() < 0.04:
            out.append(line.format(escrow=render2(rng, escrow)) + ".")
    return " ".join(out)


def _template(rng: random.Random, kind: str) -> list[str]:
    lines = rng.sample(AD_LINES if kind == "ad" else JOB_LINES, 3)
    p = pools()
    return [f"{rng.choice(p['nouns'])} {rng.choice(p['adjectives'])}, {line}" for line in lines]


def _posts(plan: Plan, escrow: str) -> Iterator[tuple[str, str, str]]:
    rng, p = plan.rng, plan.p
    r = rng.random()
    if r < 0.35:  # an ordinary group: two numbers given together, a handle beside one, a circuit
        kind = "ad" if rng.random() < 0.75 else "job"
        numbers = [plan.contact(f"g{plan.rng.getrandbits(40):x}") for _ in range(rng.randint(1, 2))]
        handle = f"@grp_{rng.getrandbits(24):06x}"
        names = rng.sample(p["names"], rng.randint(1, 2))
        circuit = rng.sample(p["cities"], rng.randint(2, 5))
        tpl = _template(rng, kind)
        number_only = rng.random() < 0.15
        gid = f"grp-{rng.getrandbits(40):010x}"
        for _ in range(rng.randint(2, 40)):
            slots = {**plan.vocab(), "name": rng.choice(names), "age": 23, "city": rng.choice(circuit)}
            if number_only or rng.random() < 0.15:
                body = fill(rng, rng.sample(FRESH, 2), slots) + f" Reach {render2(rng, numbers[0])}."
            elif rng.random() < 0.15:
                body = fill(rng, tpl, slots)
            else:
                shown = " or ".join(render2(rng, n) for n in numbers)
                body = fill(rng, tpl, slots) + f" Ring {shown}."
                if rng.random() < 0.4:
                    body += f" DM {handle}."
            yield kind, body + " " + extras(rng, escrow), gid
    elif r < 0.5:  # a popular ad copied by 4-9 posters, each with their own handle and name
        ad, fixed = _template(rng, "ad"), plan.vocab()
        for _ in range(rng.randint(4, 9)):
            handle = f"@cp_{rng.getrandbits(24):06x}"
            name = rng.choice(p["names"])
            gid = f"cop-{rng.getrandbits(40):010x}"
            for _ in range(rng.randint(1, 3)):
                slots = {**fixed, "name": name, "age": rng.randint(21, 35), "city": rng.choice(p["cities"])}
                yield "ad", fill(rng, ad, slots) + f" Snap {handle}. " + extras(rng, escrow), gid
    elif r < 0.62:  # a copied job script, each recruiter with their own e-mail
        script, fixed = _template(rng, "job"), plan.vocab()
        for _ in range(rng.randint(5, 12)):
            mail = f"hr.{rng.getrandbits(24):06x}@agency.example"
            gid = f"rec-{rng.getrandbits(40):010x}"
            for _ in range(rng.randint(1, 2)):
                slots = {**fixed, "age": 19, "city": rng.choice(p["cities"])}
                yield "job", fill(rng, script, slots) + f" Apply: {mail}. " + extras(rng, escrow), gid
    elif r < 0.72:  # one poster, a new number every ad, always the same stated name
        tpl = [*_template(rng, "ad"), "I'm {name}, message me"]
        name = rng.choice(p["names"])
        gid = f"one-{rng.getrandbits(40):010x}"
        for _ in range(rng.randint(3, 12)):
            slots = {
                **plan.vocab(),
                "name": name,
                "age": rng.randint(22, 24),
                "city": rng.choice(p["cities"]),
            }
            body = fill(rng, tpl, slots) + f" Today's line {render2(rng, plan.contact('s'))}."
            yield "ad", body + " " + extras(rng, escrow), gid
    else:  # 2-4 agencies with their own numbers and wording, one booker phone beside them
        booker = plan.contact(f"b{plan.rng.getrandbits(40):x}")
        for _ in range(rng.randint(2, 4)):
            own, tpl = plan.contact(f"a{plan.rng.getrandbits(40):x}"), _template(rng, "ad")
            gid = f"agy-{rng.getrandbits(40):010x}"
            for _ in range(rng.randint(3, 8)):
                slots = {
                    **plan.vocab(),
                    "name": rng.choice(p["names"]),
                    "age": 25,
                    "city": rng.choice(p["cities"]),
                }
                body = fill(rng, tpl, slots) + f" Office {render2(rng, own)}."
                if rng.random() < 0.5:
                    body += f" Central booking {render2(rng, booker)}."
                yield "ad", body + " " + extras(rng, escrow), gid


def _single(plan: Plan, escrow: str) -> tuple[str, str]:
    rng, p = plan.rng, plan.p
    kind = "ad" if rng.random() < 0.6 else "job"
    slots = {
        **plan.vocab(),
        "name": rng.choice(p["names"]),
        "age": rng.randint(21, 50),
        "city": rng.choice(p["cities"]),
    }
    pool = list(FRESH) if kind == "ad" else list(p["jobs"])
    defaults = {"employer": rng.choice(p["employers"]), "title": rng.choice(p["job_titles"])}
    body = fill(rng, rng.sample(pool, 2), {**slots, **defaults})
    contact = plan.contact(f"x{plan.rng.getrandbits(40):x}")
    shown = contact if "@" in contact else render2(rng, contact)
    return kind, f"{body} Contact {shown}. {extras(rng, escrow)}"


def generate(n: int, seed: int) -> Iterator[tuple[dict[str, Any], str | None]]:
    """(item, group or None), n of them: 40% planted, the rest single posters."""
    plan = Plan(n, seed + 10_000)
    rng = plan.rng
    escrow = plan.contact(f"e{plan.rng.getrandbits(40):x}")
    planted: list[tuple[str, str, str | None]] = []
    while len(planted) < n * 0.4:
        planted.extend(_posts(plan, escrow))
    planted = planted[: int(n * 0.4)]
    rows = planted + [(*_single(plan, escrow), None) for _ in range(n - len(planted))]
    rng.shuffle(rows)
    for idx, (kind, body, group) in enumerate(rows):
        it = item(plan, idx, kind, rng.choice(plan.p["cities"]), body)
        it["id"] = f"adv2-{seed}-{idx:07d}"
        yield it, group


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--items", type=Path, required=True)
    ap.add_argument("--truth", type=Path, required=True)
    a = ap.parse_args()
    with a.items.open("wb") as fi, a.truth.open("wb") as ft:
        for it, group in generate(a.n, a.seed):
            fi.write(orjson.dumps(it) + b"\n")
            if group is not None:
                ft.write(orjson.dumps({"id": it["id"], "group": group}) + b"\n")


if __name__ == "__main__":
    main()
