"""Helpers for the bundle tests: a local page server, and rewriting a bundle the way a tamperer would.

`rewrite` changes members of a bundle; with `reseal_key` it also recomputes datapackage.json and signs the
digest again with that key, as an insider holding the exporting operator's key could: the checks behind the
file hashes and the signature (custody chain, WARC structure, index) must catch the change on their own.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from trailguard.evidence import custody, keys, wacz
from trailguard.signing import canonical, load_private_key

PAGE = b"<html><head><title>Room for rent</title></head><body><h1>Room</h1>Call 555-0142 (example.org)"
PAGE += b'<img src="http://example.org/a.png"><link rel="stylesheet" href="/style.css">'
PAGE += b"<script>document.body.textContent = 'SCRIPT RAN'</script></body></html>"


class PageServer(http.server.ThreadingHTTPServer):
    requests: list[str]
    body: bytes


class _Handler(http.server.BaseHTTPRequestHandler):
    server: PageServer

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def page_server(body: bytes = PAGE) -> Iterator[PageServer]:
    """A page (`body`, as text/html) on 127.0.0.1 that records every path asked for."""
    httpd = PageServer(("127.0.0.1", 0), _Handler)
    httpd.requests, httpd.body = [], body
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def url_of(httpd: PageServer, path: str) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}{path}"


def members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rewrite(src: Path, dst: Path, changes: dict[str, bytes | None], *, reseal_key: Path | None = None,
            extra: list[zipfile.ZipInfo] | None = None) -> Path:  # fmt: skip
    """`src` with members replaced (None: removed) or added; resealed with `reseal_key` if given."""
    files = members(src)
    for name, data in changes.items():
        if data is None:
            files.pop(name)
        else:
            files[name] = data
    if reseal_key is not None:
        files = _reseal(files, reseal_key)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in files.items():
            method = zipfile.ZIP_STORED if name.startswith("archive/") else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(name), data, method)
        for info in extra or []:
            zf.writestr(info, b"x")
    return dst


def _reseal(files: dict[str, bytes], key_path: Path, head: dict[str, Any] | None = None) -> dict[str, bytes]:
    package: dict[str, Any] = orjson.loads(files[wacz.DATAPACKAGE])
    package["resources"] = [
        {"name": n.rsplit("/", 1)[-1], "path": n, "hash": "sha256:" + hashlib.sha256(d).hexdigest(),
         "bytes": len(d)}
        for n, d in files.items() if n not in (wacz.DATAPACKAGE, wacz.DIGEST)
    ]  # fmt: skip
    raw = orjson.dumps(package)
    digest = orjson.loads(files[wacz.DIGEST])
    old = digest["signedData"]
    signed = wacz.signed_data(raw, load_private_key(key_path, create=False), case_id=old["case"],
                              operator=old["operator"], head=head or old["custodyHead"], created=old["created"])  # fmt: skip
    digest["hash"], digest["signedData"] = signed["hash"], signed
    return files | {wacz.DATAPACKAGE: raw, wacz.DIGEST: orjson.dumps(digest)}


def forge(src: Path, dst: Path, key_path: Path, mutate: Any) -> Path:
    """`src` with its whole custody log rewritten by `mutate(entry_fields, position)` and every entry, the
    chain and the digest signed again with one key: a self-consistent forgery, which verifies, so only the
    checks on the values themselves (and the key fingerprints, out of band) stand against it."""
    key = load_private_key(key_path, create=False)
    public = keys.public_hex(key)
    files = members(src)
    lines, prev = [], custody.GENESIS
    for n, line in enumerate(files["case/custody.jsonl"].splitlines()):
        entry = orjson.loads(line)["entry"]
        mutate(entry, n)
        entry["prev"], entry["key"] = prev, public
        body = canonical(entry)
        prev = hashlib.sha256(body).hexdigest()
        lines.append(orjson.dumps({"entry": entry, "hash": prev, "signature": key.sign(body).hex()}) + b"\n")
    files["case/custody.jsonl"] = b"".join(lines)
    sealed = _reseal(files, key_path, head={"count": len(lines), "last_hash": prev})
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in sealed.items():
            zf.writestr(
                zipfile.ZipInfo(name),
                data,
                zipfile.ZIP_STORED if name.startswith("archive/") else zipfile.ZIP_DEFLATED,
            )
    return dst
