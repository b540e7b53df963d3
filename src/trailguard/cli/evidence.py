"""`trailguard case ...` and `trailguard capture`: evidence cases, captures and their custody log.

The evidence modules (warcio, cryptography) are imported inside the commands so other commands start fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trailguard.cli.app import app
from trailguard.cli.terminal import echo, emit_json
from trailguard.evidence.keys import operator_or_login
from trailguard.evidence.location import evidence_dir
from trailguard.settings import Settings

case_app = typer.Typer(
    help="Evidence cases: create, attach, note, approve, export as WACZ, verify, import; their custody log.",
    no_args_is_help=True,
)
app.add_typer(case_app, name="case")


def _fail(message: str, code: int = 2) -> typer.Exit:
    echo(f"error: {message}", err=True)
    return typer.Exit(code)


@case_app.command("create")
def case_create(
    title: Annotated[str, typer.Argument(help="Case title.")],
    operator: Annotated[str | None, typer.Option(help="Who opens the case (default: login name).")] = None,
) -> None:
    """Create a case and print its id."""
    from trailguard.evidence import custody, keys
    from trailguard.store.db import create_schema, make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    try:
        case_id = custody.create_case(
            engine, evidence_dir(settings) / "keys", title, operator_or_login(operator)
        )
    except (custody.CaseError, keys.OperatorKeyError) as exc:
        raise _fail(str(exc)) from exc
    echo(case_id)


@case_app.command("approve")
def case_approve(
    case_id: Annotated[str, typer.Argument(help="Case id.")],
    user: Annotated[str, typer.Option("--user", help="The reviewer approving the case for reporting.")],
) -> None:
    """Approve a case for reporting: a signed `approve` custody entry by the reviewer."""
    _append(case_id, "approve", user, {})


@case_app.command("note")
def case_note(
    case_id: Annotated[str, typer.Argument(help="Case id.")],
    text: Annotated[str, typer.Argument(help="The note.")],
    operator: Annotated[str | None, typer.Option(help="Who writes the note (default: login name).")] = None,
) -> None:
    """Add a signed note to the case's custody log."""
    _append(case_id, "note", operator_or_login(operator), {"text": text[:10_000]})


def _append(case_id: str, kind: str, operator: str, details: dict[str, object]) -> None:
    from trailguard.evidence import custody, keys
    from trailguard.store.db import create_schema, make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    try:
        entry = custody.append(engine, evidence_dir(settings) / "keys", case_id, kind, operator, details)
    except (custody.CaseError, keys.OperatorKeyError) as exc:
        raise _fail(str(exc)) from exc
    emit_json(entry.to_record())


@app.command("capture")
def capture_command(
    url: Annotated[str, typer.Argument(help="http or https URL to capture.")],
    case_id: Annotated[str, typer.Option("--case", help="Case id the capture belongs to.")],
    operator: Annotated[str | None, typer.Option(help="Who captures (default: login name).")] = None,
    no_render: Annotated[
        bool,
        typer.Option("--no-render", help="No screenshot or rendered HTML (for machines without Chromium)."),
    ] = False,
) -> None:
    """Fetch a page into a WARC file of the case (request, response, SHA-256 digests) and log it in custody.

    Unless --no-render, the captured bytes are rendered offline in headless Chromium into a derived WARC
    (screenshot, rendered HTML)."""
    from trailguard.evidence import capture, custody, keys
    from trailguard.store.db import create_schema, make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    who = operator_or_login(operator)
    root = evidence_dir(settings)
    try:
        keys.check_operator(who)
        custody.case_row(engine, case_id)
        path, result = capture.store(url, root / "cases" / case_id, operator=who, case_id=case_id)
        details = result.details() | {"file": path.name, "sha256": capture.file_sha256(path)}
        if not no_render:
            details |= _render(path, who, case_id)
        entry = custody.append(engine, root / "keys", case_id, "capture", who, details)
    except (custody.CaseError, keys.OperatorKeyError, capture.CaptureError) as exc:
        raise _fail(str(exc)) from exc
    emit_json(entry.to_record())


def _render(warc: Path, operator: str, case_id: str) -> dict[str, object]:
    """The capture entry's `derived` details; a rendering that fails is recorded and warned about, and the
    original capture is kept (it is the evidence; the rendering is a convenience made from it)."""
    from trailguard.evidence import capture
    from trailguard.evidence.browser import BrowserError
    from trailguard.evidence.render import store_derived

    try:
        derived = store_derived(warc, operator=operator, case_id=case_id)
    except BrowserError as exc:
        echo(f"warning: capture kept without a rendering: {exc}", err=True)
        return {"derived": None, "render_error": str(exc)[:500]}
    return {"derived": {"file": derived.name, "sha256": capture.file_sha256(derived)}}


@case_app.command("attach")
def case_attach(
    case_id: Annotated[str, typer.Argument(help="Case id.")],
    item: Annotated[list[str] | None, typer.Option("--item", help="A stored item id (repeatable).")] = None,
    bank_entry: Annotated[
        list[int] | None,
        typer.Option("--bank-entry", help="A hash-bank entry id, e.g. of a match (repeatable)."),
    ] = None,
    operator: Annotated[str | None, typer.Option(help="Who attaches (default: login name).")] = None,
) -> None:
    """Attach stored items and hash-bank entries to a case.

    One signed custody entry each, holding the item's stored content hash or the entry's hash."""
    from trailguard.evidence import attach, custody, keys
    from trailguard.store.db import create_schema, make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    try:
        added = attach.attach(
            engine, evidence_dir(settings) / "keys", case_id, operator_or_login(operator),
            item_ids=item or [], bank_entries=bank_entry or [],
        )  # fmt: skip
    except (custody.CaseError, keys.OperatorKeyError) as exc:
        raise _fail(str(exc)) from exc
    for entry in added:
        emit_json(entry.to_record())


@case_app.command("export")
def case_export(
    case_id: Annotated[str, typer.Argument(help="Case id.")],
    out: Annotated[Path, typer.Option("--out", help="The bundle to write, e.g. CASE.wacz.")],
    operator: Annotated[str | None, typer.Option(help="Who exports and signs (default: login name).")] = None,
    no_render: Annotated[
        bool, typer.Option("--no-render", help="No PDF of the report (for machines without Chromium).")
    ] = False,
) -> None:
    """Export a case as a signed WACZ bundle.

    Originals, derived renderings, index, custody log, report (HTML and PDF) and a draft certificate of
    authenticity. Appends an `export` custody entry first."""
    from trailguard.evidence import custody, export, keys
    from trailguard.evidence.browser import BrowserError
    from trailguard.store.db import create_schema, make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    if out.exists():
        raise _fail(f"--out {out}: already exists; a bundle is never overwritten")
    try:
        entry = export.export(
            engine, evidence_dir(settings), case_id, operator_or_login(operator), out, pdf=not no_render
        )
    except (custody.CaseError, keys.OperatorKeyError, export.ExportError, BrowserError) as exc:
        raise _fail(str(exc)) from exc
    emit_json(entry.to_record())


@case_app.command("verify")
def case_verify(bundle: Annotated[Path, typer.Argument(help="The .wacz bundle to check.")]) -> None:
    """Check a bundle: exit 0 when intact, 1 naming each problem, 2 when it is not a zip or WACZ at all."""
    from trailguard.evidence.safezip import NotABundle
    from trailguard.evidence.verify import verify

    if not bundle.is_file():
        raise _fail(f"{bundle}: no such file")
    try:
        result = verify(bundle)
    except NotABundle as exc:
        raise _fail(str(exc)) from exc
    if result.problems:
        for problem in result.problems:
            echo(f"{bundle.name}: {problem}", err=True)
        raise _fail(f"{bundle.name}: {len(result.problems)} problem(s); the bundle is not intact", 1)
    echo(f"{bundle.name}: intact (case {result.case_id}, {result.files} files, "
         f"{result.custody_entries} custody entries)")  # fmt: skip


@case_app.command("import")
def case_import(
    bundle: Annotated[Path, typer.Argument(help="The .wacz bundle received.")],
    operator: Annotated[str | None, typer.Option(help="Who receives the case (default: login name).")] = None,
) -> None:
    """Take over a case from a bundle (receiving a transfer of custody).

    Verified first: nothing is imported from a bundle with any problem. Then its WARC files and custody log
    are stored as they are and a signed `transfer` entry is appended."""
    from trailguard.evidence import custody, importer, keys
    from trailguard.evidence.safezip import NotABundle, UnsafeBundle
    from trailguard.store.db import create_schema, make_engine

    if not bundle.is_file():
        raise _fail(f"{bundle}: no such file")
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    try:
        entry = importer.import_bundle(engine, evidence_dir(settings), bundle, operator_or_login(operator))
    except importer.BundleRejected as exc:
        for problem in exc.result.problems:
            echo(f"{bundle.name}: {problem}", err=True)
        raise _fail(f"{bundle.name}: {exc}", 1) from exc
    except UnsafeBundle as exc:
        raise _fail(f"{bundle.name}: {exc}", 1) from exc
    except (NotABundle, custody.CaseError, keys.OperatorKeyError) as exc:
        raise _fail(str(exc)) from exc
    emit_json(entry.to_record())
