"""Derived renderings of a capture: a PNG screenshot and the HTML as Chromium parsed it, in a sibling WARC.

The page is rendered from the captured response bytes, never fetched again: the browser's request for the
page's URL is answered with the recorded status, content type and payload, and every other request (images,
styles, scripts) is aborted (see evidence/browser.py). So the rendering shows what was captured, without any
resource the capture did not hold, and runs no script of the page.

The renderings go to `NAME-derived.warc.gz` beside the capture, which stays untouched. Each is a `resource`
record whose `WARC-Refers-To` is the rendered response's record id, with `WARC-Refers-To-Target-URI` and
`WARC-Refers-To-Date`, and `WARC-Trailguard-Derived` saying which rendering it is: derived, not original.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

import trailguard
from trailguard.evidence.browser import BrowserError, offline_page
from trailguard.evidence.capture import Sha256Writer

MAX_SCREENSHOT_HEIGHT = 16_384  # pixels: a page taller than this is shot to this height
MAX_SCREENSHOT_WIDTH = 4_096  # and one wider, to this width


@dataclass(frozen=True, slots=True)
class Original:
    """The response record a rendering is made from."""

    record_id: str
    url: str
    date: str
    status: int
    content_type: str
    payload: bytes


def last_response(warc: Path) -> Original:
    """The capture's final response (the page after redirects): what a reader of the capture saw."""
    found: Original | None = None
    with warc.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            found = Original(
                record_id=record.rec_headers.get_header("WARC-Record-ID"),
                url=record.rec_headers.get_header("WARC-Target-URI"),
                date=record.rec_headers.get_header("WARC-Date"),
                status=int(record.http_headers.get_statuscode() or 0),
                content_type=record.http_headers.get_header("Content-Type") or "application/octet-stream",
                payload=record.content_stream().read(),
            )
    if found is None:
        raise BrowserError(f"{warc.name} holds no response record to render")
    return found


def render(original: Original) -> tuple[bytes, str]:
    """(PNG screenshot, rendered HTML) of the captured response, loaded from its own bytes."""
    with offline_page() as page:
        page.route(
            original.url,
            lambda route: route.fulfill(
                status=original.status or 200, content_type=original.content_type, body=original.payload
            ),
        )
        page.goto(original.url, wait_until="load")
        height = int(page.evaluate("document.documentElement.scrollHeight") or 0)
        width = int(page.evaluate("document.documentElement.scrollWidth") or 0)
        clip = {
            "x": 0,
            "y": 0,
            "width": max(1, min(width, MAX_SCREENSHOT_WIDTH)),
            "height": max(1, min(height, MAX_SCREENSHOT_HEIGHT)),
        }
        png = page.screenshot(full_page=True, clip=clip, type="png")  # type: ignore[arg-type]
        html = page.content()
    return png, html


def store_derived(warc: Path, *, operator: str, case_id: str) -> Path:
    """Render the capture in `warc` and write the renderings to its sibling `-derived.warc.gz`."""
    original = last_response(warc)
    png, html = render(original)
    final = warc.with_name(warc.name.removesuffix(".warc.gz") + "-derived.warc.gz")
    partial = final.with_suffix(".partial")
    try:
        with partial.open("xb") as fh:
            writer = Sha256Writer(fh, gzip=True, warc_version="1.1")
            writer.write_record(
                writer.create_warcinfo_record(
                    final.name,
                    {
                        "software": f"Trailguard/{trailguard.__version__} (warcio, Playwright, Chromium)",
                        "format": "WARC File Format 1.1",
                        "operator": operator,
                        "isPartOf": case_id,
                        "description": f"DERIVED renderings of {warc.name}, made offline from its captured "
                        "bytes with JavaScript off; not originals",
                    },
                )
            )
            for kind, uri, mime, data in (
                ("screenshot", f"urn:screenshot:{original.url}", "image/png", png),
                ("rendered-html", f"urn:rendered-html:{original.url}", "text/html; charset=utf-8",
                 html.encode()),
            ):  # fmt: skip
                record = writer.create_warc_record(
                    uri,
                    "resource",
                    payload=io.BytesIO(data),
                    warc_content_type=mime,
                    warc_headers_dict={
                        "WARC-Refers-To": original.record_id,
                        "WARC-Refers-To-Target-URI": original.url,
                        "WARC-Refers-To-Date": original.date,
                        "WARC-Trailguard-Derived": kind,
                    },
                )
                writer.write_record(record)
        partial.rename(final)
    finally:
        partial.unlink(missing_ok=True)
    return final
