"""Held-out planted-network corpus: ads and job posts from known operators, with the truth of who posted what.

Written for issue 9 by an evaluator who had not read Trailguard's linker, extractors or demo generator, so that
the linker is measured on data it was not written with. Never tune on it: run it once per change.

    python benchmarks/heldout/network_gen.py --n 5000 --seed 1 --out /tmp/heldout

writes DIR/items.jsonl (Trailguard input items) and DIR/truth.jsonl ({"id", "group", "type"} per item; every
item belongs to exactly one group; an unrelated poster is a group of one). The truth is the operator: the
person or business behind the posts. See README.md in this folder for every phenomenon planted and its truth.

Streaming: a plan of the posters (a few numbers each) and three arrays of one entry per item (poster, post
number, time) are held; every item's text is made on demand from its own seeded generator and written at once,
so memory stays near 200 MB at 1M items (measured: 1M items in about 2.5 minutes on this 2-core machine). Deterministic for a seed (string seeds of random.Random, never hash()).
Standard library and numpy only.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import banks as B
from phones_render import STYLES, Phone, render

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SINGLE_SHARE = 0.18  # items from unrelated one-off posters
GB_SHARE, AU_SHARE = 0.10, 0.07  # of the multi-post operators, while the small fictional ranges last
# Share of the remaining operators by type (after burners, agencies and copied ads are placed).
TYPE_WEIGHTS = {"network": 0.56, "fresh": 0.12, "job_group": 0.13, "recruiter": 0.19}


# ---------------------------------------------------------------------------------------------------------
# Fictional numbers


class PhonePool:
    """Every fictional number, handed out once: US 555-0100..0199 under real area codes, UK 07700 900xxx,
    Australia 0491 570xxx. A poster gets numbers of its home city's area codes while they last."""

    def __init__(self, rng: random.Random) -> None:
        self.by_code: dict[int, list[str]] = {}
        codes = sorted({c for _, cs in B.US_CITIES for c in cs} | set(B.US_OTHER_CODES))
        for code in codes:
            nums = [f"{code}555{k:04d}" for k in range(100, 200)]
            rng.shuffle(nums)
            self.by_code[code] = nums
        self.codes = codes
        self.gb = [f"07700900{k:03d}" for k in range(1000)]
        self.au = [f"0491570{k:03d}" for k in range(1000)]
        rng.shuffle(self.gb)
        rng.shuffle(self.au)

    def left(self, region: str) -> int:
        if region == "GB":
            return len(self.gb)
        if region == "AU":
            return len(self.au)
        return sum(len(v) for v in self.by_code.values())

    def take(self, region: str, rng: random.Random, prefer: list[int] | None = None) -> Phone:
        if region == "GB":
            return Phone("GB", self.gb.pop())
        if region == "AU":
            return Phone("AU", self.au.pop())
        for code in prefer or []:
            if self.by_code[code]:
                return Phone("US", self.by_code[code].pop())
        live = [c for c in self.codes if self.by_code[c]]
        if not live:
            raise SystemExit("network_gen: the fictional US numbers are used up; use a smaller --n")
        return Phone("US", self.by_code[rng.choice(live)].pop())


# ---------------------------------------------------------------------------------------------------------
# The plan: who posts, how often, with which numbers


@dataclass
class Actor:
    """One operator (the truth group): its type, number of posts, numbers, home and start."""

    type: str
    size: int
    region: str
    home: int  # index into the region's city list
    start: float  # days after EPOCH
    phones: list[Phone] = field(default_factory=list)
    booker: Phone | None = None  # operator: the number the agencies share
    agencies: list[list[Phone]] = field(default_factory=list)  # operator: each agency's own numbers
    script: int = -1  # recruiter: which lure script it copies
    original: int = -1  # copier: the actor whose popular ad it copies
    gap: float = 2.0  # mean days between posts


def _cities(region: str) -> list[str]:
    if region == "GB":
        return B.GB_CITIES
    if region == "AU":
        return B.AU_CITIES
    return [c for c, _ in B.US_CITIES]


def _lognormal_size(rng: random.Random, mean: float, lo: int = 2) -> int:
    sigma = 0.8
    return max(lo, round(rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)))


def make_plan(n: int, seed: int) -> tuple[list[Actor], dict[str, Phone], dict[str, int]]:
    """The posters of an n-item corpus. Group sizes grow with n (a longer crawl sees more posts per poster),
    which keeps the fictional number ranges (about 35,000 US numbers) enough for 1M items."""
    rng = random.Random(f"{seed}:plan")
    pool = PhonePool(random.Random(f"{seed}:pool"))
    hubs = {
        "us1": pool.take("US", rng, [212]),
        "us2": pool.take("US", rng, [312]),
        "gb": pool.take("GB", rng),
        "au": pool.take("AU", rng),
    }
    scale = max(1.0, n / 5000)
    grow = scale**0.4
    span = 90.0 * grow
    n_single = round(SINGLE_SHARE * n)
    budget = n - n_single
    actors: list[Actor] = []

    def region_for(kind: str) -> str:
        r = rng.random()
        if r < GB_SHARE and pool.left("GB") > 50:
            return "GB"
        if r < GB_SHARE + AU_SHARE and pool.left("AU") > 50:
            return "AU"
        return "US"

    def new_actor(kind: str, size: int, gap: float = 2.0) -> Actor | None:
        nonlocal budget
        size = min(size, budget)
        if size < 2:
            return None
        region = region_for(kind)
        home = rng.randrange(len(_cities(region)))
        a = Actor(kind, size, region, home, rng.uniform(0, span), gap=gap)
        budget -= size
        actors.append(a)
        return a

    def numbers(a: Actor, k: int) -> list[Phone]:
        prefer = B.US_CITIES[a.home][1] if a.region == "US" else None
        return [pool.take(a.region, rng, prefer) for _ in range(k)]

    # Burners: one poster, a fresh number on every post, the same names, photos and template.
    for _ in range(max(1, round(2 * scale**0.3))):
        a = new_actor("burner", round(rng.randint(10, 30) * grow**0.5), gap=1.0)
        if a:
            a.phones = numbers(a, a.size)
    # Operators running 2-3 agencies that share one booker's number: one operator, one truth group.
    for _ in range(max(1, round(3 * scale**0.4))):
        a = new_actor(
            "operator", round((sum(rng.randint(4, 14) for _ in range(2)) + rng.randint(0, 10)) * grow)
        )
        if a:
            a.agencies = [numbers(a, rng.choice([1, 1, 2])) for _ in range(rng.choice([2, 2, 3]))]
            a.booker = numbers(a, 1)[0]
    # A popular ad and the posters who copy it word for word with their own number: each its own group.
    for _ in range(max(1, round(2 * scale**0.5))):
        orig = new_actor("popular", _lognormal_size(rng, 10 * grow, lo=4))
        if not orig:
            break
        orig.phones = numbers(orig, rng.choice([1, 2]))
        orig_index = len(actors) - 1
        for _ in range(rng.randint(3, 8)):
            c = new_actor("copier", rng.randint(1, 3) + 1)
            if c:
                c.original = orig_index
                c.start = orig.start + rng.uniform(3, 30)  # a copy follows the original
                c.phones = numbers(c, 1)
    # Everyone else.
    kinds = list(TYPE_WEIGHTS)
    weights = [TYPE_WEIGHTS[k] for k in kinds]
    means = {"network": 12 * grow, "fresh": 8 * grow, "job_group": 6 * grow, "recruiter": 3.5 * grow}
    counts = {"network": [1, 2, 3], "fresh": [1, 2, 3], "job_group": [1, 2], "recruiter": [1, 1, 2]}
    while budget >= 2:
        kind = rng.choices(kinds, weights)[0]
        a = new_actor(kind, _lognormal_size(rng, means[kind]))
        if a is None:
            break
        a.phones = numbers(a, rng.choice(counts[kind]))
        if kind == "recruiter":
            a.script = rng.randrange(len(B.LURE_SCRIPTS))
    # Unrelated one-off posters (and a leftover item, if any): a number while the ranges last.
    reserve = 200
    for _ in range(n_single + budget):
        kind = "single_job" if rng.random() < 0.28 else "single_ad"
        region = "GB" if rng.random() < 0.06 else "AU" if rng.random() < 0.05 else "US"
        home = rng.randrange(len(_cities(region)))
        a = Actor(kind, 1, region, home, rng.uniform(0, span + 14))
        if rng.random() < 0.78 and pool.left(region) > reserve:
            prefer = B.US_CITIES[home][1] if region == "US" else None
            a.phones = [pool.take(region, rng, prefer)]
        actors.append(a)
    left = {r: pool.left(r) for r in ("US", "GB", "AU")}
    return actors, hubs, left


# ---------------------------------------------------------------------------------------------------------
# Text


class _Keep(dict[str, str]):
    """format_map helper: fields not given now stay as {field} for the per-post fill."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


AD_PATTERNS = [
    "{emoji} {name} is {adj} and {adj2}, {hook}! {emoji}",
    "Hi gentlemen, I'm {name}, a {adj} {origin} {noun} visiting {city}.",
    "Hello, my name is {name}, {age} years young, {adj} and {adj2}.",
    "Offering {service} and {service2} in a {setting}.",
    "{name} here - {adj} {origin} {noun} with a {adj2} smile.",
    "Available {day} from {time} until {time2}.",
    "My {setting} is {adj} and private, {hook}.",
    "Specials from {price} for new friends.",
    "{price} half hour, {price2} full hour.",
    "I am {age}, a {adj} {noun}, and {hook}.",
    "Looking for a {adj} gentleman to spend time with - {hook}.",
    "Treat yourself to {service} with a {adj} {noun}.",
    "First time in {city}, {hook}.",
    "{emoji}{emoji2} {adj} vibes, {adj2} energy {emoji}",
    "Pamper yourself with my {service}, {hook}.",
    "Let {name} show you {city} - {service} and good conversation.",
    "Ask about my {adj} {service} special.",
    "Only here {day}, so book early.",
    "{adj} {origin} {noun} in {city} for {service}.",
    "Your {adj} escape in {city}: {service}, {hook}.",
    "Gentlemen of {city}, {name} has a {setting} waiting for you.",
    "{hook} {emoji} Just {price} for {service}.",
    "Come relax with a {adj2} {origin} {noun} who loves {service2}.",
    "No two visits are the same with {name}.",
    "I speak English and a little Spanish, {hook}.",
    "Located near downtown {city}, easy parking at my {setting}.",
    "My friends call me {name} because I am always {adj}.",
    "Book a {service2} and stay for a drink.",
    "{emoji} {day} only {emoji} {service} by a {adj} {noun}",
    "I take my time, {hook}, and I love {service2}.",
    "Sorry, no same-day bookings after {time2}.",
    "Text a few minutes before you arrive at my {setting}.",
    "{adj}, {adj2}, and always on time.",
    "Visiting {city} from {origin} country for {day}.",
    "Photos are recent and {adj}, {hook}.",
]
AD_TITLES = [
    "{emoji} {name} - {adj} {origin} {noun} in {city} {emoji}",
    "{adj} {service} by {name} - {city}",
    "NEW {name} {age} {adj} and {adj2}",
    "{city}: {adj} {noun} {name} {emoji}",
    "{emoji}{emoji2} {service} {day} {emoji}",
    "{name} back in {city} - {hook}",
]
CONTACT_LINES = [
    "Call or text {phone}",
    "Text me: {phone}",
    "📱 {phone}",
    "WhatsApp {phone}",
    "Reach me at {phone}",
    "{phone} (text first)",
    "Number: {phone}",
    "Call me ☎ {phone}",
    "Txt {phone} for appointment",
    "Book now {phone}",
]
JOB_PATTERNS = [
    "{company} is hiring {role_pl} for {dest}.",
    "Salary {wage} per month, paid on time.",
    "We help with travel documents and tickets to {dest}.",
    "Looking for {adj} and reliable {role_pl}, age 18 to 35.",
    "Work as a {role} in {dest} with a {adj} team.",
    "Contracts of 3 to 12 months, renewable.",
    "Interviews this week in {city}.",
    "Earn {wage} monthly plus bonus.",
    "Our {role_pl} live in shared apartments close to work.",
    "Ask for {name} when you call.",
]
JOB_TITLES = [
    "{role_pl} needed in {dest} - {wage}/month",
    "Hiring {role_pl} abroad ({dest})",
    "{company}: {role} jobs in {dest}",
    "Work in {dest} as {role} - fast start",
]
JOB_CONTACTS = [
    "WhatsApp {phone}",
    "Call {phone}",
    "Contact {name} {phone}",
    "Viber/WhatsApp: {phone}",
    "Apply: {phone}",
]
HUB_SCREENING = [
    "Verified with SafeCheck screening: {hub} or screening@safecheck.example",
    "Screening through {hub} (SafeCheck) before first visit.",
]
HUB_SITE = ["Report fake ads to safety@{platform}", "Questions about this site? support@{platform}"]
HUB_JOB = [
    "Before you travel, check the employer with the worker helpline {hub}.",
    "Report suspicious offers to safety@{platform}",
]


def _build_fields(rng: random.Random) -> dict[str, str]:
    """Words fixed when a template is written: the poster's wording."""
    adj, adj2 = rng.sample(B.ADJ, 2)
    s1, s2 = rng.sample(B.SERVICES, 2)
    e1, e2 = rng.sample(B.EMOJI, 2)
    return {
        "adj": adj,
        "adj2": adj2,
        "origin": rng.choice(B.ORIGINS),
        "noun": rng.choice(B.NOUNS),
        "service": s1,
        "service2": s2,
        "setting": rng.choice(B.SETTINGS),
        "hook": rng.choice(B.HOOKS),
        "emoji": e1,
        "emoji2": e2,
    }


def _write_template(
    rng: random.Random, patterns: list[str], k: tuple[int, int], fields: dict[str, str]
) -> list[str]:
    chosen = rng.sample(patterns, rng.randint(*k))
    return [p.format_map(_Keep(fields)) for p in chosen]


def _price(rng: random.Random, base: int) -> str:
    amount = base + rng.choice([0, 0, 0, 20, -20, 40])
    return rng.choice([f"${amount}", f"{amount} roses", f"{amount}$", f"${amount}/hr"])


def _letters(i: int) -> str:
    """An actor number as letters, so its own e-mails and handles are unique without digits in them."""
    out = ""
    i += 26 * 26
    while i:
        i, r = divmod(i, 26)
        out = chr(97 + r) + out
    return out


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4 and w.isalpha():
        j = rng.randrange(1, len(w) - 2)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


@dataclass
class Persona:
    """What an actor keeps between posts (made once from the actor's own seed)."""

    names: list[str]
    age: int
    fields: dict[str, str]
    template: list[str]
    title: str
    stock: list[str]
    contacts: list[str]
    styles: list[str]
    days: list[str]
    price: int
    circuit: list[int]
    stint: float
    photos: list[str]
    author: str | None
    email: str | None
    handle: str | None
    platform: str
    job: dict[str, str]
    agencies: list[Persona]


class Generator:
    """Makes every item of a plan on demand."""

    def __init__(self, seed: int, actors: list[Actor], hubs: dict[str, Phone]) -> None:
        self.seed = seed
        self.actors = actors
        self.hubs = hubs
        self.cache: OrderedDict[int, Persona] = OrderedDict()

    # -- personas ---------------------------------------------------------------------------------------

    def persona(self, i: int) -> Persona:
        p = self.cache.get(i)
        if p is not None:
            self.cache.move_to_end(i)
            return p
        p = self._make_persona(i, random.Random(f"{self.seed}:actor:{i}"), self.actors[i])
        self.cache[i] = p
        if len(self.cache) > 20000:
            self.cache.popitem(last=False)
        return p

    def _make_persona(self, i: int, rng: random.Random, a: Actor, agency: int = -1) -> Persona:
        job = a.type in ("job_group", "recruiter", "single_job")
        fields = _build_fields(rng)
        names = rng.sample(B.NAMES, rng.choice([1, 1, 1, 2, 3]))
        cities = _cities(a.region)
        circuit = [a.home]
        if a.type in ("network", "popular", "fresh", "burner", "operator", "job_group"):
            extra = rng.choices([0, 1, 2, 3, 4], [0.3, 0.25, 0.2, 0.15, 0.1])[0]
            others = [c for c in range(len(cities)) if c != a.home]
            circuit += rng.sample(others, min(extra, len(others)))
        suffix = _letters(i) + (_letters(agency) if agency >= 0 else "")
        word = rng.choice(["vip", "rose", "babe", "kiss", "star", "sugar", "honey", "luxe", "sweet"])
        jobf: dict[str, str] = {}
        if job:
            role, role_pl = rng.choice(B.ROLES)
            jobf = {
                "company": f"{rng.choice(B.COMPANY_A)} {rng.choice(B.COMPANY_B)}",
                "role": role,
                "role_pl": role_pl,
                "dest": rng.choice(B.DESTINATIONS),
                "wage": rng.choice(B.WAGES),
            }
            fields = {**fields, **jobf}
            template = _write_template(rng, JOB_PATTERNS, (3, 5), fields)
            title = rng.choice(JOB_TITLES).format_map(_Keep(fields))
            stock = rng.sample(B.JOB_STOCK, rng.randint(2, 4))
            contacts = rng.sample(JOB_CONTACTS, 2)
            platform = rng.choice(B.JOB_PLATFORMS)
        else:
            template = _write_template(rng, AD_PATTERNS, (3, 6), fields)
            title = rng.choice(AD_TITLES).format_map(_Keep(fields))
            stock = rng.sample(B.AD_STOCK, rng.randint(1, 3))
            contacts = rng.sample(CONTACT_LINES, rng.choice([1, 2]))
            platform = rng.choice(B.AD_PLATFORMS)
        if agency >= 0:
            brand = f"{rng.choice(B.AGENCY_A)} {rng.choice(B.AGENCY_B)} {rng.choice(B.AGENCY_C)}"
            template = [f"{brand} welcomes you.", *template]
            title = f"{brand}: " + title
        n_photos = rng.randint(3, 6) if (a.type == "burner" or rng.random() < 0.5) else 0
        day0 = EPOCH + timedelta(days=a.start)
        photos = [
            f"IMG_{(day0 + timedelta(minutes=rng.randint(0, 90000))).strftime('%Y%m%d_%H%M%S')}.jpg"
            for _ in range(n_photos)
        ]
        return Persona(
            names=names,
            age=rng.randint(21, 34),
            fields=fields,
            template=template,
            title=title,
            stock=stock,
            contacts=contacts,
            styles=rng.sample(STYLES, rng.randint(2, 4)),
            days=rng.sample(B.DAYS, 2),
            price=rng.choice([120, 150, 160, 180, 200, 250, 300]),
            circuit=circuit,
            stint=rng.uniform(7, 21),
            photos=photos,
            author=f"{word}{names[0].lower()}{suffix}" if rng.random() < 0.3 else None,
            email=f"{names[0].lower()}.{word}{suffix}@{rng.choice(['mail.example', 'inbox.example.com', 'post.example.net'])}"
            if rng.random() < 0.2
            else None,
            handle=f"{rng.choice(['Snapchat', 'Telegram', 'IG', 'Kik'])}: {names[0].lower()}_{word}_{suffix}"
            if rng.random() < 0.15
            else None,
            platform=platform,
            job=jobf,
            agencies=[
                self._make_persona(i, random.Random(f"{self.seed}:actor:{i}:agency:{k}"), a, k)
                for k in range(len(a.agencies))
            ]
            if agency < 0
            else [],
        )

    # -- posts ------------------------------------------------------------------------------------------

    def _phone_text(self, phone: Phone, p: Persona, rng: random.Random) -> str:
        style = rng.choice(p.styles) if rng.random() < 0.7 else rng.choice(STYLES)
        if rng.random() < 0.3:
            style = "plain"
        return render(phone, style, rng)

    def _fill(self, p: Persona, rng: random.Random, city: str, name: str) -> dict[str, str]:
        t1, t2 = sorted(rng.sample(range(len(B.TIMES)), 2))
        return {
            "name": name,
            "age": str(p.age + (1 if rng.random() < 0.08 else 0)),
            "city": city.split(",")[0],
            "day": rng.choice(p.days),
            "time": B.TIMES[t1],
            "time2": B.TIMES[t2],
            "price": _price(rng, p.price),
            "price2": _price(rng, p.price * 2 - 40),
            **p.fields,
        }

    def _fresh(self, rng: random.Random, fill: dict[str, str], job: bool) -> tuple[str, str]:
        """A freshly worded post: new wording from the genre's patterns, nothing of the poster's template."""
        fresh = {**fill, **_build_fields(rng)}
        if job:
            fresh.update(role=fill.get("role", "hostess"), role_pl=fill.get("role_pl", "hostesses"))
            pats, titles, stock = JOB_PATTERNS, JOB_TITLES, B.JOB_STOCK
        else:
            pats, titles, stock = AD_PATTERNS, AD_TITLES, B.AD_STOCK
        body = [s.format_map(_Keep(fresh)) for s in rng.sample(pats, rng.randint(2, 4))]
        body += rng.sample(stock, rng.randint(1, 3))
        rng.shuffle(body)
        return rng.choice(titles).format_map(_Keep(fresh)), " ".join(body)

    def _templated(self, p: Persona, rng: random.Random, fill: dict[str, str]) -> tuple[str, str]:
        sentences = list(p.template)
        if len(sentences) > 3 and rng.random() < 0.2:
            del sentences[rng.randrange(len(sentences))]
        body = " ".join(s.format_map(_Keep(fill)) for s in sentences)
        body += " " + " ".join(p.stock)
        if rng.random() < 0.1:
            body = _typo(body, rng)
        return p.title.format_map(_Keep(fill)), body

    def _hub_lines(self, a: Actor, p: Persona, rng: random.Random, job: bool) -> list[str]:
        out = []
        hub = self.hubs[
            "gb" if a.region == "GB" else "au" if a.region == "AU" else rng.choice(["us1", "us2"])
        ]
        if job:
            if rng.random() < 0.07:
                line = rng.choice(HUB_JOB)
                out.append(line.format(hub=render(hub, "plain", rng), platform=p.platform))
            return out
        if rng.random() < 0.07:
            out.append(rng.choice(HUB_SCREENING).format(hub=render(hub, "plain", rng)))
        if rng.random() < 0.05:
            out.append(rng.choice(HUB_SITE).format(platform=p.platform))
        return out

    def _contact(self, phones: list[Phone], p: Persona, rng: random.Random, job: bool) -> list[str]:
        lines = []
        for ph in phones:
            pattern = rng.choice(p.contacts)
            lines.append(pattern.format(phone=self._phone_text(ph, p, rng), name=p.names[0]))
        if p.email and rng.random() < 0.4:
            lines.append(rng.choice(["Email: ", "✉ ", "or mail "]) + p.email)
        if p.handle and rng.random() < 0.5:
            lines.append(p.handle)
        return lines

    @staticmethod
    def _phase(phones: list[Phone], seq: int, size: int, rng: random.Random) -> list[Phone]:
        """Numbers are used in overlapping phases: the first early, the last late, so posts chain."""
        if len(phones) == 1:
            return [phones[0]]
        pos = seq / max(1, size - 1) * (len(phones) - 1)
        lo = math.floor(pos)
        hi = min(len(phones) - 1, lo + 1)
        chosen = [phones[lo] if rng.random() < 1 - (pos - lo) else phones[hi]]
        if rng.random() < 0.25:
            other = phones[hi] if chosen[0] is phones[lo] else phones[lo]
            if other is not chosen[0]:
                chosen.append(other)
        return chosen

    def item(self, i: int, seq: int, t: float) -> tuple[dict[str, object], str]:
        """Item number seq of actor i at time t (days), and its type."""
        a = self.actors[i]
        rng = random.Random(f"{self.seed}:item:{i}:{seq}")
        p = self.persona(i)
        job = a.type in ("job_group", "recruiter", "single_job")
        cities = _cities(a.region)
        elapsed = max(0.0, t - a.start)
        city = cities[p.circuit[int(elapsed // p.stint) % len(p.circuit)]]
        name = p.names[seq % len(p.names)] if rng.random() < 0.7 else rng.choice(p.names)
        images: list[str] = []
        lines: list[str]
        if a.type == "operator":
            k = rng.randrange(len(a.agencies))
            ap = p.agencies[k]
            title, body = self._templated(ap, rng, self._fill(ap, rng, city, rng.choice(ap.names)))
            phones = [rng.choice(a.agencies[k])] if rng.random() < 0.75 else []
            lines = self._contact(phones, ap, rng, False)
            if a.booker and (rng.random() < 0.5 or not phones):
                lines.append(f"Bookings through our coordinator Sam: {self._phone_text(a.booker, ap, rng)}")
            p = ap
        elif a.type == "copier":
            orig = self.actors[a.original]
            op = self.persona(a.original)
            prng = random.Random(f"{self.seed}:popular:{a.original}")
            ocity = _cities(orig.region)[orig.home]
            title, body = self._templated(op, prng, self._fill(op, prng, ocity, op.names[0]))
            lines = [rng.choice(p.contacts).format(phone=self._phone_text(a.phones[0], p, rng), name="")]
        elif a.type == "recruiter":
            if rng.random() < 0.8:
                title, text = B.LURE_SCRIPTS[a.script]
                body = text.format(contact=self._phone_text(rng.choice(a.phones), p, rng))
                lines = []
            else:
                title, body = self._fresh(rng, self._fill(p, rng, city, name), True)
                lines = self._contact([rng.choice(a.phones)], p, rng, True)
        elif a.type in ("single_ad", "single_job"):
            title, body = self._fresh(rng, self._fill(p, rng, city, name), job)
            if a.phones:
                lines = self._contact(a.phones, p, rng, job)
            else:
                own = [x for x in (p.email, p.handle) if x]
                lines = own[:1] or [rng.choice(["Message me here on the site.", "DM through the board."])]
        else:
            fill = self._fill(p, rng, city, name)
            r = rng.random()
            if a.type == "burner":
                title, body = self._templated(p, rng, fill)
                phones = [a.phones[seq % len(a.phones)]]
                images = rng.sample(p.photos, rng.randint(2, len(p.photos)))
            elif a.type == "fresh" or r < 0.15:
                # Only the number: freshly worded, nothing of the template.
                title, body = self._fresh(rng, fill, job)
                phones = self._phase(a.phones, seq, a.size, rng)
            else:
                title, body = self._templated(p, rng, fill)
                # Only the template: about one post in seven carries no contact of the poster's own.
                phones = [] if r < 0.29 else self._phase(a.phones, seq, a.size, rng)
            lines = self._contact(phones, p, rng, job)
            if not phones and not lines:
                lines = [rng.choice(["Contact me through the site.", "Message me here.", "DM for number."])]
        lines += self._hub_lines(a, p, rng, job)
        if not images and p.photos and rng.random() < 0.6:
            images = rng.sample(p.photos, rng.randint(1, min(3, len(p.photos))))
        if rng.random() < 0.04:
            images.append(rng.choice(B.GENERIC_FILENAMES))
        posted = EPOCH + timedelta(days=t)
        rec: dict[str, object] = {
            "kind": "job" if job else "ad",
            "platform": p.platform,
            "posted_at": posted.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "title": title,
            "text": " ".join([body, *lines]) if rng.random() < 0.5 else "\n".join([body, *lines]),
            "location": city,
        }
        if p.author and rng.random() < 0.7:
            rec["author"] = p.author
        if images:
            rec["images"] = images
        return rec, a.type


def schedule(actors: list[Actor], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(actor, post number, time in days) of every item, in time order."""
    sizes = np.fromiter((a.size for a in actors), dtype=np.int64, count=len(actors))
    who = np.repeat(np.arange(len(actors), dtype=np.int32), sizes)
    starts = np.cumsum(sizes) - sizes
    seq = (np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(starts, sizes)).astype(np.int32)
    gen = np.random.default_rng(seed)
    gaps = np.fromiter((a.gap for a in actors), dtype=np.float64, count=len(actors))
    step = gen.exponential(1.0, size=who.shape[0]) * gaps[who]
    step[seq == 0] = 0.0
    offset = np.cumsum(step)
    offset -= np.repeat(offset[starts], sizes)
    begin = np.fromiter((a.start for a in actors), dtype=np.float64, count=len(actors))
    t = begin[who] + offset + gen.uniform(0, 1, size=who.shape[0])  # a time of day
    order = np.argsort(t, kind="stable")
    return who[order], seq[order], t[order]


def generate(n: int, seed: int, out: Path) -> dict[str, object]:
    """Write out/items.jsonl and out/truth.jsonl; return counts by actor type and the numbers left unused."""
    if n < 1:
        raise SystemExit("network_gen: --n must be at least 1")
    actors, hubs, left = make_plan(n, seed)
    who, seq, t = schedule(actors, seed)
    gen = Generator(seed, actors, hubs)
    out.mkdir(parents=True, exist_ok=True)
    width = max(6, len(str(n)))
    counts: dict[str, int] = {}
    with (
        (out / "items.jsonl").open("w", encoding="utf-8") as items,
        (out / "truth.jsonl").open("w", encoding="utf-8") as truth,
    ):
        for k in range(who.shape[0]):
            i = int(who[k])
            rec, kind = gen.item(i, int(seq[k]), float(t[k]))
            item_id = f"hx-{k:0{width}d}"
            items.write(json.dumps({"id": item_id, **rec}, ensure_ascii=False) + "\n")
            truth.write(json.dumps({"id": item_id, "group": f"op-{i:07d}", "type": kind}) + "\n")
            counts[kind] = counts.get(kind, 0) + 1
    return {"items": int(who.shape[0]), "by_type": dict(sorted(counts.items())), "numbers_left": left}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="number of items (default 5000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="directory for items.jsonl and truth.jsonl")
    args = ap.parse_args(argv)
    print(json.dumps(generate(args.n, args.seed, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
