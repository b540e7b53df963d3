"""Where an item is from, as phone regions: what reads "03 9699 1047" or "07700 900123" written nationally.

A number written with its national trunk prefix ("0...") has no country code, so it means something only
under the right region. The scan's default region (a setting, "US") reads North American numbers; an ad
from Melbourne or London writes its own. Candidate regions come from the item itself, most specific first:
its `location` (a place the gazetteer knows, or a country name or ISO code), its platform's country-code
top-level domain (`.au`, `.co.uk`), and the places and country names in its text. Several candidates are
kept where the text allows (an ad mentioning Sydney and London); `trailguard.extract.phones` tries them in
order, only for numbers that start with a trunk prefix and do not read under the default region.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from trailguard.extract.places import find_places, gazetteer, name_key
from trailguard.model import Entity

MAX_REGIONS = 4  # candidates kept per item: each is one more reading of every national-format number
_WORD = re.compile(r"[^\W\d_]+")
_TLD_REGION = {"uk": "GB"}  # ccTLDs that are not the ISO code


def _country(word: str, codes: bool) -> str | None:
    countries = gazetteer().countries
    iso = countries.get(name_key(word))
    if iso is None and codes and len(word) == 2 and word.isupper():
        iso = countries.get(word)
    return iso if iso in phonenumbers.SUPPORTED_REGIONS else None


def _names(text: str, codes: bool) -> Iterable[str]:
    """Capitalised country names (one or two words: "Australia", "New Zealand") and, where `codes`, ISO
    codes ("AU")."""
    words = _WORD.findall(text)
    k = 0
    while k < len(words):
        for span in (2, 1):
            phrase = " ".join(words[k : k + span])
            if not phrase[:1].isupper() or len(phrase.split()) < span:
                continue
            iso = _country(phrase, codes)
            if iso is not None:
                yield iso
                k += span - 1
                break
        k += 1


def _tld(platform: str | None) -> str | None:
    if not platform:
        return None
    host = platform.lower().split("//")[-1].split("/")[0].rstrip(".")
    last = host.rsplit(".", 1)[-1]
    region = _TLD_REGION.get(last, last.upper())
    return region if len(last) == 2 and region in phonenumbers.SUPPORTED_REGIONS else None


def item_regions(
    location: str | None, platform: str | None, places: Iterable[Entity] = (), text: str = ""
) -> tuple[str, ...]:
    """Candidate phone regions of an item, most specific first, at most MAX_REGIONS, no repeats.

    `places` are the place entities already found in its text (extract.places), so the text is not searched
    for places twice.
    """
    out: list[str] = []

    def add(region: str | None) -> None:
        if region and region not in out and len(out) < MAX_REGIONS:
            out.append(region)

    if location:
        for e in find_places(location[:200]):
            add(e.attrs.get("country"))
        for iso in _names(location[:200], codes=True):
            add(iso)
    add(_tld(platform))
    for e in places:
        add(e.attrs.get("country"))
    for iso in _names(text[:5_000], codes=False):
        add(iso)
    return tuple(out)
