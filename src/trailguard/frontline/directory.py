"""The help directory: hotlines and reporting channels by country, each with its source and verified date.

The data is `help_directory.yaml`; `load_directory` checks every entry when it is read, so a page can never
show an entry without its source or date (and the test of the shipped file is the same check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from trailguard.frontline.data import load

LANGUAGES = ("en", "es")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PHONE = re.compile(r"^[0-9+() .\-]{1,32}$")


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    name: str
    kind: str
    about: dict[str, str]
    web: str
    source: str
    verified: date
    # whether, on `verified`, the entry was compared with a published page (the source or a report quoting it);
    # False for an entry compiled from the organisation's long-published details (shown to visitors as such)
    cross_checked: bool
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Directory:
    international: tuple[Entry, ...]
    countries: dict[str, tuple[Entry, ...]]

    def for_country(self, code: str) -> tuple[Entry, ...]:
        """The country's own entries (none for a code not listed); the international ones are separate."""
        return self.countries.get(code.upper(), ())


def _https(what: str, url: Any) -> str:
    if not isinstance(url, str) or urlsplit(url).scheme != "https" or not urlsplit(url).netloc:
        raise ValueError(f"{what} must be an https URL, got {url!r}")
    return url


def _entry(raw: Any, where: str) -> Entry:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an entry must be a mapping")
    ident = str(raw.get("id") or "")
    at = f"{where} {ident or '(no id)'}"
    for key in ("id", "name", "kind"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ValueError(f"{at}: `{key}` is missing")
    about = raw.get("about")
    if not isinstance(about, dict) or any(not isinstance(about.get(lang), str) for lang in LANGUAGES):
        raise ValueError(f"{at}: `about` needs a text in each of {', '.join(LANGUAGES)}")
    verified = raw.get("verified")
    if not isinstance(verified, date):
        raise ValueError(f"{at}: `verified` must be a date (YYYY-MM-DD), got {verified!r}")
    checked = raw.get("cross_checked")
    if not isinstance(checked, bool):
        raise ValueError(f"{at}: `cross_checked` must be true or false, got {checked!r}")
    phone = raw.get("phone")
    if phone is not None and (not isinstance(phone, str) or not _PHONE.match(phone)):
        raise ValueError(f"{at}: `phone` must be digits, spaces, + ( ) . or -, got {phone!r}")
    return Entry(
        id=ident,
        name=raw["name"],
        kind=raw["kind"],
        about={lang: about[lang] for lang in LANGUAGES},
        web=_https(f"{at}: `web`", raw.get("web")),
        source=_https(f"{at}: `source`", raw.get("source")),
        verified=verified,
        cross_checked=checked,
        phone=phone,
    )


def parse_directory(doc: Any) -> Directory:
    """A Directory from the YAML document; ValueError naming the entry and the field for anything missing."""
    if not isinstance(doc, dict) or not isinstance(doc.get("countries"), dict):
        raise ValueError("the help directory needs `international` and `countries`")
    international = tuple(_entry(e, "international") for e in doc.get("international") or [])
    countries: dict[str, tuple[Entry, ...]] = {}
    for code, entries in doc["countries"].items():
        if not isinstance(code, str) or not _COUNTRY.match(code):
            raise ValueError(f"country code {code!r} is not an ISO 3166-1 alpha-2 code")
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"country {code} has no entries")
        countries[code] = tuple(_entry(e, code) for e in entries)
    ids = [e.id for e in international] + [e.id for es in countries.values() for e in es]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"entry ids used twice: {', '.join(duplicated)}")
    return Directory(international=international, countries=countries)


@cache
def load_directory() -> Directory:
    return parse_directory(load("help_directory.yaml"))
