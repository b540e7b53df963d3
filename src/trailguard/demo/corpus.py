"""A seeded synthetic corpus of ads, job posts and profiles with planted groups: the demo data and test plant.

Why synthetic: no real ad may enter the repository, yet linking has to be measured against a known truth.
The corpus is built so that the easy answer fails: planted groups have members that share only a template
(no identifier) and members that share only a number (fresh wording); hub identifiers (a site's contact
address, a hotline) are quoted by many unrelated posters; stock phrases of the genre appear everywhere.

Every item is a pure function of (seed, index), so `iter_records` streams a million items in constant memory
and `generate` is just its list form. Identifiers are fictional: phones are +1 NPA 555 01xx (the reserved
fictional range, 100 numbers per area code, spread over real area codes), e-mail and URLs are on
example.com / *.example, handles start with `demo`.

Numbers are allocated, never drawn: the pool (100 fictional numbers per area code, ~380 real US and Canadian
codes, about 38,000 numbers) is split in two halves, groups take numbers by group index and unrelated posters
by item index, so no two owners ever share a number. When a half runs out (corpora of a few hundred
thousand items and more), later groups advertise a handle instead and later singles an e-mail on
example.com or a handle: fewer phone numbers, never a false shared identifier.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import yaml

from trailguard.model import Assessment, Entity, Item

GROUP_FRACTION = 0.25  # share of items posted by planted groups
MEAN_GROUP_SIZE = 12
RISK_FRACTION = 0.06  # unlinked items with risk indicators
HUB_RATE = 0.03  # chance that an item quotes each hub identifier
GROUP_PHONES = 3  # a group has 1 to 3 numbers
START = datetime(2024, 1, 1, tzinfo=UTC)
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
LOOKALIKE = {"0": "o", "1": "l", "5": "S", "8": "B"}
HUBS: tuple[tuple[str, str, str], ...] = (
    ("email", "help@board.example", "help@board.example"),
    ("phone", "+18885550199", "1-888-555-0199"),
    ("handle", "telegram:demo_board_support", "telegram @demo_board_support"),
)


@dataclass(frozen=True, slots=True)
class GeneratedItem:
    """One item with what the generator knows about it: its planted group (or None) and its identifiers."""

    item: dict[str, Any]
    group: str | None
    entities: list[dict[str, Any]]


@dataclass(slots=True)
class Corpus:
    items: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)  # item id -> planted group id (members only)
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # ground-truth identifiers


@cache
def pools() -> dict[str, Any]:
    text = resources.files("trailguard.demo").joinpath("phrases.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def generate(n: int, seed: int) -> Corpus:
    """The whole corpus in memory (tests, demos); use `iter_records` for large n."""
    corpus = Corpus()
    for rec in iter_records(n, seed):
        corpus.items.append(rec.item)
        corpus.entities[rec.item["id"]] = rec.entities
        if rec.group is not None:
            corpus.truth[rec.item["id"]] = rec.group
    return corpus


def iter_items(n: int, seed: int) -> Iterator[dict[str, Any]]:
    """Item dicts only, in the JSON Lines input contract."""
    for rec in iter_records(n, seed):
        yield rec.item


def write_corpus(path: Path, n: int, seed: int) -> dict[str, str]:
    """Stream n items to `path` as JSON Lines; returns the plant (item id -> group id) for evaluation."""
    truth: dict[str, str] = {}
    with path.open("wb") as fh:
        for rec in iter_records(n, seed):
            fh.write(orjson.dumps(rec.item) + b"\n")
            if rec.group is not None:
                truth[rec.item["id"]] = rec.group
    return truth


def iter_records(n: int, seed: int) -> Iterator[GeneratedItem]:
    """Stream n items; truth and identifiers travel with each record, so nothing accumulates."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    plan = _Plan(n, seed)
    for i in range(n):
        yield plan.record(i)


class _Plan:
    """The corpus-wide decisions (group count, phone pool) from which every item is derived."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.seed = seed
        self.p = pools()
        self.groups = max(1, round(n * GROUP_FRACTION / MEAN_GROUP_SIZE))
        self.pool_size = len(self.p["area_codes"]) * 100
        self.group_block = (
            self.pool_size // 2
        )  # numbers 0..group_block-1 belong to groups, the rest to singles
        self._group_cache: dict[int, _Group] = {}

    def _phone(self, k: int) -> str:
        """The k-th fictional number of the pool: area codes vary fastest, then the line 0100..0199."""
        codes = self.p["area_codes"]
        return f"+1{codes[k % len(codes)]}55501{k // len(codes):02d}"

    def group_phone(self, g: int, k: int) -> str | None:
        """Group g's k-th number (k < GROUP_PHONES), or None once the groups' half of the pool is used up.

        Every number is handed out at most once, keyed on the group or item index alone (streaming needs no
        memory of what was given): unrelated posters never share a number by accident, at any corpus size.
        """
        slot = GROUP_PHONES * g + k
        return self._phone(slot) if slot < self.group_block else None

    def single_phone(self, i: int) -> str | None:
        """Item i's own number, or None when the singles' half of the pool is used up (then: e-mail/handle)."""
        slot = self.group_block + i
        return self._phone(slot) if slot < self.pool_size else None

    def group(self, g: int) -> _Group:
        found = self._group_cache.get(g)
        if found is None:
            if len(self._group_cache) > 4096:  # bounded: items of a group are spread over the whole stream
                self._group_cache.clear()
            found = self._group_cache[g] = _Group(self, g)
        return found

    def record(self, i: int) -> GeneratedItem:
        rng = random.Random(f"{self.seed}:item:{i}")
        item_id = f"demo-{self.seed}-{i:07d}"
        if rng.random() < GROUP_FRACTION:
            g = min(self.groups - 1, int(self.groups * rng.random() ** 1.6))
            return self.group(g).member(rng, i, item_id)
        return _single(self, rng, i, item_id)


class _Writer:
    """Accumulates sentences and the identifiers written into them, in the item's own words."""

    def __init__(self, rng: random.Random, plan: _Plan) -> None:
        self.rng = rng
        self.plan = plan
        self.sentences: list[str] = []
        self.entities: list[dict[str, Any]] = []

    def fill(self, pattern: str, **slots: Any) -> str:
        p, rng = self.plan.p, self.rng
        names = rng.sample(p["names"], 2)
        adjs = rng.sample(p["adjectives"], 2)
        hobbies = rng.sample(p["hobbies"], 2)
        defaults: dict[str, Any] = {
            "name": names[0],
            "name2": names[1],
            "age": rng.randint(21, 45),
            "city": rng.choice(p["cities"]).split(",")[0],
            "price": rng.randrange(80, 400, 10),
            "price2": rng.randrange(300, 900, 50),
            "adj": adjs[0],
            "adj2": adjs[1],
            "noun": rng.choice(p["nouns"]),
            "trade": rng.choice(p["trades"]),
            "title": rng.choice(p["job_titles"]),
            "employer": rng.choice(p["employers"]).capitalize(),
            "pay": rng.randint(15, 32),
            "hobby": hobbies[0],
            "hobby2": hobbies[1],
            "day": rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]),
            "year": rng.randint(1995, 2020),
            "ethnicity": rng.choice(p["ethnicities"]),
            "weekly": rng.choice([3000, 4000, 5000, 6000]),
            "abroad": rng.choice(p["abroad"]),
            "contact": "",
        }
        defaults.update(slots)
        text = pattern.format(**defaults)
        return text[0].upper() + text[1:]

    def add(self, sentence: str) -> None:
        self.sentences.append(sentence)

    def contact(self, kind: str, value: str, obfuscate: float = 0.0) -> str:
        """Render an identifier as a poster would write it and record its normalised value."""
        hidden = kind == "phone" and self.rng.random() < obfuscate
        raw = _render_phone(self.rng, value, hidden) if kind == "phone" else _render_other(kind, value)
        self.entities.append({"type": kind, "value": value, "raw": raw, "obfuscated": hidden})
        return raw

    def text(self) -> str:
        return " ".join(self.sentences)


def _render_phone(rng: random.Random, e164: str, hidden: bool) -> str:
    digits = e164[2:]
    a, b, c = digits[:3], digits[3:6], digits[6:]
    if hidden:
        style = rng.randrange(3)
        if style == 0:  # mixed words, digits and look-alikes: "six1seven 555 o1two3"
            parts = []
            for block in (a, b, c):
                out = ""
                for d in block:
                    r = rng.random()
                    out += DIGIT_WORDS[int(d)] if r < 0.35 else LOOKALIKE.get(d, d) if r < 0.55 else d
                parts.append(out)
            return " ".join(parts)
        if style == 1:  # spaced digits
            return " ".join(digits)
        return " ".join(DIGIT_WORDS[int(d)] for d in digits)
    style = rng.randrange(4)
    return (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}")[style]


def _render_other(kind: str, value: str) -> str:
    if kind == "handle":
        platform, name = value.split(":", 1)
        return f"{platform} @{name}"
    if kind == "payment":
        platform, tag = value.split(":", 1)
        return f"{'CashApp' if platform == 'cashapp' else platform} {tag}"
    return value


def _when(rng: random.Random) -> str:
    moment = START + timedelta(minutes=rng.randrange(366 * 24 * 60))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _own_contact(plan: _Plan, rng: random.Random, w: _Writer, i: int) -> str:
    """A unique identifier for an unrelated poster: a phone while the fictional pool lasts, else e-mail/handle."""
    phone = plan.single_phone(i)
    if phone is not None and rng.random() < 0.7:
        return w.contact("phone", phone, obfuscate=0.1)
    if rng.random() < 0.5:
        return w.contact("email", f"demo.{rng.choice(plan.p['names']).lower()}.{i}@example.com")
    return w.contact("handle", f"snapchat:demo_{rng.choice(plan.p['nouns'])}_{i}")


def _stock(plan: _Plan, rng: random.Random, w: _Writer, key: str) -> None:
    for phrase in rng.sample(plan.p[key], rng.randint(1, 3)):
        w.add(phrase + ".")


def _hubs(rng: random.Random, w: _Writer) -> None:
    for kind, value, _ in HUBS:
        if rng.random() < HUB_RATE:
            raw = w.contact(kind, value)
            w.add(w.fill(rng.choice(w.plan.p["hub_texts"]), hub=raw))


def _single(plan: _Plan, rng: random.Random, i: int, item_id: str) -> GeneratedItem:
    """An unrelated poster: mostly benign, some with risk indicators, each with its own identifiers."""
    p = plan.p
    w = _Writer(rng, plan)
    r = rng.random()
    location = rng.choice(p["cities"])
    city = location.split(",")[0]
    if r < RISK_FRACTION / 2:
        kind, pool, stock, title = "ad", "risk_ads", "stock_ads", f"New in {city}"
        w.add(w.fill(rng.choice(p["adult_neutral"]), city=city))
    elif r < RISK_FRACTION:
        kind, pool, stock, title = "job", "job_lures", "stock_jobs", "Work abroad, high pay"
    elif r < 0.40:
        kind, pool, stock, title = "ad", "service", "", f"{rng.choice(p['trades']).capitalize()} in {city}"
    elif r < 0.65:
        kind, pool, stock, title = "job", "jobs", "stock_jobs", f"Hiring: {rng.choice(p['job_titles'])}"
    elif r < 0.90:
        kind, pool, stock, title = (
            "profile",
            "profiles",
            "",
            f"{rng.choice(p['names'])}, {rng.randint(21, 60)}",
        )
    elif r < 0.97:
        kind, pool, stock, title = "ad", "adult_neutral", "stock_ads", f"Companion in {city}"
    else:
        kind, pool, stock, title = "post", "profiles", "", "Hello from " + city
    risky = pool in ("risk_ads", "job_lures")
    for pattern in rng.sample(p[pool], min(len(p[pool]), rng.randint(3, 5))):
        contact = _own_contact(plan, rng, w, i) if "{contact}" in pattern else ""
        extra = {"age": rng.choice((18, 19))} if risky else {}
        w.add(w.fill(pattern, city=city, contact=contact, **extra))
    if not risky and rng.random() < 0.5 and not w.entities:
        w.add(f"Reach me at {_own_contact(plan, rng, w, i)}.")
    if stock:
        _stock(plan, rng, w, stock)
    _hubs(rng, w)
    item = _item(
        plan, item_id, i, kind, title, w.text(), location, _when(rng), f"user_{rng.getrandbits(40):010x}"
    )
    return GeneratedItem(item, None, w.entities)


def _item(
    plan: _Plan, item_id: str, i: int, kind: str, title: str, text: str, location: str, when: str, author: str
) -> dict[str, Any]:
    platform = {"ad": "board.example", "job": "jobs.example", "profile": "meet.example"}.get(
        kind, "forum.example"
    )
    return {
        "id": item_id,
        "kind": kind,
        "platform": platform,
        "url": f"https://{platform}/{kind}/{plan.seed}-{i}",
        "posted_at": when,
        "title": title,
        "text": text,
        "location": location,
        "author": author,
    }


class _Group:
    """A planted group: shared identifiers, one template with slots, a circuit of cities over time."""

    def __init__(self, plan: _Plan, g: int) -> None:
        p = plan.p
        rng = random.Random(f"{plan.seed}:group:{g}")
        self.plan = plan
        self.id = f"g{g:05d}"
        self.kind = "job" if rng.random() < 0.2 else "ad"
        phones = (plan.group_phone(g, k) for k in range(rng.randint(1, GROUP_PHONES)))
        self.phones = [p for p in phones if p is not None]
        tag = f"{rng.choice(p['names']).lower()}{g}"
        self.handles = [f"telegram:demo_{tag}"] if rng.random() < 0.5 or not self.phones else []
        self.payments = [f"cashapp:$demo{tag}"] if rng.random() < 0.4 else []
        self.names = rng.sample(p["names"], rng.randint(1, 4))
        self.ages = rng.sample(range(18, 25), rng.randint(1, 3))
        self.abroad = rng.choice(p["abroad"])
        if self.kind == "ad":
            heads, middles = p["group_ad_templates"], p["group_ad_middles"]
        else:
            heads, middles = p["group_job_templates"], p["group_job_middles"]
        # Each line ends with a group-specific flourish, so groups share genre lines but not whole templates.
        adjs, nouns = p["adjectives"], p["nouns"]
        lines = [rng.choice(heads), *rng.sample(middles, 3)]
        self.template = [
            f"{line[:-1]}, {rng.choice(adjs)} {rng.choice(nouns)} {rng.choice(adjs)}{line[-1]}"
            for line in lines
        ]
        self.signature = [*rng.sample(p["adjectives"], 2), rng.choice(p["nouns"])]  # fixed for the group
        self.stock = rng.sample(p["stock_ads" if self.kind == "ad" else "stock_jobs"], 2)
        self.circuit = rng.sample(p["cities"], rng.randint(2, 6))
        self.start = START + timedelta(days=rng.randrange(200))
        self.stay_days = rng.randint(5, 14)
        self.extra_title = rng.choice(["VIP", "NEW", "Hot deal", "Tonight", "Top rated"])

    def member(self, rng: random.Random, i: int, item_id: str) -> GeneratedItem:
        p = self.plan.p
        w = _Writer(rng, self.plan)
        day = rng.randrange(self.stay_days * len(self.circuit))
        location = self.circuit[day // self.stay_days]
        city = location.split(",")[0]
        when = self.start + timedelta(days=day, minutes=rng.randrange(24 * 60))
        identifiers = [("phone", v) for v in self.phones] + [("handle", v) for v in self.handles]
        role = rng.random()
        contact = ""
        if role >= 0.15:  # all but template-only members show a group identifier
            # Number-only members (fresh wording) always show the group's main contact, and half of the
            # template members do too: the number is their only link, so others in the group must use it.
            main = role < 0.30 or rng.random() < 0.5
            kind, value = identifiers[0] if main else rng.choice(identifiers)
            contact = w.contact(kind, value, obfuscate=0.3)
        slots = {
            "name": rng.choice(self.names),
            "age": rng.choice(self.ages),
            "city": city,
            "adj": self.signature[0],
            "adj2": self.signature[1],
            "noun": self.signature[2],
            "abroad": self.abroad,
            "contact": contact or "this site",
            "title_abroad": rng.choice(p["titles_abroad"]),
            "employer_abroad": rng.choice(p["employers_abroad"]),
        }
        if 0.15 <= role < 0.30 and contact:  # number-only: fresh wording, only the identifier is shared
            pool = "risk_ads" if self.kind == "ad" else "job_lures"
            lines = [*rng.sample(p[pool], 2), *rng.sample(p["profiles"], 2)]
            rng.shuffle(lines)
            for pattern in lines:
                w.add(w.fill(pattern, city=city, age=slots["age"], contact=contact))
            w.add(f"Contact {contact}.")
            _stock(self.plan, rng, w, "stock_ads" if self.kind == "ad" else "stock_jobs")
            title = f"{slots['name']} in {city}"
        else:
            for k, pattern in enumerate(self.template):
                if k > 0 and rng.random() < 0.15:  # members sometimes drop a line
                    continue
                w.add(w.fill(pattern, **slots))
            w.add(
                w.fill(
                    rng.choice(["Call {contact}.", "Text {contact} now.", "Reach me: {contact}."]), **slots
                )
            )
            if self.payments and rng.random() < 0.5:
                w.add(f"Deposit by {w.contact('payment', self.payments[0])}.")
            for phrase in self.stock:
                w.add(phrase + ".")
            title = f"{self.extra_title} {slots['name']} {slots['age']} in {city}"
            if self.kind == "job":
                title = f"{self.extra_title}: jobs in {self.abroad}"
        _hubs(rng, w)
        if self.kind == "ad" and re.search(rf"\b{slots['age']}\b", w.text()):
            w.entities.append(
                {"type": "age", "value": slots["age"], "raw": str(slots["age"]), "obfuscated": False}
            )
        author = f"user_{random.Random(f'{self.id}:{rng.randrange(2)}').getrandbits(40):010x}"
        item = _item(
            self.plan,
            item_id,
            i,
            self.kind,
            title,
            w.text(),
            location,
            when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            author,
        )
        return GeneratedItem(item, self.id, w.entities)


def to_assessment(rec: GeneratedItem) -> Assessment:
    """An Assessment built from the generator's own ground truth (no extraction, no indicators).

    For tests of the link stage and its benchmark, which must not depend on, or time, the analyze stage.
    """
    item = Item.from_dict(rec.item)
    doc = item.document()
    entities = []
    for e in rec.entities:
        start = doc.find(e["raw"])
        entities.append(
            Entity(
                e["type"], e["value"], e["raw"], max(start, 0), max(start, 0) + len(e["raw"]), e["obfuscated"]
            )
        )
    return Assessment(
        item_id=item.id,
        kind=item.kind,
        entities=entities,
        hits=[],
        score=0.0,
        band="low",
        posted_at=item.posted_at,
        location=item.location,
        platform=item.platform,
        author=item.author,
        text=doc,
    )
