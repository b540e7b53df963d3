"""Capture into WARC and the signed custody log, end to end through the CLI, from a local server only.

Without rendering (--no-render): Chromium is covered in tests/browser/test_evidence_render.py."""

from __future__ import annotations

import hashlib
import http.server
import json
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from trailguard.cli import app
from trailguard.evidence import custody
from trailguard.evidence.capture import CaptureError, check_url
from trailguard.store.db import create_schema, make_engine

PAGE = b"<html><head><title>Room for rent</title></head><body>Call 555-0142 (example.org)</body></html>"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 30_000_000)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'tg.db'}")
    monkeypatch.delenv("TRAILGUARD_EVIDENCE_DIR", raising=False)
    return tmp_path


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_capture_writes_warc_with_sha256_digests_and_a_signed_custody_entry(env: Path, server: str) -> None:
    code, out, _ = _run("case", "create", "Ads on example.org", "--operator", "alice")
    assert code == 0
    case_id = out.strip()
    code, out, err = _run(
        "capture", f"{server}/ad/1", "--case", case_id, "--operator", "alice", "--no-render"
    )
    assert code == 0, err
    entry = json.loads(out)["entry"]
    assert entry["kind"] == "capture" and entry["operator"] == "alice" and entry["seq"] == 1
    warc = env / "evidence" / "cases" / case_id / "archive" / entry["details"]["file"]
    assert entry["details"]["sha256"] == hashlib.sha256(warc.read_bytes()).hexdigest()
    with warc.open("rb") as fh:
        records = list((r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(fh))
    # warcio writes a request-response pair response first
    assert [t for t, _, _ in records] == ["warcinfo", "response", "request"]
    info = records[0][2].decode()
    assert "operator: alice" in info and "Trailguard/" in info
    _, headers, payload = records[1]
    assert payload == PAGE
    assert headers.get_header("WARC-Payload-Digest").startswith("sha256:")
    assert headers.get_header("WARC-Target-URI") == f"{server}/ad/1"
    assert headers.get_header("WARC-Date")
    key = env / "evidence" / "keys" / "alice.ed25519"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    engine = make_engine(f"sqlite:///{env / 'tg.db'}")
    create_schema(engine)
    chain = custody.entries(engine, case_id)
    assert [e.fields["kind"] for e in chain] == ["create", "capture"]
    assert custody.check_chain(chain, case_id) == []


def test_approve_appends_a_signed_entry_and_tampering_in_the_store_is_found(env: Path) -> None:
    case_id = _run("case", "create", "Case B", "--operator", "alice")[1].strip()
    code, out, _ = _run("case", "approve", case_id, "--user", "bob")
    assert code == 0 and json.loads(out)["entry"]["kind"] == "approve"
    engine = make_engine(f"sqlite:///{env / 'tg.db'}")
    chain = custody.entries(engine, case_id)
    assert custody.check_chain(chain, case_id) == []
    edited = custody.Entry(chain[1].body.replace(b'"bob"', b'"eve"'), chain[1].entry_hash, chain[1].signature)
    assert any("edited" in p for p in custody.check_chain([chain[0], edited], case_id))
    assert any("bad signature" in p for p in custody.check_chain([chain[0], edited], case_id))
    assert any("reordered" in p for p in custody.check_chain([chain[1], chain[0]], case_id))
    assert any("reordered" in p for p in custody.check_chain([chain[1]], case_id))


def test_refusals_name_the_reason(env: Path, server: str) -> None:
    case_id = _run("case", "create", "Case C", "--operator", "alice")[1].strip()
    code, _, err = _run("capture", "file:///etc/passwd", "--case", case_id)
    assert code == 2 and "only http and https" in err
    code, _, err = _run("capture", f"{server}/x", "--case", "case-missing")
    assert code == 2 and "no case" in err
    code, _, err = _run("capture", f"{server}/big", "--case", case_id, "--operator", "alice")
    assert code == 2 and "larger than" in err
    assert not list((env / "evidence" / "cases" / case_id / "archive").iterdir())  # nothing half-written
    code, out, _ = _run(
        "capture", f"{server}/redirect-file", "--case", case_id, "--operator", "alice", "--no-render"
    )
    details = json.loads(out)["entry"]["details"]
    assert code == 0 and [h["status"] for h in details["hops"]] == [302] and "not followed" in details["note"]
    code, _, err = _run("case", "approve", case_id, "--user", "../etc")
    assert code == 2 and "not allowed" in err


@given(st.text(max_size=200) | st.builds(lambda s: "http://" + s, st.text(max_size=100)))
def test_check_url_accepts_only_http_urls_with_a_host_or_says_why(raw: str) -> None:
    try:
        scheme, host, port, path = check_url(raw)
    except CaptureError as exc:
        assert str(exc)
    else:
        assert scheme in ("http", "https") and host and 0 <= port <= 65535 and path.startswith("/")
        assert not any(c in raw for c in "\r\n\t ")
