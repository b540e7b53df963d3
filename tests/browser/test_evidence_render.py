"""Capture with rendering in headless Chromium: the screenshot and rendered HTML are made from the captured
bytes (the server is asked once, for the page only), run no script, are labelled derived and point at the
original response; the exported bundle carries a PDF report and still verifies."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from evidence_bundles import members, page_server, url_of
from trailguard.cli import app

pytestmark = pytest.mark.browser


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_capture_renders_offline_into_a_derived_warc_and_export_prints_a_pdf(
    chromium_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'tg.db'}")
    monkeypatch.delenv("TRAILGUARD_EVIDENCE_DIR", raising=False)
    monkeypatch.setenv("TRAILGUARD_CHROMIUM", chromium_path)
    case_id = _run("case", "create", "Rendered", "--operator", "alice")[1].strip()
    with page_server() as httpd:
        code, out, err = _run("capture", url_of(httpd, "/ad/1"), "--case", case_id, "--operator", "alice")
        requests = list(httpd.requests)
    assert code == 0, err
    assert requests == ["/ad/1"]  # no second fetch for rendering, no style sheet, no image
    details = json.loads(out)["entry"]["details"]
    archive = tmp_path / "evidence" / "cases" / case_id / "archive"
    original, derived = archive / details["file"], archive / details["derived"]["file"]
    assert hashlib.sha256(original.read_bytes()).hexdigest() == details["sha256"]
    assert hashlib.sha256(derived.read_bytes()).hexdigest() == details["derived"]["sha256"]
    with original.open("rb") as fh:
        response_id = next(
            r.rec_headers.get_header("WARC-Record-ID")
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        )
    with derived.open("rb") as fh:
        records = [(r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]
    assert [t for t, _, _ in records] == ["warcinfo", "resource", "resource"]
    assert b"DERIVED" in records[0][2]
    rendered = {h.get_header("WARC-Trailguard-Derived"): (h, body) for _, h, body in records[1:]}
    assert set(rendered) == {"screenshot", "rendered-html"}
    for headers, _ in rendered.values():
        assert headers.get_header("WARC-Refers-To") == response_id
        assert headers.get_header("WARC-Refers-To-Target-URI") == url_of(httpd, "/ad/1")
    headers, png = rendered["screenshot"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and headers.get_header("Content-Type") == "image/png"
    html = rendered["rendered-html"][1].decode()
    assert "Call 555-0142" in html and "SCRIPT RAN" not in html.split("<script>")[0]

    bundle = tmp_path / "case.wacz"
    code, _, err = _run("case", "export", case_id, "--out", str(bundle), "--operator", "alice")
    assert code == 0, err
    files = members(bundle)
    assert files["case/report.pdf"].startswith(b"%PDF-")
    roles = {r["path"]: r["trailguard:role"] for r in orjson.loads(files["datapackage.json"])["resources"]}
    assert roles[f"archive/{derived.name}"] == "derived" and roles[f"archive/{original.name}"] == "original"
    index = files["indexes/index.cdxj"].decode()
    assert "urn:screenshot:" in index and "urn:rendered-html:" in index
    code, out, err = _run("case", "verify", str(bundle))
    assert code == 0, err
    # The screenshot sits in the bundle byte for byte as it was written at capture.
    shots = [
        r.content_stream().read()
        for r in ArchiveIterator(io.BytesIO(files[f"archive/{derived.name}"]))
        if r.rec_headers.get_header("WARC-Trailguard-Derived") == "screenshot"
    ]
    assert shots == [png]
