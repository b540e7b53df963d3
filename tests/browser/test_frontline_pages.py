"""The public pages in headless Chromium against a real `trailguard serve` app (uvicorn on 127.0.0.1): axe-core
finds no WCAG 2.1 A/AA violation on any page in English and Spanish, at desktop and phone size; quick exit
works from the keyboard and replaces the history entry; nothing is requested from another origin; a report
and a hash submission go all the way into the store; the rate limit and the size bound hold over HTTP."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from sqlalchemy import select

from review_db import console
from trailguard.api.app import create_app
from trailguard.api.public import EXIT_URL
from trailguard.review import audit, work
from trailguard.review import tables as rt
from trailguard.settings import Settings
from trailguard.store import banks
from trailguard.store import tables as st

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PAGES = ("/screening", "/help", "/help?country=GB", "/report", "/report/status", "/hash", "/hash/withdraw")
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NEUTRAL = "<!doctype html><html lang='en'><title>Weather</title><p>Sunny</p></html>"


@dataclass
class Server:
    base: str
    log: audit.AuditLog


def _serve(tmp_path: Path, rate: int) -> Iterator[Server]:
    log, _ = console(f"sqlite:///{tmp_path / 'tg.db'}", tmp_path, 2, {"rita": "reviewer"})
    assert isinstance(log, audit.AuditLog)
    app = create_app(log, Settings(public_pow_bits=8, public_rate_limit=rate))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{sock.getsockname()[1]}", log)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        log.engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory.mktemp("frontline"), rate=1000)


def _neutral(route: Route) -> None:
    route.fulfill(
        status=200, content_type="text/html", body=NEUTRAL
    )  # answered here: nothing leaves the machine


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.route(EXIT_URL + "**", _neutral)
    yield ctx
    ctx.close()


def _axe(page: Page) -> list[dict[str, Any]]:
    # Injected past the CSP (bypass_csp on its context): the pages allow no inline script, axe is a test tool.
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", WCAG)
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def test_the_axe_check_does_find_violations(browser: Browser) -> None:
    """The zero-violation test below can fail: the same check on a page with known faults reports them."""
    ctx = browser.new_context(bypass_csp=True)
    page = ctx.new_page()
    page.set_content("<html><body><img src='data:,'><input type='text'><a href='#'></a></body></html>")
    ids = {v["id"] for v in _axe(page)}
    ctx.close()
    assert {"image-alt", "label", "link-name", "html-has-lang"} <= ids


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_public_page_has_no_wcag_violation(
    browser: Browser, server: Server, lang: str, size: dict[str, int]
) -> None:
    ctx = browser.new_context(viewport=size, bypass_csp=True, locale=lang)
    page = ctx.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    for path in PAGES:
        sep = "&" if "?" in path else "?"
        page.goto(f"{server.base}{path}{sep}lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        found[path] = _axe(page)
    # The screening summary (a POST answer), with signs ticked, and a report form after a refused send.
    page.goto(f"{server.base}/screening?lang={lang}")
    page.check("#sign-several_phones")
    page.check("#sign-threats")
    page.check("#minor")
    page.click("button[type=submit]")
    expect(page.locator("#summary-title")).to_be_visible()
    found["summary"] = _axe(page)
    ctx.close()
    assert {path: v for path, v in found.items() if v} == {}


def test_tab_reaches_quick_exit_first_and_escape_leaves(context: BrowserContext, server: Server) -> None:
    page = context.new_page()
    page.goto(f"{server.base}/report")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"
    page.keyboard.press("Enter")
    page.wait_for_url(EXIT_URL)
    page.goto(f"{server.base}/help?lang=es")
    page.focus("#country")  # Escape works wherever the focus is, even in a form field
    page.keyboard.press("Escape")
    page.wait_for_url(EXIT_URL)
    assert "Sunny" in page.content()


def test_quick_exit_replaces_the_history_entry(context: BrowserContext, server: Server) -> None:
    page = context.new_page()
    page.goto(f"{server.base}/help")
    page.goto(f"{server.base}/hash")
    length = page.evaluate("history.length")
    page.click("#quick-exit")
    page.wait_for_url(EXIT_URL)
    assert page.evaluate("history.length") == length  # replaced, not added
    page.go_back()
    assert page.url == f"{server.base}/help"  # Back skips the page that was left


def test_no_page_requests_anything_from_another_origin(context: BrowserContext, server: Server) -> None:
    requests: list[str] = []
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    for path in PAGES:
        page.goto(f"{server.base}{path}")
    assert requests and all(u.startswith(server.base + "/") for u in requests), requests


def test_a_report_goes_from_the_form_into_the_review_queue(context: BrowserContext, server: Server) -> None:
    requests: list[str] = []
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server.base}/report?lang=es")
    page.fill("#url", "https://ads.example.org/listing/0102")
    page.fill("#platform", "Example Classifieds")
    page.fill("#seen", "Anuncio de trabajo de 'modelo' para chicas de 16 años, llamar al 555-0102")
    page.click("#report-send")
    expect(page.locator("#report-done")).to_be_visible(timeout=30_000)
    reference = page.text_content("#report-reference") or ""
    assert re.fullmatch(r"TGR(-[A-Z2-7]{4}){6}", reference), reference
    assert (
        f"{server.base}/api/public/challenge" in requests and f"{server.base}/api/public/reports" in requests
    )
    assert all(u.startswith(server.base + "/") for u in requests)
    with server.log.engine.connect() as conn:
        row = conn.execute(
            select(st.items.c.platform, st.items.c.data, rt.queues.c.name, rt.jobs.c.status)
            .join(rt.jobs, rt.jobs.c.item_id == st.items.c.id)
            .join(rt.queues, rt.queues.c.id == rt.jobs.c.queue_id)
            .where(st.items.c.url == "https://ads.example.org/listing/0102")
        ).one()
    assert row.platform == "public report" and row.name == work.PUBLIC_REPORTS and row.status == "open"
    assert row.data["extra"]["reported_platform"] == "Example Classifieds"
    page.goto(f"{server.base}/report/status")
    page.fill("#reference", reference)
    page.click("button[type=submit]")
    expect(page.locator("p[role=status]")).to_contain_text("waiting for a reviewer")


def test_hash_send_makes_a_victim_submission_and_its_reference_withdraws_it(
    context: BrowserContext, server: Server, pdq_data: Path
) -> None:
    page = context.new_page()
    page.goto(f"{server.base}/hash")
    image = pdq_data / "threatexchange" / "pdq" / "data" / "misc-images" / "small.jpg"
    page.set_input_files("#file", str(image))
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    pdq, md5 = page.text_content("#pdq"), page.text_content("#md5")
    assert page.is_visible("#send")
    page.click("#send")
    expect(page.locator("#sent")).to_have_text(re.compile(r"^Sent\. .*TGW(-[A-Z2-7]{4}){6}$"), timeout=30_000)
    reference = (page.text_content("#sent") or "").rsplit(" ", 1)[1]
    active = {(e.hash_type, e.value) for e in banks.active_entries(server.log.engine, banks.VICTIM_BANK)}
    assert ("pdq", pdq) in active and ("md5", md5) in active
    page.goto(f"{server.base}/hash/withdraw?lang=es")
    page.fill("#reference", reference)
    page.click("button[type=submit]")
    expect(page.locator("p[role=status]")).to_have_text("Su solicitud se ha retirado.")
    active = {(e.hash_type, e.value) for e in banks.active_entries(server.log.engine, banks.VICTIM_BANK)}
    assert ("pdq", pdq) not in active and ("md5", md5) not in active


def test_over_http_the_rate_limit_answers_429_and_oversize_is_refused(tmp_path: Path) -> None:
    for s in _serve(tmp_path, rate=3):
        with httpx.Client(base_url=s.base) as http:
            big = http.post("/api/public/reports", content=b"{" + b" " * 40_000 + b"}",
                            headers={"content-type": "application/json"})  # fmt: skip
            assert big.status_code == 413
            codes = [http.post("/api/public/challenge").status_code for _ in range(3)]
            assert codes == [200, 200, 429]  # the refused body above took the first token
            assert http.post("/report/status", data={"reference": "x"}).status_code == 429
