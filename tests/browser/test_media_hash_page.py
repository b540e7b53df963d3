"""The on-device hashing page in headless Chromium: exact PDQ on the same pixels, close PDQ from the
browser's own decoding, equal MD5, and no network request while hashing."""

from __future__ import annotations

import base64
import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trailguard.media.hashing import hash_file
from trailguard.media.hexcodes import hamming
from trailguard.settings import Settings

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, sync_playwright

pytestmark = pytest.mark.browser
SETTINGS = Settings(database_url="sqlite:///:memory:")
PAGE = Path(__file__).resolve().parents[2] / "src" / "trailguard" / "web" / "static" / "hash.html"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
BROWSER_FORMATS = (".jpg", ".jpeg", ".png", ".webp")


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    pg = browser.new_page()
    pg.goto(PAGE.as_uri())
    yield pg
    pg.close()


def _references(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "pdq" / "COMPUTED_pdq_md5_sha256.csv").open(newline="") as fh:
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
def test_javascript_pdq_is_bit_exact_on_the_same_pixels(page: Page, shared_data: Path, relpath: str) -> None:
    path = shared_data / "pdq" / "threatexchange" / relpath
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


def test_browser_decoding_is_within_10_bits_for_good_references(page: Page, shared_data: Path) -> None:
    checked, failures = 0, []
    for row in _references(shared_data):
        if int(row["pdqhash_pypi_quality"]) < 80 or not row["path"].lower().endswith(BROWSER_FORMATS):
            continue
        pdq, md5, _ = _hash_through_file_input(page, shared_data / "pdq" / "threatexchange" / row["path"])
        checked += 1
        if md5 != row["md5"] or hamming(pdq, row["pdqhash_pypi_hash"]) > 10:
            failures.append((row["path"], hamming(pdq, row["pdqhash_pypi_hash"]), md5 == row["md5"]))
    assert checked >= 40
    assert failures == []


def test_hashing_sends_nothing_and_gives_a_case_number(page: Page, shared_data: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    image = (
        shared_data
        / "pdq"
        / "threatexchange"
        / "pdq"
        / "data"
        / "reg-test-input"
        / "exif-rotn"
        / "exif-rotn-6.jpg"
    )
    pdq, md5, case = _hash_through_file_input(page, image)
    assert requests == []
    assert pdq == hash_file(image, SETTINGS).pdq  # EXIF tag neutralised: as stored, like the Python hasher
    assert len(md5) == 32 and case.startswith("TG-") and len(case) == 12
    # Opened as a file there is nowhere to send to: only copying is offered.
    assert page.is_hidden("#send") and page.is_visible("#copy")
    assert "never leaves your device" in (page.text_content("body") or "")
