"""`case export`: gather a case's captures and custody log into a signed WACZ bundle.

Order: the files on disk are checked against the SHA-256 their capture entries recorded and indexed (a
truncated or altered WARC stops the export with its name), then the `export` custody entry is appended and
signed, then the bundle is written holding the log up to and including that entry, its head anchored in the
signed digest. An export that fails after its entry was appended (a full disk, Chromium failing while
printing the PDF) leaves the entry (it records the attempt) and no bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import Engine

from trailguard.evidence import browser, casefiles, cdxj, custody, keys, wacz
from trailguard.evidence.capture import Limits, file_sha256


class ExportError(ValueError):
    """A case whose files cannot be exported as they are (missing, altered or corrupt)."""


@dataclass(frozen=True, slots=True)
class Archived:
    path: Path
    role: str  # original or derived
    sha256: str


def archived_files(case_dir: Path, chain: list[custody.Entry]) -> list[Archived]:
    """Every WARC named by a capture entry, checked against the SHA-256 recorded when it was written."""
    found: list[Archived] = []
    for entry in chain:
        f = entry.fields
        if f["kind"] != "capture":
            continue
        named = [("original", f["details"]["file"], f["details"]["sha256"])]
        if f["details"].get("derived"):
            named.append(("derived", f["details"]["derived"]["file"], f["details"]["derived"]["sha256"]))
        for role, name, recorded in named:
            if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
                raise ExportError(
                    f"custody entry {f['seq']}: WARC file name {str(name)[:200]!r} is not a file name"
                )
            path = case_dir / "archive" / name
            if not path.is_file():
                raise ExportError(f"custody entry {f['seq']}: WARC file {name} is missing from {path.parent}")
            if file_sha256(path) != recorded:
                raise ExportError(f"custody entry {f['seq']}: WARC file {name} has changed since capture")
            found.append(Archived(path, role, recorded))
    return found


def index_lines(files: list[Archived]) -> list[str]:
    lines: list[str] = []
    for a in files:
        with a.path.open("rb") as fh:
            try:
                lines += cdxj.index(fh, a.path.name)
            except cdxj.WARCError as exc:
                raise ExportError(str(exc)) from exc
    return lines


def pages_jsonl(chain: list[custody.Entry]) -> tuple[bytes, dict[str, str] | None]:
    """pages/pages.jsonl: the header line, then one page per capture (its first URL, its capture time)."""
    lines = [orjson.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Captured pages"})]
    first: dict[str, str] | None = None
    for entry in chain:
        f = entry.fields
        if f["kind"] != "capture":
            continue
        page = {"id": f"{f['seq']}", "url": f["details"]["url"], "ts": f["at"], "title": f["details"]["url"]}
        first = first or {"url": page["url"], "ts": page["ts"]}
        lines.append(orjson.dumps(page))
    return b"".join(line + b"\n" for line in lines), first


def export(
    engine: Engine, root: Path, case_id: str, operator: str, out: Path, *, pdf: bool = True
) -> custody.Entry:
    """Write the case's bundle to `out`; returns the `export` custody entry."""
    case = custody.case_row(engine, case_id)
    keydir = root / "keys"
    files = archived_files(root / "cases" / case_id, custody.entries(engine, case_id))
    lines = index_lines(files)
    if pdf:
        browser.executable()  # no Chromium: fail before the export entry is appended
    entry = custody.append(
        engine, keydir, case_id, "export", operator,
        {"bundle": out.name, "format": f"WACZ {wacz.WACZ_VERSION}",
         "files": [{"file": a.path.name, "sha256": a.sha256} for a in files], "report_pdf": pdf},
    )  # fmt: skip
    chain = custody.entries(engine, case_id)
    head = custody.head(chain)
    if chain[-1].entry_hash != entry.entry_hash:
        raise ExportError("another custody entry was appended during the export; export again")
    listing = [{"path": f"archive/{a.path.name}", "role": a.role, "sha256": a.sha256,
                "bytes": a.path.stat().st_size} for a in files]  # fmt: skip
    ctx = casefiles.context(
        {k: str(v) for k, v in case.items()}, chain, listing, head=head, operator=operator,
        exported_at=datetime.now(UTC).isoformat(timespec="seconds"), software=wacz.SOFTWARE,
        wacz_version=wacz.WACZ_VERSION, limits=Limits(),
    )  # fmt: skip
    report = casefiles.report_html(ctx)
    pages, main_page = pages_jsonl(chain)
    members = [wacz.Member(f"archive/{a.path.name}", a.role, a.path) for a in files]
    members += [
        wacz.Member("indexes/index.cdxj", "index", cdxj.join(lines)),
        wacz.Member("pages/pages.jsonl", "pages", pages),
        wacz.Member("case/custody.jsonl", "custody", b"".join(e.to_line() + b"\n" for e in chain)),
        wacz.Member("case/report.html", "report", report),
        wacz.Member("case/certificate.html", "certificate", casefiles.certificate_html(ctx)),
    ]
    if pdf:
        members.append(wacz.Member("case/report.pdf", "report", casefiles.pdf(report)))
    key = keys.load_or_create(keydir, operator)
    wacz.write(out, members, key, title=str(case["title"]), case_id=case_id, operator=operator, head=head,
               main_page=main_page)  # fmt: skip
    return entry
