"""Send an approved case to the CyberTipline: status, submit, upload and fileinfo per capture, then finish.

`submit_case` is what the command line and the console call when a reviewer escalates a case to NCMEC. It
refuses a case without a reviewer's approval or whose custody log does not verify (case_content.load),
validates the report against the schema and checks every capture file against the SHA-256 in its custody
entry before anything is sent. Each step that sends something is recorded as a signed `transfer` custody
entry with what was sent (its SHA-256), NCMEC's answer and its Request-ID.

A failure raises SubmissionError, which the caller shows to the reviewer; nothing is half-done silently:
a report already opened is retracted (best effort, and the error says whether it was), a `transfer` entry
records the failure, and the case stays unreported (`reported` is None), so the console keeps its job in
the queue and a later attempt starts afresh. In the test environment the flow ends with retract, never
finish.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from trailguard.evidence import custody, keys
from trailguard.reports import case_content, cybertipline
from trailguard.reports.ncmec_client import Answer, Client, NcmecError
from trailguard.reports.reporter import Reporter
from trailguard.store.db import exclusive

if TYPE_CHECKING:
    import xmlschema

RECIPIENT = "NCMEC CyberTipline"


class SubmissionError(RuntimeError):
    """The case was not reported; the message says at which step and why, for the reviewer to read."""


@dataclass(slots=True)
class SubmitResult:
    report_id: str
    environment: str
    finished: bool  # False in the test environment: the report was retracted instead
    files: list[dict[str, str]] = field(default_factory=list)  # {file, file_id}
    request_ids: list[str] = field(default_factory=list)


def reported(engine: Engine, case_id: str) -> str | None:
    """The report id under which the case was finished with NCMEC (production), or None."""
    for entry in reversed(custody.entries(engine, case_id)):
        f = entry.fields
        details = f.get("details") or {}
        if f.get("kind") == "transfer" and details.get("to") == RECIPIENT and details.get("step") == "finish":
            return str(details.get("report_id"))
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)  # NCMEC answers an upload with its MD5 of the file
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def submit_case(
    engine: Engine,
    case_id: str,
    *,
    evidence_root: Path,
    client: Client,
    reporter: Reporter,
    operator: str,
    schema: xmlschema.XMLSchema,
    incident_type: str = cybertipline.TRAFFICKING,
    platform: str | None = None,
) -> SubmitResult:
    """Report the approved case; SubmissionError (the case left unreported) on any failure, including a case
    that is unknown, unapproved or whose custody log does not verify (then nothing is sent at all)."""
    keydir = evidence_root / "keys"
    try:
        content = case_content.load(engine, case_id)
        keys.load_or_create(keydir, operator)  # before sending: every step must be recordable
    except (custody.CaseError, keys.OperatorKeyError) as exc:
        raise SubmissionError(str(exc)) from exc
    # One sender per case at a time (across processes): two reviewers escalating at once must not make two
    # reports. The lock spans the whole exchange; custody appends are their own short transactions.
    with exclusive(engine, "ncmec-" + _sha256(case_id.encode())[:16]):
        return _send(
            engine,
            content,
            evidence_root,
            client=client,
            reporter=reporter,
            operator=operator,
            schema=schema,
            incident_type=incident_type,
            platform=platform,
        )


def _send(
    engine: Engine,
    content: case_content.CaseContent,
    evidence_root: Path,
    *,
    client: Client,
    reporter: Reporter,
    operator: str,
    schema: xmlschema.XMLSchema,
    incident_type: str,
    platform: str | None,
) -> SubmitResult:
    from trailguard.evidence.capture import file_sha256

    case_id = content.case_id
    keydir = evidence_root / "keys"
    existing = reported(engine, case_id)
    if existing:
        raise SubmissionError(f"case {case_id} was already reported to NCMEC as report {existing}")
    try:
        xml = cybertipline.check(
            schema, cybertipline.build(content, reporter, incident_type, platform=platform)
        )
    except cybertipline.ReportInvalidError as exc:
        raise SubmissionError(str(exc)) from exc
    archive = evidence_root / "cases" / case_id / "archive"
    files: list[tuple[case_content.Captured, Path]] = []
    for capture in content.captures:
        path = archive / Path(capture.file).name
        if not path.is_file():
            raise SubmissionError(f"capture file {capture.file} of case {case_id} is missing from {archive}")
        if file_sha256(path) != capture.sha256:
            raise SubmissionError(
                f"capture file {capture.file} does not match the SHA-256 in its custody entry; not sent"
            )
        files.append((capture, path))

    settings = client.settings
    result = SubmitResult(report_id="", environment=settings.environment, finished=False)

    def record(step: str, answer: Answer | None, **details: Any) -> None:
        if answer is not None and answer.request_id:
            result.request_ids.append(answer.request_id)
        body = {
            "to": RECIPIENT,
            "environment": settings.environment,
            "url": settings.base_url,
            "step": step,
            "report_id": result.report_id or None,
            "request_id": answer.request_id if answer else None,
            "response_code": answer.code if answer else None,
        }
        custody.append(engine, keydir, case_id, "transfer", operator, body | details)

    try:
        client.status()
        answer = client.submit(xml)
        result.report_id = answer.report_id or ""
        record("submit", answer, sha256=_sha256(xml), bytes=len(xml))
        for capture, path in files:
            up = client.upload(result.report_id, path)
            local_md5 = _md5(path)
            if up.md5 and up.md5 != local_md5:
                raise NcmecError(
                    "upload",
                    f"NCMEC received {capture.file} with MD5 {up.md5}, not {local_md5}",
                    request_id=up.request_id,
                )
            record("upload", up, file=capture.file, sha256=capture.sha256, md5=local_md5, file_id=up.file_id)
            details = cybertipline.check(
                schema,
                cybertipline.file_details(result.report_id, up.file_id or "", capture),
                "the file details",
            )
            info = client.fileinfo(details)
            record("fileinfo", info, file=capture.file, file_id=up.file_id, sha256=_sha256(details))
            result.files.append({"file": capture.file, "file_id": up.file_id or ""})
        if settings.test_mode:
            done = client.retract(result.report_id)
            record("retract", done, reason="test environment: reports are never finished")
        else:
            done = client.finish(result.report_id)
            result.finished = True
            record("finish", done, files=done.files)
    except (NcmecError, cybertipline.ReportInvalidError, OSError, SQLAlchemyError, custody.CaseError) as exc:
        raise _failed(engine, keydir, case_id, operator, client, result, exc) from exc
    return result


def _failed(
    engine: Engine,
    keydir: Path,
    case_id: str,
    operator: str,
    client: Client,
    result: SubmitResult,
    exc: Exception,
) -> SubmissionError:
    """Retract what was opened, record the failure in custody, and the error for the reviewer."""
    retracted = None
    if result.report_id and not result.finished:
        try:
            client.retract(result.report_id)
            retracted = True
        except NcmecError:
            retracted = False
    settings = client.settings
    try:
        custody.append(
            engine,
            keydir,
            case_id,
            "transfer",
            operator,
            {
                "to": RECIPIENT,
                "environment": settings.environment,
                "url": settings.base_url,
                "step": "failed",
                "report_id": result.report_id or None,
                "error": str(exc)[:2000],
                "request_id": getattr(exc, "request_id", None),
                "retracted": retracted,
            },
        )
        unrecorded = ""
    except (SQLAlchemyError, custody.CaseError, OSError) as again:
        unrecorded = f"; the failure could not be written to the custody log either ({again})"
    if result.finished:  # NCMEC has it, only our record failed: never let the console send it twice
        return SubmissionError(
            f"case {case_id} WAS reported to NCMEC as report {result.report_id}, but recording that failed: "
            f"{exc}{unrecorded}. Record it in the case before any new attempt."
        )
    message = f"case {case_id} was not reported: {exc}{unrecorded}"
    if retracted is True:
        message += f"; the opened report {result.report_id} was retracted"
    elif retracted is False:
        message += f"; the opened report {result.report_id} could NOT be retracted: tell NCMEC"
    return SubmissionError(message)
