"""The on-device hashing page in headless Chromium: exact PDQ on the same pixels, close PDQ from the
browser's own decoding, equal MD5, no network request while hashing, copying as the working way to hand the
codes over, and a Send button only where the serving page declares a same-origin submission endpoint."""

from __future__ import annotations

import base64
import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from media_images import encode, scene
from trailguard.media.hashing import hash_file
from trailguard.media.hashtypes import PDQ
from trailguard.settings import Settings

pytestmark = pytest.mark.browser
SETTINGS = Settings(database_url="sqlite:///:memory:")
STATIC = Path(__file__).resolve().parents[2] / "src" / "trailguard" / "web" / "static"
PAGE = STATIC / "hash.html"
ORIGIN = "https://trailguard.test"  # a secure context (clipboard works); answered by page.route below: nothing leaves the test machine
BROWSER_FORMATS = (".jpg", ".jpeg", ".png", ".webp")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    pg = browser.new_page()
    pg.goto(PAGE.as_uri())
    yield pg
    pg.close()


def _references(pdq_data: Path) -> list[dict[str, str]]:
    with (pdq_data / "COMPUTED_pdq_md5_sha256.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def _hash_through_file_input(page: Page, path: Path) -> tuple[str, str, str]:
    page.evaluate(
        "document.getElementById('result').hidden = true; document.getElementById('pdq').textContent = ''"
    )
    page.set_input_files("#file", str(path))
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    return page.text_content("#pdq") or "", page.text_content("#md5") or "", page.text_content("#case") or ""


@pytest.mark.parametrize(
    "relpath",
    ["pdq/data/misc-images/wee.jpg", "pdq/data/misc-images/small.jpg", "pdq/data/bridge-mods/aaa-orig.jpg",
     "pdq/data/reg-test-input/labelme-subset/q0003.jpg", "pdq/data/reg-test-input/labelme-subset/q1050.jpg",
     "pdq/data/misc-images/c.png"],
)  # fmt: skip
def test_javascript_pdq_is_bit_exact_on_the_same_pixels(page: Page, pdq_data: Path, relpath: str) -> None:
    path = pdq_data / "threatexchange" / relpath
    with Image.open(path) as im:
        rgb = np.ascontiguousarray(np.asarray(im.convert("RGB")), dtype=np.uint8)
    expected = hash_file(path, SETTINGS)
    got = page.evaluate(
        """([b64, w, h]) => {
            const raw = atob(b64); const px = new Uint8Array(raw.length);
            for (let i = 0; i < raw.length; i++) px[i] = raw.charCodeAt(i);
            return window.TrailguardPDQ.pdqHash(px, w, h, 3);
        }""",
        [base64.b64encode(rgb.tobytes()).decode(), rgb.shape[1], rgb.shape[0]],
    )
    assert (got["hash"], got["quality"]) == (expected.pdq, expected.quality)


def test_browser_decoding_is_within_10_bits_for_good_references(page: Page, pdq_data: Path) -> None:
    checked, failures = 0, []
    for row in _references(pdq_data):
        if int(row["pdqhash_pypi_quality"]) < 80 or not row["path"].lower().endswith(BROWSER_FORMATS):
            continue
        pdq, md5, _ = _hash_through_file_input(page, pdq_data / "threatexchange" / row["path"])
        checked += 1
        if md5 != row["md5"] or PDQ.distance(pdq, row["pdqhash_pypi_hash"]) > 10:
            failures.append((row["path"], PDQ.distance(pdq, row["pdqhash_pypi_hash"]), md5 == row["md5"]))
    assert checked >= 40
    assert failures == []


def test_hashing_sends_nothing_and_gives_a_case_number(page: Page, pdq_data: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    image = pdq_data / "threatexchange" / "pdq" / "data" / "reg-test-input" / "exif-rotn" / "exif-rotn-6.jpg"
    pdq, md5, case = _hash_through_file_input(page, image)
    assert requests == []
    assert pdq == hash_file(image, SETTINGS).pdq  # EXIF tag neutralised: as stored, like the Python hasher
    assert len(md5) == 32 and case.startswith("TG-") and len(case) == 12
    # Opened as a file there is nowhere to send to: only copying is offered.
    assert page.is_hidden("#send") and page.is_visible("#copy")
    assert "never leaves your device" in (page.text_content("body") or "")


def _serve(page: Page, submit: str | None, posted: list[dict[str, object]]) -> None:
    """Serve the static files at ORIGIN the way a future Trailguard server would: hash.html with the
    `trailguard-submit` tag injected when `submit` is given, and an endpoint that records what it receives."""

    def handle(route: Route) -> None:
        url = route.request.url
        if route.request.method == "POST":
            posted.append({"url": url, "body": json.loads(route.request.post_data or "null")})
            route.fulfill(status=201, content_type="application/json", body="{}")
            return
        name = url.removeprefix(ORIGIN + "/static/")
        if not (STATIC / name).is_file():
            route.fulfill(status=404, body="")
            return
        body = (STATIC / name).read_text()
        if name == "hash.html" and submit is not None:
            tag = f'<meta name="trailguard-submit" content="{submit}">'
            body = body.replace("<title>", tag + "\n<title>", 1)
        route.fulfill(
            status=200, body=body, content_type="text/html" if name.endswith(".html") else "text/javascript"
        )

    page.route(ORIGIN + "/**", handle)
    page.goto(ORIGIN + "/static/hash.html")


def test_served_without_the_submit_tag_the_page_offers_copying_only(browser: Browser, pdq_data: Path) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    _serve(page, None, [])
    image = pdq_data / "threatexchange" / "pdq" / "data" / "misc-images" / "small.jpg"
    pdq, md5, case = _hash_through_file_input(page, image)
    assert page.is_hidden("#send")
    page.bring_to_front()  # the clipboard API needs a focused document; parallel test load can take focus
    page.click("#copy")
    # A locator wait, not wait_for_function: the page's CSP (script-src 'self') forbids the eval that a string
    # predicate needs, and newer Playwright releases honour it.
    expect(page.locator("#sent")).not_to_have_text("")
    status = page.text_content("#sent") or ""
    assert status.startswith("Copied."), status
    copied = page.evaluate("navigator.clipboard.readText()")
    expected = hash_file(image, SETTINGS)
    assert f"Case number: {case}" in copied and f"MD5: {md5}" in copied and md5 == expected.md5
    assert f"PDQ: {pdq} (quality " in copied and PDQ.distance(pdq, expected.pdq or "") <= 10
    context.close()


def test_send_appears_only_for_a_declared_same_origin_endpoint_and_posts_hashes_only(
    browser: Browser, pdq_data: Path
) -> None:
    image = pdq_data / "threatexchange" / "pdq" / "data" / "misc-images" / "small.jpg"
    for foreign in ("https://collector.example/api", "javascript:alert(1)"):
        page = browser.new_page()
        _serve(page, foreign, [])
        _hash_through_file_input(page, image)
        assert page.is_hidden("#send"), foreign
        page.close()

    page = browser.new_page()
    posted: list[dict[str, object]] = []
    _serve(page, "/api/victim-submissions", posted)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    pdq, md5, case = _hash_through_file_input(page, image)
    assert requests == [] and page.is_visible("#send")  # hashing itself still sends nothing
    page.click("#send")
    expect(page.locator("#sent")).to_have_text(re.compile(r"^Sent\."))
    [submission] = posted
    assert submission["url"] == ORIGIN + "/api/victim-submissions"
    body = submission["body"]
    assert isinstance(body, dict) and set(body) == {"case", "pdq", "quality", "md5"}
    assert (body["case"], body["pdq"], body["md5"]) == (case, pdq, md5)
    page.close()


def test_a_later_picture_is_never_overwritten_by_an_earlier_slower_one(page: Page, tmp_path: Path) -> None:
    # A person picks a large photo, then (before it is done) a small one: the codes shown must be the small
    # one's. Before, the large photo's result arrived last and replaced them on the screen.
    large = encode(scene(40, (3000, 2000)), "JPEG", quality=95)
    small = encode(scene(41, (64, 48)))
    (tmp_path / "small.png").write_bytes(small)
    page.evaluate(
        """async ([large, small]) => {
            const file = (b64, name, type) => {
                const raw = atob(b64); const bytes = new Uint8Array(raw.length);
                for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
                return new File([bytes], name, { type: type });
            };
            const input = document.getElementById("file");
            // Both choices one after the other, as fast as a person can pick twice.
            for (const f of [file(large, "large.jpg", "image/jpeg"), file(small, "small.png", "image/png")]) {
                const picked = new DataTransfer();
                picked.items.add(f);
                input.files = picked.files;
                input.dispatchEvent(new Event("change"));
            }
            // Hash the large photo once more, to its end: the earlier run of it, started first, is over by then.
            await window.TrailguardHashPage.hashFile(file(large, "large.jpg", "image/jpeg"));
        }""",
        [base64.b64encode(large).decode(), base64.b64encode(small).decode()],
    )
    expect(page.locator("#md5")).to_have_text(hash_file(tmp_path / "small.png", SETTINGS).md5 or "")
    assert page.text_content("#status") == "Done. Your picture stayed on this device."
