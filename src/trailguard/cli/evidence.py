"""`trailguard case ...` and `trailguard capture`: evidence cases, captures and their custody log.

The evidence modules (warcio, cryptography) are imported inside the commands so other commands start fast.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from platformdirs import user_data_dir

from trailguard.cli.app import app
from trailguard.settings import Settings

case_app = typer.Typer(
    help="Evidence cases: create, approve; their signed custody log.", no_args_is_help=True
)
app.add_typer(case_app, name="case")


def evidence_dir(settings: Settings) -> Path:
    """TRAILGUARD_EVIDENCE_DIR, else `evidence/` beside a SQLite database, else the user's data directory."""
    explicit = os.environ.get("TRAILGUARD_EVIDENCE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return Path(url.removeprefix("sqlite:///")).expanduser().parent / "evidence"
    return Path(user_data_dir("trailguard", appauthor=False)) / "evidence"


def _operator(name: str | None) -> str:
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _fail(message: str) -> typer.Exit:
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(2)


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
        case_id = custody.create_case(engine, evidence_dir(settings) / "keys", title, _operator(operator))
    except (custody.CaseError, keys.OperatorKeyError) as exc:
        raise _fail(str(exc)) from exc
    sys.stdout.write(case_id + "\n")


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
    _append(case_id, "note", _operator(operator), {"text": text[:10_000]})


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
    sys.stdout.write(entry.to_line().decode() + "\n")


@app.command("capture")
def capture_command(
    url: Annotated[str, typer.Argument(help="http or https URL to capture.")],
    case_id: Annotated[str, typer.Option("--case", help="Case id the capture belongs to.")],
    operator: Annotated[str | None, typer.Option(help="Who captures (default: login name).")] = None,
) -> None:
    """Fetch a page into a WARC file of the case (request, response, SHA-256 digests) and log it in custody."""
    from trailguard.evidence import capture, custody, keys
    from trailguard.store.db import create_schema, make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    who = _operator(operator)
    root = evidence_dir(settings)
    try:
        keys.check_operator(who)
        custody.case_row(engine, case_id)
        path, result = capture.store(url, root / "cases" / case_id, operator=who, case_id=case_id)
        details = result.details() | {"file": path.name, "sha256": capture.file_sha256(path)}
        entry = custody.append(engine, root / "keys", case_id, "capture", who, details)
    except (custody.CaseError, keys.OperatorKeyError, capture.CaptureError) as exc:
        raise _fail(str(exc)) from exc
    sys.stdout.write(entry.to_line().decode() + "\n")
