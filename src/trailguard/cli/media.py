"""`trailguard hash`, `trailguard match` and `trailguard bank ...`: media hashing and hash banks.

Imaging (numpy, Pillow, pdqhash) and the store (SQLAlchemy) are imported inside the commands that use them:
every `trailguard` invocation imports this module to list its commands (see cli/__init__.py).
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trailguard.cli.app import app
from trailguard.cli.terminal import emit_json
from trailguard.media.hashtypes import HASH_TYPES, MD5, PDQ, HashType, hash_type
from trailguard.model import ImageHash
from trailguard.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from trailguard.media.index import MatchResult
    from trailguard.store.banks import AddReport

bank_app = typer.Typer(help="Hash banks: named lists of image hashes to match against.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")


def _engine(settings: Settings) -> Engine:
    """The store, refused if behind the migrations and made at the newest one if empty (as `scan` does: a
    store begun with a bank must not be one a later scan refuses)."""
    from trailguard.cli.store_ready import store_at_head

    return store_at_head(settings.database_url, create_empty=True)


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@app.command("hash")
def hash_command(
    files: Annotated[list[Path], typer.Argument(help="Image files to hash.")],
    dihedral: Annotated[bool, typer.Option(help="Also print the 8 rotated/flipped PDQ hashes.")] = False,
    upright: Annotated[bool, typer.Option(help="Apply the EXIF orientation before hashing.")] = False,
) -> None:
    """Print one JSON line per file: path, pdq, quality, md5, sha256.

    A file that is not a decodable image gets md5, sha256 and an error saying why it has no PDQ; one that
    could not be read at all gets only the error. Exits 1 when no file gave any hash.
    """
    from trailguard.media.hashing import ImageError, dihedral_hashes, hash_file

    settings = Settings.from_env()
    unread = 0
    for path in files:
        result = hash_file(path, settings, upright=upright)
        out = result.to_dict()
        if result.error is None and dihedral:
            try:
                out["dihedral"], _ = dihedral_hashes(path, settings, upright=upright)
            except ImageError as exc:  # the file changed under us
                out = ImageHash(path=str(path), error=str(exc)).to_dict()
        unread += "md5" not in out
        emit_json(out)
    if unread == len(files):
        raise typer.Exit(1)


def _result_dict(query: str, result: MatchResult) -> dict[str, object]:
    return {
        "query": query,
        "matches": [m.to_dict() for m in result.matches],
        "suppressed": [m.to_dict() for m in result.suppressed],
        "negative": [m.to_dict() for m in result.negative],
        "skipped": result.skipped,
    }


def _hash_query(query: str, kind: type[HashType] | None) -> tuple[type[HashType], str]:
    """The hash a text query names: `TYPE:HEX`, hex of the `--type` given, or by length as always.

    Untyped hex keeps its old reading (64 digits PDQ, 32 MD5): a SHA-256, also 64 digits, needs
    `sha256:HEX` or `--type sha256`. ValueError, worded for the person typing, when it is none of these.
    """
    tagged = HASH_TYPES.parse_tagged(query)
    if tagged is not None:
        return tagged
    if kind is not None:
        return kind, kind.normalise(query)
    for untyped in (PDQ, MD5):
        if untyped.is_valid(query):
            return untyped, untyped.normalise(query)
    raise ValueError(
        "neither an existing file nor a PDQ (64 hex) or MD5 (32 hex) hash; "
        f"for another type write TYPE:HEX or use --type ({', '.join(HASH_TYPES.names())})"
    )


@app.command("match")
def match_command(
    queries: Annotated[
        list[str],
        typer.Argument(
            help="Image files, or hashes: PDQ (64 hex), MD5 (32 hex), or TYPE:HEX for any type "
            "(e.g. sha256:HEX)."
        ),
    ],
    max_distance: Annotated[
        int | None, typer.Option(help="PDQ Hamming distance (default from settings).")
    ] = None,
    dihedral: Annotated[
        bool, typer.Option(help="For image files, also match rotated and flipped copies.")
    ] = False,
    kind_name: Annotated[
        str | None,
        typer.Option(
            "--type",
            help=f"Read every untagged hash query as this type ({', '.join(HASH_TYPES.names())}).",
        ),
    ] = None,
) -> None:
    """Match images or hashes against every active bank; one JSON line per query.

    Exits 1 when no query could be matched at all (each was unreadable or not a hash), as `hash` does.
    """
    from trailguard.media.hashing import ImageError, dihedral_hashes, hash_file
    from trailguard.media.index import MatchIndex

    settings = Settings.from_env()
    try:
        kind = None if kind_name is None else hash_type(kind_name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--type") from exc
    distance = settings.pdq_max_distance if max_distance is None else max_distance
    if not 0 <= distance <= settings.pdq_max_distance:
        raise typer.BadParameter(
            f"--max-distance must be 0..{settings.pdq_max_distance} (TRAILGUARD_PDQ_MAX_DISTANCE)"
        )
    index = MatchIndex.from_store(_engine(settings), settings)
    failed = 0
    for query in queries:
        path = Path(query)
        if path.exists():
            image = hash_file(path, settings)
            if image.md5 is None:  # not read at all; an undecodable file still matches by MD5/SHA-256
                emit_json({"query": query, "error": image.error})
                failed += 1
                continue
            out = _result_dict(query, index.match(image, distance))
            if dihedral and image.pdq is not None:
                try:
                    forms, quality = dihedral_hashes(path, settings)
                except ImageError as exc:  # the file changed under us
                    forms, quality = {}, None
                    out["dihedral_error"] = str(exc)
                out["dihedral"] = {
                    name: _result_dict(
                        pdq, index.match(ImageHash(path=query, pdq=pdq, quality=quality), distance)
                    )
                    for name, pdq in forms.items()
                    if name != "orig"
                }
            emit_json(out)
            continue
        try:
            found_kind, value = _hash_query(query, kind)
        except ValueError as exc:
            emit_json({"query": query, "error": str(exc)})
            failed += 1
            continue
        emit_json(_result_dict(query, index.match(found_kind.as_image(value), distance)))
    if failed == len(queries):
        raise typer.Exit(1)


@bank_app.command("create")
def bank_create(
    name: str,
    kind: Annotated[str, typer.Option(help="known, negative or victim_submission")] = "known",
    description: str = "",
    source: Annotated[
        str, typer.Option(help="Where the hashes come from (e.g. a hash-sharing programme).")
    ] = "",
    by: Annotated[str | None, typer.Option(help="Who creates it (default: your user name).")] = None,
) -> None:
    """Create a bank."""
    from trailguard.store import banks

    try:
        bank = banks.create_bank(
            _engine(Settings.from_env()),
            name,
            kind,
            description=description,
            source=source,
            created_by=_who(by),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    emit_json({"created": bank.name, "kind": bank.kind})


@bank_app.command("list")
def bank_list() -> None:
    """One JSON line per bank with its number of active hashes."""
    from trailguard.store import banks

    for b in banks.list_banks(_engine(Settings.from_env())):
        emit_json(
            {"name": b.name, "kind": b.kind, "active_entries": b.active_entries, "source": b.source,
             "created_by": b.created_by, "created_at": b.created_at.isoformat()}
        )  # fmt: skip


_READD = Annotated[
    bool, typer.Option("--readd", help="Add again hashes that were withdrawn from this bank (default: skip).")
]


def _report(report: AddReport, where: str = "record") -> None:
    """`where` names what the number of a rejected record counts: a file's `line` or the `record` offered."""
    for number, reason in report.rejected:
        emit_json({where: number, "rejected": reason})
    emit_json(
        {
            "read": report.read,
            "added": report.added,
            "duplicates": report.duplicates,
            "previously_withdrawn": report.previously_withdrawn,
            "rejected": len(report.rejected),
        }
    )


@bank_app.command("import")
def bank_import(
    name: str,
    file: Path,
    fmt: Annotated[str, typer.Option("--format", help="csv or pdq-lines")] = "csv",
    kind: Annotated[
        str, typer.Option("--type", help="Hash type when the file has no type column.")
    ] = PDQ.name,
    source: Annotated[str, typer.Option(help="Source recorded on entries that name none.")] = "",
    by: Annotated[str | None, typer.Option(help="Who adds them (default: your user name).")] = None,
    readd: _READD = False,
) -> None:
    """Add every hash in a file; bad records are listed with their line and reason and the rest are added."""
    from trailguard.media import bankfiles
    from trailguard.store import banks

    engine = _engine(Settings.from_env())
    try:
        with file.open(encoding="utf-8", errors="replace", newline="") as fh:
            entries = bankfiles.read_entries(fh, fmt, default_type=kind, source=source or file.name)
            report = banks.add_entries(engine, name, entries, added_by=_who(by), readd=readd)
    except (KeyError, ValueError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    _report(report, "line")


@bank_app.command("export")
def bank_export(
    name: str,
    file: Annotated[Path | None, typer.Argument(help="Output file (default: standard output).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or pdq-lines")] = "csv",
) -> None:
    """Write the bank's active hashes (withdrawn ones are never exported)."""
    from trailguard.media import bankfiles
    from trailguard.store import banks

    engine = _engine(Settings.from_env())
    try:
        banks.get_bank(engine, name)
        if file is None:
            bankfiles.write_entries(banks.active_entries(engine, name), sys.stdout, fmt)
        else:
            with file.open("w", encoding="utf-8", newline="") as fh:
                count = bankfiles.write_entries(banks.active_entries(engine, name), fh, fmt)
            emit_json({"exported": count, "file": str(file)})
    except (KeyError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {file}: {exc.strerror or exc}") from exc


@bank_app.command("add")
def bank_add(
    name: str,
    value: str,
    kind: Annotated[str, typer.Option("--type", help=", ".join(HASH_TYPES.names()))] = PDQ.name,
    quality: int | None = None,
    label: str = "",
    source: str = "",
    case_ref: Annotated[str | None, typer.Option(help="Optional case reference.")] = None,
    by: Annotated[str | None, typer.Option(help="Who adds it (default: your user name).")] = None,
    readd: _READD = False,
) -> None:
    """Add one hash."""
    from trailguard.store import banks

    entry = banks.NewEntry(kind, value, quality=quality, label=label, source=source, case_ref=case_ref)
    try:
        report = banks.add_entries(
            _engine(Settings.from_env()), name, [entry], added_by=_who(by), readd=readd
        )
    except (KeyError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    _report(report)
    if report.rejected:
        raise typer.Exit(1)


@bank_app.command("withdraw")
def bank_withdraw(
    name: str,
    reason: Annotated[str, typer.Option(help="Why it is withdrawn (kept in the audit trail).")],
    entry_id: Annotated[int | None, typer.Option("--id", help="Entry id to withdraw.")] = None,
    value: Annotated[str | None, typer.Option(help="Withdraw every active entry with this hash.")] = None,
    case_ref: Annotated[
        str | None, typer.Option(help="Withdraw the active entries of this case (with --value: only those).")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who withdraws it (default: your user name).")] = None,
) -> None:
    """Withdraw a hash: it stops matching at once and leaves every export."""
    from trailguard.store import banks

    try:
        count = banks.withdraw(
            _engine(Settings.from_env()),
            name,
            by=_who(by),
            reason=reason,
            entry_id=entry_id,
            value=value,
            case_ref=case_ref,
        )
    except (KeyError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    emit_json({"withdrawn": count})
    if count == 0:
        raise typer.Exit(1)


@bank_app.command("submit-victim-hash")
def bank_submit_victim_hash(
    case: Annotated[str, typer.Option(help="The case number the hashing page gave the person.")],
    pdq: Annotated[str | None, typer.Option(help="PDQ hash (64 hex).")] = None,
    quality: Annotated[int | None, typer.Option(help="PDQ quality shown by the page.")] = None,
    md5: Annotated[str | None, typer.Option(help="MD5 (32 hex).")] = None,
    by: Annotated[str | None, typer.Option(help="Who records it (default: your user name).")] = None,
) -> None:
    """Record the hashes a person copied from the on-device page and gave to staff (never the image)."""
    from trailguard.store import banks

    try:
        report = banks.submit_victim_hash(
            _engine(Settings.from_env()),
            case_ref=case,
            pdq=pdq,
            quality=quality,
            md5=md5,
            submitted_by=_who(by),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    _report(report)
    if report.rejected:
        raise typer.Exit(1)
