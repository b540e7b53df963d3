"""Fetch one web page into a WARC file: warcinfo, then a request and a response record per hop.

Records are built with warcio's record builder from what `http.client` sent and received, rather than with
`warcio.capture_http`: that recorder copies the whole read buffer even when the socket returned fewer bytes
(a response without Content-Length ends with stale bytes recorded), which evidence cannot afford. The
request record holds exactly the header lines this module sent (it sets every header itself). The response
payload is the body as received with transfer coding removed (http.client de-chunks); when the server sent
`Transfer-Encoding`, that header is kept renamed `X-Trailguard-Orig-Transfer-Encoding` so readers do not try
to de-chunk again. Digests are SHA-256 (warcio's default is SHA-1).
"""

from __future__ import annotations

import hashlib
import http.client
import io
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

import trailguard

REDIRECTS = (301, 302, 303, 307, 308)


class CaptureError(ValueError):
    """A URL that may not be fetched, or a fetch that failed or went past a bound."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 20_000_000  # per response body
    timeout_s: float = 30.0  # per socket operation and for the whole capture
    max_redirects: int = 5


@dataclass(slots=True)
class Hop:
    url: str
    status: int
    payload_digest: str
    bytes: int


@dataclass(slots=True)
class Capture:
    url: str
    hops: list[Hop] = field(default_factory=list)
    note: str = ""

    def details(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "hops": [asdict(h) for h in self.hops],
            "note": self.note,
        }


class Sha256Writer(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests (its default is SHA-1)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL without credentials; anything else refused."""
    if len(url) > 8192:
        raise CaptureError("URL longer than 8192 characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced IPv6 bracket
        raise CaptureError(f"URL {url[:200]!r} cannot be parsed: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise CaptureError(f"only http and https URLs are captured, not {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise CaptureError(f"URL {url!r} has no host")
    if parts.username or parts.password:
        raise CaptureError("URLs with credentials are not captured (they would be written into the evidence)")
    if any(c in url for c in "\r\n\t "):
        raise CaptureError("URL contains whitespace or control characters")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise CaptureError(f"URL {url!r} has a bad port") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def capture(url: str, out: BinaryIO, *, operator: str, case_id: str, limits: Limits | None = None) -> Capture:
    """Write the capture of `url` to `out` (a gzipped WARC 1.1); follows http(s) redirects only."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.timeout_s
    writer = Sha256Writer(out, gzip=True, warc_version="1.1")
    writer.write_record(
        writer.create_warcinfo_record(
            f"{case_id}.warc.gz",
            {
                "software": f"Trailguard/{trailguard.__version__} (warcio)",
                "format": "WARC File Format 1.1",
                "operator": operator,
                "isPartOf": case_id,
                "description": "Evidence capture; records are originals, never rewritten",
            },
        )
    )
    result = Capture(url=url)
    current = url
    for _ in range(limits.max_redirects + 1):
        status, location = _fetch_one(current, writer, limits, deadline, result)
        if status not in REDIRECTS or not location:
            return result
        try:
            target = urljoin(current, location)
            scheme = urlsplit(target).scheme
        except ValueError:  # a Location that cannot be parsed is recorded, not followed
            target, scheme = location, ""
        if scheme not in ("http", "https"):
            result.note = f"redirect to {target[:200]!r} not followed: not http or https"
            return result
        current = target
    result.note = f"stopped after {limits.max_redirects} redirects"
    return result


def _fetch_one(
    url: str, writer: WARCWriter, limits: Limits, deadline: float, result: Capture
) -> tuple[int, str]:
    scheme, host, port, path = check_url(url)
    remaining = max(0.1, deadline - time.monotonic())
    conn_cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(host, port, timeout=min(limits.timeout_s, remaining))
    host_header = host if port in (80, 443) else f"{host}:{port}"
    headers = [
        ("Host", host_header),
        ("User-Agent", f"Trailguard/{trailguard.__version__} (evidence capture)"),
        ("Accept", "*/*"),
        ("Accept-Encoding", "identity"),
        ("Connection", "close"),
    ]
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        body = _read_bounded(resp, limits, deadline)
        resp_headers = resp.getheaders()
        status, reason, version = resp.status, resp.reason, resp.version
    except (OSError, http.client.HTTPException) as exc:
        raise CaptureError(f"fetching {url}: {exc}") from exc
    finally:
        conn.close()
    kept = [
        ("X-Trailguard-Orig-Transfer-Encoding", v) if k.lower() == "transfer-encoding" else (k, v)
        for k, v in resp_headers
    ]
    protocol = "HTTP/1.0" if version == 10 else "HTTP/1.1"
    request = writer.create_warc_record(
        url,
        "request",
        payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", headers, is_http_request=True),
    )
    response = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=StatusAndHeaders(f"{status} {reason}", kept, protocol=protocol),
    )
    writer.write_request_response_pair(request, response)
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    result.hops.append(Hop(url=url, status=status, payload_digest=digest, bytes=len(body)))
    return status, resp.getheader("Location") or ""


def _read_bounded(resp: http.client.HTTPResponse, limits: Limits, deadline: float) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise CaptureError(f"capture took longer than {limits.timeout_s:g} s")
        chunk = resp.read(65536)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limits.max_bytes:
            raise CaptureError(f"response larger than {limits.max_bytes} bytes; not captured")
        chunks.append(chunk)


def store(
    url: str, case_dir: Path, *, operator: str, case_id: str, limits: Limits | None = None
) -> tuple[Path, Capture]:
    """Capture into the case's archive directory; a failed capture leaves no file behind."""
    archive = case_dir / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"
    final = archive / f"{name}.warc.gz"
    n = 0
    while final.exists():
        n += 1
        final = archive / f"{name}-{n}.warc.gz"
    partial = final.with_suffix(".partial")
    try:
        with partial.open("xb") as fh:
            result = capture(url, fh, operator=operator, case_id=case_id, limits=limits)
        partial.rename(final)
    finally:
        partial.unlink(missing_ok=True)
    return final, result


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
