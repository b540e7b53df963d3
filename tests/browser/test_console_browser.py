"""The console in headless Chromium against a real server (uvicorn on 127.0.0.1, a seeded SQLite store):
log in, work a queue with the keyboard, decide, see the decision in the audit log; a reviewer is refused the
admin pages; hostile ad text runs nothing; images are blurred and grey until revealed, and the reveal is
audited; the network graph is drawn. Every page is watched for dialogs, script errors and CSP violations."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect

from console_world import PASSWORD, build
from trailguard.api.app import create_app
from trailguard.review import audit
from trailguard.settings import Settings

pytestmark = pytest.mark.browser


@dataclass
class Served:
    base: str
    tokens: dict[str, str]
    network: str
    pictures: str


@dataclass
class Watch:
    """What a page did that it must not: dialogs opened, errors logged (CSP refusals are logged as errors)."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_dialog(d: Dialog) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        def on_console(m: ConsoleMessage) -> None:
            if m.type == "error":
                self.errors.append(f"{m.text} ({m.location.get('url', '')})")

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("console")
    log, tokens, network, pictures = build(f"sqlite:///{tmp / 'tg.db'}", tmp, items=24)
    assert isinstance(log, audit.AuditLog)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(log, Settings()), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the console server did not start"
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", tokens, network, pictures)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        log.engine.dispose()


@pytest.fixture
def watch() -> Watch:
    return Watch()


def _logged_in(browser: Browser, served: Served, name: str, watch: Watch) -> Page:
    page = browser.new_context(base_url=served.base).new_page()
    watch.attach(page)
    page.goto("/console/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/queues")
    return page


def _audit(served: Served, action: str) -> list[dict[str, object]]:
    events = httpx.get(
        f"{served.base}/api/audit?limit=1000", headers={"Authorization": f"Bearer {served.tokens['aud']}"}
    ).json()
    return [e for e in events if e["action"] == action]


def test_log_in_work_a_queue_by_keyboard_decide_and_see_it_audited(
    browser: Browser, served: Served, watch: Watch
) -> None:
    page = _logged_in(browser, served, "rita", watch)
    expect(page.locator("h2").first).to_contain_text("open")
    page.keyboard.press("j")
    expect(page.locator("a[data-row].selected")).to_have_count(1)
    expect(page.locator("a[data-row]").first).to_be_focused()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("?")
    page.keyboard.press("n")  # next job: claimed for rita, opened
    page.wait_for_url("**/console/jobs/*")
    job = page.url.rsplit("/", 1)[1]
    expect(page.locator("#job")).to_contain_text("claimed by rita")
    page.keyboard.press("d")  # dismiss chosen, the caret in the reason
    expect(page.locator("#action-dismiss")).to_be_checked()
    expect(page.locator("#reason")).to_be_focused()
    page.keyboard.type("a benign listing, no indicator holds up")
    page.keyboard.press("Tab")
    expect(page.locator("#policy")).to_be_focused()
    page.keyboard.type("ads-1")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/jobs/{job}")
    expect(page.locator("#decided")).to_contain_text("dismiss by rita (ads-1): a benign listing")
    # The auditor sees the decision on the audit page.
    auditor = _logged_in(browser, served, "aud", watch)
    auditor.goto("/console/audit")
    row = auditor.locator("#events tr", has_text=f"job:{job}").filter(has_text="decision")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("rita")
    expect(row).to_contain_text("action=dismiss")
    assert watch.dialogs == [] and watch.errors == []


def test_a_reviewer_cannot_reach_the_admin_pages(browser: Browser, served: Served, watch: Watch) -> None:
    page = _logged_in(browser, served, "rob", watch)
    expect(page.locator("nav")).not_to_contain_text("Users")
    for path in ("/console/admin/users", "/console/audit"):
        response = page.goto(path)
        assert response is not None and response.status == 403
        expect(page.locator("[role=alert]")).to_contain_text("for admins")
    assert "adam" not in page.content()


def test_script_in_ad_text_runs_nothing(browser: Browser, served: Served, watch: Watch) -> None:
    page = _logged_in(browser, served, "rita", watch)
    for path in (f"/console/items/{served.pictures}", "/console/items/ad-3",
                 f"/console/networks/{served.network}", "/console/search?q=pwned"):  # fmt: skip
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.pwned") == "undefined", path
        assert page.locator("main script, main [onerror], main a[href^='javascript:']").count() == 0, path
    page.goto(f"/console/items/{served.pictures}")
    expect(page.locator("#text")).to_contain_text(
        '<script>window.pwned=1</script> <img src=x onerror="window.pwned=2">'
    )
    page.goto("/console/items/ad-3")
    expect(page.locator("#text")).to_contain_text("<script>alert(3)</script>")
    assert watch.dialogs == [] and watch.errors == []


def test_images_are_blurred_grey_until_revealed_and_the_reveal_is_audited(
    browser: Browser, served: Served, watch: Watch
) -> None:
    page = _logged_in(browser, served, "rita", watch)
    page.goto(f"/console/items/{served.pictures}")
    first = page.locator("img[data-image='0']")
    expect(first).to_have_js_property("complete", True)
    # Drawn on a canvas (same origin): every pixel grey, and no sharp edge left.
    grey, steepest = first.evaluate(
        """img => {
            const c = document.createElement("canvas"); c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext("2d"); g.drawImage(img, 0, 0);
            const px = g.getImageData(0, 0, c.width, c.height).data;
            let grey = true, steepest = 0;
            for (let i = 0; i < px.length; i += 4) {
                if (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2]) grey = false;
                if ((i / 4) % c.width) steepest = Math.max(steepest, Math.abs(px[i] - px[i - 4]));
            }
            return [grey, steepest];
        }"""
    )
    assert grey and steepest < 20
    assert _audit(served, "image.reveal") == []
    form = page.locator("form.reveal").first
    form.locator("input[name=reason]").fill("compare with the reported picture")
    with page.expect_navigation() as nav:
        form.locator("button").click()
    response = nav.value
    assert response is not None and response.status == 200 and response.headers["content-type"] == "image/png"
    shown = page.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]")
    assert shown == [320, 240]  # the original's size (media_images.scene), not the blurred view's
    reveals = _audit(served, "image.reveal")
    assert len(reveals) == 1 and reveals[0]["actor"] == "rita"
    assert reveals[0]["details"] == {"image": 0, "reason": "compare with the reported picture"}
    assert watch.dialogs == [] and watch.errors == []


def test_the_network_graph_is_drawn(browser: Browser, served: Served, watch: Watch) -> None:
    page = _logged_in(browser, served, "rita", watch)
    page.goto(f"/console/networks/{served.network}")
    graph = page.locator("#graph")
    expect(graph).to_have_attribute("data-nodes", "6", timeout=15_000)  # 3 items, 2 identifiers, 1 template
    expect(graph).to_have_attribute("data-edges", "8")
    assert graph.locator("canvas").count() >= 1
    box = graph.locator("canvas").first.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100
    expect(page.locator("#graph-status")).to_have_text("6 nodes, 8 links")
    assert watch.dialogs == [] and watch.errors == []
