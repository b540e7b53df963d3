"""A client for NCMEC's CyberTipline Reporting API: status, submit, upload, fileinfo, finish, retract.

Over httpx with HTTP Basic auth. Every answer is a small XML document (`reportResponse`, or
`reportDoneResponse` for finish) read with defusedxml and bounded in size; its `responseCode` decides:
0 is success, 4100 a report that failed NCMEC's validation, 5102 a report already finished (it can no longer
be changed), anything else an error carrying the code and description. A 401 comes with an empty body: the
credentials were refused. The `Request-ID` header NCMEC sends is kept on every answer and every error, so a
failure can be traced with NCMEC.

Time-outs and retries are bounded. Only what cannot have reached NCMEC is retried (a refused or timed-out
connection), plus the read-only `status`; a POST whose answer timed out may have been processed, so it is
an error, never sent twice. The test environment (the default) never calls `finish`: a report made there
is retracted instead, so nothing is ever finished by mistake against a test setting.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import defusedxml.ElementTree as DET
import httpx

from trailguard.settings import SettingsError

TEST_URL = "https://exttest.cybertip.org/ispws"
PRODUCTION_URL = "https://report.cybertip.org/ispws"
ENVIRONMENTS = {"test": TEST_URL, "production": PRODUCTION_URL}
MAX_RESPONSE_BYTES = 1_000_000

OK = 0
VALIDATION_FAILED = 4100
ALREADY_FINISHED = 5102


class NcmecError(RuntimeError):
    """A step that did not succeed; says which, NCMEC's code and description, and the Request-ID."""

    def __init__(
        self,
        step: str,
        reason: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.step = step
        self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.reason = reason
        where = f" (Request-ID {request_id})" if request_id else ""
        super().__init__(f"CyberTipline {step}: {reason}{where}")


class NcmecAuthError(NcmecError):
    """HTTP 401: the user name or password was refused."""


class NcmecValidationError(NcmecError):
    """Response code 4100: NCMEC found the XML invalid."""


class NcmecFinishedError(NcmecError):
    """Response code 5102: the report is already finished and cannot be changed or retracted."""


class NcmecTimeoutError(NcmecError):
    """No answer within the time-out (after the bounded retries, where a retry was safe)."""


@dataclass(frozen=True, slots=True)
class Answer:
    code: int
    description: str
    request_id: str | None
    report_id: str | None = None
    file_id: str | None = None
    md5: str | None = None  # what `upload` returns: the MD5 NCMEC computed of the file it received
    files: list[str] = field(default_factory=list)  # `finish`: the file ids of the finished report


def _env_float(env: Mapping[str, str], name: str, default: float, least: float, most: float) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"must be a number, got {raw!r}", name) from None
    if not least <= value <= most:
        raise SettingsError(name, f"must be {least:g}..{most:g}, got {raw}", name)
    return value


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Where and as whom to report. `from_env` reads `TRAILGUARD_NCMEC_*` (docs/reports.md)."""

    username: str
    password: str
    environment: str = "test"
    base_url: str = TEST_URL
    timeout_s: float = 30.0
    retries: int = 2  # further attempts of what is safe to retry

    @property
    def test_mode(self) -> bool:
        return self.environment != "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientSettings:
        env = os.environ if environ is None else environ
        environment = env.get("TRAILGUARD_NCMEC_ENVIRONMENT", "") or "test"
        if environment not in ENVIRONMENTS:
            raise SettingsError(
                "ncmec_environment",
                f"must be test or production, got {environment!r}",
                "TRAILGUARD_NCMEC_ENVIRONMENT",
            )
        username = env.get("TRAILGUARD_NCMEC_USERNAME", "")
        password = env.get("TRAILGUARD_NCMEC_PASSWORD", "")
        for name, value in (("USERNAME", username), ("PASSWORD", password)):
            if not value:
                variable = f"TRAILGUARD_NCMEC_{name}"
                raise SettingsError(
                    variable,
                    "is not set: the CyberTipline account NCMEC issued to your organisation",
                    variable,
                )
        base_url = env.get("TRAILGUARD_NCMEC_URL", "") or ENVIRONMENTS[environment]
        if not _allowed_url(base_url):
            raise SettingsError(
                "ncmec_url", "must be an https URL (plain http only to this machine)", "TRAILGUARD_NCMEC_URL"
            )
        timeout = _env_float(env, "TRAILGUARD_NCMEC_TIMEOUT_S", 30.0, 0.1, 600.0)
        return cls(username, password, environment, base_url.rstrip("/"), timeout)


def _allowed_url(url: str) -> bool:
    """https anywhere; plain http only to this machine (a local stand-in), never over a network."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


class Client:
    """One session with the API. Use as a context manager, or call `close`."""

    def __init__(self, settings: ClientSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self._http = httpx.Client(
            base_url=settings.base_url,
            auth=httpx.BasicAuth(settings.username, settings.password),
            timeout=httpx.Timeout(settings.timeout_s),
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": "Trailguard (CyberTipline client)"},
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def status(self) -> Answer:
        """Check the credentials and that the service is up."""
        return self._call("status", "GET", "/status", idempotent=True)

    def submit(self, report_xml: bytes) -> Answer:
        """Open a report; the answer carries its `report_id`."""
        answer = self._call("submit", "POST", "/submit", content=report_xml, headers=_XML)
        if not answer.report_id:
            raise NcmecError("submit", "the answer has no reportId", request_id=answer.request_id)
        return answer

    def upload(self, report_id: str, path: Path) -> Answer:
        """Upload one file to an open report; the answer carries its `file_id` and NCMEC's MD5 of it."""
        with path.open("rb") as fh:
            answer = self._call(
                "upload", "POST", "/upload", data={"id": report_id}, files={"file": (path.name, fh)}
            )
        if not answer.file_id:
            raise NcmecError("upload", "the answer has no fileId", request_id=answer.request_id)
        return answer

    def fileinfo(self, details_xml: bytes) -> Answer:
        """Describe an uploaded file (`fileDetails` XML)."""
        return self._call("fileinfo", "POST", "/fileinfo", content=details_xml, headers=_XML)

    def finish(self, report_id: str) -> Answer:
        """Finish the report: NCMEC receives it and it can no longer be changed. Refused in test mode."""
        if self.settings.test_mode:
            raise NcmecError("finish", "refused: the client is in the test environment, which never finishes")
        return self._call("finish", "POST", "/finish", data={"id": report_id})

    def retract(self, report_id: str) -> Answer:
        """Withdraw a report that is not finished."""
        return self._call("retract", "POST", "/retract", data={"id": report_id})

    def _call(self, step: str, method: str, path: str, *, idempotent: bool = False, **kwargs: Any) -> Answer:
        attempts = 1 + max(0, self.settings.retries)
        for attempt in range(attempts):
            try:
                response = self._http.request(method, path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                failure: NcmecError = NcmecError(step, f"cannot reach {self.settings.base_url}: {exc}")
                if isinstance(exc, httpx.TimeoutException):
                    failure = NcmecTimeoutError(step, f"no connection within {self.settings.timeout_s:g} s")
            except httpx.TimeoutException:
                failure = NcmecTimeoutError(step, f"no answer within {self.settings.timeout_s:g} s")
                if not idempotent:
                    raise NcmecTimeoutError(
                        step, f"no answer within {self.settings.timeout_s:g} s; it may have been received"
                    ) from None
            except httpx.HTTPError as exc:
                raise NcmecError(step, f"transport error: {exc}") from exc
            else:
                return _answer(step, response)
            if attempt + 1 < attempts:
                time.sleep(min(0.5 * 2**attempt, 5.0))
        raise failure


_XML = {"Content-Type": "text/xml; charset=utf-8"}


def _answer(step: str, response: httpx.Response) -> Answer:
    request_id = response.headers.get("Request-ID")
    status = response.status_code
    if status == 401:
        raise NcmecAuthError(
            step, "the user name or password was refused (HTTP 401)", http_status=401, request_id=request_id
        )
    body = response.content
    if len(body) > MAX_RESPONSE_BYTES:
        raise NcmecError(
            step, f"answer larger than {MAX_RESPONSE_BYTES} bytes", http_status=status, request_id=request_id
        )
    try:
        root = DET.fromstring(body) if body.strip() else None
    except (DET.ParseError, ValueError) as exc:  # defusedxml's refusals are ValueErrors
        root = None
        if status < 400:
            raise NcmecError(
                step, f"answer is not XML ({exc})", http_status=status, request_id=request_id
            ) from exc
    if root is None or root.findtext("responseCode") is None:
        raise NcmecError(
            step, f"HTTP {status} without a response code", http_status=status, request_id=request_id
        )
    try:
        code = int(root.findtext("responseCode", "").strip())
    except ValueError:
        raise NcmecError(
            step, "responseCode is not a number", http_status=status, request_id=request_id
        ) from None
    description = (root.findtext("responseDescription") or "").strip()
    if code == VALIDATION_FAILED:
        raise NcmecValidationError(
            step,
            f"the report failed NCMEC's validation (4100): {description}",
            code=code,
            http_status=status,
            request_id=request_id,
        )
    if code == ALREADY_FINISHED:
        raise NcmecFinishedError(
            step,
            f"the report is already finished (5102): {description}",
            code=code,
            http_status=status,
            request_id=request_id,
        )
    if code != OK or status >= 300:
        raise NcmecError(
            step, f"response code {code}: {description}", code=code, http_status=status, request_id=request_id
        )
    files_el = root.find("files")
    return Answer(
        code=code,
        description=description,
        request_id=request_id,
        report_id=(root.findtext("reportId") or "").strip() or None,
        file_id=(root.findtext("fileId") or "").strip() or None,
        md5=(root.findtext("hash") or "").strip().lower() or None,
        files=[(f.text or "").strip() for f in files_el.findall("fileId")] if files_el is not None else [],
    )
