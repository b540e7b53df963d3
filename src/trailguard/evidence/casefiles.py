"""The human-readable files of a bundle: the case report (HTML, and PDF printed by headless Chromium) and
the draft certificate of authenticity. Jinja2 autoescapes everything: titles, notes, URLs and details come
from operators and from captured pages, so none of it may become markup."""

from __future__ import annotations

from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape

from trailguard.evidence import keys
from trailguard.evidence.browser import offline_page
from trailguard.evidence.custody import Entry

_ENV = Environment(
    loader=PackageLoader("trailguard.evidence", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def context(
    case: dict[str, Any], chain: list[Entry], files: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    """What both templates show: the case, its custody entries by kind, the files and the signing keys."""
    entries = [e.fields for e in chain]
    fingerprints = sorted({(f["operator"], keys.fingerprint(f["key"])) for f in entries})
    return {
        "case": case,
        "entries": [
            f | {"hash": e.entry_hash, "details_json": orjson.dumps(f["details"]).decode()}
            for e, f in zip(chain, entries, strict=True)
        ],
        "captures": [f for f in entries if f["kind"] == "capture"],
        "attached": [f for f in entries if f["kind"] == "attach"],
        "derived": any(f["role"] == "derived" for f in files),
        "files": files,
        "fingerprints": fingerprints,
        **extra,
    }


def report_html(ctx: dict[str, Any]) -> bytes:
    return _ENV.get_template("case_report.html.j2").render(**ctx).encode()


def certificate_html(ctx: dict[str, Any]) -> bytes:
    return _ENV.get_template("certificate.html.j2").render(**ctx).encode()


def pdf(html: bytes) -> bytes:
    """The HTML printed to PDF (A4) by headless Chromium, offline."""
    with offline_page() as page:
        page.set_content(html.decode(), wait_until="load")
        return page.pdf(format="A4", print_background=True)
