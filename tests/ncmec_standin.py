"""A local stand-in for NCMEC's CyberTipline Reporting API, on 127.0.0.1 only, for the client tests.

It answers as the API documents: Basic auth (a 401 with an empty body when refused), a `Request-ID` header on
every answer, `reportResponse` XML with responseCode 0, 4100 when the submitted XML fails the real schema
(validated here with xmlschema, like NCMEC does), 5102 for a change to a finished report, and `reportDoneResponse`
for finish. `slow` paths sleep past a client's time-out. Every call is logged in `calls` for the tests to read.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from urllib.parse import parse_qs

import xmlschema

USER, PASSWORD = "esp-test", "s3cret-test"


@dataclass
class StandIn:
    schema: xmlschema.XMLSchema
    url: str = ""
    calls: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    slow: set[str] = field(default_factory=set)  # paths that answer after `delay` seconds
    delay: float = 2.0
    fail_upload_code: int | None = None  # answer every upload with this code
    reports: dict[str, dict[str, object]] = field(default_factory=dict)  # id -> {finished, files, xml}
    next_id: int = 1000


def _response(code: int, description: str, **extra: str) -> bytes:
    parts = "".join(f"<{k}>{v}</{k}>" for k, v in extra.items())
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><reportResponse><responseCode>{code}</responseCode>"
        f"<responseDescription>{description}</responseDescription>{parts}</reportResponse>"
    ).encode()


def _handler(state: StandIn) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            rid = str(uuid.uuid4())
            state.request_ids.append(rid)
            self.send_response(status)
            self.send_header("Request-ID", rid)
            self.send_header("Content-Type", "text/xml" if body else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self) -> bool:
            expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            return self.headers.get("Authorization") == expected

        def _route(self, method: str) -> None:
            path = self.path.split("?")[0].removeprefix("/ispws")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.calls.append(path)
            if path in state.slow:
                time.sleep(state.delay)
            if not self._authorised():
                self._send(401, b"")
                return
            answer = getattr(self, f"_{method}{path.replace('/', '_')}", None)
            if answer is None:
                self._send(404, b"")
                return
            self._send(200, answer(body))

        def do_GET(self) -> None:
            self._route("get")

        def do_POST(self) -> None:
            self._route("post")

        def _get_status(self, body: bytes) -> bytes:
            return _response(0, "Success")

        def _post_submit(self, body: bytes) -> bytes:
            errors = list(state.schema.iter_errors(body.decode("utf-8", "replace")))
            if errors:
                return _response(4100, f"Validation failed: {errors[0].reason}")
            rid = str(state.next_id)
            state.next_id += 1
            state.reports[rid] = {"finished": False, "files": [], "xml": body}
            return _response(0, "Success", reportId=rid)

        def _form(self, body: bytes) -> dict[str, str]:
            return {k: v[0] for k, v in parse_qs(body.decode()).items()}

        def _post_upload(self, body: bytes) -> bytes:
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
            )
            fields: dict[str, bytes] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                fields[str(name)] = payload if isinstance(payload, bytes) else b""
            rid = fields.get("id", b"").decode()
            report = state.reports.get(rid)
            if report is None:
                return _response(1000, "Unknown report")
            if report["finished"]:
                return _response(5102, "Report already finished")
            if state.fail_upload_code is not None:
                return _response(state.fail_upload_code, "Upload failed")
            file_id = uuid.uuid4().hex
            files = report["files"]
            assert isinstance(files, list)
            files.append(file_id)
            return _response(
                0, "Success", reportId=rid, fileId=file_id, hash=hashlib.md5(fields["file"]).hexdigest()
            )

        def _post_fileinfo(self, body: bytes) -> bytes:
            errors = list(state.schema.iter_errors(body.decode("utf-8", "replace")))
            if errors:
                return _response(4100, f"Validation failed: {errors[0].reason}")
            return _response(0, "Success")

        def _post_finish(self, body: bytes) -> bytes:
            rid = self._form(body).get("id", "")
            report = state.reports.get(rid)
            if report is None:
                return _response(1000, "Unknown report")
            if report["finished"]:
                return _response(5102, "Report already finished")
            report["finished"] = True
            files = "".join(f"<fileId>{f}</fileId>" for f in report["files"])  # type: ignore[attr-defined]
            return (
                f"<?xml version='1.0' encoding='UTF-8'?><reportDoneResponse><responseCode>0</responseCode>"
                f"<reportId>{rid}</reportId><files>{files}</files></reportDoneResponse>"
            ).encode()

        def _post_retract(self, body: bytes) -> bytes:
            rid = self._form(body).get("id", "")
            report = state.reports.get(rid)
            if report is None:
                return _response(1000, "Unknown report")
            if report["finished"]:
                return _response(5102, "Report already finished")
            del state.reports[rid]
            return _response(0, "Success")

    return Handler


@contextmanager
def running(xsd: Path) -> Iterator[StandIn]:
    """The stand-in, serving until the block ends; `state.url` is its base URL (…/ispws)."""
    state = StandIn(schema=xmlschema.XMLSchema(str(xsd.resolve())))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/ispws"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
