"""Headless Chromium for evidence work: screenshots and rendered HTML of captured pages, and PDF reports.

Every page is opened in a context that cannot reach any network: each request the page makes is answered
from what the caller hands over (the captured bytes) or aborted, and JavaScript is off, so rendering hostile
evidence runs none of its scripts and fetches nothing from outside. Playwright drives the browser; the
executable is `TRAILGUARD_CHROMIUM`, else `chromium` on the PATH, else /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARGS = ["--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-extensions"]  # fmt: skip
TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 900}


class BrowserError(RuntimeError):
    """No Chromium to run, or a rendering that failed or ran past its bound."""


def executable() -> str:
    """The Chromium to launch; BrowserError naming the setting when there is none."""
    path = os.environ.get("TRAILGUARD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        raise BrowserError(f"no Chromium at {path}: install it, set TRAILGUARD_CHROMIUM, or pass --no-render")
    return path


def sandboxed() -> bool:
    """Whether Chromium runs in its sandbox: yes, since the page rendered is hostile even with scripts off;
    not as root (containers, CI), where Chromium cannot start it, or where TRAILGUARD_CHROMIUM_NO_SANDBOX=1
    says the machine cannot (no user namespaces). Playwright passes --no-sandbox when it is off."""
    return os.geteuid() != 0 and os.environ.get("TRAILGUARD_CHROMIUM_NO_SANDBOX") != "1"


@contextmanager
def offline_page() -> Iterator[Page]:
    """A fresh page with JavaScript off and every request aborted unless the caller routes it first
    (Playwright tries the most recently added route first)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserError(
            "Playwright is not installed (pip install 'trailguard[evidence]'), or pass --no-render"
        ) from exc
    path = executable()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=path, args=ARGS, timeout=TIMEOUT_MS, chromium_sandbox=sandboxed()
            )
            try:
                context = browser.new_context(
                    java_script_enabled=False, offline=True, viewport=VIEWPORT,  # type: ignore[arg-type]
                    service_workers="block", accept_downloads=False,
                )  # fmt: skip
                context.set_default_timeout(TIMEOUT_MS)
                context.route("**/*", lambda route: route.abort("blockedbyclient"))
                yield context.new_page()
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise BrowserError(f"Chromium failed: {str(exc).splitlines()[0] if str(exc) else exc!r}") from exc
