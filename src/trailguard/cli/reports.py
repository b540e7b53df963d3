"""`trailguard report ...` and `trailguard import stix`: CyberTipline, STIX 2.1 and CSV from approved cases.

The report modules (xmlschema, stix2, httpx) are imported inside the commands so other commands start fast.
Faults a user must fix (an unapproved case, a missing setting, invalid XML or STIX) end with one line per
problem on stderr and exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from trailguard.cli.app import app
from trailguard.cli.terminal import echo, emit_json
from trailguard.evidence.keys import operator_or_login
from trailguard.evidence.location import evidence_dir
from trailguard.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from trailguard.reports.reporter import Reporter

report_app = typer.Typer(
    help="Reports from approved cases: CyberTipline XML (and submission), STIX 2.1, CSV.",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")
import_app = typer.Typer(help="Import what partners share: STIX 2.1 bundles.", no_args_is_help=True)
app.add_typer(import_app, name="import")

_CASE = Annotated[str, typer.Option("--case", help="Id of an approved case.")]


def _fail(message: str) -> NoReturn:
    for line in message.splitlines():
        echo(line, err=True)
    raise typer.Exit(2)


def _engine() -> Engine:
    from trailguard.store.db import create_schema, make_engine

    engine = make_engine(Settings.from_env().database_url)
    create_schema(engine)
    return engine


def _reporter(
    org: str | None, first: str | None, last: str | None, email: str | None, phone: str | None
) -> Reporter:
    from trailguard.reports import reporter

    return reporter.from_env(
        {"org": org, "first_name": first, "last_name": last, "email": email, "phone": phone}
    )


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: a partial report must never be mistaken for one."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


_ORG = Annotated[
    str | None, typer.Option("--reporter-org", help="Reporting organisation (TRAILGUARD_REPORTER_ORG).")
]
_FIRST = Annotated[
    str | None,
    typer.Option("--reporter-first-name", help="Contact's first name (TRAILGUARD_REPORTER_FIRST_NAME)."),
]
_LAST = Annotated[
    str | None,
    typer.Option("--reporter-last-name", help="Contact's last name (TRAILGUARD_REPORTER_LAST_NAME)."),
]
_EMAIL = Annotated[
    str | None, typer.Option("--reporter-email", help="Contact's email (TRAILGUARD_REPORTER_EMAIL).")
]
_PHONE = Annotated[
    str | None, typer.Option("--reporter-phone", help="Contact's phone (TRAILGUARD_REPORTER_PHONE).")
]


@report_app.command("cybertipline")
def report_cybertipline(
    case_id: _CASE,
    out: Annotated[Path | None, typer.Option("--out", help="Write the report XML here.")] = None,
    submit: Annotated[
        bool, typer.Option("--submit", help="Send it: status, submit, upload, fileinfo, finish (see docs).")
    ] = False,
    incident_type: Annotated[
        str, typer.Option("--incident-type", help="One of the schema's incident types.")
    ] = "Child Sex Trafficking",
    platform: Annotated[str | None, typer.Option(help="incidentSummary/platform, if one applies.")] = None,
    operator: Annotated[str | None, typer.Option(help="Who sends it (default: login name).")] = None,
    reporter_org: _ORG = None,
    reporter_first_name: _FIRST = None,
    reporter_last_name: _LAST = None,
    reporter_email: _EMAIL = None,
    reporter_phone: _PHONE = None,
) -> None:
    """Build the CyberTipline report of an approved case, validate it against TRAILGUARD_NCMEC_XSD, write it."""
    from trailguard.evidence.custody import CaseError
    from trailguard.reports import case_content, cybertipline, ncmec_client, submission

    if out is None and not submit:
        raise typer.BadParameter("give --out REPORT.xml, --submit, or both")
    schema = cybertipline.load_schema(cybertipline.schema_path())
    who = _reporter(reporter_org, reporter_first_name, reporter_last_name, reporter_email, reporter_phone)
    who.require("first_name", "last_name", "email")
    settings = ncmec_client.ClientSettings.from_env() if submit else None  # a missing setting stops it here
    engine = _engine()
    try:
        content = case_content.load(engine, case_id)
        xml = cybertipline.check(schema, cybertipline.build(content, who, incident_type, platform=platform))
    except (CaseError, cybertipline.ReportInvalidError) as exc:
        _fail(f"error: {exc}")
    if out is not None:
        _write(out, xml)
        emit_json({"case": case_id, "report": str(out), "bytes": len(xml), "valid": True})
    if settings is None:
        return
    try:
        with ncmec_client.Client(settings) as client:
            result = submission.submit_case(
                engine,
                case_id,
                evidence_root=evidence_dir(Settings.from_env()),
                client=client,
                reporter=who,
                operator=operator_or_login(operator),
                schema=schema,
                incident_type=incident_type,
                platform=platform,
            )
    except submission.SubmissionError as exc:
        _fail(f"error: {exc}")
    emit_json(
        {
            "case": case_id,
            "report_id": result.report_id,
            "environment": result.environment,
            "finished": result.finished,
            "files": result.files,
        }
    )


@report_app.command("check")
def report_check(file: Annotated[Path, typer.Argument(help="A CyberTipline report XML file.")]) -> None:
    """Validate a report XML file against TRAILGUARD_NCMEC_XSD; every problem as "element path: reason"."""
    from trailguard.reports import cybertipline

    schema = cybertipline.load_schema(cybertipline.schema_path())
    with file.open("rb") as fh:
        found = cybertipline.problems(schema, fh.read(cybertipline.MAX_XML_BYTES + 1))
    if found:
        _fail("\n".join(f"{file}: {p}" for p in found))
    emit_json({"file": str(file), "valid": True})


@report_app.command("stix")
def report_stix(
    case_id: _CASE,
    out: Annotated[Path, typer.Option("--out", help="Write the STIX 2.1 bundle (JSON) here.")],
    tlp: Annotated[
        str, typer.Option("--tlp", help="TLP 2.0 marking: clear, green, amber, amber+strict or red.")
    ] = "amber",
    reporter_org: _ORG = None,
) -> None:
    """Export an approved case as a STIX 2.1 bundle (observables, indicators, TLP 2.0), checked by stix2-validator."""
    from trailguard.evidence.custody import CaseError
    from trailguard.reports import case_content, stix_export, stix_objects

    if tlp not in stix_objects.TLP2_IDS:
        raise typer.BadParameter(f"--tlp must be one of {', '.join(stix_objects.TLP_ORDER)}, not {tlp!r}")
    org = _reporter(reporter_org, None, None, None, None).require("org").org
    try:
        content = case_content.load(_engine(), case_id)
    except CaseError as exc:
        _fail(f"error: {exc}")
    built = stix_export.build(content, reporter_org=org, tlp=tlp)
    bundle = built.serialize(pretty=True)
    found = stix_export.problems(bundle)
    if found:
        _fail(str(stix_export.StixInvalidError(found)))
    _write(out, bundle.encode())
    emit_json({"case": case_id, "bundle": str(out), "objects": len(built.objects), "tlp": tlp})


@report_app.command("csv")
def report_csv(
    case_id: _CASE,
    out: Annotated[Path, typer.Option("--out", help="Write the CSV here.")],
) -> None:
    """Export an approved case's captures, items and identifiers as CSV (cells safe to open in a spreadsheet)."""
    import io

    from trailguard.evidence.custody import CaseError
    from trailguard.reports import case_content, csv_export

    try:
        content = case_content.load(_engine(), case_id)
    except CaseError as exc:
        _fail(f"error: {exc}")
    text = io.StringIO(newline="")
    count = csv_export.write(content, text)
    _write(out, text.getvalue().encode("utf-8"))
    emit_json({"case": case_id, "csv": str(out), "rows": count})


@import_app.command("stix")
def import_stix(
    bundle: Annotated[Path, typer.Argument(help="A STIX 2.1 bundle (JSON) from a partner.")],
    bank: Annotated[
        str | None,
        typer.Option(help="Hash bank for file hashes (MD5, SHA-256); without it they are skipped."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Partner name recorded (default: the identity that authored the bundle)."),
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who imports (default: login name).")] = None,
) -> None:
    """Import a partner's indicators and observables: identifiers to the watch list, hashes to a bank."""
    from trailguard.evidence.keys import OperatorKeyError
    from trailguard.reports import stix_import

    with bundle.open("rb") as fh:
        data = fh.read(stix_import.MAX_BUNDLE_BYTES + 1)
    engine = _engine()
    try:
        summary = stix_import.import_bundle(
            engine, data, operator=operator_or_login(by), source=source, bank=bank
        )
    except stix_import.BundleError as exc:
        _fail(f"error: {bundle}: {exc}")
    except KeyError as exc:  # no such bank
        raise typer.BadParameter(str(exc.args[0])) from None
    except OperatorKeyError as exc:
        raise typer.BadParameter(f"--by: {exc}") from None
    for line in summary.errors:
        echo(f"{bundle}: {line}", err=True)
    emit_json({"bundle": str(bundle)} | summary.as_dict())
    if summary.errors:
        raise typer.Exit(1)
