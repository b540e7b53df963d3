"""The public pages' languages: one message catalogue file per language, and which one a request gets.

Hand-written rather than gettext/Babel (neither is a dependency): the pages need a flat key -> text table
and the choice between a handful of languages, which a YAML file per language and a short Accept-Language
reader do. A missing key is an error, so a page can never show a key or fall back to English silently.
"""

from __future__ import annotations

from functools import cache

from trailguard.frontline.data import load
from trailguard.frontline.directory import LANGUAGES

DEFAULT = "en"
MAX_HEADER = 512  # characters of Accept-Language read; a longer header is cut, never parsed whole


class Catalogue:
    def __init__(self, lang: str, messages: dict[str, str]) -> None:
        self.lang = lang
        self.messages = messages

    def __call__(self, key: str, **values: object) -> str:
        text = self.messages[key]
        return text.format(**values) if values else text


@cache
def catalogue(lang: str) -> Catalogue:
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for language {lang!r}")
    messages = load(f"messages/{lang}.yaml")
    if not isinstance(messages, dict) or not all(isinstance(v, str) for v in messages.values()):
        raise ValueError(f"messages/{lang}.yaml must map keys to texts")
    return Catalogue(lang, {str(k): v for k, v in messages.items()})


def negotiate(asked: str | None, accept_language: str | None) -> str:
    """`?lang=` when it names a language we have, else the best of Accept-Language, else English."""
    if asked in LANGUAGES:
        return asked
    best, best_q = DEFAULT, 0.0
    for part in (accept_language or "")[:MAX_HEADER].split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        lang = tag.strip().lower().split("-")[0]
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best
